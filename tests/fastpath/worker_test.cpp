// Packet-level tests of the worker on net_ring ports: frames in → frames
// out, asserting bytes (MACs, TTL, checksum) and every counter.
#include "fastpath/dataplane.hpp"
#include "fastpath/ports.hpp"
#include "fastpath/worker.hpp"
#include "tests/fastpath/eal_env.hpp"

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace wg::fastpath {
namespace {

constexpr uint16_t kUser = 0, kCore = 1;
const Mac kHostMac{{0x02, 0, 0, 0, 0, 0x50}};
const Mac kGwMac{{0x02, 0, 0, 0, 0, 0xfe}};
const Mac kPeerMac{{0x02, 0, 0, 0, 0, 0x99}};
const Mac kBcast{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

uint32_t ip4(const char* s) { return Ipv4::parse(s)->value; }

struct Frame {
    Mac dst, src;
    uint16_t ethertype = RTE_ETHER_TYPE_IPV4;
    uint32_t ip_src = 0, ip_dst = 0;
    uint8_t ttl = 64, proto = IPPROTO_UDP, version_ihl = 0x45;
    int total_length_delta = 0;
    bool break_checksum = false;
    unsigned payload = 18; // 64-byte frame
};

class WorkerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        static unsigned seq = 0;
        const std::string id = std::to_string(seq++);
        for (unsigned p = 0; p < 2; ++p) {
            rx_[p] = rte_ring_create(("wrx" + id + std::to_string(p)).c_str(), 1024, SOCKET_ID_ANY,
                                     RING_F_SP_ENQ | RING_F_SC_DEQ);
            tx_[p] = rte_ring_create(("wtx" + id + std::to_string(p)).c_str(), 1024, SOCKET_ID_ANY,
                                     RING_F_SP_ENQ | RING_F_SC_DEQ);
            ASSERT_NE(rx_[p], nullptr);
            const std::string ring_name = "wring" + id + "_" + std::to_string(p);
            const int port_id = rte_eth_from_rings(ring_name.c_str(), &rx_[p], 1, &tx_[p], 1, 0);
            ASSERT_GE(port_id, 0);
            char ethdev[RTE_ETH_NAME_MAX_LEN];
            ASSERT_EQ(rte_eth_dev_get_name_by_port(uint16_t(port_id), ethdev), 0);
            names_[p] = ethdev; // what a config's `port:` would name
        }
        PortSpec user{names_[0], names_[0], *Prefix::parse("10.1.1.1/24"), {1}};
        PortSpec core{names_[1], names_[1], *Prefix::parse("192.0.2.1/24"), {}};
        std::string err;
        PortsOptions po;
        po.rx_descriptors = po.tx_descriptors = 256;
        po.extra_mbufs = 1024;
        ASSERT_TRUE(ports_.open({user, core}, po, err)) << err;

        DataplaneOptions o;
        o.adjacency_capacity = 1024;
        o.punt = punt_;
        if (punt_ring_size_ != 0) o.punt_ring_size = o.priority_ring_size = punt_ring_size_;
        dp_ = Dataplane::create(o, err);
        ASSERT_TRUE(dp_) << err;
        for (uint16_t i = 0; i < 2; ++i) {
            const Port& p = ports_.ports()[i];
            IfaceStatic s;
            s.port_id = p.port_id;
            s.port_mac = p.mac;
            s.address = p.spec.address.addr.value;
            s.prefix_len = p.spec.address.len;
            s.vrrp = !p.spec.vrids.empty();
            s.name = p.spec.ifname;
            ASSERT_TRUE(dp_->add_interface(i, s, err)) << err;
        }
        dp_->add_local_address(ip4("10.1.1.100"));
        Nexthop gw;
        gw.gateway = ip4("192.0.2.254");
        gw.ifindex = kCore;
        gw.port_id = port(kCore).port_id;
        ASSERT_TRUE(dp_->fib().add(0, 0, gw, err)) << err;
        ASSERT_EQ(dp_->adjacency().upsert({ip4("10.1.1.50"), kUser, 0}, kHostMac, port(kUser).port_id,
                                          Origin::static_entry, 1),
                  AdjacencyTable::Result::added);
        ASSERT_EQ(dp_->adjacency().upsert({ip4("192.0.2.254"), kCore, 0}, kGwMac, port(kCore).port_id,
                                          Origin::learned, 1),
                  AdjacencyTable::Result::added);
        master(true);
        worker_ = std::make_unique<Worker>(*dp_, 0);
        ASSERT_TRUE(worker_->init(err)) << err;
    }

    void TearDown() override {
        worker_.reset();
        drain_punts();
        dp_.reset();
        ports_.close_all();
        for (unsigned p = 0; p < 2; ++p) {
            drain(tx_[p]);
            drain(rx_[p]);
            rte_ring_free(rx_[p]);
            rte_ring_free(tx_[p]);
        }
    }

    const Port& port(uint16_t ifindex) const { return ports_.ports()[ifindex]; }
    void master(bool on) {
        const Mac src = on ? Mac::vrrp_virtual(1) : port(kUser).mac;
        dp_->set_forwarding(kUser, on, src, on);
    }

    rte_mbuf* build(const Frame& f) {
        rte_mbuf* m = rte_pktmbuf_alloc(ports_.pool());
        if (m == nullptr) std::abort();
        const unsigned ip_len = 20 + f.payload;
        auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, uint16_t(14 + ip_len)));
        if (p == nullptr) std::abort();
        std::memset(p, 0, 14 + ip_len);
        auto* eth = reinterpret_cast<rte_ether_hdr*>(p);
        std::memcpy(&eth->dst_addr, f.dst.bytes.data(), 6);
        std::memcpy(&eth->src_addr, f.src.bytes.data(), 6);
        eth->ether_type = rte_cpu_to_be_16(f.ethertype);
        auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
        ip->version_ihl = f.version_ihl;
        ip->total_length = rte_cpu_to_be_16(uint16_t(int(ip_len) + f.total_length_delta));
        ip->time_to_live = f.ttl;
        ip->next_proto_id = f.proto;
        ip->src_addr = rte_cpu_to_be_32(f.ip_src);
        ip->dst_addr = rte_cpu_to_be_32(f.ip_dst);
        for (unsigned i = 0; i < f.payload; ++i) p[34 + i] = uint8_t(i * 7);
        ip->hdr_checksum = rte_ipv4_cksum(ip);
        if (f.break_checksum) ip->hdr_checksum ^= 0x1234;
        return m;
    }

    Frame downlink(const char* dst = "10.1.1.50") const {
        Frame f;
        f.dst = port(kCore).mac;
        f.src = kGwMac;
        f.ip_src = ip4("198.51.100.7");
        f.ip_dst = ip4(dst);
        return f;
    }

    // Feeds frames on `ifindex` and runs the worker, TX flushed.
    void feed(uint16_t ifindex, std::vector<rte_mbuf*> frames) {
        worker_->process(frames.data(), uint16_t(frames.size()), ifindex);
        worker_->flush();
    }
    std::vector<rte_mbuf*> out(uint16_t ifindex) {
        std::vector<rte_mbuf*> v;
        void* m = nullptr;
        while (rte_ring_dequeue(tx_[ifindex], &m) == 0) v.push_back(static_cast<rte_mbuf*>(m));
        return v;
    }
    // The priority ring's frames, then the bulk ring's (the control core's order).
    std::vector<rte_mbuf*> punts() {
        std::vector<rte_mbuf*> v = priority_punts();
        void* m = nullptr;
        while (rte_ring_dequeue(dp_->punt_ring(0), &m) == 0) v.push_back(static_cast<rte_mbuf*>(m));
        return v;
    }
    std::vector<rte_mbuf*> priority_punts() {
        std::vector<rte_mbuf*> v;
        void* m = nullptr;
        while (rte_ring_dequeue(dp_->priority_ring(0), &m) == 0) v.push_back(static_cast<rte_mbuf*>(m));
        return v;
    }
    void drain_punts() {
        if (dp_)
            for (auto* m : punts()) rte_pktmbuf_free(m);
    }
    static void drain(rte_ring* r) {
        void* m = nullptr;
        while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    }
    uint64_t counter(Counter c) const { return dp_->stats(0).get(c); }
    static void free_all(std::vector<rte_mbuf*>& v) {
        for (auto* m : v) rte_pktmbuf_free(m);
    }

    PuntPolicers punt_{};          // default: no policing (rate 0)
    unsigned punt_ring_size_ = 0;  // 0: the DataplaneOptions default
    rte_ring* rx_[2]{};
    rte_ring* tx_[2]{};
    std::string names_[2];
    Ports ports_;
    std::unique_ptr<Dataplane> dp_;
    std::unique_ptr<Worker> worker_;
};

TEST_F(WorkerTest, ForwardsDownlinkWithVirtualMacTtlAndChecksum) {
    rte_mbuf* in = build(downlink());
    std::vector<uint8_t> payload(rte_pktmbuf_mtod_offset(in, uint8_t*, 34),
                                 rte_pktmbuf_mtod_offset(in, uint8_t*, 34) + 18);
    feed(kCore, {in});
    auto frames = out(kUser);
    ASSERT_EQ(frames.size(), 1u);
    auto* eth = rte_pktmbuf_mtod(frames[0], rte_ether_hdr*);
    EXPECT_EQ(0, std::memcmp(&eth->dst_addr, kHostMac.bytes.data(), 6));
    const Mac vmac = Mac::vrrp_virtual(1);
    EXPECT_EQ(0, std::memcmp(&eth->src_addr, vmac.bytes.data(), 6));
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
    EXPECT_EQ(ip->time_to_live, 63);
    EXPECT_EQ(rte_raw_cksum(ip, 20), 0xffff) << "incremental checksum must stay valid";
    EXPECT_EQ(0, std::memcmp(payload.data(), ip + 1, payload.size()));
    EXPECT_EQ(counter(Counter::forwarded), 1u);
    EXPECT_EQ(counter(Counter::tx), 1u);
    EXPECT_EQ(counter(Counter::arp_miss), 0u);
    free_all(frames);
}

TEST_F(WorkerTest, ChecksumStaysValidAcrossAllTtls) {
    for (unsigned ttl = 2; ttl <= 255; ++ttl) {
        Frame f = downlink();
        f.ttl = uint8_t(ttl);
        feed(kCore, {build(f)});
        auto frames = out(kUser);
        ASSERT_EQ(frames.size(), 1u);
        auto* ip = rte_pktmbuf_mtod_offset(frames[0], rte_ipv4_hdr*, 14);
        ASSERT_EQ(ip->time_to_live, ttl - 1);
        ASSERT_EQ(rte_raw_cksum(ip, 20), 0xffff) << "ttl " << ttl;
        free_all(frames);
    }
}

// The worker sums a 20-byte header as five 32-bit words (worker.cpp);
// rte_raw_cksum, RFC 1071's 16-bit sum, is the oracle. Random headers with
// random checksum fields, with and without options (the general path).
TEST_F(WorkerTest, ChecksumCheckAgreesWithRfc1071) {
    uint64_t state = 0x9e3779b97f4a7c15ull;
    auto next = [&] { return state = state * 6364136223846793005ull + 1442695040888963407ull, state >> 16; };
    uint64_t expect_forwarded = 0, expect_bad = 0;
    for (unsigned i = 0; i < 2000; ++i) {
        Frame f = downlink();
        f.version_ihl = (i & 1) ? 0x46 : 0x45;
        f.ttl = uint8_t(2 + next() % 250);
        f.ip_src = ip4("198.51.100.0") + uint32_t(next() % 256);
        rte_mbuf* m = build(f);
        auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, 14);
        ip->packet_id = uint16_t(next());
        ip->fragment_offset = uint16_t(next() & 0x40ff);
        const unsigned hlen = (ip->version_ihl & 0xf) * 4u;
        ip->hdr_checksum = 0;
        const uint16_t good = uint16_t(~rte_raw_cksum(ip, hlen));
        ip->hdr_checksum = (i % 3 == 0) ? uint16_t(next()) : good;
        if (rte_raw_cksum(ip, hlen) == 0xffff)
            ++expect_forwarded;
        else
            ++expect_bad;
        feed(kCore, {m});
        auto frames = out(kUser);
        free_all(frames);
        ASSERT_EQ(counter(Counter::forwarded), expect_forwarded) << "frame " << i;
        ASSERT_EQ(counter(Counter::drop_ip_checksum), expect_bad) << "frame " << i;
    }
    EXPECT_GT(expect_bad, 500u);
    EXPECT_GT(expect_forwarded, 1000u);

    // The corner of the 32-bit grouping: a valid header whose words add up
    // (end-around carry) to 0xffffffff needs the last 16-bit fold. Searched
    // for, as random headers hit it once in ~65k.
    bool found = false;
    for (unsigned tries = 0; tries < (1u << 22) && !found; ++tries) {
        uint8_t h[20] = {0x45, 0, 0, 38, 0, 0, 0, 0, 64, 17};
        const uint64_t r = next(), r2 = next();
        std::memcpy(h + 4, &r, 4);                                 // id, fragment
        h[6] &= 0x40;                                             // DF only, offset 0
        h[8] = uint8_t(2 + r % 250);                              // TTL
        const uint32_t src = ip4("198.51.100.0") + uint32_t(r2 % 256);
        const uint32_t dst = ip4("10.1.1.50");
        const uint32_t sbe = rte_cpu_to_be_32(src), dbe = rte_cpu_to_be_32(dst);
        std::memcpy(h + 12, &sbe, 4);
        std::memcpy(h + 16, &dbe, 4);
        const uint16_t ck = uint16_t(~rte_raw_cksum(h, 20));
        std::memcpy(h + 10, &ck, 2);
        uint32_t w[5];
        std::memcpy(w, h, 20);
        uint64_t sum = uint64_t(w[0]) + w[1] + w[2] + w[3] + w[4];
        sum = (sum & 0xffffffff) + (sum >> 32);
        sum = (sum & 0xffffffff) + (sum >> 32);
        if (sum != 0xffffffff) continue;
        found = true;
        rte_mbuf* m = build(downlink());
        std::memcpy(rte_pktmbuf_mtod_offset(m, uint8_t*, 14), h, 20);
        const uint64_t before = counter(Counter::forwarded);
        feed(kCore, {m});
        auto frames = out(kUser);
        EXPECT_EQ(frames.size(), 1u);
        free_all(frames);
        EXPECT_EQ(counter(Counter::forwarded), before + 1);
    }
    EXPECT_TRUE(found);
}

TEST_F(WorkerTest, UplinkUsesGatewayAdjacencyAndPortMac) {
    Frame f;
    f.dst = Mac::vrrp_virtual(1); // hosts use the VIP's MAC as gateway
    f.src = kHostMac;
    f.ip_src = ip4("10.1.1.50");
    f.ip_dst = ip4("203.0.113.9");
    feed(kUser, {build(f)});
    auto frames = out(kCore);
    ASSERT_EQ(frames.size(), 1u);
    auto* eth = rte_pktmbuf_mtod(frames[0], rte_ether_hdr*);
    EXPECT_EQ(0, std::memcmp(&eth->dst_addr, kGwMac.bytes.data(), 6));
    EXPECT_EQ(0, std::memcmp(&eth->src_addr, port(kCore).mac.bytes.data(), 6));
    free_all(frames);
}

// Both user and core subnets are /24s, so the tests above resolve through
// the direct index. Next hops outside any connected subnet (a gateway
// reached by an on-link /32, as static routes allow) take the hash path;
// one burst mixes both paths and every outcome of the hash path.
TEST_F(WorkerTest, NextHopsOutsideTheDirectRangeResolveThroughTheHash) {
    ASSERT_EQ(dp_->adjacency().direct(kUser).size.load(), 256u);
    ASSERT_EQ(dp_->adjacency().direct(kCore).size.load(), 256u);
    const Mac far_gw{{0x02, 0, 0, 0, 0, 0x64}};
    std::string err;
    auto route = [&](const char* prefix, const char* via, uint16_t ifindex) {
        Nexthop nh;
        nh.gateway = ip4(via);
        nh.ifindex = ifindex;
        nh.port_id = port(ifindex).port_id;
        const Prefix p = *Prefix::parse(prefix);
        ASSERT_TRUE(dp_->fib().add(p.addr.value, p.len, nh, err)) << err;
    };
    route("203.0.113.0/24", "100.64.0.1", kUser); // resolved in the hash
    route("198.18.0.0/24", "100.64.0.2", kUser);  // not resolved
    ASSERT_EQ(dp_->adjacency().upsert({ip4("100.64.0.1"), kUser, 0}, far_gw, port(kUser).port_id,
                                      Origin::learned, 1),
              AdjacencyTable::Result::added);
    ASSERT_EQ(dp_->adjacency().direct(kUser).lookup(ip4("100.64.0.1")), AdjacencyTable::Direct::kAskHash);

    feed(kCore, {build(downlink("203.0.113.9")), build(downlink("10.1.1.50")), build(downlink("198.18.0.5"))});
    auto frames = out(kUser);
    ASSERT_EQ(frames.size(), 2u);
    unsigned via_hash = 0, via_direct = 0;
    for (rte_mbuf* m : frames) {
        auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
        auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
        const Mac vmac = Mac::vrrp_virtual(1);
        EXPECT_EQ(0, std::memcmp(&eth->src_addr, vmac.bytes.data(), 6));
        EXPECT_EQ(ip->time_to_live, 63);
        EXPECT_EQ(rte_raw_cksum(ip, 20), 0xffff);
        if (ip->dst_addr == rte_cpu_to_be_32(ip4("203.0.113.9"))) {
            EXPECT_EQ(0, std::memcmp(&eth->dst_addr, far_gw.bytes.data(), 6));
            ++via_hash;
        } else {
            EXPECT_EQ(0, std::memcmp(&eth->dst_addr, kHostMac.bytes.data(), 6));
            ++via_direct;
        }
    }
    EXPECT_EQ(via_hash, 1u);
    EXPECT_EQ(via_direct, 1u);
    free_all(frames);
    EXPECT_EQ(counter(Counter::forwarded), 2u);
    EXPECT_EQ(counter(Counter::arp_miss), 1u);
    auto p = punts();
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(Dataplane::meta(p[0])->reason, PuntReason::resolve);
    EXPECT_EQ(Dataplane::meta(p[0])->nexthop, ip4("100.64.0.2"));
    EXPECT_EQ(Dataplane::meta(p[0])->ifindex, kUser);
    free_all(p);

    // A Backup forwards nothing on the hash path either.
    master(false);
    feed(kCore, {build(downlink("203.0.113.9"))});
    EXPECT_TRUE(out(kUser).empty());
    EXPECT_EQ(counter(Counter::drop_not_master), 1u);
    EXPECT_EQ(counter(Counter::forwarded), 2u);
}

TEST_F(WorkerTest, BackupForwardsNothingAndRefusesVirtualMac) {
    master(false);
    feed(kCore, {build(downlink())});
    EXPECT_TRUE(out(kUser).empty());
    EXPECT_EQ(counter(Counter::drop_not_master), 1u);
    Frame up;
    up.dst = Mac::vrrp_virtual(1);
    up.src = kHostMac;
    up.ip_src = ip4("10.1.1.50");
    up.ip_dst = ip4("203.0.113.9");
    feed(kUser, {build(up)});
    EXPECT_TRUE(out(kCore).empty());
    EXPECT_EQ(counter(Counter::drop_l2_not_for_us), 1u);
    EXPECT_EQ(counter(Counter::forwarded), 0u);
}

TEST_F(WorkerTest, UnknownHostCountsArpMissAndPuntsForResolution) {
    feed(kCore, {build(downlink("10.1.1.77"))});
    EXPECT_TRUE(out(kUser).empty());
    EXPECT_EQ(counter(Counter::arp_miss), 1u);
    auto p = punts();
    ASSERT_EQ(p.size(), 1u);
    const PuntMeta* meta = Dataplane::meta(p[0]);
    EXPECT_EQ(meta->reason, PuntReason::resolve);
    EXPECT_EQ(meta->nexthop, ip4("10.1.1.77"));
    EXPECT_EQ(meta->ifindex, kUser);
    free_all(p);
    // Once the entry exists, the same packet goes straight out.
    dp_->adjacency().upsert({ip4("10.1.1.77"), kUser, 0}, kPeerMac, port(kUser).port_id, Origin::synced, 2);
    feed(kCore, {build(downlink("10.1.1.77"))});
    auto frames = out(kUser);
    EXPECT_EQ(frames.size(), 1u);
    EXPECT_EQ(counter(Counter::arp_miss), 1u);
    free_all(frames);
}

TEST_F(WorkerTest, ControlFramesArePuntedWithTheirReason) {
    Frame arp = downlink();
    arp.dst = Mac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    arp.ethertype = RTE_ETHER_TYPE_ARP;
    Frame vrrp = downlink();
    vrrp.dst = Mac{{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12}};
    vrrp.ip_dst = ip4("224.0.0.18");
    vrrp.proto = 112;
    vrrp.ttl = 255;
    Frame local = downlink("10.1.1.100");
    Frame expired = downlink();
    expired.ttl = 1;
    feed(kUser, {build(arp), build(vrrp), build(local), build(expired)});
    auto p = punts(); // the priority ring (VRRP) first
    ASSERT_EQ(p.size(), 4u);
    EXPECT_EQ(Dataplane::meta(p[0])->reason, PuntReason::vrrp);
    EXPECT_EQ(Dataplane::meta(p[0])->cls, PuntClass::vrrp);
    EXPECT_EQ(Dataplane::meta(p[1])->reason, PuntReason::arp);
    EXPECT_EQ(Dataplane::meta(p[1])->cls, PuntClass::arp_other);
    EXPECT_EQ(Dataplane::meta(p[2])->reason, PuntReason::local);
    EXPECT_EQ(Dataplane::meta(p[2])->cls, PuntClass::local);
    EXPECT_EQ(Dataplane::meta(p[3])->reason, PuntReason::ttl_exceeded);
    EXPECT_EQ(Dataplane::meta(p[3])->cls, PuntClass::ttl_exceeded);
    EXPECT_EQ(Dataplane::meta(p[1])->ifindex, kUser);
    EXPECT_EQ(counter(Counter::punted), 4u);
    EXPECT_EQ(counter(Counter::drop_ttl_exceeded), 1u);
    free_all(p);
}

struct DropCase {
    const char* name;
    Counter counter;
    void (*mutate)(Frame&);
};

TEST_F(WorkerTest, EveryDropReasonHasItsCounter) {
    const DropCase cases[] = {
        {"foreign unicast", Counter::drop_l2_not_for_us, [](Frame& f) { f.dst = Mac{{2, 9, 9, 9, 9, 9}}; }},
        {"ipv6", Counter::drop_ethertype, [](Frame& f) { f.ethertype = RTE_ETHER_TYPE_IPV6; }},
        {"version 6", Counter::drop_ip_version, [](Frame& f) { f.version_ihl = 0x65; }},
        {"ihl 4", Counter::drop_ip_ihl, [](Frame& f) { f.version_ihl = 0x44; }},
        {"ihl beyond frame", Counter::drop_ip_ihl, [](Frame& f) { f.version_ihl = 0x4f, f.payload = 0; }},
        {"total length short", Counter::drop_ip_total_length, [](Frame& f) { f.total_length_delta = -30; }},
        {"total length long", Counter::drop_ip_total_length, [](Frame& f) { f.total_length_delta = 100; }},
        {"checksum", Counter::drop_ip_checksum, [](Frame& f) { f.break_checksum = true; }},
        {"src multicast", Counter::drop_ip_src, [](Frame& f) { f.ip_src = 0xe0000001; }},
        {"src loopback", Counter::drop_ip_src, [](Frame& f) { f.ip_src = 0x7f000001; }},
        {"dst broadcast", Counter::drop_ip_dst, [](Frame& f) { f.ip_dst = 0xffffffff; }},
        {"dst multicast", Counter::drop_ip_dst, [](Frame& f) { f.ip_dst = 0xe0000005; }},
    };
    for (const auto& c : cases) {
        Frame f = downlink();
        c.mutate(f);
        const uint64_t before = counter(c.counter);
        feed(kCore, {build(f)});
        EXPECT_EQ(counter(c.counter), before + 1) << c.name;
        EXPECT_TRUE(out(kUser).empty()) << c.name;
    }
    // A runt: shorter than an Ethernet header.
    rte_mbuf* runt = rte_pktmbuf_alloc(ports_.pool());
    rte_pktmbuf_append(runt, 10);
    feed(kCore, {runt});
    EXPECT_EQ(counter(Counter::drop_runt), 1u);
    EXPECT_EQ(counter(Counter::forwarded), 0u);
    EXPECT_EQ(counter(Counter::rx), std::size(cases) + 1);
    EXPECT_TRUE(punts().empty());
}

TEST_F(WorkerTest, NoRouteIsCounted) {
    std::string err;
    ASSERT_TRUE(dp_->fib().remove(0, 0));
    Frame f = downlink("203.0.113.1");
    feed(kCore, {build(f)});
    EXPECT_EQ(counter(Counter::drop_no_route), 1u);
}

TEST_F(WorkerTest, InjectedFramesLeaveOnTheirPort) {
    Frame f = downlink();
    ASSERT_TRUE(dp_->inject(build(f), port(kUser).port_id));
    worker_->poll_once();
    worker_->flush();
    auto frames = out(kUser);
    EXPECT_EQ(frames.size(), 1u);
    EXPECT_EQ(counter(Counter::injected), 1u);
    free_all(frames);
}

TEST_F(WorkerTest, PollOnceReadsTheRxQueue) {
    rte_mbuf* m = build(downlink());
    ASSERT_EQ(rte_ring_enqueue(rx_[kCore], m), 0);
    EXPECT_EQ(worker_->poll_once(), 1u);
    worker_->flush();
    auto frames = out(kUser);
    EXPECT_EQ(frames.size(), 1u);
    free_all(frames);
}

class RateLimitedWorkerTest : public WorkerTest {
  protected:
    void SetUp() override {
        punt_.fill({1, 5}); // 1 pps, burst 5, every class
        WorkerTest::SetUp();
    }
};

TEST_F(RateLimitedWorkerTest, ArpFloodIsCappedPerPort) {
    std::vector<rte_mbuf*> flood;
    for (int i = 0; i < 20; ++i) {
        Frame arp = downlink();
        arp.dst = Mac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
        arp.ethertype = RTE_ETHER_TYPE_ARP;
        flood.push_back(build(arp));
    }
    feed(kUser, flood);
    EXPECT_EQ(counter(Counter::punted), 5u);
    // IPv4 bytes under an ARP ethertype: not an Ethernet/IPv4 ARP packet.
    EXPECT_EQ(counter(Counter::punted_arp_other), 5u);
    EXPECT_EQ(counter(Counter::drop_policer_arp_other), 15u);
    // The other port has its own budget.
    Frame arp = downlink();
    arp.dst = Mac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    arp.ethertype = RTE_ETHER_TYPE_ARP;
    feed(kCore, {build(arp)});
    EXPECT_EQ(counter(Counter::punted), 6u);
}


// ---- Control-plane policing (config/punt.hpp, docs/architecture.md "Control-plane policing")

// An Ethernet/IPv4 ARP packet (RFC 826), 42 bytes.
struct Arp {
    uint16_t op = RTE_ARP_OP_REQUEST;
    Mac dst = kBcast;
    Mac sha = kHostMac;
    uint32_t spa = 0, tpa = 0;
    unsigned length = 42;
};

class PuntClassTest : public WorkerTest {
  protected:
    void SetUp() override {
        punt_ = punt_policer_defaults();
        punt_ring_size_ = 512;
        WorkerTest::SetUp();
        hz_ = rte_get_tsc_hz();
        t0_ = rte_rdtsc(); // after init: every bucket starts full
    }

    rte_mbuf* arp(const Arp& a) {
        rte_mbuf* m = rte_pktmbuf_alloc(ports_.pool());
        if (m == nullptr) std::abort();
        auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, uint16_t(a.length)));
        if (p == nullptr) std::abort();
        std::memset(p, 0, a.length);
        std::memcpy(p, a.dst.bytes.data(), 6);
        std::memcpy(p + 6, a.sha.bytes.data(), 6);
        p[12] = 0x08, p[13] = 0x06;
        if (a.length < 42) return m;
        uint8_t* h = p + 14;
        h[1] = 1, h[2] = 0x08, h[4] = 6, h[5] = 4; // Ethernet, IPv4
        h[6] = uint8_t(a.op >> 8), h[7] = uint8_t(a.op);
        std::memcpy(h + 8, a.sha.bytes.data(), 6);
        const uint32_t spa = rte_cpu_to_be_32(a.spa), tpa = rte_cpu_to_be_32(a.tpa);
        std::memcpy(h + 14, &spa, 4);
        std::memcpy(h + 24, &tpa, 4);
        return m;
    }
    Frame advert() const {
        Frame f;
        f.dst = Mac{{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12}};
        f.src = kPeerMac;
        f.ip_src = ip4("10.1.1.2");
        f.ip_dst = ip4("224.0.0.18");
        f.proto = 112;
        f.ttl = 255;
        return f;
    }
    // Feeds one burst at `t` TSC cycles (the policers' clock), TX flushed.
    void feed_at(uint16_t ifindex, std::vector<rte_mbuf*> frames, uint64_t t) {
        worker_->process(frames.data(), uint16_t(frames.size()), ifindex, t);
        worker_->flush();
    }
    PuntClass only_class(std::vector<rte_mbuf*> p) {
        EXPECT_EQ(p.size(), 1u);
        const PuntClass c = p.empty() ? PuntClass::local : Dataplane::meta(p[0])->cls;
        free_all(p);
        return c;
    }

    uint64_t hz_ = 0, t0_ = 0;
};

TEST_F(PuntClassTest, ArpIsClassifiedByOperationAndTarget) {
    const uint32_t us = ip4("10.1.1.1"), vip = ip4("10.1.1.100"), host = ip4("10.1.1.50"),
                   other = ip4("10.1.1.77");
    struct Case {
        const char* name;
        Arp a;
        PuntClass cls;
        bool priority;
    };
    const Case cases[] = {
        {"request for us", {RTE_ARP_OP_REQUEST, kBcast, kHostMac, host, us}, PuntClass::arp_request, false},
        {"request for a VIP", {RTE_ARP_OP_REQUEST, kBcast, kHostMac, host, vip}, PuntClass::arp_request, false},
        {"probe for us", {RTE_ARP_OP_REQUEST, kBcast, kHostMac, 0, us}, PuntClass::arp_request, false},
        {"reply to us", {RTE_ARP_OP_REPLY, port(kUser).mac, kHostMac, host, us}, PuntClass::arp_reply_to_us, true},
        {"reply to a VIP", {RTE_ARP_OP_REPLY, port(kUser).mac, kHostMac, host, vip}, PuntClass::arp_reply_to_us,
         true},
        {"request between others", {RTE_ARP_OP_REQUEST, kBcast, kHostMac, host, other}, PuntClass::arp_other, false},
        {"gratuitous request", {RTE_ARP_OP_REQUEST, kBcast, kHostMac, host, host}, PuntClass::arp_other, false},
        {"gratuitous reply", {RTE_ARP_OP_REPLY, kBcast, kHostMac, host, host}, PuntClass::arp_other, false},
        {"RARP-style op to us", {3, kBcast, kHostMac, host, us}, PuntClass::arp_other, false},
        {"truncated", {RTE_ARP_OP_REPLY, kBcast, kHostMac, host, us, 30}, PuntClass::arp_other, false},
    };
    uint64_t punted = 0;
    for (const auto& c : cases) {
        feed_at(kUser, {arp(c.a)}, t0_);
        auto prio = priority_punts();
        auto all = punts();
        EXPECT_EQ(prio.size(), c.priority ? 1u : 0u) << c.name;
        prio.insert(prio.end(), all.begin(), all.end());
        ASSERT_EQ(prio.size(), 1u) << c.name;
        EXPECT_EQ(Dataplane::meta(prio[0])->reason, PuntReason::arp) << c.name;
        EXPECT_EQ(only_class(prio), c.cls) << c.name;
        EXPECT_EQ(counter(Counter::punted), ++punted) << c.name;
    }
    EXPECT_EQ(counter(Counter::punted_arp_request), 3u);
    EXPECT_EQ(counter(Counter::punted_arp_reply_to_us), 2u);
    EXPECT_EQ(counter(Counter::punted_arp_other), 5u);
}

// The attack that split the pair: an ARP flood of 60k requests/s for our
// address with the peer's adverts in the same bursts, for one second of
// policer time, while the control core is too slow to drain the bulk ring
// at all. Every advert still reaches the priority ring; the flood is cut
// to the arp_request rate and counted there; the bulk ring's overflow is
// counted apart; the other classes keep their own budgets.
TEST_F(PuntClassTest, ArpFloodNeverStarvesVrrpAdverts) {
    const PuntPolicer req = punt_[unsigned(PuntClass::arp_request)];
    constexpr unsigned kPerSecond = 60000, kBursts = kPerSecond / kBurst; // 1875 bursts, 1 s
    const uint64_t burst_tsc = hz_ * kBurst / kPerSecond;
    unsigned adverts = 0, flood = 0, adverts_seen = 0;
    for (unsigned b = 0; b < kBursts; ++b) {
        std::vector<rte_mbuf*> frames;
        for (unsigned i = 0; i < kBurst; ++i) {
            // An advert every 10 bursts (~5 ms): 190 in the second, 190 times
            // the rate of one group at the default interval.
            if (i == b % kBurst && b % 10 == 0) {
                frames.push_back(build(advert()));
                ++adverts;
                continue;
            }
            frames.push_back(arp({RTE_ARP_OP_REQUEST, kBcast, Mac{{0x02, 0xaa, 0, 0, uint8_t(b), uint8_t(i)}},
                                  ip4("10.1.1.0") + 2 + (b * kBurst + i) % 200, ip4("10.1.1.1")}));
            ++flood;
        }
        feed_at(kUser, frames, t0_ + b * burst_tsc);
        // The control core drains the priority ring first, every wakeup.
        for (rte_mbuf* m : priority_punts()) {
            EXPECT_EQ(Dataplane::meta(m)->cls, PuntClass::vrrp);
            EXPECT_EQ(Dataplane::meta(m)->reason, PuntReason::vrrp);
            ++adverts_seen;
            rte_pktmbuf_free(m);
        }
    }
    const double seconds = double(kBursts - 1) * double(burst_tsc) / double(hz_);
    EXPECT_EQ(adverts_seen, adverts);
    EXPECT_EQ(counter(Counter::punted_vrrp), adverts);
    EXPECT_EQ(counter(Counter::drop_policer_vrrp), 0u);
    EXPECT_EQ(counter(Counter::drop_punt_priority_ring_full), 0u);

    // The flood: the burst plus the rate over the elapsed time, the rest
    // dropped by its policer or, past that, by the full bulk ring.
    const uint64_t admitted = counter(Counter::punted_arp_request) + counter(Counter::drop_punt_ring_full);
    EXPECT_LE(admitted, req.burst + uint64_t(req.rate_pps * seconds) + 1);
    EXPECT_GE(admitted, uint64_t(req.rate_pps * seconds));
    EXPECT_EQ(counter(Counter::drop_policer_arp_request), flood - admitted);
    EXPECT_GT(counter(Counter::drop_policer_arp_request), 50000u);
    EXPECT_EQ(counter(Counter::punted_arp_request), 511u) << "the bulk ring (512 slots) is full";
    EXPECT_GT(counter(Counter::drop_punt_ring_full), 4000u);
    EXPECT_EQ(counter(Counter::punted), adverts + 511u);

    // The control core comes back: the bulk ring drains, and a ping to us
    // (in the same instant as the last burst) passes its own full bucket
    // while the ARP bucket is still empty.
    drain_punts();
    const uint64_t t_end = t0_ + (kBursts - 1) * burst_tsc;
    Frame ping = downlink("10.1.1.100");
    ping.dst = port(kUser).mac;
    feed_at(kUser, {build(ping), arp({RTE_ARP_OP_REQUEST, kBcast, kHostMac, ip4("10.1.1.50"),
                                                        ip4("10.1.1.1")})},
            t_end);
    auto p = punts();
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(Dataplane::meta(p[0])->cls, PuntClass::local);
    free_all(p);
    EXPECT_EQ(counter(Counter::drop_policer_local), 0u);
    EXPECT_EQ(counter(Counter::drop_policer_arp_request), flood - admitted + 1);
}

// A token bucket per class and ingress interface, refilled by the clock
// the burst carries: never beyond its burst, however long the silence
// (no overflow of cycles x rate), and never by a clock that goes back.
TEST_F(PuntClassTest, BucketsRefillAtTheirRateUpToTheirBurst) {
    auto pings = [&](uint16_t ifindex, unsigned n, uint64_t t) {
        std::vector<rte_mbuf*> v;
        Frame f = downlink(ifindex == kUser ? "10.1.1.100" : "192.0.2.1");
        f.dst = port(ifindex).mac;
        for (unsigned i = 0; i < n; ++i) v.push_back(build(f));
        feed_at(ifindex, v, t);
        auto p = punts();
        const size_t got = p.size();
        free_all(p);
        return got;
    };
    const PuntPolicer local = punt_[unsigned(PuntClass::local)]; // 1000/s, burst 100
    EXPECT_EQ(pings(kUser, 32, t0_), 32u);
    EXPECT_EQ(pings(kUser, 32, t0_), 32u);
    EXPECT_EQ(pings(kUser, 32, t0_), 32u);
    EXPECT_EQ(pings(kUser, 32, t0_), local.burst - 96);
    EXPECT_EQ(counter(Counter::drop_policer_local), 128u - local.burst);
    // The other port's bucket is its own.
    EXPECT_EQ(pings(kCore, 32, t0_), 32u);
    // 10 ms later (rounded up to a whole cycle): 10 tokens.
    EXPECT_EQ(pings(kUser, 32, t0_ + hz_ / 100 + 1), 10u);
    // A clock that goes back adds nothing.
    EXPECT_EQ(pings(kUser, 32, t0_), 0u);
    // Ten thousand seconds of silence: a full bucket, no more.
    const uint64_t later = t0_ + hz_ / 100 + 1 + 10000 * hz_;
    unsigned got = 0;
    for (unsigned i = 0; i < 8; ++i) got += unsigned(pings(kUser, 32, later));
    EXPECT_EQ(got, local.burst);
}

} // namespace
} // namespace wg::fastpath
