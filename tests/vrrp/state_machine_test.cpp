// The VRRP machine against RFC 5798 §6.4 / RFC 3768 §6.4: startup, timers,
// elections, release with priority 0, owners, split brain, faults, followers,
// and the transition history. Time is simulated (support.hpp); nothing sleeps.
#include "support.hpp"

namespace wg::vrrp::test {
namespace {

// §6.4.1: a non-owner starts as Backup with Master_Down_Timer =
// 3 * Advertisement_Interval + Skew_Time; nothing is sent.
TEST(VrrpStartup, NonOwnerBecomesBackupWithMasterDownTimer) {
    Machine m(params(100, "10.1.1.2"));
    const Actions acts = m.handle(Event::startup(), T0);
    EXPECT_EQ(m.state(), State::backup);
    // Skew = (256-100) * 1 s / 256 = 609375 us.
    const Actions want{
        {.kind = ActionKind::start_timer, .timer = TimerId::master_down, .deadline = T0 + 3609375us},
        {.kind = ActionKind::become_backup},
        {.kind = ActionKind::notify, .state = State::backup},
    };
    EXPECT_EQ(acts, want);
    EXPECT_EQ(count(acts, ActionKind::send_advert), 0u);
    EXPECT_EQ(m.history().newest(0).reason, Reason::startup);
}

// §6.4.1: "If the Priority = 255": advert, gratuitous ARP, Adver_Timer, Master.
TEST(VrrpStartup, OwnerBecomesMasterAtOnce) {
    Params p = params(kPriorityOwner, "10.1.1.1");
    p.garp_count = 5;
    p.garp_interval = 200ms;
    Machine m(p);
    const Actions acts = m.handle(Event::startup(), T0);
    EXPECT_EQ(m.state(), State::master);
    const Actions want{
        {.kind = ActionKind::send_advert, .priority = 255},
        {.kind = ActionKind::send_garp, .garp_count = 5, .garp_interval = 200ms},
        {.kind = ActionKind::start_timer, .timer = TimerId::advert, .deadline = T0 + 1s},
        {.kind = ActionKind::become_master},
        {.kind = ActionKind::notify, .state = State::master},
    };
    EXPECT_EQ(acts, want);
    EXPECT_EQ(m.history().newest(0).reason, Reason::startup_owner);
}

TEST(VrrpStartup, FromConfigDetectsOwnerAndConvertsUnits) {
    config::VrrpGroup g;
    g.vrid = 7;
    g.virtual_ips = {ip("10.1.1.100")};
    g.priority = 120;
    g.preempt = {true, 600};
    g.recover_delay_s = 20;
    g.version = 2;
    g.advert_interval_ms = 3000;
    Params p = Params::from_config(g, ip("10.1.1.1"));
    EXPECT_EQ(p.vrid, 7);
    EXPECT_EQ(p.priority, 120);
    EXPECT_EQ(p.advert_interval, 3s);
    EXPECT_EQ(p.preempt_delay, 600s);
    EXPECT_EQ(p.recover_delay, 20s);
    // A VIP equal to the interface address makes us the owner (RFC 5798 §6.1).
    g.virtual_ips.push_back(ip("10.1.1.1"));
    g.version = 3;
    g.advert_interval_ms = 250;
    p = Params::from_config(g, ip("10.1.1.1"));
    EXPECT_EQ(p.priority, kPriorityOwner);
    EXPECT_EQ(p.advert_interval, 250ms);
}

// RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 s, whatever the interval.
TEST(VrrpTimers, V2SkewIsAFractionOfASecond) {
    Params p = params(200, "10.1.1.2", 2);
    p.advert_interval = 3s;
    Machine m(p);
    EXPECT_EQ(m.skew_time(), 218750us); // 56/256 s
    EXPECT_EQ(m.master_down_interval(), 9218750us);
    // v2 does not learn the Master's interval: adverts must match (codec).
    m.handle(Event::startup(), T0);
    const Actions acts = m.handle(Event::advert_received(250, ip("10.1.1.9"), 1s), T0 + 1s);
    EXPECT_EQ(m.master_adver_interval(), 3s);
    EXPECT_EQ(started(acts, TimerId::master_down), T0 + 1s + 9218750us);
}

// RFC 5798 §6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256,
// and §6.4.2: a Backup learns Master_Adver_Interval from the Master's advert.
TEST(VrrpTimers, V3SkewScalesWithTheLearnedInterval) {
    Params p = params(200, "10.1.1.2", 3);
    p.advert_interval = 3s;
    Machine m(p);
    EXPECT_EQ(m.skew_time(), 656250us); // 56 * 3 s / 256
    EXPECT_EQ(m.master_down_interval(), 9656250us);
    m.handle(Event::startup(), T0);
    const Actions acts = m.handle(Event::advert_received(250, ip("10.1.1.9"), 500ms), T0 + 1s);
    EXPECT_EQ(m.master_adver_interval(), 500ms);
    EXPECT_EQ(m.skew_time(), 109375us); // 56 * 0.5 s / 256
    EXPECT_EQ(started(acts, TimerId::master_down), T0 + 1s + 1500ms + 109375us);
    EXPECT_EQ(m.status().master_address, ip("10.1.1.9"));
    EXPECT_EQ(m.status().master_priority, 250);
}

// §6.4.2: Master_Down_Timer fires: advert, gratuitous ARP, Adver_Timer, Master.
TEST(VrrpBackup, MasterDownTimerMakesMaster) {
    Machine m(params(100, "10.1.1.2"));
    m.handle(Event::startup(), T0);
    // A premature or duplicate expiry is ignored.
    EXPECT_TRUE(m.handle(Event::timer_expired(TimerId::master_down), T0 + 1s).empty());
    EXPECT_EQ(m.stats().get(GroupCounter::stale_timer), 1u);
    EXPECT_EQ(m.state(), State::backup);
    const Time due = *m.deadline(TimerId::master_down);
    const Actions acts = m.handle(Event::timer_expired(TimerId::master_down), due);
    EXPECT_EQ(m.state(), State::master);
    EXPECT_EQ(find(acts, ActionKind::send_advert)->priority, 100);
    EXPECT_EQ(count(acts, ActionKind::send_garp), 1u);
    EXPECT_EQ(started(acts, TimerId::advert), due + 1s);
    EXPECT_EQ(m.history().newest(0).reason, Reason::master_down);
    // A second expiry of the same timer is stale.
    EXPECT_TRUE(m.handle(Event::timer_expired(TimerId::master_down), due + 1ms).empty());
}

// §6.4.3: Adver_Timer fires: send, re-arm.
TEST(VrrpMaster, AdverTimerResends) {
    Machine m(params(kPriorityOwner, "10.1.1.1"));
    m.handle(Event::startup(), T0);
    const Actions acts = m.handle(Event::timer_expired(TimerId::advert), T0 + 1s);
    const Actions want{
        {.kind = ActionKind::send_advert, .priority = 255},
        {.kind = ActionKind::start_timer, .timer = TimerId::advert, .deadline = T0 + 2s},
    };
    EXPECT_EQ(acts, want);
}

// §6.4.3: a higher-priority peer appears: the Master becomes Backup at once.
TEST(VrrpMaster, HigherPriorityAdvertMakesBackupAtOnce) {
    Lan lan;
    Router& b = lan.add("B", params(100, "10.1.1.2"));
    lan.post(b, Event::startup());
    lan.run_for(5s);
    ASSERT_EQ(b.m.state(), State::master);
    Router& a = lan.add("A", params(120, "10.1.1.1"));
    lan.post(a, Event::startup());
    lan.run_for(10ms);
    // A (Backup, higher) hears B: with Preempt_Mode and no delay it discards
    // (§6.4.2) and takes over when its Master_Down_Timer expires.
    EXPECT_EQ(a.m.stats().get(GroupCounter::lower_priority_discarded), 0u); // no advert yet
    lan.run_until(T0 + 5s + 3531250us);                                     // 3 s + 136/256 s
    EXPECT_EQ(a.m.state(), State::master);
    EXPECT_GT(a.m.stats().get(GroupCounter::lower_priority_discarded), 0u);
    // B heard A's first advert as Master (priority 120 > 100) and yielded at once.
    EXPECT_EQ(b.m.state(), State::backup);
    EXPECT_EQ(b.entered(State::backup), a.entered(State::master));
    EXPECT_EQ(b.last_reason(), Reason::higher_priority);
}

TEST(VrrpMaster, EqualPriorityHigherAddressWins) {
    Machine m(params(100, "10.1.1.2"));
    m.handle(Event::startup(), T0);
    m.handle(Event::timer_expired(TimerId::master_down), *m.deadline(TimerId::master_down));
    ASSERT_EQ(m.state(), State::master);
    // Equal priority from a lower address: we win; discard (§6.4.3), re-assert
    // with one advert and no gratuitous ARP (Params::reassert_on_losing_advert).
    Actions acts = m.handle(Event::advert_received(100, ip("10.1.1.1"), 1s), T0 + 5s);
    EXPECT_EQ(m.state(), State::master);
    EXPECT_EQ(count(acts, ActionKind::send_advert), 1u);
    EXPECT_EQ(count(acts, ActionKind::send_garp), 0u);
    EXPECT_EQ(m.stats().get(GroupCounter::split_brain), 1u);
    EXPECT_EQ(m.stats().get(GroupCounter::stale_advert_answered), 1u);
    // Equal priority from a higher address: we yield.
    acts = m.handle(Event::advert_received(100, ip("10.1.1.3"), 1s), T0 + 5500ms);
    EXPECT_EQ(m.state(), State::backup);
    EXPECT_EQ(m.history().newest(0).reason, Reason::higher_address);
    EXPECT_EQ(count(acts, ActionKind::send_advert), 0u);
    EXPECT_EQ(find(acts, ActionKind::stop_timer)->timer, TimerId::advert);
    EXPECT_EQ(started(acts, TimerId::master_down), T0 + 5500ms + 3609375us);
}

TEST(VrrpMaster, ReassertCanBeTurnedOff) {
    Params p = params(kPriorityOwner, "10.1.1.1");
    p.reassert_on_losing_advert = false;
    Machine m(p);
    m.handle(Event::startup(), T0);
    EXPECT_TRUE(m.handle(Event::advert_received(100, ip("10.1.1.2"), 1s), T0 + 1ms).empty());
    EXPECT_EQ(m.stats().get(GroupCounter::split_brain), 1u);
}

// keepalived checklist: split brain. Both Masters while partitioned; when they
// hear each other the lower one yields at the winner's answer; whoever
// (re)becomes Master later sends gratuitous ARPs again.
TEST(VrrpSplitBrain, LowerYieldsAndRecoverySendsGratuitousArp) {
    Lan lan;
    Router& a = lan.add("A", params(120, "10.1.1.1"));
    Router& b = lan.add("B", params(100, "10.1.1.2"));
    a.connected = b.connected = false;
    lan.post(a, Event::startup());
    lan.post(b, Event::startup());
    // A: Master at 3.53125 s, adverts at x.53125; B: Master at 3.609375 s.
    lan.run_until(T0 + 9600ms);
    ASSERT_EQ(a.m.state(), State::master);
    ASSERT_EQ(b.m.state(), State::master);
    const Time healed = lan.now;
    a.connected = b.connected = true;
    lan.run_for(1s);
    // B's advert (9.609375 s) reaches A first: A discards it (§6.4.3) but
    // re-asserts at once with one advert, so B yields then, not at A's next
    // periodic advert. No gratuitous ARP: the virtual MAC is the same on both,
    // and A's advert comes from it.
    EXPECT_EQ(a.m.state(), State::master);
    EXPECT_EQ(b.m.state(), State::backup);
    EXPECT_EQ(b.entered(State::backup), T0 + 9609375us);
    EXPECT_EQ(b.last_reason(), Reason::higher_priority);
    EXPECT_EQ(a.m.stats().get(GroupCounter::split_brain), 1u);
    EXPECT_EQ(a.sent(ActionKind::send_advert, healed, healed + 10ms), 1u) << "one answer, at once";
    EXPECT_EQ(a.sent(ActionKind::send_garp, healed), 0u) << "no gratuitous ARP burst for an answer";
    // A fails: B takes over by Master_Down_Timer and sends gratuitous ARPs again.
    const Time fail = lan.now;
    lan.post(a, Event::interface_down());
    EXPECT_EQ(a.m.state(), State::fault);
    EXPECT_EQ(a.sent(ActionKind::send_advert, fail), 0u) << "nothing is sent on a down link";
    lan.run_for(5s);
    EXPECT_EQ(b.m.state(), State::master);
    EXPECT_EQ(b.sent(ActionKind::send_garp, fail), 1u);
    EXPECT_EQ(b.last_reason(), Reason::master_down);
    EXPECT_EQ(b.entered(State::master), T0 + 10531250us + 3609375us); // A's last advert + MDI
}

// §6.4.3 Shutdown: priority-0 advert; §6.4.2: the Backup then sets its
// Master_Down_Timer to Skew_Time, not Master_Down_Interval.
TEST(VrrpRelease, PriorityZeroMakesBackupTakeOverAfterSkewTime) {
    Lan lan;
    Router& a = lan.add("A", params(120, "10.1.1.1"));
    Router& b = lan.add("B", params(100, "10.1.1.2"));
    lan.post(a, Event::startup());
    lan.post(b, Event::startup());
    lan.run_for(10s);
    ASSERT_EQ(a.m.state(), State::master);
    ASSERT_EQ(b.m.state(), State::backup);
    const Time stop = lan.now + 250ms;
    lan.run_until(stop);
    lan.post(a, Event::shutdown());
    EXPECT_EQ(a.m.state(), State::initialize);
    EXPECT_EQ(a.m.stats().get(GroupCounter::priority_zero_sent), 1u);
    EXPECT_EQ(a.log.back().action.kind, ActionKind::notify);
    EXPECT_EQ(b.m.deadline(TimerId::master_down), stop + 609375us); // Skew_Time for 100
    lan.run_for(1s);
    EXPECT_EQ(b.m.state(), State::master);
    EXPECT_EQ(b.entered(State::master), stop + 609375us);
    EXPECT_EQ(b.last_reason(), Reason::master_released);
    EXPECT_EQ(b.m.stats().get(GroupCounter::priority_zero_received), 1u);
}

// §6.4.3: a Master hearing priority 0 (another Master releasing) re-sends.
TEST(VrrpRelease, MasterAnswersPriorityZeroWithAnAdvert) {
    Machine m(params(kPriorityOwner, "10.1.1.1"));
    m.handle(Event::startup(), T0);
    const Actions acts = m.handle(Event::advert_received(0, ip("10.1.1.2"), 1s), T0 + 300ms);
    const Actions want{
        {.kind = ActionKind::send_advert, .priority = 255},
        {.kind = ActionKind::start_timer, .timer = TimerId::advert, .deadline = T0 + 1300ms},
    };
    EXPECT_EQ(acts, want);
    EXPECT_EQ(m.state(), State::master);
}

// keepalived checklist: two owners at 255. RFC 5798 §7.1 as published has an
// owner discard every advert (both would stay Master); we follow erratum 8298 /
// RFC 9568 §7.1 (verify and log): the §6.4.3 tie-break makes the owner with the
// lower address yield, and the conflict is counted on both.
TEST(VrrpOwners, TwoOwnersConvergeOnTheHigherAddress) {
    Lan lan;
    Router& lo = lan.add("lo", params(kPriorityOwner, "10.1.1.1"));
    Router& hi = lan.add("hi", params(kPriorityOwner, "10.1.1.2"));
    lo.connected = false; // both start as Master (§6.4.1) before hearing each other
    lan.post(lo, Event::startup());
    lan.post(hi, Event::startup());
    EXPECT_EQ(lo.m.state(), State::master);
    EXPECT_EQ(hi.m.state(), State::master);
    lo.connected = true;
    lan.run_for(2s);
    EXPECT_EQ(hi.m.state(), State::master);
    EXPECT_EQ(lo.m.state(), State::backup);
    EXPECT_EQ(lo.last_reason(), Reason::higher_address);
    EXPECT_GE(lo.m.stats().get(GroupCounter::owner_conflict), 1u);
    EXPECT_GE(hi.m.stats().get(GroupCounter::owner_conflict), 1u);
    // The yielded owner is an ordinary Backup at 255: it takes over first
    // (Skew_Time = 1/256 of the interval) when the other goes away.
    lan.post(hi, Event::shutdown());
    lan.run_for(1s);
    EXPECT_EQ(lo.m.state(), State::master);
    EXPECT_EQ(lo.last_reason(), Reason::master_released);
}

TEST(VrrpAdverts, OwnLoopedBackAdvertIsIgnored) {
    Machine m(params(100, "10.1.1.2"));
    m.handle(Event::startup(), T0);
    EXPECT_TRUE(m.handle(Event::advert_received(200, ip("10.1.1.2"), 1s), T0 + 1s).empty());
    EXPECT_EQ(m.stats().get(GroupCounter::own_advert_ignored), 1u);
}

TEST(VrrpShutdown, BackupShutdownSendsNothingAndStopsTimers) {
    Machine m(params(100, "10.1.1.2"));
    m.handle(Event::startup(), T0);
    const Actions acts = m.handle(Event::shutdown(), T0 + 1s);
    const Actions want{
        {.kind = ActionKind::stop_timer, .timer = TimerId::master_down},
        {.kind = ActionKind::become_backup},
        {.kind = ActionKind::notify, .state = State::initialize},
    };
    EXPECT_EQ(acts, want);
    EXPECT_EQ(m.state(), State::initialize);
    EXPECT_FALSE(m.deadline(TimerId::master_down));
    // It can be started again.
    m.handle(Event::startup(), T0 + 2s);
    EXPECT_EQ(m.state(), State::backup);
}

TEST(VrrpFault, InterfaceDownAndUpWithoutRecoverDelay) {
    Machine m(params(kPriorityOwner, "10.1.1.1"));
    m.handle(Event::startup(), T0);
    Actions acts = m.handle(Event::interface_down(), T0 + 1s);
    EXPECT_EQ(m.state(), State::fault);
    EXPECT_EQ(count(acts, ActionKind::send_advert), 0u);
    EXPECT_EQ(count(acts, ActionKind::become_backup), 1u);
    EXPECT_EQ(find(acts, ActionKind::notify)->state, State::fault);
    EXPECT_EQ(m.stats().get(GroupCounter::became_fault), 1u);
    // Adverts and stray timers are ignored in Fault.
    EXPECT_TRUE(m.handle(Event::advert_received(100, ip("10.1.1.2"), 1s), T0 + 2s).empty());
    EXPECT_TRUE(m.handle(Event::timer_expired(TimerId::advert), T0 + 2s).empty());
    acts = m.handle(Event::interface_up(), T0 + 3s);
    EXPECT_EQ(m.state(), State::master); // owner: straight back (§6.4.1)
    EXPECT_EQ(m.history().newest(1).to, State::initialize);
    EXPECT_EQ(m.history().newest(0).reason, Reason::interface_up);
}

TEST(VrrpFault, StartupWithTheLinkDownIsFault) {
    Machine m(params(100, "10.1.1.2"));
    m.handle(Event::interface_down(), T0);
    EXPECT_EQ(m.state(), State::initialize); // not started: no state change
    m.handle(Event::startup(), T0 + 1s);
    EXPECT_EQ(m.state(), State::fault);
    EXPECT_FALSE(m.status().link_up);
    m.handle(Event::interface_up(), T0 + 2s);
    EXPECT_EQ(m.state(), State::backup);
}

// admin-vrrp (seed): a follower group mirrors its admin group, sends no
// adverts, runs no protocol timers, but moves the virtual MAC with GARPs.
TEST(VrrpFollower, MirrorsTheAdminGroup) {
    Params p = params(100, "10.1.1.2");
    p.vrid = 2;
    p.follower = true;
    Machine m(p);
    m.handle(Event::startup(), T0);
    EXPECT_EQ(m.state(), State::initialize); // admin state unknown yet
    Actions acts = m.handle(Event::admin_changed(State::master), T0 + 1s);
    EXPECT_EQ(m.state(), State::master);
    const Actions want{
        {.kind = ActionKind::send_garp, .garp_count = 3, .garp_interval = 500ms},
        {.kind = ActionKind::become_master},
        {.kind = ActionKind::notify, .state = State::master},
    };
    EXPECT_EQ(acts, want);
    EXPECT_EQ(m.history().newest(0).reason, Reason::admin_follow);
    // Its own protocol is off: adverts are ignored, even a higher one.
    EXPECT_TRUE(m.handle(Event::advert_received(250, ip("10.1.1.9"), 1s), T0 + 2s).empty());
    EXPECT_EQ(m.state(), State::master);
    acts = m.handle(Event::admin_changed(State::backup), T0 + 3s);
    EXPECT_EQ(m.state(), State::backup);
    EXPECT_FALSE(started(acts, TimerId::master_down));
    EXPECT_EQ(count(acts, ActionKind::start_timer), 0u);
    m.handle(Event::admin_changed(State::fault), T0 + 4s);
    EXPECT_EQ(m.state(), State::initialize);
    // Shutdown of a mirrored Master sends no priority-0 advert.
    m.handle(Event::admin_changed(State::master), T0 + 5s);
    acts = m.handle(Event::shutdown(), T0 + 6s);
    EXPECT_EQ(count(acts, ActionKind::send_advert), 0u);
    EXPECT_EQ(m.state(), State::initialize);
}

TEST(VrrpFollower, AdminStateLearnedDuringRecoverDelayAppliesAtJoin) {
    Params p = params(100, "10.1.1.2");
    p.follower = true;
    p.recover_delay = 20s;
    Machine m(p);
    m.handle(Event::startup(), T0);
    m.handle(Event::admin_changed(State::master), T0 + 1s);
    EXPECT_EQ(m.state(), State::initialize);
    m.handle(Event::timer_expired(TimerId::recover), T0 + 20s);
    EXPECT_EQ(m.state(), State::master);
}

TEST(VrrpHistory, KeepsTheLastSixteenTransitionsNewestFirst) {
    Machine m(params(100, "10.1.1.2"));
    Time t = T0;
    m.handle(Event::startup(), t); // Initialize -> Backup
    for (int i = 0; i < 10; ++i) { // 2 transitions each
        m.handle(Event::timer_expired(TimerId::master_down), *m.deadline(TimerId::master_down));
        t = *m.deadline(TimerId::advert);
        m.handle(Event::advert_received(200, ip("10.1.1.9"), 1s), t);
    }
    EXPECT_EQ(m.history().total(), 21u);
    ASSERT_EQ(m.history().size(), History::kCapacity);
    const Transition& newest = m.history().newest(0);
    EXPECT_EQ(newest.from, State::master);
    EXPECT_EQ(newest.to, State::backup);
    EXPECT_EQ(newest.reason, Reason::higher_priority);
    EXPECT_EQ(newest.at, t);
    EXPECT_EQ(m.history().newest(1).reason, Reason::master_down);
    EXPECT_EQ(m.history().newest(1).to, State::master);
    // The startup entry has been overwritten; the oldest kept is 16 back.
    EXPECT_EQ(m.history().newest(15).to, State::master);
    size_t seen = 0;
    m.history().for_each_newest_first([&](const Transition&) { ++seen; });
    EXPECT_EQ(seen, 16u);
    EXPECT_EQ(reason_text(Reason::master_released).substr(0, 13), "Master releas");
    EXPECT_EQ(state_name(State::fault), "Fault");
}

TEST(VrrpCounters, NamesAreUnique) {
    for (size_t i = 0; i < kGroupCounterCount; ++i)
        for (size_t j = i + 1; j < kGroupCounterCount; ++j)
            EXPECT_NE(kGroupCounterInfo[i].key, kGroupCounterInfo[j].key);
    for (size_t i = 0; i < kRxCounterCount; ++i) {
        EXPECT_FALSE(kRxCounterInfo[i].help.empty());
        for (size_t j = i + 1; j < kRxCounterCount; ++j)
            EXPECT_NE(kRxCounterInfo[i].key, kRxCounterInfo[j].key);
    }
}

} // namespace
} // namespace wg::vrrp::test
