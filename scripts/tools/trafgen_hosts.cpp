// The host emulator's core: see trafgen_hosts.hpp.
#include "scripts/tools/trafgen_hosts.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace wg::trafgen {

namespace {

constexpr uint16_t kEtherArp = 0x0806, kEtherIpv4 = 0x0800;
constexpr uint16_t kArpRequest = 1, kArpReply = 2;
constexpr size_t kEth = 14, kArp = 28;

uint16_t get16(const uint8_t* p) {
    return uint16_t(p[0] << 8 | p[1]);
}
uint32_t get32(const uint8_t* p) {
    return uint32_t(get16(p)) << 16 | get16(p + 2);
}
void put16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v >> 8), p[1] = uint8_t(v);
}
void put32(uint8_t* p, uint32_t v) {
    put16(p, uint16_t(v >> 16)), put16(p + 2, uint16_t(v));
}

// A uniform double in [0, 1) from two keys.
double unit(uint64_t a, uint64_t b) {
    return double(splitmix_finalize(a * 0x9e3779b97f4a7c15ull ^ splitmix_finalize(b)) >> 11) * 0x1p-53;
}

bool later(const auto& x, const auto& y) { // std heap: a max-heap of "later"
    return x.due_ns != y.due_ns ? x.due_ns > y.due_ns : x.order > y.order;
}

std::optional<double> parse_ms(std::string_view s) {
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || !(v >= 0 && v <= 60000)) return std::nullopt;
    return v;
}

} // namespace

std::optional<MsRange> parse_ms_range(std::string_view text) {
    const size_t dash = text.find('-');
    const auto lo = parse_ms(text.substr(0, dash));
    if (!lo) return std::nullopt;
    if (dash == std::string_view::npos) return MsRange{*lo, *lo};
    const auto hi = parse_ms(text.substr(dash + 1));
    if (!hi || *hi < *lo) return std::nullopt;
    return MsRange{*lo, *hi};
}

Mac host_mac(uint32_t index, bool moved) {
    return Mac{{uint8_t(moved ? 0x06 : 0x02), 0x77, 0x67, uint8_t(index >> 16), uint8_t(index >> 8),
                uint8_t(index)}};
}

HostEmulator::HostEmulator(const HostsOptions& o) : o_(o) {}

bool HostEmulator::is_late(uint32_t index) const {
    return o_.late_share > 0 && unit(o_.seed ^ 0x1a7e, index) < o_.late_share;
}

bool HostEmulator::is_mover(uint32_t index) const {
    return o_.move_share > 0 && unit(o_.seed ^ 0x307e, index) < o_.move_share;
}

std::optional<uint32_t> HostEmulator::index_of(uint32_t ip) const {
    const uint32_t i = ip - o_.first_ip; // wraps below first: then >= hosts
    return i < o_.hosts ? std::optional<uint32_t>(i) : std::nullopt;
}

int64_t HostEmulator::delay_ns(uint32_t index, bool broadcast) {
    const bool late = broadcast && is_late(index);
    const MsRange& r = late ? o_.late : o_.normal;
    if (late) ++c_.replies_late;
    const double ms = r.lo + (r.hi - r.lo) * unit(o_.seed ^ ++draws_, index);
    return int64_t(ms * 1e6);
}

std::optional<ArpRequestSeen> HostEmulator::on_frame(const uint8_t* f, size_t len, int64_t now_ns) {
    ++c_.frames;
    if (len < kEth || get16(f + 12) != kEtherArp) {
        ++c_.not_arp;
        return std::nullopt;
    }
    const uint8_t* a = f + kEth;
    // RFC 826: hardware Ethernet (1), protocol IPv4, lengths 6 and 4.
    if (len < kEth + kArp || get16(a) != 1 || get16(a + 2) != kEtherIpv4 || a[4] != 6 || a[5] != 4) {
        ++c_.malformed;
        return std::nullopt;
    }
    if (get16(a + 6) != kArpRequest) {
        ++c_.ignored_not_request;
        return std::nullopt;
    }
    ArpRequestSeen seen;
    seen.ns = now_ns;
    std::memcpy(seen.sender_mac.bytes.data(), a + 8, 6);
    seen.sender_ip = get32(a + 14);
    seen.target_ip = get32(a + 24);
    ++c_.arp_requests;
    if (seen.sender_ip == seen.target_ip) {
        ++c_.ignored_gratuitous;
        return seen;
    }
    const auto index = index_of(seen.target_ip);
    if (!index) {
        ++c_.ignored_other_target;
        return seen;
    }
    ++c_.requests_for_hosts;
    const bool broadcast = (f[0] & 1) != 0;
    if (broadcast) ++c_.requests_broadcast;
    if (heap_.size() >= o_.max_pending) {
        ++c_.dropped_pending_full;
        return seen;
    }
    Pending p;
    p.due_ns = now_ns + delay_ns(*index, broadcast);
    p.order = order_++;
    p.index = *index;
    p.requester_ip = seen.sender_ip;
    p.requester_mac = seen.sender_mac;
    heap_.push_back(p);
    std::push_heap(heap_.begin(), heap_.end(),
                   [](const Pending& x, const Pending& y) { return later(x, y); });
    return seen;
}

HostEmulator::Pending HostEmulator::pop() {
    std::pop_heap(heap_.begin(), heap_.end(), [](const Pending& x, const Pending& y) { return later(x, y); });
    const Pending p = heap_.back();
    heap_.pop_back();
    return p;
}

// RFC 826 reply: from the host's MAC to the requester, sender = the host,
// target = the requester.
void HostEmulator::build_reply(const Pending& p, uint8_t* f) {
    const bool moved = moved_ && is_mover(p.index);
    if (moved) ++c_.replies_moved;
    const Mac mine = host_mac(p.index, moved);
    std::memset(f, 0, kArpFrameLen);
    std::memcpy(f, p.requester_mac.bytes.data(), 6);
    std::memcpy(f + 6, mine.bytes.data(), 6);
    put16(f + 12, kEtherArp);
    uint8_t* a = f + kEth;
    put16(a, 1);
    put16(a + 2, kEtherIpv4);
    a[4] = 6, a[5] = 4;
    put16(a + 6, kArpReply);
    std::memcpy(a + 8, mine.bytes.data(), 6);
    put32(a + 14, o_.first_ip + p.index);
    std::memcpy(a + 18, p.requester_mac.bytes.data(), 6);
    put32(a + 24, p.requester_ip);
}

std::string to_json(const HostsCounters& c) {
    std::string out = "{";
    bool first = true;
#define WG_X(name, help)                                                                                     \
    out += std::string(first ? "" : ", ") + "\"" #name "\": " + std::to_string(c.name);                      \
    first = false;
    WG_TRAFGEN_HOSTS_COUNTERS(WG_X)
#undef WG_X
    return out + "}";
}

} // namespace wg::trafgen
