// The lab's faults (docs/lab.md "The fault suite"): each test brings the seed's network up
// with scripts/lab.sh, lets Device A learn every host and replicate it to
// Device B (RBS service1, RBP profile1), then injects one fault while
// downlink traffic runs through the Master, as scripts/demo.sh does. Every
// case asserts that the new Master loses nothing to ARP misses for the
// synced hosts: no probe is lost once the failover's outage has ended (the
// lost_arp_miss of scripts/demo.sh, without the outage's last probes that
// the notify hook's mark can put after the takeover: lab_driver.hpp), and the
// new Master had every host in its table as it took over and resolved none
// of them afterwards.
// It also asserts that the two devices' replicated-table digests are equal
// (before the kill when Device A dies, at the end when both live).
//
// Timing: the waits are polls with generous bounds; only the preempt case
// compares a measured time with a configured one (the preempt delay). The
// traffic windows are a few seconds (the suite must fit CI on 2 cores).
#include "tests/support/lab_driver.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <set>
#include <sstream>
#include <thread>

namespace wg::labtest {
namespace {

using apptest::wait_until;

constexpr unsigned kHosts = 100;
constexpr unsigned kPps = 1000;        // 10 probes per host per second
constexpr unsigned kPreemptDelayS = 5; // LAB_PREEMPT_DELAY: the seed's 600 s, shortened
constexpr auto kBefore = 2s;           // steady traffic through Device A before the fault
constexpr auto kAfter = 2s;            // traffic through the new Master after its takeover
constexpr auto kTakeover = 15s;        // bound for the Backup's takeover (Master_Down_Interval 3.6 s)
constexpr auto kSync = 20s;            // bound for the replication to converge

double secs(Clock::duration d) {
    return std::chrono::duration<double>(d).count();
}
double ms_between(int64_t from_ns, int64_t to_ns) {
    return double(to_ns - from_ns) / 1e6;
}

class LabFaults : public ::testing::Test {
  protected:
    void SetUp() override {
        started_ = Clock::now();
        lab_ = std::make_unique<Lab>();
        std::string why;
        ASSERT_TRUE(lab_->acquire(180s, why)) << why;
    }

    void TearDown() override {
        if (HasFailure()) {
            std::printf("%s", lab_->diagnostics().c_str());
            lab_->keep();
            std::printf("[lab] configs, logs and traffic results kept in %s\n", lab_->dir().c_str());
        }
        lab_.reset();
        std::printf("[lab] %s: %.1f s\n", ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                    secs(Clock::now() - started_));
    }

    std::string both_profiles() {
        return "\n  DeviceA profile1: " + brief_profile(lab_->profile('a')) +
               "\n  DeviceB profile1: " + brief_profile(lab_->profile('b'));
    }

    // Lab up with `hosts` host addresses; Device A Master, B Backup; the
    // first `warm` hosts learned by A and replicated to B.
    void bring_up(unsigned hosts, unsigned warm) {
        std::string why, seen;
        ASSERT_TRUE(lab_->up(hosts, kPreemptDelayS, why)) << why;
        ASSERT_TRUE(lab_->wait_state('a', "master", 30s, seen))
            << "DeviceA's group 1 is '" << seen << "', not master";
        ASSERT_TRUE(lab_->wait_state('b', "backup", 15s, seen))
            << "DeviceB's group 1 is '" << seen << "', not backup";
        // The notify hook's mark must be written before a traffic window
        // clears the events file, or it would land in that window.
        ASSERT_TRUE(wait_until([&] { return lab_->event_ns("master_DeviceA").has_value(); }, 10s))
            << "DeviceA's notify hook did not mark master_DeviceA";
        ASSERT_TRUE(lab_->warm(0, warm, why)) << why;
        ASSERT_NO_FATAL_FAILURE(wait_synced(warm, "after the warm-up"));
    }

    // Both profiles in sync with equal digests, on at least `entries`
    // entries (the hosts; a Master also replicates what it learned itself,
    // such as the other device's address from its ARP requests).
    void wait_synced(unsigned entries, const std::string& when, Ms timeout = kSync) {
        const bool ok = wait_until(
            [&] {
                const YAML::Node a = lab_->profile('a'), b = lab_->profile('b');
                return a["entries"].as<uint64_t>(0) >= entries && text(a["entries"]) == text(b["entries"]) &&
                       text(a["in_sync"]) == "true" && text(b["in_sync"]) == "true" &&
                       !text(a["local_digest"]).empty() && text(a["local_digest"]) == text(b["local_digest"]);
            },
            timeout);
        ASSERT_TRUE(ok) << "the devices did not converge on " << entries << " or more replicated entries "
                        << when << " within " << timeout.count() << " ms:" << both_profiles()
                        << "\n  DeviceA adjacency_entries "
                        << text(lab_->stats('a')["control"]["adjacency_entries"]);
    }

    using Table = std::map<std::string, Lab::ArpEntry>;

    uint64_t miss_requests(char d) {
        const YAML::Node st = lab_->json(d, {"display", "arp", "statistics"});
        return st.IsMap() ? st["arp"]["counters"]["miss_requests_sent"].as<uint64_t>(0) : 0;
    }

    // The new Master `d` lost nothing to ARP misses for the synced hosts:
    // `before` (its table as it took over) holds every host of [0, hosts),
    // and none of them is among the entries it resolved afterwards (`after`
    // minus `before`: an ARP miss resolves its next hop). The fast path's
    // Nor did it have to resolve anything else: the network-side router
    // 192.0.2.254 is not replicated (profile1 binds only the user-side
    // interface, as the seed does) but, being a route's next hop, every
    // device resolves it at start and keeps it, Backup or not.
    std::string check_hosts_resolved(char d, const Table& before, const Table& after, unsigned hosts,
                                     uint64_t arp_miss, uint64_t requests) {
        std::string missing, relearned, other;
        unsigned n_missing = 0, n_relearned = 0;
        std::set<std::string> host_ips;
        for (unsigned i = 0; i < hosts; ++i) {
            const std::string ip = host_address(i);
            host_ips.insert(ip);
            if (before.count(ip) == 0 && n_missing++ < 10) missing += " " + ip;
        }
        for (const auto& [ip, e] : after) {
            if (before.count(ip)) continue;
            if (host_ips.count(ip)) {
                if (n_relearned++ < 10) relearned += " " + ip;
            } else {
                other += " " + ip + " (" + e.interface + ", " + e.type + ")";
            }
        }
        const std::string dev = std::string("Device") + char(std::toupper(d));
        EXPECT_EQ(n_missing, 0u) << dev << " lacked " << n_missing
                                 << " synced hosts as it took over:" << missing;
        EXPECT_EQ(n_relearned, 0u) << dev << " had to resolve " << n_relearned
                                   << " hosts after it took over (ARP misses):" << relearned;
        EXPECT_EQ(other, "") << dev << " resolved other next hops only after it took over:" << other;
        return dev + " arp_miss +" + std::to_string(arp_miss) + ", ARP requests on a miss +" +
               std::to_string(requests) +
               ", resolved after the takeover:" + (other.empty() ? " nothing" : other);
    }

    // The demo's failover, measured: traffic to `hosts` hosts, kill -9 of
    // Device A, Device B Master, zero ARP-miss loss on B.
    void kill_master_measured(unsigned hosts, const char* label) {
        std::string why, seen;
        Traffic tr(*lab_, hosts, kPps);
        ASSERT_TRUE(tr.start(why)) << why;
        std::this_thread::sleep_for(kBefore);

        const YAML::Node pa = lab_->profile('a'), pb = lab_->profile('b');
        EXPECT_EQ(text(pa["local_digest"]), text(pb["local_digest"]))
            << "digests differ just before the kill:" << both_profiles();
        EXPECT_GE(pb["entries"].as<uint64_t>(0), hosts) << "DeviceB before the kill: " << brief_profile(pb);
        const uint64_t miss_before = total(lab_->stats('b'), "arp_miss");
        const uint64_t requests_before = miss_requests('b');
        const Table table_before = lab_->arp_table('b');

        const int64_t kill_ns = lab_->mark("kill");
        ASSERT_TRUE(lab_->sh({"stop", "a", "--kill"}, why)) << why;
        ASSERT_TRUE(lab_->wait_state('b', "master", kTakeover, seen))
            << "DeviceB's group 1 is '" << seen << "' " << kTakeover.count() << " s after DeviceA was killed";
        // The notify hook's mark bounds the detection window.
        EXPECT_TRUE(wait_until([&] { return lab_->event_ns("master_DeviceB").has_value(); }, 5s))
            << "DeviceB's notify hook did not mark master_DeviceB";
        std::this_thread::sleep_for(kAfter);
        ASSERT_TRUE(tr.stop(why)) << why;

        const YAML::Node sb = lab_->stats('b');
        const std::string misses =
            check_hosts_resolved('b', table_before, lab_->arp_table('b'), hosts,
                                 total(sb, "arp_miss") - miss_before, miss_requests('b') - requests_before);
        const auto master_ns = lab_->event_ns("master_DeviceB");
        std::printf(
            "[lab] %s: %u hosts, %u pps: %s; time to master %.0f ms; %s; digests before the kill %s / %s\n",
            label, hosts, kPps, tr.summary().c_str(), master_ns ? ms_between(kill_ns, *master_ns) : -1.0,
            misses.c_str(), text(pa["local_digest"]).c_str(), text(pb["local_digest"]).c_str());

        using Names = std::vector<std::string>;
        EXPECT_EQ(tr.event_names(), (Names{"kill", "master_DeviceB"}))
            << "the phases are wrong: " << tr.summary();
        EXPECT_EQ(tr.lost_after_outage(), 0u)
            << "probes lost after DeviceB took over (ARP misses): " << tr.summary();
        EXPECT_FALSE(text(tr.rx()["first_rx_after_event_ns"]).empty())
            << "the downlink never resumed through DeviceB: " << tr.summary();
        EXPECT_GT(total(sb, "forwarded"), 0u) << "DeviceB forwarded nothing after the takeover";
    }

    Clock::time_point started_;
    std::unique_ptr<Lab> lab_;
};

// 1. kill -9 of the Master: Device B becomes Master with every host resolved.
TEST_F(LabFaults, KillMaster) {
    ASSERT_NO_FATAL_FAILURE(bring_up(kHosts, kHosts));
    ASSERT_NO_FATAL_FAILURE(kill_master_measured(kHosts, "kill-master"));
}

// 2. The Master's user port goes down (the veth under its net_af_packet
// port): Device A must notice (group 1 leaves Master: fault/initialize), and
// Device B takes over without ARP misses. Device A stays alive, so at the
// end B (now Master) has replicated its table back: digests equal.
TEST_F(LabFaults, MasterUserPortDown) {
    ASSERT_NO_FATAL_FAILURE(bring_up(kHosts, kHosts));
    std::string why, seen;
    Traffic tr(*lab_, kHosts, kPps);
    ASSERT_TRUE(tr.start(why)) << why;
    std::this_thread::sleep_for(kBefore);
    const uint64_t miss_before = total(lab_->stats('b'), "arp_miss");
    const uint64_t requests_before = miss_requests('b');
    const Table table_before = lab_->arp_table('b');

    const int64_t down_ns = lab_->mark("port_down");
    ASSERT_TRUE(lab_->in_ns("wg-a", {"ip", "link", "set", "a-user", "down"}, why)) << why;
    // Device A notices within a few link polls: its group 1 leaves Master.
    std::string a_state;
    const bool a_left = wait_until(
        [&] {
            a_state = lab_->state('a');
            return !a_state.empty() && a_state != "master";
        },
        kTakeover);
    const bool b_master = lab_->wait_state('b', "master", kTakeover, seen);
    // What A's port reports for the downed veth (display interface).
    std::string a_port = "(no answer)";
    for (const auto& i : lab_->json('a', {"display", "interface"})["interfaces"])
        if (text(i["name"]) == "GigabitEthernet0/1/0")
            a_port = "link '" + text(i["link"]) + "', tx_packets " + text(i["tx_packets"]) + ", tx_errors " +
                     text(i["tx_errors"]);
    EXPECT_TRUE(wait_until([&] { return lab_->event_ns("master_DeviceB").has_value(); }, 5s))
        << "DeviceB's notify hook did not mark master_DeviceB";
    std::this_thread::sleep_for(kAfter);
    ASSERT_TRUE(tr.stop(why)) << why;

    const YAML::Node sa = lab_->stats('a'), sb = lab_->stats('b');
    const std::string misses =
        check_hosts_resolved('b', table_before, lab_->arp_table('b'), kHosts,
                             total(sb, "arp_miss") - miss_before, miss_requests('b') - requests_before);
    const auto master_ns = lab_->event_ns("master_DeviceB");
    std::printf(
        "[lab] user-port-down: %s; DeviceA group 1 '%s', DeviceB group 1 '%s', time to master %.0f ms; "
        "%s; DeviceA forwarded %llu\n",
        tr.summary().c_str(), a_state.c_str(), seen.c_str(),
        master_ns ? ms_between(down_ns, *master_ns) : -1.0, misses.c_str(),
        (unsigned long long)total(sa, "forwarded"));

    EXPECT_TRUE(a_left)
        << "DeviceA's group 1 is still '" << a_state << "' " << kTakeover.count()
        << " s after its user port (a-user) went down: warmgate did not notice the link down; "
        << "its port GigabitEthernet0/1/0 (net_af_packet on a-user) reports " << a_port;
    ASSERT_TRUE(b_master) << "DeviceB's group 1 is '" << seen << "' " << kTakeover.count()
                          << " s after DeviceA's user port went down";
    using Names = std::vector<std::string>;
    EXPECT_EQ(tr.event_names(), (Names{"port_down", "master_DeviceB"}))
        << "the phases are wrong: " << tr.summary();
    EXPECT_EQ(tr.lost_after_outage(), 0u) << "probes lost after DeviceB took over: " << tr.summary();
    EXPECT_FALSE(text(tr.rx()["first_rx_after_event_ns"]).empty())
        << "the downlink never resumed through DeviceB: " << tr.summary();
    // Both alive: the new Master (B) and A converge on the same table.
    ASSERT_NO_FATAL_FAILURE(wait_synced(kHosts, "after the takeover (DeviceA alive, its user port down)"));
    const YAML::Node pa = lab_->profile('a'), pb = lab_->profile('b');
    EXPECT_EQ(text(pa["state"]), "slave") << brief_profile(pa);
    EXPECT_EQ(text(pb["state"]), "master") << brief_profile(pb);
}

// 3. The sync link cut for 10 s and restored: the session goes down, Device A
// learns new hosts meanwhile, the session comes back (TCP-State connected)
// and Device B catches up (resume or snapshot); then the failover loses
// nothing to ARP misses, the new hosts included.
TEST_F(LabFaults, SyncLinkCut) {
    constexpr unsigned kNew = 20; // hosts A learns while the sync link is down
    ASSERT_NO_FATAL_FAILURE(bring_up(kHosts + kNew, kHosts));
    std::string why;
    const YAML::Node sv0 = lab_->service('a');
    const YAML::Node pa0 = lab_->profile('a'), pb0 = lab_->profile('b');
    const uint64_t sessions_up0 = sv0["counters"]["sessions_up"].as<uint64_t>(0);

    const auto cut = Clock::now();
    ASSERT_TRUE(lab_->in_ns("wg-a", {"ip", "link", "set", "a-sync", "down"}, why)) << why;
    // The dead-peer timer (3.5 s without a frame) ends the session.
    std::string tcp;
    EXPECT_TRUE(wait_until(
        [&] {
            tcp = text(lab_->service('a')["tcp_state"]);
            return !tcp.empty() && tcp != "connected";
        },
        9s))
        << "DeviceA's service1 still says TCP-State '" << tcp
        << "' with the sync link down: " << brief_service(lab_->service('a'));
    const double detected_s = secs(Clock::now() - cut);
    ASSERT_TRUE(lab_->warm(kHosts, kNew, why)) << why;
    EXPECT_TRUE(
        wait_until([&] { return lab_->profile('a')["entries"].as<uint64_t>(0) >= kHosts + kNew; }, 10s))
        << "DeviceA did not record the " << kNew << " hosts it learned during the cut:" << both_profiles();
    EXPECT_EQ(text(lab_->profile('b')["entries"]), text(pb0["entries"]))
        << "DeviceB changed while the sync link was down:" << both_profiles();
    std::this_thread::sleep_until(cut + 10s);
    ASSERT_TRUE(lab_->in_ns("wg-a", {"ip", "link", "set", "a-sync", "up"}, why)) << why;
    // Setting a link down deletes the routes through it: restore lab.sh's
    // route to the peer's loopback with the link, as the network's own
    // configuration would (a pulled cable keeps them; the kernel cannot
    // drop a veth's carrier alone).
    ASSERT_TRUE(lab_->in_ns("wg-a", {"ip", "route", "replace", "2.2.2.2/32", "via", "172.16.12.2"}, why))
        << why;
    const auto restored = Clock::now();

    EXPECT_TRUE(wait_until([&] { return text(lab_->service('a')["tcp_state"]) == "connected"; }, 20s))
        << "the session did not come back after the sync link was restored: "
        << brief_service(lab_->service('a'));
    const double reconnect_s = secs(Clock::now() - restored);
    ASSERT_NO_FATAL_FAILURE(wait_synced(kHosts + kNew, "after the sync link was restored"));
    const double synced_s = secs(Clock::now() - restored);

    const YAML::Node sv1 = lab_->service('a'), svb = lab_->service('b');
    const YAML::Node pa1 = lab_->profile('a'), pb1 = lab_->profile('b');
    const uint64_t resumes = counter(pa1, "resumes") - counter(pa0, "resumes");
    const uint64_t snapshots = counter(pa1, "snapshots_sent") - counter(pa0, "snapshots_sent");
    std::printf(
        "[lab] sync-link-cut: session down after %.1f s, reconnected %.1f s and synced %.1f s after the "
        "restore; DeviceA %s; resumes +%llu, snapshots_sent +%llu\n  DeviceA service1: %s\n  DeviceB "
        "service1: %s\n  DeviceA profile1: %s\n  DeviceB profile1: %s\n",
        detected_s, reconnect_s, synced_s, text(sv1["tcp_state"]).c_str(), (unsigned long long)resumes,
        (unsigned long long)snapshots, brief_service(sv1).c_str(), brief_service(svb).c_str(),
        brief_profile(pa1).c_str(), brief_profile(pb1).c_str());
    EXPECT_GT(sv1["counters"]["sessions_up"].as<uint64_t>(0), sessions_up0)
        << "no new session after the cut: " << brief_service(sv1);
    EXPECT_GE(sv1["counters"]["dead_peer"].as<uint64_t>(0) + sv1["counters"]["sessions_down"].as<uint64_t>(0),
              1u)
        << "the counters do not show the lost session: " << brief_service(sv1);
    EXPECT_GE(resumes + snapshots, 1u)
        << "DeviceB caught up, but DeviceA's counters show neither a resume nor a "
        << "snapshot:" << both_profiles();
    EXPECT_GE(counter(pb1, "entries_installed"), counter(pb0, "entries_installed") + kNew)
        << "DeviceB did not install the " << kNew << " new hosts:" << both_profiles();

    ASSERT_NO_FATAL_FAILURE(kill_master_measured(kHosts + kNew, "sync-link-cut failover"));
}

// 4. The Slave restarted: Device B gets a full batch on reconnect
// (snapshots_received == 1 in its new process, entries equal to A's), then
// the failover loses nothing to ARP misses.
TEST_F(LabFaults, SlaveRestart) {
    ASSERT_NO_FATAL_FAILURE(bring_up(kHosts, kHosts));
    std::string why, seen;
    const auto t0 = Clock::now();
    ASSERT_TRUE(lab_->sh({"stop", "b"}, why)) << why;
    ASSERT_TRUE(lab_->sh({"start", "b"}, why)) << why;
    ASSERT_TRUE(lab_->wait_state('b', "backup", 30s, seen))
        << "restarted DeviceB's group 1 is '" << seen << "'";
    ASSERT_NO_FATAL_FAILURE(wait_synced(kHosts, "after DeviceB restarted"));
    const YAML::Node pa = lab_->profile('a'), pb = lab_->profile('b');
    std::printf(
        "[lab] slave-restart: DeviceB synced %.1f s after its restart began\n  DeviceA profile1: %s\n  "
        "DeviceB profile1: %s\n",
        secs(Clock::now() - t0), brief_profile(pa).c_str(), brief_profile(pb).c_str());
    EXPECT_EQ(counter(pb, "snapshots_received"), 1u) << "restarted DeviceB: " << brief_profile(pb);
    EXPECT_EQ(text(pb["entries"]), text(pa["entries"])) << both_profiles();
    EXPECT_EQ(std::to_string(counter(pb, "entries_installed")), text(pa["entries"]))
        << "restarted DeviceB: " << brief_profile(pb);
    EXPECT_EQ(lab_->state('a'), "master") << "DeviceA lost Mastership while DeviceB restarted";

    ASSERT_NO_FATAL_FAILURE(kill_master_measured(kHosts, "slave-restart failover"));
}

// 5. Device A returns with its preempt delay: after A was killed and B took
// over, A restarts. It must not take Mastership back before it is synced (the
// batch from B completed: in_sync, every entry), then it preempts after its
// preempt delay, and the downlink moves back to A without ARP misses.
TEST_F(LabFaults, MasterReturnsAfterPreemptDelay) {
    ASSERT_NO_FATAL_FAILURE(bring_up(kHosts, kHosts));
    std::string why, seen;
    ASSERT_TRUE(lab_->sh({"stop", "a", "--kill"}, why)) << why;
    ASSERT_TRUE(lab_->wait_state('b', "master", kTakeover, seen)) << "DeviceB's group 1 is '" << seen << "'";
    ASSERT_TRUE(wait_until([&] { return lab_->event_ns("master_DeviceB").has_value(); }, 10s))
        << "DeviceB's notify hook did not mark master_DeviceB";

    Traffic tr(*lab_, kHosts, kPps);
    ASSERT_TRUE(tr.start(why)) << why;
    std::this_thread::sleep_for(1s);
    const uint64_t b_forwarded0 = total(lab_->stats('b'), "forwarded");
    // What A must have received before it may take over: B's table (the
    // synced hosts, and what B learned itself, such as A's address).
    const std::string b_entries = text(lab_->profile('b')["entries"]);

    // Watch A from its start until it is Master: each sample is (time,
    // group 1 state, profile hold, in_sync, entries, snapshots received).
    struct Sample {
        double t;
        std::string state, hold, in_sync, entries;
        uint64_t snapshots;
    };
    std::vector<Sample> samples;
    Table a_synced; // A's table once synced, before it took over
    const int64_t start_ns = lab_->mark("a_start");
    const auto t0 = Clock::now();
    ASSERT_TRUE(lab_->sh({"start", "a"}, why)) << why;
    const bool master = wait_until(
        [&] {
            const YAML::Node p = lab_->profile('a');
            Sample s{secs(Clock::now() - t0), lab_->state('a'),   text(p["preempt_hold"]),
                     text(p["in_sync"]),      text(p["entries"]), counter(p, "snapshots_received")};
            samples.push_back(s);
            if (s.state != "master" && s.in_sync == "true") a_synced = lab_->arp_table('a');
            return s.state == "master";
        },
        std::chrono::seconds(kPreemptDelayS + 40));
    std::ostringstream timeline; // the samples, each change once
    for (size_t i = 0; i < samples.size(); ++i) {
        const Sample& s = samples[i];
        if (i > 0 && i + 1 < samples.size() && s.state == samples[i - 1].state &&
            s.hold == samples[i - 1].hold && s.in_sync == samples[i - 1].in_sync &&
            s.entries == samples[i - 1].entries)
            continue;
        timeline << "\n    +" << s.t << " s: state '" << s.state << "' hold '" << s.hold << "' in_sync "
                 << s.in_sync << " entries " << s.entries << " snapshots_received " << s.snapshots;
    }
    ASSERT_TRUE(master) << "DeviceA never took Mastership back (preempt delay " << kPreemptDelayS
                        << " s):" << timeline.str();
    EXPECT_TRUE(wait_until([&] { return lab_->event_ns("master_DeviceA").has_value(); }, 5s))
        << "DeviceA's notify hook did not mark master_DeviceA";
    std::string b_state;
    EXPECT_TRUE(lab_->wait_state('b', "backup", 10s, b_state)) << "DeviceB stayed '" << b_state << "'";
    std::this_thread::sleep_for(kAfter);
    ASSERT_TRUE(tr.stop(why)) << why;

    // Never Master while held or unsynced; synced (the batch from B) before.
    const Sample& at_master = samples.back();
    bool synced_before = false;
    for (size_t i = 0; i + 1 < samples.size(); ++i) {
        const Sample& s = samples[i];
        EXPECT_FALSE(s.state == "master" && !s.hold.empty())
            << "DeviceA Master while held:" << timeline.str();
        synced_before = s.in_sync == "true" && s.entries == b_entries && s.snapshots >= 1;
    }
    EXPECT_TRUE(synced_before)
        << "DeviceA became Master before it was synced (the last sample before it took "
        << "over must show in_sync, DeviceB's " << b_entries
        << " entries and a snapshot received):" << timeline.str();
    EXPECT_GE(at_master.t, double(kPreemptDelayS))
        << "DeviceA preempted " << at_master.t
        << " s after its start, before its preempt delay:" << timeline.str();
    const YAML::Node g = lab_->vrrp_group1('a');
    std::string reason;
    for (const auto& c : g["state_changes"])
        if (text(c["to"]) == "master") {
            reason = text(c["reason"]);
            break; // newest first
        }
    EXPECT_NE(reason.find("preempt"), std::string::npos)
        << "DeviceA's takeover was not a preemption: '" << reason << "'";

    // The downlink moved back to A without ARP misses.
    const YAML::Node sa = lab_->stats('a'), sb = lab_->stats('b');
    // A is a new process: every miss it counted came after it took over.
    const std::string misses = check_hosts_resolved('a', a_synced, lab_->arp_table('a'), kHosts,
                                                    total(sa, "arp_miss"), miss_requests('a'));
    const auto master_ns = lab_->event_ns("master_DeviceA");
    std::printf(
        "[lab] preempt-return: %s; DeviceA Master %.1f s after its start (%.0f ms by the hook), reason "
        "'%s'; DeviceA forwarded %llu; %s; DeviceB forwarded +%llu%s\n",
        tr.summary().c_str(), at_master.t, master_ns ? ms_between(start_ns, *master_ns) : -1.0,
        reason.c_str(), (unsigned long long)total(sa, "forwarded"), misses.c_str(),
        (unsigned long long)(total(sb, "forwarded") - b_forwarded0), timeline.str().c_str());
    using Names = std::vector<std::string>;
    EXPECT_EQ(tr.event_names(), (Names{"a_start", "master_DeviceA"}))
        << "the phases are wrong: " << tr.summary();
    EXPECT_EQ(tr.lost_after_outage(), 0u)
        << "probes lost after DeviceA took Mastership back: " << tr.summary();
    EXPECT_GT(total(sa, "forwarded"), 0u) << "the downlink did not move back to DeviceA";
    ASSERT_NO_FATAL_FAILURE(wait_synced(kHosts, "after DeviceA took Mastership back"));
}

// 6. The preempt hold at scale: Device A returns while 100 000 hosts wait
// for it in Device B's table. Its VRRP preemption is held until the batch
// backup from B has completed (docs/sync-protocol.md "Preempt hold"), so
// the downlink stays on B meanwhile; `display remote-backup-profile` on A
// shows the hold while it lasts, and `display vrrp` shows the preemption
// waiting on it once the preempt delay is over. Then A takes over with every
// host in its table and loses nothing to ARP misses.
//
// The user hosts are the host emulator (lab.sh up --host-emulator): a kernel
// namespace cannot hold 100k addresses (docs/lab.md). The sync link is
// policed to kSyncRate in both directions (tc tbf on a-sync and b-sync), as
// when the RBS session crosses a WAN or a shared management path: on the
// lab's veth the batch of 100k entries (1.4 MB) completes in ~0.1 s
// (measured: before A's control socket answers), well within the recover
// and preempt delays, and the hold would never be what keeps A off
// Mastership (docs/lab.md "The fault suite"). At kSyncRate the batch takes
// ~6 s, longer than A's recover delay (2 s) and preempt delay
// (kHoldPreemptDelayS) together.
TEST_F(LabFaults, PreemptHoldLargeTable) {
    constexpr unsigned kBig = 100000;
    constexpr unsigned kBigPps = 20000;        // scripts/demo.sh at 100k hosts: a 5 s probe cycle
    constexpr unsigned kWarmPps = 10000;       // scripts/demo.sh's warm-up pace
    constexpr unsigned kHoldPreemptDelayS = 1; // LAB_PREEMPT_DELAY for this case
    constexpr const char* kSyncRate = "2mbit"; // tbf on both ends of the sync link
    constexpr auto kBigAfter = 6s;             // > one probe cycle through A after its takeover
    std::string why, seen;
    ASSERT_TRUE(
        lab_->up(kBig, kHoldPreemptDelayS, why, {"--host-emulator", "--host-opts", "--arp-latency 0"}))
        << why;
    ASSERT_TRUE(lab_->wait_state('a', "master", 30s, seen)) << "DeviceA's group 1 is '" << seen << "'";
    ASSERT_TRUE(lab_->wait_state('b', "backup", 15s, seen)) << "DeviceB's group 1 is '" << seen << "'";
    ASSERT_TRUE(wait_until([&] { return lab_->event_ns("master_DeviceA").has_value(); }, 10s))
        << "DeviceA's notify hook did not mark master_DeviceA";
    for (const char* d : {"a", "b"}) {
        if (kSyncRate[0] == '\0') break;
        ASSERT_TRUE(lab_->in_ns("wg-" + std::string(d),
                                {"tc", "qdisc", "add", "dev", std::string(d) + "-sync", "root", "tbf", "rate",
                                 kSyncRate, "burst", "16kb", "latency", "100ms"},
                                why))
            << why;
    }
    const auto warm_t0 = Clock::now();
    ASSERT_TRUE(lab_->warm_until_resolved('a', kBig, kWarmPps, 120s, why)) << why;
    const double warm_s = secs(Clock::now() - warm_t0);
    ASSERT_NO_FATAL_FAILURE(wait_synced(kBig, "after the warm-up", 60s));

    ASSERT_TRUE(lab_->sh({"stop", "a", "--kill"}, why)) << why;
    ASSERT_TRUE(lab_->wait_state('b', "master", kTakeover, seen)) << "DeviceB's group 1 is '" << seen << "'";
    ASSERT_TRUE(wait_until([&] { return lab_->event_ns("master_DeviceB").has_value(); }, 10s))
        << "DeviceB's notify hook did not mark master_DeviceB";

    Traffic tr(*lab_, kBig, kBigPps);
    tr.per_host_max(1000);
    ASSERT_TRUE(tr.start(why)) << why;
    std::this_thread::sleep_for(1s);
    const uint64_t b_forwarded0 = total(lab_->stats('b'), "forwarded");
    const std::string b_entries = text(lab_->profile('b')["entries"]);

    // A from its start until it is Master, sampled as fast as warmgatectl
    // answers: group 1's state and preempt wait, the profile's hold, in_sync
    // and entries.
    struct Sample {
        double t;
        std::string state, wait, hold, in_sync, entries;
    };
    std::vector<Sample> samples;
    const int64_t start_ns = lab_->mark("a_start");
    const auto t0 = Clock::now();
    ASSERT_TRUE(lab_->sh({"start", "a"}, why)) << why;
    const bool master = wait_until(
        [&] {
            const YAML::Node g = lab_->vrrp_group1('a');
            const YAML::Node p = lab_->profile('a');
            samples.push_back({secs(Clock::now() - t0), text(g["state"]), text(g["preempt_wait"]),
                               text(p["preempt_hold"]), text(p["in_sync"]), text(p["entries"])});
            return samples.back().state == "master";
        },
        std::chrono::seconds(kHoldPreemptDelayS + 90));
    std::ostringstream timeline; // each change once
    for (size_t i = 0; i < samples.size(); ++i) {
        const Sample& s = samples[i];
        // The hold's text carries the batch's progress: show it once a second.
        const bool progress_only = i > 0 && s.state == samples[i - 1].state &&
                                   s.wait == samples[i - 1].wait && s.in_sync == samples[i - 1].in_sync &&
                                   s.hold.empty() == samples[i - 1].hold.empty();
        if (progress_only && i + 1 < samples.size() && unsigned(s.t) == unsigned(samples[i - 1].t)) continue;
        timeline << "\n    +" << s.t << " s: state '" << s.state << "' preempt_wait '" << s.wait << "' hold '"
                 << s.hold << "' in_sync " << s.in_sync << " entries " << s.entries;
    }
    ASSERT_TRUE(master) << "DeviceA never took Mastership back:" << timeline.str();
    EXPECT_TRUE(wait_until([&] { return lab_->event_ns("master_DeviceA").has_value(); }, 5s))
        << "DeviceA's notify hook did not mark master_DeviceA";
    std::string b_state;
    EXPECT_TRUE(lab_->wait_state('b', "backup", 10s, b_state)) << "DeviceB stayed '" << b_state << "'";
    std::this_thread::sleep_for(kBigAfter);
    ASSERT_TRUE(tr.stop(why)) << why;

    // The hold: shown, never Master under it, and lifted only once synced.
    double hold_from = -1, hold_to = -1, waited_on_hold = -1;
    unsigned held_samples = 0;
    std::string hold_text;
    for (size_t i = 0; i + 1 < samples.size(); ++i) {
        const Sample& s = samples[i];
        if (!s.hold.empty()) {
            if (hold_from < 0) hold_from = s.t;
            hold_to = samples[i + 1].t; // the first sample without it, at the latest
            ++held_samples;
            if (hold_text.empty() && s.hold.find("progress") != std::string::npos) hold_text = s.hold;
        }
        if (s.wait == "held by remote backup" && waited_on_hold < 0) waited_on_hold = s.t;
    }
    const Sample& at_master = samples.back();
    // The first sample without the hold once it was shown: the batch is complete there.
    const Sample* released = nullptr;
    for (size_t i = 1; i < samples.size() && released == nullptr; ++i)
        if (samples[i].hold.empty() && !samples[i - 1].hold.empty()) released = &samples[i];
    EXPECT_GE(held_samples, 1u) << "display remote-backup-profile on DeviceA never showed the preempt hold:"
                                << timeline.str();
    EXPECT_GE(waited_on_hold, 0.0)
        << "display vrrp on DeviceA never showed its preemption waiting on the hold "
        << "(the batch ended before the preempt delay):" << timeline.str();
    for (size_t i = 0; i + 1 < samples.size(); ++i)
        EXPECT_NE(samples[i].state, "master")
            << "DeviceA Master before its takeover settled:" << timeline.str();
    ASSERT_NE(released, nullptr) << "the hold was never lifted:" << timeline.str();
    EXPECT_EQ(released->entries, b_entries) << "DeviceA's hold was lifted before it held DeviceB's "
                                            << b_entries << " entries:" << timeline.str();
    // The batch as DeviceA's profile recorded it (the Slave's last snapshot).
    const YAML::Node pa = lab_->profile('a');
    EXPECT_EQ(counter(pa, "snapshots_received"), 1u) << brief_profile(pa);
    EXPECT_EQ(text(pa["last_snapshot_entries"]), b_entries) << brief_profile(pa);
    const YAML::Node g = lab_->vrrp_group1('a');
    std::string reason;
    for (const auto& c : g["state_changes"])
        if (text(c["to"]) == "master") {
            reason = text(c["reason"]);
            break; // newest first
        }
    EXPECT_NE(reason.find("hold was released"), std::string::npos)
        << "DeviceA's takeover was not the release of its preempt hold: '" << reason << "'" << timeline.str();

    // The downlink moved to A without ARP misses: A holds every host, each
    // from the batch (synced), none resolved by A itself.
    const YAML::Node sa = lab_->stats('a'), sb = lab_->stats('b');
    const Table table = lab_->arp_table('a');
    unsigned missing = 0, not_synced = 0;
    std::string examples;
    for (unsigned i = 0; i < kBig; ++i) {
        const auto it = table.find(host_address(i));
        if (it == table.end() || it->second.type != "synced") {
            (it == table.end() ? missing : not_synced)++;
            if (missing + not_synced <= 5)
                examples +=
                    " " + host_address(i) + (it == table.end() ? " (absent)" : " (" + it->second.type + ")");
        }
    }
    const auto master_ns = lab_->event_ns("master_DeviceA");
    // ARP requests (not gratuitous) from A's addresses on the user LAN after
    // it took over, as the host emulator logged them (lab.sh: "ns sender_ip
    // sender_mac target_ip" per request): the report's arp_requests_after_takeover.
    uint64_t requests_after = 0;
    std::string requested;
    for (const auto& line : apptest::lines_of(apptest::read_file(lab_->dir() + "/arp.log"))) {
        std::istringstream in(line);
        int64_t ns = 0;
        std::string sender, mac, target;
        if (!(in >> ns >> sender >> mac >> target) || !master_ns || ns < *master_ns || sender == target)
            continue;
        if (sender != "10.1.1.1" && sender != "10.1.1.100") continue;
        if (requests_after++ < 5) requested += " " + target;
    }
    std::printf(
        "[lab] preempt-hold-100k: %u hosts, %u pps, sync link %s; warm-up %.1f s; %s; DeviceA: hold shown "
        "from +%.2f s to +%.2f s after its start (%.2f s, %u of %zu samples, e.g. '%s'), VRRP waiting on it "
        "from +%.2f s, Master at +%.2f s (%.0f ms by the hook), reason '%s'; DeviceA's batch %s entries in "
        "%s ms "
        "(its profile); DeviceA table %zu entries, "
        "hosts missing %u, not synced %u; DeviceA arp_miss %llu, ARP requests on a miss %llu (since its "
        "start), "
        "ARP requests to hosts after its takeover %llu, forwarded %llu; DeviceB forwarded +%llu%s\n",
        kBig, kBigPps, kSyncRate, warm_s, tr.summary().c_str(), hold_from, hold_to, hold_to - hold_from,
        held_samples, samples.size(), hold_text.c_str(), waited_on_hold, at_master.t,
        master_ns ? ms_between(start_ns, *master_ns) : -1.0, reason.c_str(),
        text(pa["last_snapshot_entries"]).c_str(), text(pa["last_snapshot_ms"]).c_str(), table.size(),
        missing, not_synced, (unsigned long long)total(sa, "arp_miss"),
        (unsigned long long)miss_requests('a'), (unsigned long long)requests_after,
        (unsigned long long)total(sa, "forwarded"),
        (unsigned long long)(total(sb, "forwarded") - b_forwarded0), timeline.str().c_str());
    EXPECT_EQ(missing + not_synced, 0u)
        << "DeviceA's table after its takeover lacks " << missing << " hosts and holds " << not_synced
        << " not from the batch:" << examples;
    using Names = std::vector<std::string>;
    EXPECT_EQ(tr.event_names(), (Names{"a_start", "master_DeviceA"}))
        << "the phases are wrong: " << tr.summary();
    // rx lists at most 1000 hosts with loss: all of them, or the count below is not complete.
    EXPECT_LT(tr.num("per_host_listed"), 1000u) << "too many hosts lost probes to list: " << tr.summary();
    EXPECT_EQ(tr.lost_after_outage(), 0u)
        << "probes lost after DeviceA took Mastership back: " << tr.summary();
    EXPECT_EQ(requests_after, 0u) << "DeviceA asked the user LAN for " << requests_after
                                  << " hosts after it took over (the host emulator's ARP log), e.g."
                                  << requested;
    EXPECT_GT(total(sa, "forwarded"), 0u) << "the downlink did not move to DeviceA";
}

} // namespace
} // namespace wg::labtest
