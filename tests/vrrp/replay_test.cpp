// Replayed and stale adverts (docs/vrrp-auth.md, "Replay limits of VRRPv2
// md5"): the VRRPv2 md5 digest covers the VRRP message but not the IPv4
// source, which breaks priority ties (RFC 3768 §6.4.3). These tests run the
// pure receive ladder (codec) in front of the pure machine, with simulated
// time: a genuine md5 advert of the Master is captured once and replayed
// with another IPv4 source.
#include "control/vrrp/codec.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wg::vrrp::test {
namespace {

const config::VrrpAuth kMd5{config::AuthMode::md5, "YsH_2022"}; // config/examples
const Ipv4 kVip = ip("10.1.1.100");
const Ipv4 kAttacker = ip("10.1.1.200"); // higher than both routers' addresses

// Device A's advert as it is on the wire (VRRPv2, md5, priority 120).
std::vector<uint8_t> captured_advert(Ipv4 sender) {
    Advertisement a;
    a.version = 2;
    a.vrid = 1;
    a.priority = 120;
    a.interval = 1;
    a.addresses = {kVip};
    return encode(a, kMd5, sender);
}

// What router `r` configures for the group (service.cpp add_group).
RxGroup rx_group(const Router& r, std::vector<Ipv4> peers) {
    RxGroup g;
    g.vrid = 1;
    g.version = 2;
    g.auth = kMd5;
    g.addresses = {kVip};
    g.interval = 1;
    g.peers = std::move(peers);
    g.local = r.m.params().primary;
    return g;
}

// The adapter's receive path (Service::on_frame): the ladder, then the
// machine for what it accepts.
RxCounter deliver(Lan& lan, Router& r, const RxGroup& g, std::span<const uint8_t> vrrp, Ipv4 src,
                  RxStats* stats) {
    const RxResult res = decode(IpInfo{src, kVrrpMulticast, kVrrpTtl, kIpProtoVrrp}, vrrp, {&g, 1}, stats);
    if (res.accepted())
        lan.post(r, Event::advert_received(res.advert.priority, src, res.advert.interval_duration()));
    return res.verdict;
}

// The examples' pair (v2, 1 s): A 10.1.1.1 priority 120, B 10.1.1.2 priority 100.
struct Pair {
    Lan lan;
    Router& a = lan.add("A", params(120, "10.1.1.1", 2));
    Router& b = lan.add("B", params(100, "10.1.1.2", 2));

    Pair() {
        lan.post(a, Event::startup());
        lan.post(b, Event::startup());
        lan.run_until(T0 + 10s); // A Master at 3.53125 s, adverts at x.53125 s
    }
    bool any_master() const { return a.m.state() == State::master || b.m.state() == State::master; }
};

TEST(VrrpReplay, CapturedMd5AdvertPassesTheLadderFromAnySource) {
    Router a{"A", Machine(params(120, "10.1.1.1", 2)), true, {}};
    const auto bytes = captured_advert(ip("10.1.1.1"));
    const RxGroup g = rx_group(a, {});
    // The digest does not cover the IPv4 source: the same bytes from the
    // attacker's address authenticate.
    const RxResult r = decode(IpInfo{kAttacker, kVrrpMulticast, kVrrpTtl, kIpProtoVrrp}, bytes, {&g, 1});
    EXPECT_TRUE(r.accepted()) << counter_name(r.verdict);
    EXPECT_EQ(r.advert.priority, 120);
}

// The reported incident, without `peers`: the Master yields on the tie
// (§6.4.3, equal priority and higher source), B defers to the replayed
// priority 120, so no router is Master while the replay goes on; after it
// stops, A takes over after its Master_Down_Interval (3 s + Skew_Time
// 136/256 s). No-Master time = replay duration + Master_Down_Interval.
TEST(VrrpReplay, WithoutPeersNoMasterUntilMasterDownIntervalAfterTheLastReplay) {
    Pair p;
    ASSERT_EQ(p.a.m.state(), State::master);
    const auto bytes = captured_advert(ip("10.1.1.1"));
    const RxGroup ga = rx_group(p.a, {}), gb = rx_group(p.b, {});
    const Time first = T0 + 10200ms;
    Time last = first;
    for (int i = 0; i < 14; ++i) {
        p.lan.run_until(first + std::chrono::seconds(i));
        last = p.lan.now;
        EXPECT_EQ(counter_name(deliver(p.lan, p.a, ga, bytes, kAttacker, nullptr)), "accepted");
        EXPECT_EQ(counter_name(deliver(p.lan, p.b, gb, bytes, kAttacker, nullptr)), "accepted");
        EXPECT_FALSE(p.any_master()) << "replay " << i;
    }
    EXPECT_EQ(p.a.entered(State::backup), first);
    EXPECT_EQ(p.a.last_reason(), Reason::higher_address);
    p.lan.run_until(last + 3531249us);
    EXPECT_FALSE(p.any_master());
    p.lan.run_until(last + 5s);
    EXPECT_EQ(p.a.m.state(), State::master);
    EXPECT_EQ(p.a.entered(State::master), last + 3531250us);
    EXPECT_EQ(p.a.last_reason(), Reason::master_down);
    EXPECT_EQ(p.b.m.state(), State::backup) << "A's advert reached B before B's timer (3.609375 s)";
}

// With `peers` the replay never reaches the machine: the Master stays Master
// and sends nothing beyond its periodic adverts.
TEST(VrrpReplay, PeersDropTheReplayAndTheMasterStaysMaster) {
    Pair p;
    const auto bytes = captured_advert(ip("10.1.1.1"));
    const RxGroup ga = rx_group(p.a, {ip("10.1.1.2")}), gb = rx_group(p.b, {ip("10.1.1.1")});
    RxStats sa{}, sb{};
    const Time from = p.lan.now;
    const size_t history = p.a.m.history().size();
    for (int i = 0; i < 100; ++i) {
        p.lan.run_until(from + std::chrono::milliseconds(100 * i + 50));
        EXPECT_EQ(counter_name(deliver(p.lan, p.a, ga, bytes, kAttacker, &sa)), "drop_not_peer");
        EXPECT_EQ(counter_name(deliver(p.lan, p.b, gb, bytes, kAttacker, &sb)), "drop_not_peer");
    }
    p.lan.run_until(from + 10s);
    EXPECT_EQ(p.a.m.state(), State::master);
    EXPECT_EQ(p.b.m.state(), State::backup);
    EXPECT_EQ(p.a.m.history().size(), history) << "no transition";
    EXPECT_EQ(sa.get(RxCounter::drop_not_peer), 100u);
    EXPECT_EQ(sb.get(RxCounter::drop_not_peer), 100u);
    EXPECT_EQ(p.a.sent(ActionKind::send_advert, from), 10u) << "periodic adverts only";
    EXPECT_EQ(p.a.sent(ActionKind::send_garp, from), 0u);
    // The genuine adverts still pass: A's from its own address at B.
    EXPECT_EQ(counter_name(deliver(p.lan, p.b, gb, bytes, ip("10.1.1.1"), &sb)), "accepted");
}

// The ladder drops a stranger before the digest (no MD5 work for a flood),
// and lets our own address through to the machine's own_advert_ignored.
TEST(VrrpReplay, PeerCheckOrderAndOwnAddress) {
    Pair p;
    const RxGroup ga = rx_group(p.a, {ip("10.1.1.2")});
    auto forged = captured_advert(ip("10.1.1.1"));
    forged[8 + 4] ^= 0xff; // corrupt the digest, then fix the checksum
    forged[6] = forged[7] = 0;
    const uint16_t c = internet_checksum(forged);
    forged[6] = uint8_t(c >> 8), forged[7] = uint8_t(c);
    RxStats s{};
    EXPECT_EQ(counter_name(deliver(p.lan, p.a, ga, forged, kAttacker, &s)), "drop_not_peer");
    EXPECT_EQ(counter_name(deliver(p.lan, p.a, ga, forged, ip("10.1.1.2"), &s)), "drop_auth_failure");
    const auto bytes = captured_advert(ip("10.1.1.1"));
    EXPECT_EQ(counter_name(deliver(p.lan, p.a, ga, bytes, ip("10.1.1.1"), &s)), "accepted");
    EXPECT_EQ(p.a.m.stats().get(GroupCounter::own_advert_ignored), 1u);
    EXPECT_EQ(p.a.m.state(), State::master);
}

// A replay from a peer's own address passes `peers`. When the preferred
// Master has the higher primary address it still wins the tie (§6.4.3), so
// the replay is only a stale advert: answered at most once per interval.
TEST(VrrpReplay, FromAPeerAddressLosesTheTieWhenTheMasterHasTheHigherAddress) {
    Lan lan;
    Router& a = lan.add("A", params(120, "10.1.1.2", 2));
    Router& b = lan.add("B", params(100, "10.1.1.1", 2));
    lan.post(a, Event::startup());
    lan.post(b, Event::startup());
    lan.run_until(T0 + 10s);
    ASSERT_EQ(a.m.state(), State::master);
    const auto bytes = captured_advert(ip("10.1.1.2"));
    const RxGroup ga = rx_group(a, {ip("10.1.1.1")}), gb = rx_group(b, {ip("10.1.1.2")});
    const Time from = lan.now;
    for (int i = 0; i < 50; ++i) {
        lan.run_until(from + std::chrono::milliseconds(100 * i + 50));
        deliver(lan, a, ga, bytes, ip("10.1.1.1"), nullptr);
        deliver(lan, b, gb, bytes, ip("10.1.1.1"), nullptr); // B's own address: ignored by B
    }
    lan.run_until(from + 5s);
    EXPECT_EQ(a.m.state(), State::master);
    EXPECT_EQ(b.m.state(), State::backup);
    EXPECT_EQ(a.m.stats().get(GroupCounter::split_brain), 50u);
    EXPECT_EQ(a.m.stats().get(GroupCounter::stale_advert_answered), 5u);
    EXPECT_EQ(a.m.stats().get(GroupCounter::stale_advert_suppressed), 45u);
    EXPECT_EQ(b.m.stats().get(GroupCounter::own_advert_ignored), 50u);
}

// A burst of stale lower-priority adverts within one interval: exactly one
// answering advert, no gratuitous ARP, the rest counted; the next interval
// may answer again; the periodic Adver_Timer is left alone.
TEST(VrrpStaleAdvert, BurstOfHundredWithinOneIntervalGetsOneAnswerAndNoGarp) {
    Machine m(params(120, "10.1.1.1", 2));
    m.handle(Event::startup(), T0);
    m.handle(Event::timer_expired(TimerId::master_down), *m.deadline(TimerId::master_down));
    ASSERT_EQ(m.state(), State::master);
    const Time t = *m.deadline(TimerId::advert) - 900ms;
    const auto adver = m.deadline(TimerId::advert);
    Actions all;
    for (int i = 0; i < 100; ++i) {
        const Actions acts =
            m.handle(Event::advert_received(100, ip("10.1.1.2"), 1s), t + std::chrono::milliseconds(i));
        all.insert(all.end(), acts.begin(), acts.end());
    }
    EXPECT_EQ(count(all, ActionKind::send_advert), 1u);
    EXPECT_EQ(find(all, ActionKind::send_advert)->priority, 120);
    EXPECT_EQ(count(all, ActionKind::send_garp), 0u);
    EXPECT_EQ(count(all, ActionKind::start_timer), 0u) << "the periodic advert keeps its deadline";
    EXPECT_EQ(m.deadline(TimerId::advert), adver);
    EXPECT_EQ(m.stats().get(GroupCounter::split_brain), 100u);
    EXPECT_EQ(m.stats().get(GroupCounter::stale_advert_answered), 1u);
    EXPECT_EQ(m.stats().get(GroupCounter::stale_advert_suppressed), 99u);
    // Just under one interval after the answer: still suppressed; at one
    // interval: answered again.
    EXPECT_EQ(
        count(m.handle(Event::advert_received(100, ip("10.1.1.2"), 1s), t + 999ms), ActionKind::send_advert),
        0u);
    EXPECT_EQ(
        count(m.handle(Event::advert_received(100, ip("10.1.1.2"), 1s), t + 1s), ActionKind::send_advert),
        1u);
    EXPECT_EQ(m.stats().get(GroupCounter::stale_advert_answered), 2u);
    EXPECT_EQ(m.state(), State::master);
}

} // namespace
} // namespace wg::vrrp::test
