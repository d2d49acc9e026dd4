// Interop (suite 'interop'): warmgate's VRRP against Debian's keepalived, for
// VRRPv3 and for VRRPv2 with simple text authentication. Each test builds its
// own pair of namespaces (lab.hpp), starts the routers it needs (peers.hpp)
// and tears everything down in TearDown, whatever happened.
//
// Waits are polls for a condition with a generous bound. Where RFC 5798
// makes a timing claim (takeover after a release or a crash, preemption after
// the delay), the moment a transition was observed is measured and compared
// with the RFC's bound plus kTolerance for the polling and the scheduling on
// a shared 2-core machine. Stability checks ("keepalived stays Backup") watch
// for longer than keepalived's Master_Down_Interval: a peer that rejected
// our adverts would take over within it.
#include "tests/support/peers.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>

namespace wg::interop {
namespace {

using apptest::wait_until;
using Ms = std::chrono::milliseconds;

struct Flavor {
    std::string name;
    unsigned version;
    std::string key; // v2 simple text authentication on both sides; empty: none
};
void PrintTo(const Flavor& f, std::ostream* os) {
    *os << f.name;
}

// Both sides advertise every second (warmgate advert_interval_ms 1000,
// keepalived advert_int 1), so RFC 3768 §6.1 and RFC 5798 §6.1 agree:
// Skew_Time = (256 - Priority) / 256 s, Master_Down_Interval = 3 s + Skew_Time.
constexpr Ms kInterval{1000};
constexpr Ms skew_time(unsigned priority) {
    return Ms((256 - priority) * 1000 / 256);
}
constexpr Ms master_down_interval(unsigned priority) {
    return 3 * kInterval + skew_time(priority);
}
// Observation slack: a poll (a warmgatectl run or a file read) every few
// milliseconds, keepalived's notify script fork, a loaded 2-core machine.
constexpr Ms kTolerance{1000};
// Bound for steps with no timing claim (start-up, the first election).
constexpr auto kSettle = 30s;
constexpr unsigned kPreemptDelayS = 5;

double secs(Clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

// Watches for `d`: "" if `check` held at every poll, else its first complaint.
std::string stable_for(Clock::duration d, const std::function<std::string()>& check) {
    const auto end = Clock::now() + d;
    while (Clock::now() < end) {
        if (std::string bad = check(); !bad.empty()) return bad;
        std::this_thread::sleep_for(20ms);
    }
    return check();
}

class VrrpInterop : public testing::TestWithParam<Flavor> {
  protected:
    void SetUp() override {
        if (find_program("keepalived").empty())
            FAIL() << "keepalived is not installed (scripts/setup.sh installs Debian's package)";
        std::string why;
        ASSERT_TRUE(link_.up(why)) << why;
        capture_ = std::make_unique<Capture>(dir_, link_);
        if (!GetParam().key.empty()) {
            const char* src = std::getenv("WARMGATE_SOURCE_ROOT");
            ASSERT_TRUE(src && *src) << "WARMGATE_SOURCE_ROOT is not set (meson test sets it)";
            certs_ = dir_.file("certs");
            ASSERT_TRUE(run_ok(
                dir_, {find_program("bash"), std::string(src) + "/scripts/gen-certs.sh", certs_, "deviceA"},
                why))
                << why;
        }
    }

    void TearDown() override {
        if (HasFailure()) {
            std::string r = report();
            if (capture_) r += "--- wire, on keepalived's side ---\n" + capture_->decode();
            std::fprintf(stderr, "%s\n", r.c_str());
        }
        keepalived_.reset();
        warmgates_.clear();
        capture_.reset();
        // link_ deletes the namespaces when the fixture is destroyed.
    }

    GroupOptions group(unsigned priority) const {
        GroupOptions g;
        g.version = GetParam().version;
        g.priority = priority;
        g.auth_key = GetParam().key;
        return g;
    }

    // A new warmgate (own socket, own EAL prefix) on the warmgate end.
    void start_warmgate(const GroupOptions& g) {
        const std::string name = "warmgate" + std::to_string(warmgates_.size());
        const std::string socket = dir_.file(name + ".sock"), config = dir_.file(name + ".yaml");
        apptest::write_file(config, warmgate_config(link_, g, socket, certs_));
        warmgates_.push_back(std::make_unique<Warmgate>(dir_, link_, name, config, socket));
        std::string why;
        ASSERT_TRUE(warmgates_.back()->wait_ready(why)) << why;
    }
    Warmgate& wg() { return *warmgates_.back(); }

    void start_keepalived(const GroupOptions& g) {
        keepalived_ = std::make_unique<Keepalived>(dir_, link_, "keepalived", g);
    }
    Keepalived& ka() { return *keepalived_; }

    void wait_warmgate(const std::string& state, std::chrono::milliseconds bound) {
        ASSERT_TRUE(wait_until([&] { return wg().state() == state; }, bound))
            << "warmgate never reached " << state << "; now: " << now();
    }
    void wait_keepalived(const std::string& state, std::chrono::milliseconds bound) {
        ASSERT_TRUE(wait_until([&] { return ka().state() == state; }, bound))
            << "keepalived never reached " << state << "; now: " << now();
    }

    // (a)'s starting point: warmgate at 120 is Master, then keepalived at 100
    // comes up as Backup and hears at least two of warmgate's adverts.
    void master_with_keepalived_backup() {
        ASSERT_NO_FATAL_FAILURE(start_warmgate(group(120)));
        ASSERT_NO_FATAL_FAILURE(wait_warmgate("master", kSettle));
        ASSERT_NO_FATAL_FAILURE(start_keepalived(group(100)));
        ASSERT_NO_FATAL_FAILURE(wait_keepalived("BACKUP", kSettle));
        const uint64_t sent = adverts_sent();
        ASSERT_TRUE(wait_until([&] { return adverts_sent() >= sent + 2; }, 10s)) << now();
    }

    uint64_t adverts_sent() {
        const auto v = wg().view();
        return v ? v->adverts_sent : 0;
    }
    uint64_t rx(const std::string& counter) {
        const auto v = wg().view();
        return v && v->rx.count(counter) ? v->rx.at(counter) : 0;
    }

    // Both states now, for assertion messages.
    std::string now() {
        return "warmgate '" + (warmgates_.empty() ? std::string("-") : wg().state()) + "', keepalived '" +
               (keepalived_ ? ka().state() : std::string("-")) + "'";
    }
    // A complaint unless warmgate is `wg_state` and keepalived `ka_state`.
    std::string expect_states(const std::string& wg_state, const std::string& ka_state) {
        const std::string w = wg().state(), k = ka().state();
        if (w == wg_state && k == ka_state) return {};
        return "expected warmgate '" + wg_state + "' and keepalived '" + ka_state + "', saw '" + w +
               "' and '" + k + "'";
    }

    std::string report() const {
        std::string r;
        for (const auto& w : warmgates_)
            r += w->describe();
        if (keepalived_) r += keepalived_->describe();
        return r;
    }

    void note_timing(const std::string& what, Clock::duration took, Clock::duration bound) {
        std::printf("[ interop  ] %s %s: %.2f s (bound %.2f s)\n", GetParam().name.c_str(), what.c_str(),
                    secs(took), secs(bound));
        RecordProperty(what, std::to_string(int64_t(secs(took) * 1000)) + " ms");
    }

    TempDir dir_;
    Link link_{dir_};
    std::unique_ptr<Capture> capture_;
    std::string certs_;
    std::vector<std::unique_ptr<Warmgate>> warmgates_;
    std::unique_ptr<Keepalived> keepalived_;
};

// (a) warmgate 120 vs keepalived 100: warmgate Master, keepalived Backup, and
// they stay so: keepalived accepts every advert warmgate sends (format,
// checksum, TTL, authentication), or its Master_Down_Timer would fire.
TEST_P(VrrpInterop, HigherPriorityWarmgateIsMasterKeepalivedBackup) {
    ASSERT_NO_FATAL_FAILURE(master_with_keepalived_backup());
    const std::string broken = stable_for(master_down_interval(100) + 2 * kInterval,
                                          [&] { return expect_states("master", "BACKUP"); });
    EXPECT_EQ(broken, "");
    EXPECT_EQ(ka().states(), std::vector<std::string>{"BACKUP"});
    const auto v = wg().view();
    ASSERT_TRUE(v);
    EXPECT_EQ(v->master_ip, kWarmgateAddress);
    EXPECT_EQ(v->master_priority, 120u);
}

// (b) warmgate stopped with SIGTERM sends priority 0 (RFC 5798 §6.4.3), so
// keepalived takes over after its Skew_Time, not Master_Down_Interval.
TEST_P(VrrpInterop, StoppedWarmgateReleasesKeepalivedTakesOverInSkewTime) {
    ASSERT_NO_FATAL_FAILURE(master_with_keepalived_backup());
    const auto t0 = Clock::now();
    wg().signal(SIGTERM);
    const bool master = wait_until([&] { return ka().state() == "MASTER"; }, kSettle);
    const auto took = Clock::now() - t0;
    ASSERT_TRUE(master) << "keepalived did not take over after SIGTERM; " << now();
    const auto bound = skew_time(100) + kTolerance;
    note_timing("sigterm_takeover", took, bound);
    EXPECT_LE(took, bound) << "keepalived took over " << secs(took)
                           << " s after SIGTERM: no priority-0 advert seen within Skew_Time (0.61 s)";
    EXPECT_EQ(wg().wait_exit(apptest::kStopTimeout), 0) << "warmgate did not exit cleanly on SIGTERM";
    EXPECT_EQ(ka().states(), (std::vector<std::string>{"BACKUP", "MASTER"}));
}

// (b) warmgate killed (no release): keepalived takes over when its
// Master_Down_Timer fires, 3 x interval + Skew_Time after the last advert.
TEST_P(VrrpInterop, KilledWarmgateKeepalivedTakesOverAfterMasterDownInterval) {
    ASSERT_NO_FATAL_FAILURE(master_with_keepalived_backup());
    const auto t0 = Clock::now();
    wg().signal(SIGKILL);
    const bool master = wait_until([&] { return ka().state() == "MASTER"; }, kSettle);
    const auto took = Clock::now() - t0;
    ASSERT_TRUE(master) << "keepalived did not take over after SIGKILL; " << now();
    const auto bound = master_down_interval(100) + kTolerance;
    note_timing("sigkill_takeover", took, bound);
    EXPECT_LE(took, bound);
    // The last advert left at most one interval before the kill, so keepalived
    // (still listening to it until then) cannot fire much sooner than this.
    EXPECT_GE(took, master_down_interval(100) - kInterval - Ms(500))
        << "keepalived took over too soon: it was not hearing warmgate's adverts";
}

// (c) warmgate comes back with preempt {delay: 5} and recover_delay 1: it
// listens to keepalived (Master at 100) as Backup and takes Mastership back
// only when the delay is over (seed: preempt-mode timer delay).
TEST_P(VrrpInterop, ReturningWarmgatePreemptsOnlyAfterTheDelay) {
    ASSERT_NO_FATAL_FAILURE(master_with_keepalived_backup());
    wg().signal(SIGTERM);
    ASSERT_NO_FATAL_FAILURE(wait_keepalived("MASTER", kSettle));
    EXPECT_EQ(wg().wait_exit(apptest::kStopTimeout), 0);

    GroupOptions g = group(120);
    g.preempt_delay_s = kPreemptDelayS;
    g.recover_delay_s = 1;
    ASSERT_NO_FATAL_FAILURE(start_warmgate(g));

    // The preempt delay starts with the first advert of the lower-priority
    // Master heard as Backup: that is when `preempt_wait` turns to "delay".
    std::optional<VrrpView> waiting;
    ASSERT_TRUE(wait_until(
        [&] {
            waiting = wg().view();
            return waiting && waiting->preempt_wait == "delay";
        },
        kSettle))
        << "warmgate never started its preempt delay; " << now();
    const auto seen = Clock::now();
    EXPECT_EQ(waiting->state, "backup");
    EXPECT_EQ(waiting->master_ip, kKeepalivedAddress);
    EXPECT_EQ(waiting->master_priority, 100u);
    ASSERT_TRUE(waiting->preempt_in_ms);
    EXPECT_GT(*waiting->preempt_in_ms, 0);
    EXPECT_LE(*waiting->preempt_in_ms, int64_t(kPreemptDelayS) * 1000);

    // Then Backup, with keepalived still Master, until the delay is over.
    Clock::time_point last_backup = seen, first_master{}, keepalived_left{};
    std::string odd;
    const bool preempted = wait_until(
        [&] {
            const auto before = Clock::now();
            const std::string s = wg().state();
            if (keepalived_left == Clock::time_point{} && ka().state() != "MASTER")
                keepalived_left = Clock::now();
            if (s == "backup") last_backup = before;
            if (s != "backup" && s != "master" && odd.empty()) odd = s.empty() ? "(not answering)" : s;
            if (s == "master") first_master = Clock::now();
            return s == "master";
        },
        std::chrono::seconds(kPreemptDelayS) + 10s);
    ASSERT_TRUE(preempted) << "warmgate never preempted; " << now();
    EXPECT_EQ(odd, "") << "warmgate was neither Backup nor Master while waiting";
    const auto delay = std::chrono::seconds(kPreemptDelayS);
    const auto took = first_master - seen;
    note_timing("preempt_after_delay", took, delay + kTolerance);
    EXPECT_GE(last_backup - seen, delay - kTolerance)
        << "warmgate was no longer Backup " << secs(last_backup - seen) << " s into its " << kPreemptDelayS
        << " s preempt delay";
    EXPECT_LE(took, delay + kTolerance);
    // keepalived yields on warmgate's first advert as Master, never before.
    ASSERT_NO_FATAL_FAILURE(wait_keepalived("BACKUP", 10s));
    if (keepalived_left == Clock::time_point{}) keepalived_left = Clock::now();
    EXPECT_GE(keepalived_left - seen, delay - kTolerance)
        << "keepalived left Master before the preempt delay";

    // warmgate's own account: Backup from joining (after the recover delay)
    // to preempting = time to the first advert heard (< 1 interval) + delay.
    const auto v = wg().view();
    ASSERT_TRUE(v);
    ASSERT_GE(v->changes.size(), 2u) << v->raw;
    EXPECT_EQ(v->changes[0].to, "master");
    EXPECT_NE(v->changes[0].reason.find("preempt delay"), std::string::npos) << v->changes[0].reason;
    EXPECT_EQ(v->changes[1].to, "backup");
    const int64_t backup_ms = v->changes[1].age_ms - v->changes[0].age_ms;
    EXPECT_GE(backup_ms, int64_t(kPreemptDelayS) * 1000) << v->raw;
    EXPECT_LE(backup_ms, int64_t(kPreemptDelayS) * 1000 + kInterval.count() + 500) << v->raw;
}

// (d) keepalived at 150 comes up while warmgate (120) is Master: keepalived
// preempts, warmgate yields on its higher-priority advert (RFC 5798 §6.4.3)
// and stays Backup, accepting its adverts.
TEST_P(VrrpInterop, WarmgateYieldsToHigherPriorityKeepalived) {
    ASSERT_NO_FATAL_FAILURE(start_warmgate(group(120)));
    ASSERT_NO_FATAL_FAILURE(wait_warmgate("master", kSettle));
    ASSERT_NO_FATAL_FAILURE(start_keepalived(group(150)));
    ASSERT_NO_FATAL_FAILURE(wait_keepalived("MASTER", kSettle));
    ASSERT_NO_FATAL_FAILURE(wait_warmgate("backup", 10s));
    const auto v = wg().view();
    ASSERT_TRUE(v);
    EXPECT_EQ(v->master_ip, kKeepalivedAddress);
    EXPECT_EQ(v->master_priority, 150u);
    ASSERT_FALSE(v->changes.empty());
    EXPECT_NE(v->changes[0].reason.find("higher priority"), std::string::npos) << v->changes[0].reason;
    const uint64_t accepted = v->rx.count("accepted") ? v->rx.at("accepted") : 0;
    EXPECT_GE(accepted, 1u);
    const std::string broken = stable_for(master_down_interval(120) + 2 * kInterval,
                                          [&] { return expect_states("backup", "MASTER"); });
    EXPECT_EQ(broken, "");
    EXPECT_GE(rx("accepted"), accepted + 3) << "warmgate stopped accepting keepalived's adverts";
}

const Flavor kV3{"v3", 3, ""};
const Flavor kV2Simple{"v2_simple", 2, "wgpass1"};

INSTANTIATE_TEST_SUITE_P(Keepalived, VrrpInterop, testing::Values(kV3, kV2Simple),
                         [](const testing::TestParamInfo<Flavor>& i) { return i.param.name; });

// Negative: VRRPv2 with a different simple password on keepalived. Neither
// accepts the other's adverts (RFC 3768 §7.1 / RFC 2338 §5.3.6), so both are
// Master; warmgate counts each of keepalived's adverts as drop_auth_failure.
class VrrpAuthInterop : public VrrpInterop {};

TEST_P(VrrpAuthInterop, WrongSimplePasswordMakesTwoMasters) {
    ASSERT_NO_FATAL_FAILURE(start_warmgate(group(120)));
    ASSERT_NO_FATAL_FAILURE(wait_warmgate("master", kSettle));
    const uint64_t before = rx("drop_auth_failure");
    GroupOptions k = group(100);
    k.auth_key = "otherpw1";
    ASSERT_NO_FATAL_FAILURE(start_keepalived(k));
    ASSERT_NO_FATAL_FAILURE(wait_keepalived("MASTER", kSettle));
    // keepalived sends an advert as it becomes Master. Later ones are not
    // counted on: keepalived 2.2.7, as Master, was seen on the wire holding
    // back its own adverts while warmgate's (rejected) ones kept arriving.
    EXPECT_TRUE(wait_until([&] { return rx("drop_auth_failure") > before; }, 5s))
        << "keepalived's advert was not counted as an authentication failure";
    const std::string broken =
        stable_for(master_down_interval(100) + kInterval, [&] { return expect_states("master", "MASTER"); });
    EXPECT_EQ(broken, "");
    EXPECT_EQ(rx("drop_auth_type"), 0u) << "keepalived's PASS is auth type 1, like ours";
}

INSTANTIATE_TEST_SUITE_P(Keepalived, VrrpAuthInterop, testing::Values(kV2Simple),
                         [](const testing::TestParamInfo<Flavor>& i) { return i.param.name; });

} // namespace
} // namespace wg::interop
