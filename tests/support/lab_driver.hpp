// Driver of the lab for the fault and hostile suites (docs/lab.md): the
// real scripts/lab.sh builds the seed's network in namespaces and starts
// both devices; wg-trafgen sends and counts the downlink exactly as
// scripts/demo.sh does (generator in wg-core on gen0, receiver in wg-hosts on
// h0); warmgatectl --json reads the devices' state. The namespace names are
// fixed by lab.sh, so one lab runs on a machine at a time: acquire() waits
// for a foreign lab to go away and cleans up after a run of this suite that
// died.
//
// Every Lab gets its own LAB_DIR, /tmp/wg-labsuite-<pid>-<n>. It is removed
// when the Lab is destroyed, unless keep() was called (a failed test keeps
// the configs and the devices' logs for inspection).
//
// Thread-safety: single-threaded, like the tests that use it.
#pragma once

#include "tests/support/harness.hpp"

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wg::labtest {

using apptest::Clock;
using namespace std::chrono_literals;
using Ms = std::chrono::milliseconds;

struct Paths {
    std::string source_root; // scripts/lab.sh
    std::string build_root;  // WARMGATE_BUILD for lab.sh
    std::string warmgatectl, trafgen;
};
void set_paths(Paths p);
const Paths& paths();

// The lab's fixed namespaces (scripts/lab.sh).
inline const std::vector<std::string> kNamespaces = {"wg-lsw", "wg-hosts", "wg-a", "wg-b", "wg-core"};
inline constexpr const char* kFirstHost = "10.1.1.101";
// The generator sends to the network-side group's virtual MAC (docs/lab.md).
inline constexpr const char* kDownlinkMac = "00:00:5e:00:01:02";

// "10.1.1.101" + n, as lab.sh numbers its hosts (up to 10.2.135.180 for 100k: the user subnet is a /14).
std::string host_address(unsigned n);

// Sends SIGTERM/SIGINT to lab.sh down for the lab that is up, then exits:
// a meson timeout must not leave namespaces and devices behind.
void install_emergency_down();

class Lab {
  public:
    Lab();
    ~Lab(); // lab.sh down; the LAB_DIR goes too unless keep()
    Lab(const Lab&) = delete;
    Lab& operator=(const Lab&) = delete;

    const std::string& dir() const { return dir_; }
    void keep() { keep_ = true; }

    // Waits (up to `timeout`) until no lab namespaces exist. Namespaces
    // left by a dead run of this suite are cleaned up with lab.sh down.
    bool acquire(std::chrono::seconds timeout, std::string& why);

    // lab.sh up --hosts N with LAB_PREEMPT_DELAY = preempt_delay_s and the
    // notify hook marking master_DeviceX in events(); `more`: further
    // options of lab.sh up (e.g. --host-emulator --host-opts "...").
    bool up(unsigned hosts, unsigned preempt_delay_s, std::string& why,
            const std::vector<std::string>& more = {});
    // scripts/lab.sh ARGS (start a, stop a --kill, ...).
    bool sh(const std::vector<std::string>& args, std::string& why, Ms timeout = 60s);
    // ip netns exec NS ARGV.
    bool in_ns(const std::string& ns, const std::vector<std::string>& argv, std::string& why);

    // warmgatectl --json on Device `d` ('a' or 'b'); a null node when the
    // device does not answer or the reply does not parse.
    YAML::Node json(char d, const std::vector<std::string>& words);
    YAML::Node vrrp_group1(char d); // display vrrp, vrid 1
    YAML::Node profile(char d) {
        return first(json(d, {"display", "remote-backup-profile", "profile1"}), "profiles");
    }
    YAML::Node service(char d) {
        return first(json(d, {"display", "remote-backup-service", "service1"}), "services");
    }
    YAML::Node stats(char d) { return json(d, {"display", "statistics"}); }
    struct ArpEntry {
        std::string type, interface; // "synced", "dynamic", ...; GigabitEthernet0/1/0
    };
    std::map<std::string, ArpEntry> arp_table(char d); // display arp, by IP; empty when no answer
    std::string state(char d);                         // the user-side group's state; "" when unknown
    // Polls until Device d's group 1 is `want`; the last state seen in `seen`.
    bool wait_state(char d, const std::string& want, Ms timeout, std::string& seen);

    // Two probes to each of `count` hosts from host index `from`, outside any
    // measured run: the Master resolves them (ARP miss → resolution).
    bool warm(unsigned from, unsigned count, std::string& why);
    // Warm-up at scale (scripts/demo.sh): probes to hosts [0, count) at
    // `pps` until Device d's adjacency_entries reach count + 1 (the hosts
    // and the network-side router), within `timeout`. A resolves at
    // arp.requests_per_s (2000/s by default): ~51 s for 100k hosts.
    bool warm_until_resolved(char d, unsigned count, unsigned pps, std::chrono::seconds timeout,
                             std::string& why);

    // The events file the notify hooks and mark() append to, and its lines.
    std::string events() const { return dir_ + "/events"; }
    void clear_events();
    int64_t mark(const std::string& name); // CLOCK_MONOTONIC ns of the mark; -1 on failure
    std::optional<int64_t> event_ns(const std::string& name) const;

    // Both devices' operator view and the tails of their logs, for failure messages.
    std::string diagnostics();

    static YAML::Node first(const YAML::Node& n, const char* list);

  private:
    apptest::TempDir scratch_; // warmgatectl and tool outputs
    std::string dir_;
    bool keep_ = false;
    bool upped_ = false;
};

// One measured window of downlink traffic: rx on h0 (started first), tx from
// gen0 to `hosts` hosts at `pps` until stop(). The loss analysis is rx's
// JSON (docs/traffic.md): lost_before / lost_detection / lost_after by the
// events file's first two marks.
class Traffic {
  public:
    Traffic(Lab& lab, unsigned hosts, unsigned pps);
    ~Traffic();
    Traffic(const Traffic&) = delete;
    Traffic& operator=(const Traffic&) = delete;

    // rx --per-host-max N (before start()): at many hosts, list only hosts
    // with loss in per_host, at most N (docs/traffic.md).
    void per_host_max(unsigned n) { per_host_max_ = n; }
    bool start(std::string& why);
    bool stop(std::string& why); // SIGTERM to tx, then rx; reads the results
    const YAML::Node& rx() const { return rx_; }
    uint64_t num(const char* key) const; // rx's top-level counter (0 when absent)
    // Probes lost after the failover's outage ended: their global sequence
    // number (tx sends round-robin, so host seq * hosts + host index) is
    // beyond the outage's last lost one. Once the new Master delivers, a
    // loss can no longer be the switchover: this is the ARP-miss loss. rx's
    // lost_after, by the notify hook's mark, can also hold the outage's last
    // probes: the hook runs as group 1 becomes Master, a moment before the
    // network-side group's gratuitous ARP moves the downlink. Without an
    // outage, every loss counts. Gaps rx did not list count too.
    uint64_t lost_after_outage() const;
    // The events rx attributed by, in time order (the first two bound the phases).
    std::vector<std::string> event_names() const;
    // sent, received, lost by phase, outage, and the first hosts with loss
    // after the takeover with their gaps: for failure messages and the log.
    std::string summary() const;

  private:
    Lab& lab_;
    unsigned hosts_, pps_;
    unsigned per_host_max_ = 0; // 0: rx's default (every host listed)
    std::unique_ptr<apptest::Process> tx_, rx_proc_;
    YAML::Node rx_;
};

// `display statistics` total.<key>, 0 when missing.
uint64_t total(const YAML::Node& stats, const char* key);
// A scalar as text ("" when missing or null): digests compare as text.
std::string text(const YAML::Node& n);
uint64_t counter(const YAML::Node& profile, const char* key); // profile counters.<key>
std::string brief_profile(const YAML::Node& p); // role, in_sync, entries, digests, hold, counters
std::string brief_service(const YAML::Node& s); // tcp state, reconnects, sessions

} // namespace wg::labtest
