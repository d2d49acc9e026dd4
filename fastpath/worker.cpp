#include "fastpath/worker.hpp"

#include "fastpath/ipv4.hpp"

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <cstring>

namespace wg::fastpath {
namespace {

constexpr uint64_t kMac48 = (1ull << 48) - 1;
constexpr uint32_t kVrrpGroup = 0xe0000012; // 224.0.0.18, RFC 5798 §5.1.1.2
constexpr uint8_t kProtoVrrp = 112;

// One 8-byte load, masked: a 6-byte memcpy compiles to narrow stack stores
// and a wide reload, a store-forwarding stall on every frame. The caller
// has checked that the frame holds an Ethernet header (14 bytes).
inline uint64_t load_mac48(const void* p) noexcept {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v & kMac48;
}

// RFC 1812 §5.2.2 (RFC 1071 sum): the header including its checksum sums
// to all ones. The usual 20-byte header is summed as five 32-bit words: the
// one's-complement sum does not depend on how the bytes are grouped, and
// all ones reads the same in either byte order. rte_raw_cksum's 16-bit
// loop costs ~50 instructions more per packet.
inline bool ipv4_checksum_ok(const rte_ipv4_hdr* ip, uint32_t hlen) noexcept {
    if (hlen != sizeof(rte_ipv4_hdr)) return rte_raw_cksum(ip, hlen) == 0xffff;
    uint32_t w[5];
    std::memcpy(w, ip, sizeof w);
    uint64_t sum = uint64_t(w[0]) + w[1] + w[2] + w[3] + w[4];
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

void count_tx_drops(rte_mbuf** unsent, uint16_t count, void* userdata) {
    auto* st = static_cast<WorkerStats*>(userdata);
    st->add(Counter::drop_tx_full, count);
    rte_pktmbuf_free_bulk(unsent, count);
}

} // namespace

Worker::Worker(Dataplane& dp, unsigned index)
    : dp_(dp), index_(index), st_(dp.worker_stats(index)), adj_(dp.adjacency()), fib_(dp.fib()) {}

Worker::~Worker() {
    for (auto* b : txb_) {
        if (b == nullptr) continue;
        rte_pktmbuf_free_bulk(b->pkts, b->length);
        rte_free(b);
    }
}

bool Worker::init(std::string& error) {
    tsc_hz_ = rte_get_tsc_hz();
    drain_tsc_ = (tsc_hz_ + 999999) / 1000000 * dp_.options().tx_drain_us;
    const uint64_t now = rte_rdtsc();
    for (unsigned i = 0; i < dp_.interface_count(); ++i) {
        const uint16_t port = dp_.iface(uint16_t(i)).port_id;
        if (txb_[port] != nullptr) continue;
        auto* b = static_cast<rte_eth_dev_tx_buffer*>(
            rte_zmalloc("wg_txb", RTE_ETH_TX_BUFFER_SIZE(kBurst), RTE_CACHE_LINE_SIZE));
        if (b == nullptr || rte_eth_tx_buffer_init(b, kBurst) != 0) {
            error = "cannot allocate TX buffer";
            rte_free(b);
            return false;
        }
        rte_eth_tx_buffer_set_err_callback(b, count_tx_drops, &st_);
        txb_[port] = b;
    }
    // Tokens are kept scaled by the TSC frequency, so that a refill is one
    // multiplication (elapsed cycles x rate) and no division per packet.
    for (unsigned c = 0; c < kPuntClassCount; ++c) {
        const PuntPolicer& p = dp_.options().punt[c];
        Policer& pol = policer_[c];
        pol.rate = p.rate_pps;
        pol.cap = uint64_t(p.burst) * tsc_hz_;
        pol.full_after = p.rate_pps != 0 ? pol.cap / p.rate_pps + 1 : 0;
        pol.priority = kPuntClassInfo[c].priority;
        for (auto& per_if : bucket_) per_if[c] = {pol.cap, now};
    }
    last_drain_ = now;
    return true;
}

void Worker::drop(rte_mbuf* m, Counter why) noexcept {
    st_.add(why);
    rte_pktmbuf_free(m);
}

inline void Worker::send(rte_mbuf* m, uint16_t port_id) noexcept {
    st_.add(Counter::tx, rte_eth_tx_buffer(port_id, uint16_t(index_), txb_[port_id], m));
}

// Control-plane policing (docs/architecture.md "Control-plane policing"): every punt
// class has its own token bucket per ingress interface, so a flood of one
// class on one port starves neither the other classes nor the other ports;
// the priority classes (VRRP, ARP replies to us) have their own ring, which
// the control core drains first. Time is read once per burst (`now_`).
void Worker::punt(rte_mbuf* m, PuntReason reason, PuntClass cls, uint16_t ifindex, uint32_t nexthop,
                  uint16_t limit_if) noexcept {
    const Policer& pol = policer_[unsigned(cls)];
    if (pol.rate != 0) {
        Bucket& b = bucket_[limit_if][unsigned(cls)];
        // Past full_after cycles the bucket is full whatever it held; below
        // it dt x rate <= cap + rate cannot overflow. A clock behind the
        // bucket's (another burst's reading) refills nothing.
        if (now_ > b.last_tsc) {
            const uint64_t dt = now_ - b.last_tsc;
            const uint64_t refill = dt * pol.rate;
            b.tokens = (dt >= pol.full_after || pol.cap - b.tokens < refill) ? pol.cap : b.tokens + refill;
            b.last_tsc = now_;
        }
        if (b.tokens < tsc_hz_) {
            drop(m, policer_counter(cls));
            return;
        }
        b.tokens -= tsc_hz_;
    }
    PuntMeta* meta = Dataplane::meta(m);
    meta->reason = reason;
    meta->cls = cls;
    meta->ifindex = ifindex;
    meta->nexthop = nexthop;
    if (pol.priority) {
        if (rte_ring_sp_enqueue(dp_.priority_ring(index_), m) != 0) {
            drop(m, Counter::drop_punt_priority_ring_full);
            return;
        }
    } else if (rte_ring_sp_enqueue(dp_.punt_ring(index_), m) != 0) {
        drop(m, Counter::drop_punt_ring_full);
        return;
    }
    st_.add(Counter::punted);
    st_.add(punted_counter(cls));
}

// RFC 826: htype(2) ptype(2) hlen(1) plen(1) op(2) sha(6) spa(4) tha(6)
// tpa(4). Only Ethernet/IPv4 ARP that names one of our addresses or VIPs
// as its target is ours (a request to answer, a reply to our request);
// everything else, malformed frames included, is arp_other, which the
// control core counts and judges.
PuntClass Worker::arp_class(const rte_mbuf* m, uint32_t len) const noexcept {
    constexpr uint32_t kArpLen = 28;
    if (len < sizeof(rte_ether_hdr) + kArpLen) return PuntClass::arp_other;
    const uint8_t* a = rte_pktmbuf_mtod_offset(m, const uint8_t*, sizeof(rte_ether_hdr));
    if (a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0x00 || a[4] != 6 || a[5] != 4)
        return PuntClass::arp_other;
    const uint32_t tpa = uint32_t(a[24]) << 24 | uint32_t(a[25]) << 16 | uint32_t(a[26]) << 8 | a[27];
    if (a[6] != 0 || !dp_.is_local(tpa)) return PuntClass::arp_other;
    if (a[7] == RTE_ARP_OP_REQUEST) return PuntClass::arp_request;
    if (a[7] == RTE_ARP_OP_REPLY) return PuntClass::arp_reply_to_us;
    return PuntClass::arp_other;
}

void Worker::process(rte_mbuf** pkts, uint16_t n, uint16_t in_if) noexcept {
    process(pkts, n, in_if, rte_rdtsc());
}

void Worker::process(rte_mbuf** pkts, uint16_t n, uint16_t in_if, uint64_t now_tsc) noexcept {
    now_ = now_tsc;
    const IfaceStatic& in = dp_.iface(in_if);
    const uint64_t in_word = dp_.iface_word(in_if);
    const uint64_t vmac = (in_word & IfaceWord::kVirtualMac) ? (in_word & kMac48) : ~0ull;

    rte_mbuf* fwd[kBurst];
    uint32_t dst_ip[kBurst];
    unsigned nf = 0;
    st_.add(Counter::rx, n);

    for (unsigned i = 0; i < n; ++i) {
        if (i + 3 < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 3], void*));
        rte_mbuf* m = pkts[i];
        const uint32_t len = rte_pktmbuf_data_len(m);
        if (len < sizeof(rte_ether_hdr)) {
            drop(m, Counter::drop_runt);
            continue;
        }
        auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
        const uint64_t dst_mac = load_mac48(&eth->dst_addr);
        const bool unicast = (eth->dst_addr.addr_bytes[0] & 1) == 0;
        // The port may be promiscuous (virtual devices): L2 filtering is ours.
        if (unicast && dst_mac != in.port_mac_bits && dst_mac != vmac) {
            drop(m, Counter::drop_l2_not_for_us);
            continue;
        }
        if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
            punt(m, PuntReason::arp, arp_class(m, len), in_if, 0, in_if);
            continue;
        }
        if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
            drop(m, Counter::drop_ethertype);
            continue;
        }
        // RFC 1812 §5.2.2 header checks, each with its own counter.
        if (len < sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr)) {
            drop(m, Counter::drop_runt);
            continue;
        }
        auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
        if ((ip->version_ihl >> 4) != 4) {
            drop(m, Counter::drop_ip_version);
            continue;
        }
        const uint32_t hlen = uint32_t(ip->version_ihl & 0xf) * 4;
        if (hlen < sizeof(rte_ipv4_hdr) || sizeof(rte_ether_hdr) + hlen > len) {
            drop(m, Counter::drop_ip_ihl);
            continue;
        }
        const uint32_t total = rte_be_to_cpu_16(ip->total_length);
        if (total < hlen || sizeof(rte_ether_hdr) + total > rte_pktmbuf_pkt_len(m)) {
            drop(m, Counter::drop_ip_total_length);
            continue;
        }
        const uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
        if (ck == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
            (ck != RTE_MBUF_F_RX_IP_CKSUM_GOOD && !ipv4_checksum_ok(ip, hlen))) {
            drop(m, Counter::drop_ip_checksum);
            continue;
        }
        const uint32_t src = rte_be_to_cpu_32(ip->src_addr);
        if ((src >> 28) == 0xe || src == 0xffffffff || (src >> 24) == 127) {
            drop(m, Counter::drop_ip_src);
            continue;
        }
        const uint32_t dst = rte_be_to_cpu_32(ip->dst_addr);
        if ((dst >> 28) == 0xe || dst == 0xffffffff || !unicast) {
            if (dst == kVrrpGroup && ip->next_proto_id == kProtoVrrp)
                punt(m, PuntReason::vrrp, PuntClass::vrrp, in_if, 0, in_if);
            else
                drop(m, Counter::drop_ip_dst);
            continue;
        }
        if (dp_.is_local(dst)) {
            punt(m, PuntReason::local, PuntClass::local, in_if, 0, in_if);
            continue;
        }
        if (ip->time_to_live <= 1) {
            st_.add(Counter::drop_ttl_exceeded);
            punt(m, PuntReason::ttl_exceeded, PuntClass::ttl_exceeded, in_if, 0, in_if);
            continue;
        }
        fwd[nf] = m;
        dst_ip[nf++] = dst;
    }
    if (nf == 0) return;

    // Route the whole burst, then resolve each next hop: by the direct index
    // when it has the answer, else in one bulk hash lookup.
    uint32_t hop[kBurst];
    fib_.lookup_bulk(dst_ip, hop, nf);
    // Egress state once per burst, not per packet.
    uint64_t out_word[kMaxInterfaces];
    const unsigned n_if = dp_.interface_count();
    for (unsigned i = 0; i < n_if; ++i) out_word[i] = dp_.iface_word(uint16_t(i));

    AdjKey keys[kBurst];
    unsigned nk = 0;
    for (unsigned i = 0; i < nf; ++i) {
        if (hop[i] == Fib::kNoRoute) {
            drop(fwd[i], Counter::drop_no_route);
            continue;
        }
        const Nexthop& nh = fib_.nexthop(hop[i]);
        const AdjKey key{nh.gateway != 0 ? nh.gateway : dst_ip[i], nh.ifindex, 0};
        // A neighbour on a connected subnet: one 8-byte load (adjacency.hpp
        // "direct index"); anything else goes to the hash, in bulk below.
        const uint64_t v = adj_.direct(key.ifindex).lookup(key.ip);
        if (v == AdjacencyTable::Direct::kAskHash) {
            keys[nk] = key;
            fwd[nk++] = fwd[i];
            continue;
        }
        rte_mbuf* m = fwd[i];
        if (v == 0) {
            st_.add(Counter::arp_miss); // as below
            punt(m, PuntReason::resolve, PuntClass::resolve, key.ifindex, key.ip, in_if);
            continue;
        }
        const uint64_t word = out_word[key.ifindex];
        if (!(word & IfaceWord::kForward)) {
            drop(m, Counter::drop_not_master);
            continue;
        }
        auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
        std::memcpy(&eth->dst_addr, &v, 6); // little-endian: the low 48 bits
        std::memcpy(&eth->src_addr, &word, 6);
        decrement_ttl(reinterpret_cast<rte_ipv4_hdr*>(eth + 1));
        st_.add(Counter::forwarded);
        send(m, AdjacencyTable::Direct::port_of(v));
    }
    const AdjEntry* adj[kBurst];
    const uint64_t hits = nk ? adj_.lookup_bulk(keys, nk, adj) : 0;

    for (unsigned i = 0; i < nk; ++i) {
        rte_mbuf* m = fwd[i];
        if (!(hits & (1ull << i))) {
            // docs/architecture.md "Packet paths" 7: counted, handed to control,
            // which holds a few packets per next hop while it resolves.
            st_.add(Counter::arp_miss);
            punt(m, PuntReason::resolve, PuntClass::resolve, keys[i].ifindex, keys[i].ip, in_if);
            continue;
        }
        const AdjEntry* e = adj[i];
        const uint64_t word = out_word[e->ifindex];
        if (!(word & IfaceWord::kForward)) {
            drop(m, Counter::drop_not_master);
            continue;
        }
        auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
        std::memcpy(&eth->dst_addr, e->mac.bytes.data(), 6);
        std::memcpy(&eth->src_addr, &word, 6); // little-endian: the low 48 bits
        decrement_ttl(reinterpret_cast<rte_ipv4_hdr*>(eth + 1));
        st_.add(Counter::forwarded);
        send(m, e->port_id);
    }
}

void Worker::flush() noexcept {
    for (unsigned i = 0; i < dp_.interface_count(); ++i) {
        const uint16_t port = dp_.iface(uint16_t(i)).port_id;
        if (txb_[port] != nullptr)
            st_.add(Counter::tx, rte_eth_tx_buffer_flush(port, uint16_t(index_), txb_[port]));
    }
}

unsigned Worker::poll_once() noexcept {
    const uint64_t start = rte_rdtsc();
    unsigned handled = 0;
    rte_mbuf* pkts[kBurst];
    const unsigned n_if = dp_.interface_count();
    for (unsigned i = 0; i < n_if; ++i) {
        const uint16_t n = rte_eth_rx_burst(dp_.iface(uint16_t(i)).port_id, uint16_t(index_), pkts, kBurst);
        if (n == 0) continue;
        process(pkts, n, uint16_t(i));
        handled += n;
    }
    // Frames the control core built (ARP replies, adverts, released holds).
    const unsigned ni = rte_ring_sc_dequeue_burst(dp_.inject_ring(index_), reinterpret_cast<void**>(pkts),
                                                  kBurst, nullptr);
    for (unsigned i = 0; i < ni; ++i) {
        const uint16_t port = pkts[i]->port;
        if (port >= RTE_MAX_ETHPORTS || txb_[port] == nullptr) {
            drop(pkts[i], Counter::drop_inject_invalid);
            continue;
        }
        st_.add(Counter::injected);
        send(pkts[i], port);
    }
    handled += ni;

    const uint64_t now = rte_rdtsc();
    if (now - last_drain_ > drain_tsc_) {
        flush();
        last_drain_ = now;
    }
    st_.polls++;
    if (handled != 0) {
        st_.busy_cycles += rte_rdtsc() - start;
        st_.busy_packets += handled;
    } else {
        st_.idle_polls++;
    }
    return handled;
}

void Worker::run(const std::atomic<bool>& stop) noexcept {
    rte_rcu_qsbr* qs = dp_.qsbr();
    rte_rcu_qsbr_thread_register(qs, index_);
    rte_rcu_qsbr_thread_online(qs, index_);
    const unsigned sleep_us = dp_.options().idle_sleep_us;
    while (!stop.load(std::memory_order_relaxed)) {
        const unsigned handled = poll_once();
        rte_rcu_qsbr_quiescent(qs, index_);
        if (handled == 0 && sleep_us != 0) {
            // A sleeping worker must not hold back reclamation: go offline.
            flush();
            rte_rcu_qsbr_thread_offline(qs, index_);
            rte_delay_us_sleep(sleep_us);
            rte_rcu_qsbr_thread_online(qs, index_);
        }
    }
    flush();
    rte_rcu_qsbr_thread_offline(qs, index_);
    rte_rcu_qsbr_thread_unregister(qs, index_);
}

} // namespace wg::fastpath
