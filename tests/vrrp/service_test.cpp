// vrrp::Service on an EventLoop driven by a ManualClock: the re-entry guard
// of set_preempt_hold (a hold set while a group is being fed waits for the
// loop and is counted in `reentrant_hold`). Nothing sleeps.
#include "control/vrrp/service.hpp"
#include "tests/support/vrrp_advert.hpp"

#include <gtest/gtest.h>

namespace wg::vrrp {
namespace {

using control::EventLoop;
using control::ManualClock;

struct Frames final : control::FrameSink {
    bool send(uint16_t, std::span<const uint8_t>) override { return true; }
};
struct Forwarding final : ForwardingSink {
    void set_master(uint16_t, uint8_t, bool) override {}
};
struct Hooks final : HookRunner {
    std::function<void(const std::string&)> on_run;
    void run(const std::string& command, const std::vector<std::string>&) override { on_run(command); }
};

// A VRRPv2 advertisement for vrid 1 from `src`, as the punt path delivers it.
std::vector<uint8_t> advert(uint8_t priority, Ipv4 src) {
    return test_support::advert_v2(1, priority, src, *Ipv4::parse("10.1.1.254"));
}

struct ServiceTest : ::testing::Test {
    ManualClock clock;
    EventLoop loop{&clock};
    Frames frames;
    Forwarding forwarding;
    Hooks hooks;
    std::unique_ptr<Service> svc;
    std::vector<std::pair<std::string, bool>> hooks_seen; // (hook, hold fed at that time)

    void SetUp() override {
        const control::InterfaceInfo itf{0, "eth0", Mac{{0x02, 0, 0, 0, 0, 1}}, *Prefix::parse("10.1.1.1/24")};
        svc = std::make_unique<Service>(loop, frames, forwarding, &hooks, std::vector<control::InterfaceInfo>{itf});
        GroupConfig g;
        g.interface = "eth0";
        g.primary = itf.address.addr;
        g.group.vrid = 1;
        g.group.virtual_ips = {*Ipv4::parse("10.1.1.254")};
        g.group.priority = 100;
        g.group.notify.master = "master";
        g.group.notify.backup = "backup";
        svc->add_group(g);
        hooks.on_run = [this](const std::string& c) { hooks_seen.emplace_back(c, svc->preempt_hold()); };
        svc->start();
        clock.advance(std::chrono::seconds(4)); // Master_Down_Interval
        loop.run_once(control::Duration::zero());
        ASSERT_EQ(svc->state(0, 1), State::master);
        hooks_seen.clear();
    }
    uint64_t reentrant() const { return svc->stats().get(ServiceCounter::reentrant_hold); }
};

TEST_F(ServiceTest, HoldOutsideAFeedIsAppliedAtOnce) {
    svc->set_preempt_hold(true);
    EXPECT_TRUE(svc->preempt_hold());
    svc->set_preempt_hold(false);
    EXPECT_FALSE(svc->preempt_hold());
    EXPECT_EQ(reentrant(), 0u);
}

// A state callback that sets the hold directly (what the remote-backup
// module must not do): counted, and applied from the loop after the
// transition's hook, not inside the feed.
TEST_F(ServiceTest, HoldSetInsideAFeedWaitsForTheLoopAndIsCounted) {
    svc->on_state_change([this](uint16_t, uint8_t, State s) {
        if (s == State::backup) svc->set_preempt_hold(true);
    });
    svc->on_frame(0, advert(200, *Ipv4::parse("10.1.1.2")));
    ASSERT_EQ(svc->state(0, 1), State::backup);
    EXPECT_EQ(reentrant(), 1u);
    ASSERT_EQ(hooks_seen.size(), 1u);
    EXPECT_EQ(hooks_seen[0], std::make_pair(std::string("backup"), false));
    EXPECT_FALSE(svc->preempt_hold());
    loop.run_once(control::Duration::zero());
    EXPECT_TRUE(svc->preempt_hold());
    EXPECT_EQ(reentrant(), 1u) << "the deferred application is not itself re-entrant";
}

// The counter is shown with the VRRP counters (display vrrp verbose).
TEST_F(ServiceTest, ReentrantHoldIsInTheVerboseReport) {
    bool found = false;
    for (const auto& c : kServiceCounterInfo) found |= c.key == "reentrant_hold";
    EXPECT_TRUE(found);
    const std::string json = control::render_json(svc->report(true));
    EXPECT_NE(json.find("\"service\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"reentrant_hold\""), std::string::npos) << json;
    EXPECT_EQ(control::render_json(svc->report(false)).find("reentrant_hold"), std::string::npos);
}

} // namespace
} // namespace wg::vrrp
