// Small value types for addresses, prefixes and MACs, shared by the config,
// the control plane and the fast path. Pure: no DPDK, no sockets.
// Thread-safety: plain values; every function here is reentrant.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wg {

// An IPv4 address in host byte order (so that comparisons and masks are
// arithmetic); convert at the packet boundary with rte_cpu_to_be_32/htonl.
struct Ipv4 {
    uint32_t value = 0;

    friend constexpr bool operator==(Ipv4, Ipv4) = default;
    friend constexpr auto operator<=>(Ipv4, Ipv4) = default;

    // Dotted quad, exactly four decimal octets 0..255, no leading '+'/spaces.
    static std::optional<Ipv4> parse(std::string_view text);
    std::string str() const;
};

struct Prefix {
    Ipv4 addr;       // as written (10.1.1.1/24 keeps .1: it is the interface address)
    uint8_t len = 0; // 0..32

    friend constexpr bool operator==(Prefix, Prefix) = default;

    // "a.b.c.d/len". Returns nullopt on any syntax error or len > 32.
    static std::optional<Prefix> parse(std::string_view text);
    std::string str() const;

    constexpr uint32_t mask() const { return len == 0 ? 0 : ~uint32_t{0} << (32 - len); }
    constexpr Ipv4 network() const { return Ipv4{addr.value & mask()}; }
    constexpr bool contains(Ipv4 ip) const { return (ip.value & mask()) == network().value; }
    // True when addr has host bits set (fine for an interface, wrong for a route).
    constexpr bool has_host_bits() const { return (addr.value & ~mask()) != 0; }
};

struct Mac {
    std::array<uint8_t, 6> bytes{};

    friend constexpr bool operator==(const Mac&, const Mac&) = default;

    // "02:00:00:00:00:50" (also accepts '-' separators); case-insensitive.
    static std::optional<Mac> parse(std::string_view text);
    std::string str() const; // lower-case, ':'-separated

    constexpr bool is_multicast() const { return (bytes[0] & 1) != 0; }
    constexpr bool is_zero() const {
        for (auto b : bytes)
            if (b != 0) return false;
        return true;
    }
    // RFC 5798 §7.3: the IPv4 VRRP virtual router MAC 00-00-5E-00-01-{VRID}.
    static constexpr Mac vrrp_virtual(uint8_t vrid) { return Mac{{0x00, 0x00, 0x5e, 0x00, 0x01, vrid}}; }
};

} // namespace wg
