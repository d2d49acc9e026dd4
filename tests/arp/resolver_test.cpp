// The ARP resolver's held packets (control/arp/resolver.hpp) on net_ring
// ports under EAL without hugepages or PCI: packets that missed the
// adjacency table wait for their next hop (3 per next hop, 4096 in all),
// leave rewritten when the answer comes, and are dropped when resolution
// fails. Time is a ManualClock; nothing sleeps.
#include "control/arp/codec.hpp"
#include "control/arp/resolver.hpp"
#include "control/event_loop.hpp"
#include "fastpath/dataplane.hpp"
#include "fastpath/ports.hpp"

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace wg::arp {
namespace {

using namespace std::chrono_literals;

constexpr uint16_t kUser = 0;
const Mac kHostMac{{0x02, 0, 0, 0, 0, 0x50}};
const Mac kPortMac{{0x02, 0, 0, 0, 0, 0x01}}; // a ring port's own MAC may be zero: the tests name one

Ipv4 ip(const char* s) {
    return *Ipv4::parse(s);
}

// Keeps what the ARP service sends (its requests).
struct Frames final : control::FrameSink {
    std::vector<std::vector<uint8_t>> sent;
    bool send(uint16_t, std::span<const uint8_t> frame) override {
        sent.emplace_back(frame.begin(), frame.end());
        return true;
    }
};

class ResolverTest : public ::testing::Test {
  protected:
    void SetUp() override {
        static unsigned seq = 0;
        const std::string id = std::to_string(seq++);
        rx_ = rte_ring_create(("rrx" + id).c_str(), 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
        tx_ = rte_ring_create(("rtx" + id).c_str(), 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
        ASSERT_NE(rx_, nullptr);
        ASSERT_NE(tx_, nullptr);
        const int port_id = rte_eth_from_rings(("rring" + id).c_str(), &rx_, 1, &tx_, 1, 0);
        ASSERT_GE(port_id, 0);
        char ethdev[RTE_ETH_NAME_MAX_LEN];
        ASSERT_EQ(rte_eth_dev_get_name_by_port(uint16_t(port_id), ethdev), 0);
        fastpath::PortSpec user{ethdev, ethdev, *Prefix::parse("10.1.1.1/16"), {}};
        std::string err;
        fastpath::PortsOptions po;
        po.rx_descriptors = po.tx_descriptors = 256;
        po.extra_mbufs = 8192; // beyond the 4096 held
        ASSERT_TRUE(ports_.open({user}, po, err)) << err;
        fastpath::DataplaneOptions o;
        o.adjacency_capacity = 1024;
        dp_ = fastpath::Dataplane::create(o, err);
        ASSERT_TRUE(dp_) << err;
        const fastpath::Port& p = ports_.ports()[kUser];
        fastpath::IfaceStatic s;
        s.port_id = p.port_id;
        s.port_mac = p.mac;
        s.address = p.spec.address.addr.value;
        s.prefix_len = p.spec.address.len;
        s.name = p.spec.ifname;
        ASSERT_TRUE(dp_->add_interface(kUser, s, err)) << err;
        dp_->set_forwarding(kUser, true, kPortMac, false);

        config_.arp.requests_per_s = 0; // no request budget: every miss starts a resolution
        resolver_ = std::make_unique<Resolver>(
            loop_, config_, *dp_, ports_, frames_, nullptr,
            std::vector<control::InterfaceInfo>{{kUser, p.spec.ifname, kPortMac, p.spec.address}});
        ASSERT_TRUE(resolver_->start(err)) << err;
    }

    void TearDown() override {
        resolver_.reset();
        drain(dp_->inject_ring(0));
        dp_.reset();
        ports_.close_all();
        drain(tx_);
        drain(rx_);
        rte_ring_free(rx_);
        rte_ring_free(tx_);
    }

    static void drain(rte_ring* r) {
        void* m = nullptr;
        while (rte_ring_dequeue(r, &m) == 0)
            rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    }

    // A 64-byte IPv4 frame to `dst` (TTL 64) punted as a miss for next hop `nh`.
    void miss(Ipv4 nh, Ipv4 dst) {
        rte_mbuf* m = rte_pktmbuf_alloc(ports_.pool());
        ASSERT_NE(m, nullptr);
        auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, 64));
        ASSERT_NE(p, nullptr);
        std::memset(p, 0, 64);
        p[12] = 0x08;
        p[14] = 0x45;
        p[16] = 0;
        p[17] = 50; // total length
        p[22] = 64; // TTL
        p[23] = 17; // UDP
        for (int i = 0; i < 4; ++i)
            p[30 + i] = uint8_t(dst.value >> (24 - 8 * i));
        *fastpath::Dataplane::meta(m) = {fastpath::PuntReason::resolve, PuntClass{}, kUser, nh.value};
        resolver_->on_miss(m, *fastpath::Dataplane::meta(m));
    }

    // The host answers the last request the service sent.
    void answer(Ipv4 host) {
        ASSERT_FALSE(frames_.sent.empty());
        const auto req = decode(frames_.sent.back());
        ASSERT_TRUE(req.accepted()) << counter_name(req.verdict);
        ASSERT_EQ(req.packet.target_ip, host);
        const auto reply = build_reply(req.packet, kHostMac, host);
        resolver_->service().on_frame(kUser, reply, loop_.now());
    }

    uint64_t count(Resolver::Counter c) const { return resolver_->counter(c); }

    rte_ring* rx_ = nullptr;
    rte_ring* tx_ = nullptr;
    fastpath::Ports ports_;
    std::unique_ptr<fastpath::Dataplane> dp_;
    control::ManualClock clock_;
    control::EventLoop loop_{&clock_};
    config::Config config_;
    Frames frames_;
    std::unique_ptr<Resolver> resolver_;
};

TEST_F(ResolverTest, HoldsThreePerNextHopAndReleasesThemRewrittenOnTheAnswer) {
    // The documented caps (docs/lab.md: 3 per unresolved neighbour, like Linux's old unres_qlen).
    static_assert(Resolver::kHoldPerNexthop == 3 && Resolver::kHoldTotal == 4096);
    const Ipv4 host = ip("10.1.1.50");
    for (int i = 0; i < 5; ++i)
        miss(host, host);
    EXPECT_EQ(count(Resolver::Counter::held), Resolver::kHoldPerNexthop);
    EXPECT_EQ(count(Resolver::Counter::held_dropped), 5 - Resolver::kHoldPerNexthop);
    EXPECT_EQ(resolver_->held_now(), Resolver::kHoldPerNexthop);
    EXPECT_EQ(rte_ring_count(dp_->inject_ring(0)), 0u);

    answer(host);
    EXPECT_EQ(count(Resolver::Counter::held_released), Resolver::kHoldPerNexthop);
    EXPECT_EQ(resolver_->held_now(), 0u);
    rte_ring* inject = dp_->inject_ring(0);
    ASSERT_EQ(rte_ring_count(inject), Resolver::kHoldPerNexthop);
    void* obj = nullptr;
    while (rte_ring_dequeue(inject, &obj) == 0) {
        auto* m = static_cast<rte_mbuf*>(obj);
        const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
        EXPECT_EQ(std::memcmp(p, kHostMac.bytes.data(), 6), 0);     // to the host
        EXPECT_EQ(std::memcmp(p + 6, kPortMac.bytes.data(), 6), 0); // from the port
        EXPECT_EQ(p[22], 63);                                       // TTL − 1
        EXPECT_EQ(m->port, ports_.ports()[kUser].port_id);
        rte_pktmbuf_free(m);
    }
    // Resolved now: the next miss for it is re-injected at once.
    miss(host, host);
    EXPECT_EQ(count(Resolver::Counter::held_released), Resolver::kHoldPerNexthop + 1);
    EXPECT_EQ(resolver_->held_now(), 0u);
}

TEST_F(ResolverTest, DropsTheHeldPacketsWhenResolutionFails) {
    const Ipv4 host = ip("10.1.1.60");
    miss(host, host);
    miss(host, host);
    ASSERT_EQ(resolver_->held_now(), 2u);
    // Nobody answers: max_retries requests, then on_resolved(false).
    for (int i = 0; i < 100 && resolver_->held_now() != 0; ++i) {
        clock_.advance(100ms);
        resolver_->service().tick(loop_.now());
    }
    EXPECT_EQ(resolver_->held_now(), 0u);
    EXPECT_EQ(count(Resolver::Counter::held_dropped), 2u);
    EXPECT_EQ(count(Resolver::Counter::held_released), 0u);
    EXPECT_EQ(rte_ring_count(dp_->inject_ring(0)), 0u);
}

TEST_F(ResolverTest, HoldsAtMost4096PacketsInAll) {
    const size_t hops = Resolver::kHoldTotal / Resolver::kHoldPerNexthop + 1; // 1366 × 3 = 4098
    for (size_t h = 0; h < hops; ++h) {
        const Ipv4 nh{ip("10.1.16.0").value + uint32_t(h)};
        for (size_t i = 0; i < Resolver::kHoldPerNexthop; ++i)
            miss(nh, nh);
    }
    EXPECT_EQ(resolver_->held_now(), Resolver::kHoldTotal);
    EXPECT_EQ(count(Resolver::Counter::held), Resolver::kHoldTotal);
    EXPECT_EQ(count(Resolver::Counter::held_dropped),
              hops * Resolver::kHoldPerNexthop - Resolver::kHoldTotal);
    // The teardown frees what is still held (the pool must get them all back).
}

} // namespace
} // namespace wg::arp
