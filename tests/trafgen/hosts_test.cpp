// The host emulator's core (scripts/tools/trafgen_hosts.hpp) on injected
// frames and times: who answers, from which MAC, when (latency, the late
// share, moves), and the bounds.
#include "scripts/tools/trafgen_hosts.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

namespace wg::trafgen {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kT0 = 7'000'000'000;
constexpr uint32_t kFirst = 0x0a010165;   // 10.1.1.101
constexpr uint32_t kGateway = 0x0a010102; // 10.1.1.2
const Mac kGatewayMac{{0x02, 0xaa, 0, 0, 0, 2}};

std::array<uint8_t, kArpFrameLen> request(uint32_t target, bool broadcast = true, uint32_t sender = kGateway,
                                          uint16_t op = 1) {
    std::array<uint8_t, kArpFrameLen> f{};
    if (broadcast)
        std::memset(f.data(), 0xff, 6);
    else
        std::memcpy(f.data(), host_mac(target - kFirst).bytes.data(), 6);
    std::memcpy(f.data() + 6, kGatewayMac.bytes.data(), 6);
    const uint8_t hdr[] = {0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, uint8_t(op)};
    std::memcpy(f.data() + 12, hdr, sizeof hdr);
    std::memcpy(f.data() + 22, kGatewayMac.bytes.data(), 6);
    for (int i = 0; i < 4; ++i) {
        f[28 + i] = uint8_t(sender >> (24 - 8 * i));
        f[38 + i] = uint8_t(target >> (24 - 8 * i));
    }
    return f;
}

struct Reply {
    Mac eth_dst, eth_src, sha, tha;
    uint32_t spa = 0, tpa = 0;
    uint16_t op = 0;
};

std::vector<Reply> due(HostEmulator& e, int64_t now, size_t max = 1000) {
    std::vector<Reply> out;
    e.take_due(now, max, [&](const uint8_t* f, size_t len) {
        EXPECT_EQ(len, kArpFrameLen);
        Reply r;
        std::memcpy(r.eth_dst.bytes.data(), f, 6);
        std::memcpy(r.eth_src.bytes.data(), f + 6, 6);
        EXPECT_EQ(f[12], 0x08);
        EXPECT_EQ(f[13], 0x06);
        r.op = uint16_t(f[20] << 8 | f[21]);
        std::memcpy(r.sha.bytes.data(), f + 22, 6);
        std::memcpy(r.tha.bytes.data(), f + 32, 6);
        for (int i = 0; i < 4; ++i) {
            r.spa = r.spa << 8 | f[28 + i];
            r.tpa = r.tpa << 8 | f[38 + i];
        }
        out.push_back(r);
    });
    return out;
}

HostsOptions options(uint32_t hosts) {
    HostsOptions o;
    o.first_ip = kFirst;
    o.hosts = hosts;
    return o;
}

TEST(TrafgenHosts, AnswersEveryHostFromItsOwnMac) {
    HostEmulator e(options(1000));
    for (uint32_t i : {0u, 1u, 999u}) {
        const auto f = request(kFirst + i);
        const auto seen = e.on_frame(f.data(), f.size(), kT0);
        ASSERT_TRUE(seen);
        EXPECT_EQ(seen->sender_ip, kGateway);
        EXPECT_EQ(seen->target_ip, kFirst + i);
        EXPECT_EQ(seen->sender_mac, kGatewayMac);
    }
    const auto replies = due(e, kT0);
    ASSERT_EQ(replies.size(), 3u);
    const uint32_t idx[] = {0, 1, 999};
    for (size_t k = 0; k < 3; ++k) {
        const Reply& r = replies[k];
        EXPECT_EQ(r.op, 2);
        EXPECT_EQ(r.eth_dst, kGatewayMac);
        EXPECT_EQ(r.tha, kGatewayMac);
        EXPECT_EQ(r.tpa, kGateway);
        EXPECT_EQ(r.spa, kFirst + idx[k]);
        EXPECT_EQ(r.eth_src, host_mac(idx[k]));
        EXPECT_EQ(r.sha, host_mac(idx[k]));
    }
    EXPECT_EQ(host_mac(0x012345).str(), "02:77:67:01:23:45");
    EXPECT_EQ(host_mac(0x012345, true).str(), "06:77:67:01:23:45");
    EXPECT_EQ(e.counters().requests_for_hosts, 3u);
    EXPECT_EQ(e.counters().replies_due, 3u);
}

TEST(TrafgenHosts, IgnoresWhatIsNotARequestForAHost) {
    HostEmulator e(options(10));
    const auto other = request(kFirst + 10); // one past the last host
    const auto below = request(kFirst - 1);  // the VIP's neighbour
    const auto garp = request(kFirst + 3, true, kFirst + 3);
    const auto reply = request(kFirst + 1, true, kGateway, 2);
    EXPECT_TRUE(e.on_frame(other.data(), other.size(), kT0));
    EXPECT_TRUE(e.on_frame(below.data(), below.size(), kT0));
    EXPECT_TRUE(e.on_frame(garp.data(), garp.size(), kT0));
    EXPECT_FALSE(e.on_frame(reply.data(), reply.size(), kT0));
    EXPECT_FALSE(e.on_frame(other.data(), 30, kT0)) << "truncated";
    uint8_t ipv4[64] = {};
    ipv4[12] = 0x08;
    EXPECT_FALSE(e.on_frame(ipv4, sizeof ipv4, kT0));
    EXPECT_TRUE(due(e, kT0 + 1000 * kMs).empty());
    const HostsCounters& c = e.counters();
    EXPECT_EQ(c.ignored_other_target, 2u);
    EXPECT_EQ(c.ignored_gratuitous, 1u);
    EXPECT_EQ(c.ignored_not_request, 1u);
    EXPECT_EQ(c.malformed, 1u);
    EXPECT_EQ(c.not_arp, 1u);
    EXPECT_EQ(c.arp_requests, 3u);
}

TEST(TrafgenHosts, FixedAndUniformLatency) {
    HostsOptions o = options(100);
    o.normal = {5, 5};
    HostEmulator fixed(o);
    const auto f = request(kFirst + 7);
    fixed.on_frame(f.data(), f.size(), kT0);
    ASSERT_TRUE(fixed.next_due());
    EXPECT_EQ(*fixed.next_due(), kT0 + 5 * kMs);
    EXPECT_TRUE(due(fixed, kT0 + 5 * kMs - 1).empty());
    EXPECT_EQ(due(fixed, kT0 + 5 * kMs).size(), 1u);

    o.normal = {10, 20};
    HostEmulator uniform(o);
    for (uint32_t i = 0; i < 100; ++i) {
        const auto r = request(kFirst + i);
        uniform.on_frame(r.data(), r.size(), kT0);
    }
    EXPECT_TRUE(due(uniform, kT0 + 10 * kMs - 1).empty());
    const size_t early = due(uniform, kT0 + 15 * kMs).size();
    EXPECT_GT(early, 20u) << "about half by the middle of the range";
    EXPECT_LT(early, 80u);
    EXPECT_EQ(early + due(uniform, kT0 + 20 * kMs).size(), 100u);
}

TEST(TrafgenHosts, LateShareAnswersBroadcastsLateAndUnicastAtOnce) {
    HostsOptions o = options(10000);
    o.late_share = 0.3;
    o.late = {100, 300};
    HostEmulator e(o);
    uint32_t late = 0;
    for (uint32_t i = 0; i < o.hosts; ++i) {
        late += e.is_late(i);
        const auto r = request(kFirst + i);
        e.on_frame(r.data(), r.size(), kT0);
    }
    EXPECT_NEAR(double(late) / o.hosts, 0.3, 0.02);
    EXPECT_EQ(due(e, kT0, 20000).size(), o.hosts - late) << "the others at once";
    EXPECT_TRUE(due(e, kT0 + 100 * kMs - 1, 20000).empty());
    EXPECT_EQ(due(e, kT0 + 300 * kMs, 20000).size(), late);
    EXPECT_EQ(e.counters().replies_late, late);

    uint32_t a_late = 0;
    while (!e.is_late(a_late))
        ++a_late;
    const auto probe = request(kFirst + a_late, false);
    e.on_frame(probe.data(), probe.size(), kT0 + kMs);
    EXPECT_EQ(due(e, kT0 + kMs).size(), 1u) << "a unicast probe reaches a dozing host at once";
}

TEST(TrafgenHosts, MoversAnswerFromTheirNewMacOnceMoved) {
    HostsOptions o = options(1000);
    o.move_share = 0.5;
    HostEmulator e(o);
    uint32_t mover = 0, stayer = 0;
    while (!e.is_mover(mover))
        ++mover;
    while (e.is_mover(stayer))
        ++stayer;
    auto ask = [&](uint32_t i) {
        const auto r = request(kFirst + i);
        e.on_frame(r.data(), r.size(), kT0);
        const auto replies = due(e, kT0);
        EXPECT_EQ(replies.size(), 1u);
        return replies.empty() ? Mac{} : replies[0].sha;
    };
    EXPECT_EQ(ask(mover), host_mac(mover));
    e.set_moved(true);
    EXPECT_EQ(ask(mover), host_mac(mover, true));
    EXPECT_EQ(ask(stayer), host_mac(stayer));
    EXPECT_EQ(e.counters().replies_moved, 1u);
}

TEST(TrafgenHosts, PendingRepliesAreBounded) {
    HostsOptions o = options(100);
    o.normal = {50, 50};
    o.max_pending = 4;
    HostEmulator e(o);
    for (uint32_t i = 0; i < 6; ++i) {
        const auto r = request(kFirst + i);
        e.on_frame(r.data(), r.size(), kT0 + i);
    }
    EXPECT_EQ(e.pending(), 4u);
    EXPECT_EQ(e.counters().dropped_pending_full, 2u);
    const auto replies = due(e, kT0 + 60 * kMs, 2);
    ASSERT_EQ(replies.size(), 2u) << "at most max per call";
    EXPECT_EQ(replies[0].spa, kFirst) << "oldest first";
    EXPECT_EQ(replies[1].spa, kFirst + 1);
}

TEST(TrafgenHosts, ParsesMillisecondRanges) {
    const auto fixed = parse_ms_range("5");
    ASSERT_TRUE(fixed);
    EXPECT_EQ(fixed->lo, 5);
    EXPECT_EQ(fixed->hi, 5);
    const auto range = parse_ms_range("100-300");
    ASSERT_TRUE(range);
    EXPECT_EQ(range->lo, 100);
    EXPECT_EQ(range->hi, 300);
    EXPECT_FALSE(parse_ms_range("300-100"));
    EXPECT_FALSE(parse_ms_range("x"));
    EXPECT_FALSE(parse_ms_range("-5"));
    EXPECT_FALSE(parse_ms_range("1-"));
    EXPECT_FALSE(parse_ms_range("70000"));
}

} // namespace
} // namespace wg::trafgen
