// Resolution of `arp_miss` next hops: one broadcast request at once, per-target
// and global rate limits, retries, failure with a hold, listener callbacks.
#include "control/arp/service.hpp"

#include "tests/arp/support.hpp"

#include <set>

namespace wg::arp {
namespace {

using namespace test;

using Resolution = ArpTest;

size_t requests_for(const std::vector<Sent>& sent, Ipv4 target) {
    size_t n = 0;
    for (const auto& s : sent)
        if (s.packet.op == Op::request && s.packet.target_ip == target) ++n;
    return n;
}

TEST_F(Resolution, MissSendsOneBroadcastRequestAndHolds) {
    EXPECT_EQ(svc->on_miss(kUser, kA, now), MissAction::hold);
    ASSERT_EQ(sink.sent.size(), 1u);
    const Packet& p = sink.sent[0].packet;
    EXPECT_EQ(sink.sent[0].ifindex, kUser);
    EXPECT_EQ(p.eth_dst, kBroadcastMac);
    EXPECT_EQ(p.eth_src, kPortMac);
    EXPECT_EQ(p.sender_mac, kPortMac);
    EXPECT_EQ(p.sender_ip, kOwn);
    EXPECT_EQ(p.target_ip, kA);
    EXPECT_EQ(count(Counter::miss_requests_sent), 1u);
    // More packets to the same target within retrans: held, no new request.
    for (int i = 0; i < 50; ++i) {
        now += 10ms;
        EXPECT_EQ(svc->on_miss(kUser, kA, now), MissAction::hold);
        svc->tick(now);
    }
    EXPECT_EQ(sink.sent.size(), 1u);
    EXPECT_EQ(count(Counter::miss_coalesced), 50u);
    EXPECT_EQ(svc->pending(), 1u);
}

TEST_F(Resolution, AnswerResolvesAndReportsOk) {
    svc->on_miss(kUser, kA, now);
    now += 200ms;
    deliver(reply(sink.sent[0].packet, kHostA, kA));
    ASSERT_EQ(resolutions.log.size(), 1u);
    EXPECT_EQ(resolutions.log[0].ifindex, kUser);
    EXPECT_EQ(resolutions.log[0].ip, kA);
    EXPECT_TRUE(resolutions.log[0].ok);
    EXPECT_EQ(count(Counter::resolve_ok), 1u);
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostA);
    EXPECT_EQ(svc->pending(), 0u);
    EXPECT_EQ(svc->on_miss(kUser, kA, now), MissAction::resolved);
    EXPECT_EQ(count(Counter::miss_resolved_already), 1u);
    // No retransmission after the answer.
    sink.take();
    run_for(10s);
    EXPECT_EQ(requests_for(sink.sent, kA), 0u);
    EXPECT_EQ(resolutions.log.size(), 1u);
}

TEST_F(Resolution, RetriesEverySecondThenFailsAndHolds) {
    const Time start = now;
    svc->on_miss(kUser, kA, now);
    std::vector<Time> sent_at{now};
    for (int i = 0; i < 60; ++i) { // 6 s in 100 ms ticks
        const size_t before = sink.sent.size();
        advance(100ms);
        if (sink.sent.size() > before) sent_at.push_back(now);
    }
    ASSERT_EQ(sent_at.size(), 3u); // max_retries requests in total
    EXPECT_EQ(sent_at[1] - sent_at[0], 1s);
    EXPECT_EQ(sent_at[2] - sent_at[1], 1s);
    ASSERT_EQ(resolutions.log.size(), 1u);
    EXPECT_FALSE(resolutions.log[0].ok);
    EXPECT_EQ(count(Counter::resolve_failed), 1u);
    EXPECT_EQ(store.rows.size(), 0u);

    // Failed at start + 3 s; held until start + 8 s: misses dropped, silence.
    tick_to(start + 7900ms);
    EXPECT_EQ(svc->on_miss(kUser, kA, now), MissAction::drop);
    EXPECT_EQ(count(Counter::miss_failed_hold), 1u);
    EXPECT_EQ(sink.sent.size(), 3u);
    tick_to(start + 8s);
    EXPECT_EQ(svc->pending(), 0u);
    EXPECT_EQ(svc->on_miss(kUser, kA, now), MissAction::hold);
    EXPECT_EQ(sink.sent.size(), 4u);
}

TEST_F(Resolution, AFrameDuringTheFailHoldClearsIt) {
    svc->on_miss(kUser, kA, now);
    run_for(3s);
    ASSERT_EQ(resolutions.log.size(), 1u);
    host_asks(kHostA, kA, kOwn);
    EXPECT_EQ(resolutions.log.size(), 1u); // nothing was held any more: no callback
    EXPECT_EQ(svc->pending(), 0u);
    EXPECT_EQ(svc->on_miss(kUser, kA, now), MissAction::resolved);
}

TEST_F(Resolution, UnresolvableTargetsAreDropped) {
    EXPECT_EQ(svc->on_miss(kUser, ip("10.2.0.1"), now), MissAction::drop);
    EXPECT_EQ(svc->on_miss(kUser, kOwn, now), MissAction::drop);
    EXPECT_EQ(svc->on_miss(kUser, ip("10.1.1.255"), now), MissAction::drop);
    EXPECT_EQ(svc->on_miss(42, kA, now), MissAction::drop);
    EXPECT_EQ(count(Counter::miss_not_in_subnet), 4u);
    EXPECT_TRUE(sink.sent.empty());
}

class ResolutionCapped : public ArpTest {
  protected:
    static Options capped() {
        Options o;
        o.requests_per_s = 10;
        o.request_burst = 2;
        o.max_pending = 30;
        return o;
    }
    ResolutionCapped() : ArpTest(capped()) {}
};

TEST_F(ResolutionCapped, GlobalCapPostponesNeverLoses) {
    std::vector<Ipv4> targets;
    for (uint32_t i = 0; i < 20; ++i)
        targets.push_back(Ipv4{ip("10.1.1.20").value + i});
    for (Ipv4 t : targets)
        EXPECT_EQ(svc->on_miss(kUser, t, now), MissAction::hold);
    EXPECT_EQ(sink.sent.size(), 2u); // the burst
    EXPECT_GE(count(Counter::rate_limited), 1u);
    run_for(1s);                      // the event loop's 100 ms ticks
    EXPECT_EQ(sink.sent.size(), 12u); // 10 per second
    // Over any window the cap holds: 20 targets x 3 requests = 60 frames take
    // about 6 s, in order, and every target gets exactly max_retries.
    run_for(10s);
    std::set<uint32_t> seen;
    for (Ipv4 t : targets) {
        EXPECT_EQ(requests_for(sink.sent, t), 3u) << t.str();
        seen.insert(t.value);
    }
    EXPECT_EQ(seen.size(), 20u);
    EXPECT_EQ(resolutions.log.size(), 20u);
    EXPECT_EQ(count(Counter::miss_requests_sent), 60u);
}

TEST_F(ResolutionCapped, PerTargetGapHoldsUnderTheCap) {
    svc->on_miss(kUser, kA, now);
    std::vector<Time> at{now};
    for (int i = 0; i < 40; ++i) {
        const size_t before = sink.sent.size();
        advance(100ms);
        if (sink.sent.size() > before) at.push_back(now);
    }
    ASSERT_EQ(at.size(), 3u);
    for (size_t i = 1; i < at.size(); ++i)
        EXPECT_GE(at[i] - at[i - 1], 1s);
}

TEST_F(ResolutionCapped, TooManyPendingResolutionsAreDropped) {
    for (uint32_t i = 0; i < 30; ++i)
        svc->on_miss(kUser, Ipv4{ip("10.1.1.20").value + i}, now);
    EXPECT_EQ(svc->on_miss(kUser, ip("10.1.1.200"), now), MissAction::drop);
    EXPECT_EQ(count(Counter::miss_pending_full), 1u);
}

TEST_F(Resolution, FlushFailsPendingResolutions) {
    svc->on_miss(kUser, kA, now);
    svc->flush_interface(kUser, now);
    ASSERT_EQ(resolutions.log.size(), 1u);
    EXPECT_FALSE(resolutions.log[0].ok);
    EXPECT_EQ(svc->pending(), 0u);
    run_for(5s);
    EXPECT_EQ(sink.sent.size(), 1u);
}

} // namespace
} // namespace wg::arp
