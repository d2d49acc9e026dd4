// wg-trafgen's host emulator, without DPDK: the user LAN's hosts as seen
// from the gateways. Every emulated host owns one IPv4 address (consecutive
// from `first`) and one MAC derived from its index, and answers ARP requests
// for its address (RFC 826) after a per-host delay; nothing else of a host
// stack is emulated. docs/lab.md "The host emulator" describes the model.
//
// Per-host behaviour is a pure function of the index and the seed, so the
// emulator keeps no per-host state and 1M hosts cost no memory:
//   - latency: a reply leaves `normal` ms after the request (uniform in
//     [lo, hi], drawn per request);
//   - late hosts (a `late_share` of them): a *broadcast* request is answered
//     only after `late` ms (uniform per request) — a power-saving Wi-Fi
//     client hears broadcasts only at its DTIM beacon; unicast requests (a
//     gateway's refresh probes) are answered with the normal latency;
//   - moving hosts (a `move_share` of them): once set_moved(true), they
//     answer from a second MAC (host_mac(index, true)), the NIC they moved to.
//
// A pure state machine, like the appliance's: frames and time go in (on_frame,
// take_due with `now`), reply frames come out; the caller owns the port.
//
// Thread-safety: one HostEmulator belongs to one thread; the free functions
// are reentrant.
#pragma once

#include "common/hash.hpp"
#include "config/net.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wg::trafgen {

// Milliseconds, uniform in [lo, hi] (lo == hi: fixed).
struct MsRange {
    double lo = 0, hi = 0;
};
// "5" or "100-300" (milliseconds, 0..60000, lo <= hi).
std::optional<MsRange> parse_ms_range(std::string_view text);

struct HostsOptions {
    uint32_t first_ip = 0; // host byte order
    uint32_t hosts = 0;    // 1..16777216 (the MAC holds 24 bits of index)
    MsRange normal{};
    double late_share = 0; // 0..1
    MsRange late{100, 300};
    double move_share = 0;          // 0..1
    uint64_t seed = 1;              // which hosts are late / move, and the latency draws
    uint32_t max_pending = 1 << 20; // delayed replies waiting; beyond: dropped, counted
};

// The MAC of host `index`: 02:77:67:ii:ii:ii (locally administered, unicast,
// RFC 7042 §2.1), or after a move 06:77:67:ii:ii:ii.
Mac host_mac(uint32_t index, bool moved = false);

// Counters, declared once in an X-macro list (the shape of common/counters.hpp).
#define WG_TRAFGEN_HOSTS_COUNTERS(X)                                                                         \
    X(frames, "frames received")                                                                             \
    X(arp_requests, "ARP requests seen on the LAN (any sender, any target)")                                 \
    X(requests_for_hosts, "ARP requests for an emulated host")                                               \
    X(requests_broadcast, "of those, broadcast (the others are unicast probes)")                             \
    X(replies_late, "replies delayed as a late (power-saving) host")                                         \
    X(replies_moved, "replies from a moved host's new MAC")                                                  \
    X(replies_due, "replies handed out for sending")                                                         \
    X(dropped_pending_full, "requests not answered: max_pending replies were waiting")                       \
    X(ignored_gratuitous, "gratuitous ARP (sender IP = target IP): nothing to answer")                       \
    X(ignored_other_target, "ARP requests for an address no emulated host owns")                             \
    X(ignored_not_request, "ARP frames that are not requests (replies, our own replies seen on tap)")        \
    X(not_arp, "frames that are not ARP (the downlink probes)")                                              \
    X(malformed, "ARP frames too short or not Ethernet/IPv4")

struct HostsCounters {
#define WG_X(name, help) uint64_t name = 0;
    WG_TRAFGEN_HOSTS_COUNTERS(WG_X)
#undef WG_X
};

// An ARP request seen on the LAN (for the ARP log: who asked whom, when).
struct ArpRequestSeen {
    int64_t ns = 0;
    uint32_t sender_ip = 0, target_ip = 0;
    Mac sender_mac;
};

// A reply frame: Ethernet + ARP padded to the 60-byte minimum (no FCS).
inline constexpr size_t kArpFrameLen = 60;

class HostEmulator {
  public:
    explicit HostEmulator(const HostsOptions& o);

    // One frame received at `now_ns`. Returns the request when the frame is
    // an ARP request (whatever its target), so the caller can log it.
    std::optional<ArpRequestSeen> on_frame(const uint8_t* f, size_t len, int64_t now_ns);

    // Writes replies due at `now_ns` (oldest first), at most `max`, calling
    // emit(const uint8_t* frame, size_t len) for each; returns how many.
    template <class Emit>
    size_t take_due(int64_t now_ns, size_t max, Emit&& emit) {
        size_t n = 0;
        uint8_t frame[kArpFrameLen];
        while (n < max && !heap_.empty() && heap_.front().due_ns <= now_ns) {
            build_reply(pop(), frame);
            emit(static_cast<const uint8_t*>(frame), kArpFrameLen);
            ++n;
            ++c_.replies_due;
        }
        return n;
    }

    // When the next reply is due; nullopt when none waits.
    std::optional<int64_t> next_due() const {
        return heap_.empty() ? std::nullopt : std::optional<int64_t>(heap_.front().due_ns);
    }
    size_t pending() const { return heap_.size(); }

    // From now on, the moving share answers from its new MAC (or, false, the old).
    void set_moved(bool moved) { moved_ = moved; }
    bool moved() const { return moved_; }

    // Per-host behaviour (pure functions of the index and the seed).
    bool is_late(uint32_t index) const;
    bool is_mover(uint32_t index) const;
    std::optional<uint32_t> index_of(uint32_t ip) const;

    const HostsCounters& counters() const { return c_; }
    const HostsOptions& options() const { return o_; }

  private:
    struct Pending {
        int64_t due_ns = 0;
        uint64_t order = 0; // FIFO among equal deadlines
        uint32_t index = 0;
        uint32_t requester_ip = 0;
        Mac requester_mac;
    };
    Pending pop();
    void build_reply(const Pending& p, uint8_t* frame);
    int64_t delay_ns(uint32_t index, bool broadcast);

    HostsOptions o_;
    HostsCounters c_;
    std::vector<Pending> heap_; // min-heap on (due_ns, order)
    uint64_t order_ = 0;
    uint64_t draws_ = 0;
    bool moved_ = false;
};

// The counters as one JSON object ("name": value, ...).
std::string to_json(const HostsCounters& c);

} // namespace wg::trafgen
