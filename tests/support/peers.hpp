// The two VRRP routers of an interop test: warmgate in its namespace (the
// built program, on a net_af_packet port over the veth) and Debian's
// keepalived in the other, each with one group (kVrid, kVirtualIp) and a
// 1-second advertisement interval. warmgate's state is read with
// `warmgatectl --json display vrrp verbose`; keepalived's through its notify
// script, which appends every state it enters to a file.
//
// Thread-safety: single-threaded, like the tests that use them.
#pragma once

#include "tests/support/lab.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wg::interop {

// One side's VRRP group. Both sides use advert_int 1 s.
struct GroupOptions {
    unsigned version = 3; // 3: RFC 5798; 2: RFC 3768
    unsigned priority = 100;
    unsigned preempt_delay_s = 0; // warmgate: preempt {delay: N}; keepalived always preempts at once
    unsigned recover_delay_s = 0; // warmgate only
    std::string auth_key;         // v2 simple text authentication; empty: none
};

// warmgate's YAML for its end of `link`. With a key, authentication is
// configured the only way the loader offers today: through a
// remote_backup_profile tracking the group (seed: `vrrp vrid 1
// authentication-mode ...` lives in the RBP), which brings the RBS, ssl_policy
// and pki_domain chain with it; `certs` holds gen-certs.sh's deviceA set.
std::string warmgate_config(const Link& link, const GroupOptions& g, const std::string& socket,
                            const std::string& certs);

// warmgate's view of its group, from `display vrrp verbose --json`.
struct VrrpView {
    std::string state; // initialize | backup | master | fault
    std::string master_ip;
    uint64_t master_priority = 0;
    std::string preempt_wait; // none | delay | ...
    std::optional<int64_t> preempt_in_ms;
    uint64_t adverts_sent = 0;
    std::map<std::string, uint64_t> rx; // the receive ladder's counters
    struct Change {
        int64_t age_ms = 0;
        std::string from, to, reason;
    };
    std::vector<Change> changes; // newest first
    std::string raw;             // the JSON, for failure messages
};

class Warmgate {
  public:
    // Starts warmgate in link's warmgate namespace with `config` (a file);
    // `name` names its output files in `dir`.
    Warmgate(const TempDir& dir, const Link& link, const std::string& name, const std::string& config,
             std::string socket);
    ~Warmgate(); // SIGKILL if still running; removes its own DPDK runtime directory
    Warmgate(const Warmgate&) = delete;
    Warmgate& operator=(const Warmgate&) = delete;

    // Until `display version` answers; false with the output in `why`.
    bool wait_ready(std::string& why);
    void signal(int sig) { proc_->signal(sig); }
    std::optional<int> wait_exit(std::chrono::milliseconds timeout) { return proc_->wait_exit(timeout); }
    bool running() { return proc_->running(); }

    // nullopt while it does not answer (starting, stopping, gone).
    std::optional<VrrpView> view() const;
    // The state alone, "" while it does not answer.
    std::string state() const;
    std::string describe() const; // output files and the last view, for failure messages

  private:
    const TempDir& dir_;
    std::string name_, socket_, prefix_;
    std::unique_ptr<apptest::Process> proc_;
};

class Keepalived {
  public:
    // Writes the configuration and the notify script into `dir` and starts
    // `keepalived --dont-fork --vrrp` in link's keepalived namespace.
    Keepalived(const TempDir& dir, const Link& link, const std::string& name, const GroupOptions& g);
    ~Keepalived(); // stops it (and its VRRP child) if still running
    Keepalived(const Keepalived&) = delete;
    Keepalived& operator=(const Keepalived&) = delete;

    // Every state the notify script reported, oldest first (MASTER, BACKUP,
    // FAULT, STOP); state() is the last one, "" before the first.
    std::vector<std::string> states() const;
    std::string state() const;
    bool running() { return proc_->running(); }
    // SIGTERM, then SIGKILL if it does not exit; also the VRRP child it forked.
    void stop();
    std::string describe() const; // configuration, states and log, for failure messages

  private:
    const TempDir& dir_;
    std::string name_, conf_, states_, pid_, vrrp_pid_;
    std::unique_ptr<apptest::Process> proc_;
};

} // namespace wg::interop
