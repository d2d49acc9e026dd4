// Preemption (RFC 5798 §6.4.2 Preempt_Mode), the seed's preempt delay and
// recover-delay, and the remote-backup preempt hold (docs/sync-protocol.md
// "Preempt hold": mastership is not taken back before the returning device is
// synced). Simulated time.
#include "support.hpp"

namespace wg::vrrp::test {
namespace {

Params with_delay(uint8_t priority, const char* primary, Duration delay) {
    Params p = params(priority, primary);
    p.preempt_delay = delay;
    return p;
}

// A lone Backup B (100) that has become Master, plus A (120) started later.
struct PreemptFixture : ::testing::Test {
    Lan lan;
    Router* b = nullptr;
    Router* a = nullptr;

    void start(const Params& pa) {
        b = &lan.add("B", params(100, "10.1.1.2"));
        lan.post(*b, Event::startup());
        lan.run_for(5s); // B: Master at 3.609375 s, adverts at x.609375
        ASSERT_EQ(b->m.state(), State::master);
        a = &lan.add("A", pa);
        lan.post(*a, Event::startup());
        ASSERT_EQ(a->m.state(), State::backup);
    }
};

// seed: "preempt-mode timer delay 600": the higher-priority Backup waits
// exactly the delay after first hearing the lower Master, then takes over.
TEST_F(PreemptFixture, HigherPriorityBackupWaitsExactlyTheDelay) {
    start(with_delay(120, "10.1.1.1", 600s));
    const Time first_advert = T0 + 5609375us;
    lan.run_until(first_advert);
    EXPECT_EQ(a->m.deadline(TimerId::preempt), first_advert + 600s);
    EXPECT_EQ(a->m.status().preempt_wait, PreemptWait::delay);
    lan.run_until(first_advert + 600s - 1us);
    EXPECT_EQ(a->m.state(), State::backup) << "the lower Master keeps resetting Master_Down_Timer";
    EXPECT_EQ(b->m.state(), State::master);
    lan.run_until(first_advert + 600s);
    EXPECT_EQ(a->m.state(), State::master);
    EXPECT_EQ(a->entered(State::master), first_advert + 600s);
    EXPECT_EQ(a->last_reason(), Reason::preempt_delay);
    EXPECT_EQ(b->m.state(), State::backup);
    EXPECT_EQ(a->m.stats().get(GroupCounter::preempt_delayed), 1u) << "one wait, not one per advert";
    EXPECT_EQ(a->m.status().preempt_wait, PreemptWait::none);
}

TEST(Preempt, AdvertFromAnEqualOrHigherMasterCancelsTheWait) {
    for (uint8_t cancelling : {uint8_t(120), uint8_t(150)}) {
        Machine m(with_delay(120, "10.1.1.1", 600s));
        m.handle(Event::startup(), T0);
        m.handle(Event::advert_received(100, ip("10.1.1.2"), 1s), T0 + 1s);
        ASSERT_EQ(m.deadline(TimerId::preempt), T0 + 601s);
        const Actions acts = m.handle(Event::advert_received(cancelling, ip("10.1.1.3"), 1s), T0 + 100s);
        EXPECT_EQ(find(acts, ActionKind::stop_timer)->timer, TimerId::preempt) << int(cancelling);
        EXPECT_FALSE(m.deadline(TimerId::preempt));
        EXPECT_EQ(m.stats().get(GroupCounter::preempt_cancelled), 1u);
        // The old deadline passes without effect (stale expiry), still Backup.
        EXPECT_TRUE(m.handle(Event::timer_expired(TimerId::preempt), T0 + 601s).empty());
        EXPECT_EQ(m.state(), State::backup);
        EXPECT_EQ(m.status().master_priority, cancelling);
    }
}

TEST(Preempt, PriorityZeroDuringTheWaitTakesOverAfterSkewTime) {
    Machine m(with_delay(120, "10.1.1.1", 600s));
    m.handle(Event::startup(), T0);
    m.handle(Event::advert_received(100, ip("10.1.1.2"), 1s), T0 + 1s);
    const Actions acts = m.handle(Event::advert_received(0, ip("10.1.1.2"), 1s), T0 + 2s);
    EXPECT_EQ(find(acts, ActionKind::stop_timer)->timer, TimerId::preempt);
    EXPECT_EQ(started(acts, TimerId::master_down), T0 + 2s + 531250us); // 136/256 s
}

// Preempt_Mode False: never preempt; still take over when the Master is gone.
TEST_F(PreemptFixture, DisabledNeverPreemptsButTakesOverOnMasterDown) {
    Params pa = params(120, "10.1.1.1");
    pa.preempt = false;
    start(pa);
    lan.run_for(3600s);
    EXPECT_EQ(a->m.state(), State::backup);
    EXPECT_EQ(b->m.state(), State::master);
    EXPECT_EQ(a->m.status().master_address, ip("10.1.1.2"));
    lan.post(*b, Event::interface_down()); // gone without a priority-0 advert
    const Time gone = lan.now;
    lan.run_for(5s);
    EXPECT_EQ(a->m.state(), State::master);
    EXPECT_EQ(a->last_reason(), Reason::master_down);
    EXPECT_LE(*a->entered(State::master) - gone, 3531250us);
}

// Preempt_Mode True, no delay: RFC 5798 §6.4.2 "Discard the ADVERTISEMENT";
// the Master_Down_Timer set at startup expires and the Backup takes over.
TEST_F(PreemptFixture, NoDelayTakesOverAtMasterDownInterval) {
    start(params(120, "10.1.1.1"));
    lan.run_for(10s);
    EXPECT_EQ(a->m.state(), State::master);
    EXPECT_EQ(a->entered(State::master), T0 + 5s + 3531250us);
    EXPECT_EQ(a->last_reason(), Reason::master_down);
    EXPECT_EQ(a->m.stats().get(GroupCounter::lower_priority_discarded), 3u); // 5.6, 6.6, 7.6 s
}

// While the remote backup has not synced the returning device, its
// preemption is deferred (and the reason shown) ...
TEST_F(PreemptFixture, HoldDefersPreemptionUntilReleased) {
    start(with_delay(120, "10.1.1.1", 600s));
    lan.post(*a, Event::hold_changed(true));
    const Time first_advert = T0 + 5609375us;
    lan.run_until(first_advert + 600s);
    EXPECT_EQ(a->m.state(), State::backup);
    EXPECT_EQ(a->m.status().preempt_wait, PreemptWait::hold);
    EXPECT_TRUE(a->m.status().hold);
    EXPECT_EQ(a->m.stats().get(GroupCounter::preempt_held), 1u);
    lan.run_for(1000s);
    EXPECT_EQ(a->m.state(), State::backup);
    EXPECT_EQ(b->m.state(), State::master);
    const Time release = lan.now;
    lan.post(*a, Event::hold_changed(false));
    EXPECT_EQ(a->m.state(), State::master);
    EXPECT_EQ(a->entered(State::master), release);
    EXPECT_EQ(a->last_reason(), Reason::preempt_hold_released);
    EXPECT_EQ(b->m.state(), State::backup);
}

// ... but a Master that is gone is replaced at once: the hold is no reason to
// leave the VIP without a Master.
TEST_F(PreemptFixture, HoldDoesNotDelayMasterDownTakeover) {
    start(with_delay(120, "10.1.1.1", 600s));
    lan.post(*a, Event::hold_changed(true));
    lan.run_for(700s);
    ASSERT_EQ(a->m.status().preempt_wait, PreemptWait::hold);
    const Time gone = lan.now;
    lan.post(*b, Event::interface_down());
    lan.run_for(10s);
    EXPECT_EQ(a->m.state(), State::master);
    EXPECT_EQ(a->last_reason(), Reason::master_down);
    EXPECT_LT(*a->entered(State::master) - gone, 4s);
}

TEST(Preempt, HoldWithoutDelayKeepsTheLowerMasterUntilReleased) {
    Machine m(params(120, "10.1.1.1"));
    m.handle(Event::startup(), T0);
    m.handle(Event::hold_changed(true), T0);
    Time t = T0 + 1s;
    Actions acts = m.handle(Event::advert_received(100, ip("10.1.1.2"), 1s), t);
    EXPECT_EQ(started(acts, TimerId::master_down), t + 3531250us) << "lower Master accepted while held";
    EXPECT_EQ(m.status().preempt_wait, PreemptWait::hold);
    EXPECT_EQ(m.stats().get(GroupCounter::lower_priority_discarded), 0u);
    for (int i = 0; i < 100; ++i)
        m.handle(Event::advert_received(100, ip("10.1.1.2"), 1s), t += 1s);
    EXPECT_EQ(m.state(), State::backup);
    EXPECT_EQ(m.stats().get(GroupCounter::preempt_held), 1u);
    acts = m.handle(Event::hold_changed(false), t + 1ms);
    EXPECT_EQ(m.state(), State::master);
    EXPECT_EQ(find(acts, ActionKind::send_advert)->priority, 120);
    EXPECT_EQ(count(acts, ActionKind::send_garp), 1u);
}

TEST(Preempt, ReleasingAHoldWithNothingPendingDoesNothing) {
    Machine m(params(100, "10.1.1.2"));
    m.handle(Event::startup(), T0);
    m.handle(Event::hold_changed(true), T0 + 1s);
    m.handle(Event::advert_received(120, ip("10.1.1.1"), 1s), T0 + 2s);
    EXPECT_TRUE(m.handle(Event::hold_changed(false), T0 + 3s).empty());
    EXPECT_EQ(m.state(), State::backup);
}

// seed: "vrrp recover-delay 20": after the link comes back, stay in
// Initialize, sending nothing, for the delay; then join as Backup.
TEST(RecoverDelay, AfterLinkUpTheGroupWaitsSilently) {
    Params p = params(120, "10.1.1.1");
    p.recover_delay = 20s;
    Machine m(p);
    m.handle(Event::startup(), T0);
    m.handle(Event::timer_expired(TimerId::recover), T0 + 20s);
    m.handle(Event::timer_expired(TimerId::master_down), *m.deadline(TimerId::master_down));
    ASSERT_EQ(m.state(), State::master);
    m.handle(Event::interface_down(), T0 + 30s);
    ASSERT_EQ(m.state(), State::fault);
    Actions acts = m.handle(Event::interface_up(), T0 + 40s);
    EXPECT_EQ(m.state(), State::initialize);
    EXPECT_EQ(started(acts, TimerId::recover), T0 + 60s);
    EXPECT_EQ(count(acts, ActionKind::send_advert) + count(acts, ActionKind::send_garp), 0u);
    // Adverts heard meanwhile are ignored; nothing is sent.
    acts = m.handle(Event::advert_received(100, ip("10.1.1.2"), 1s), T0 + 45s);
    EXPECT_TRUE(acts.empty());
    EXPECT_EQ(m.stats().get(GroupCounter::advert_ignored), 1u);
    EXPECT_TRUE(m.handle(Event::timer_expired(TimerId::recover), T0 + 59s).empty()) << "not yet due";
    acts = m.handle(Event::timer_expired(TimerId::recover), T0 + 60s);
    EXPECT_EQ(m.state(), State::backup);
    EXPECT_EQ(m.history().newest(0).reason, Reason::interface_up);
    EXPECT_EQ(started(acts, TimerId::master_down), T0 + 60s + 3531250us);
}

TEST(RecoverDelay, AppliesAtStartupAndShutdownCancelsIt) {
    Params p = params(kPriorityOwner, "10.1.1.1");
    p.recover_delay = 20s;
    Machine m(p);
    Actions acts = m.handle(Event::startup(), T0);
    const Actions want{{.kind = ActionKind::start_timer, .timer = TimerId::recover, .deadline = T0 + 20s}};
    EXPECT_EQ(acts, want) << "even the owner waits before §6.4.1";
    acts = m.handle(Event::shutdown(), T0 + 5s);
    const Actions stop{{.kind = ActionKind::stop_timer, .timer = TimerId::recover}};
    EXPECT_EQ(acts, stop);
    m.handle(Event::startup(), T0 + 10s);
    m.handle(Event::timer_expired(TimerId::recover), T0 + 30s);
    EXPECT_EQ(m.state(), State::master);
    EXPECT_EQ(m.history().newest(0).reason, Reason::startup_owner);
}

TEST(RecoverDelay, LinkDownDuringTheWaitIsFault) {
    Params p = params(100, "10.1.1.2");
    p.recover_delay = 20s;
    Machine m(p);
    m.handle(Event::startup(), T0);
    const Actions acts = m.handle(Event::interface_down(), T0 + 5s);
    EXPECT_EQ(m.state(), State::fault);
    EXPECT_EQ(find(acts, ActionKind::stop_timer)->timer, TimerId::recover);
}

// The seed end to end: Device A (120) and B (100), both "preempt-mode timer
// delay 600" and "recover-delay 20". A fails and returns; its remote backup
// holds preemption until the batch backup completes (here at 700 s).
TEST(SeedScenario, ReturningMasterWaitsForRecoverDelayPreemptDelayAndSync) {
    Lan lan;
    Params pa = with_delay(120, "10.1.1.1", 600s), pb = with_delay(100, "10.1.1.2", 600s);
    pa.recover_delay = pb.recover_delay = 20s;
    Router& a = lan.add("DeviceA", pa);
    Router& b = lan.add("DeviceB", pb);
    lan.post(a, Event::startup());
    lan.post(b, Event::startup());
    lan.run_for(30s);
    ASSERT_EQ(a.m.state(), State::master);
    ASSERT_EQ(b.m.state(), State::backup);

    lan.post(a, Event::interface_down());
    lan.run_for(10s);
    ASSERT_EQ(b.m.state(), State::master);

    const Time up = lan.now;
    lan.post(a, Event::hold_changed(true)); // RBS reconnecting, batch backup pending
    lan.post(a, Event::interface_up());
    lan.run_until(up + 20s - 1us);
    EXPECT_EQ(a.m.state(), State::initialize);
    EXPECT_EQ(a.sent(ActionKind::send_advert, up), 0u);
    lan.run_until(up + 20s);
    EXPECT_EQ(a.m.state(), State::backup);
    lan.run_for(650s);
    EXPECT_EQ(a.m.state(), State::backup) << "delay over, but not synced yet";
    EXPECT_EQ(a.m.status().preempt_wait, PreemptWait::hold);
    EXPECT_EQ(b.m.state(), State::master);
    lan.run_until(up + 700s);
    lan.post(a, Event::hold_changed(false)); // batch backup done
    EXPECT_EQ(a.m.state(), State::master);
    EXPECT_EQ(b.m.state(), State::backup);
    EXPECT_EQ(a.last_reason(), Reason::preempt_hold_released);
}

} // namespace
} // namespace wg::vrrp::test
