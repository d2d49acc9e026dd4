// VRRP advertisement codec: pure functions over byte spans, no state.
// VRRPv2 (RFC 3768 §5, with the RFC 2338 authentication types) and VRRPv3 for
// IPv4 (RFC 5798 §5). No sockets, no DPDK: the control-core adapter hands the
// punted IPv4 packet (or its header fields and payload) in, and gets bytes out.
//
// Wire layouts (network byte order):
//
//   v2 (RFC 3768 §5.1)                      v3 (RFC 5798 §5.1)
//   0      4      8             16              24            31
//   |Ver=2 |Type=1| VRID        | Priority      | Count IP Addrs |
//   | Auth Type   | Adver Int(s)| Checksum                       |   v3: |Rsvd(4)|Max Adver Int(12, cs)|
//   Checksum | | IPv4 address 1 .. n (4 bytes each)                         | | v2 only: Authentication Data:
//   8 bytes (none: zero; simple:  | |   key, zero padded), or 16 bytes for md5 (docs/vrrp-auth.md)|
//
//   v2 checksum: Internet checksum over the VRRP message (RFC 3768 §5.3.8).
//   v3 checksum: over the IPv4 pseudo-header {src, dst, 0, 112, VRRP length}
//                followed by the VRRP message (RFC 5798 §5.2.8).
//
// MD5 (auth type 2), our one documented layout (docs/vrrp-auth.md):
//   Authentication Data = 16 octets = MD5(key || M || key), where M is the whole
//   VRRP message with the Checksum field and the 16 Authentication Data octets
//   set to zero. The checksum is computed last, over the message that carries
//   the digest. The key is the configured string's bytes (no terminator, no
//   padding). The message is 8 + 4n + 16 octets long.
//
// Thread-safety: every function is reentrant and allocation-light; call from
// the control lcore (or any thread: nothing here is shared). No exceptions.
#pragma once

#include "config/config.hpp"
#include "config/net.hpp"
#include "control/vrrp/counters.hpp"
#include "control/vrrp/time.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace wg::vrrp {

inline constexpr uint8_t kIpProtoVrrp = 112;
inline constexpr uint8_t kVrrpTtl = 255;          // RFC 5798 §5.1.1.3
inline constexpr Ipv4 kVrrpMulticast{0xe0000012}; // 224.0.0.18, RFC 5798 §5.1.1.2
inline constexpr size_t kFixedHeader = 8;
inline constexpr size_t kAuthDataLen = 8;          // RFC 3768 §5.1 (none, simple)
inline constexpr size_t kMd5DigestLen = 16;        // auth type 2, docs/vrrp-auth.md
inline constexpr size_t kSimpleKeyMax = 8;         // RFC 2338 §5.3.10
inline constexpr uint16_t kV3IntervalMax = 0x0fff; // 12 bits of centiseconds

enum class AuthType : uint8_t { none = 0, simple = 1, md5 = 2 };

constexpr AuthType auth_type_of(config::AuthMode m) {
    return m == config::AuthMode::simple ? AuthType::simple
           : m == config::AuthMode::md5  ? AuthType::md5
                                         : AuthType::none;
}

// One advertisement, decoded or to be encoded.
struct Advertisement {
    uint8_t version = 2; // 2 (RFC 3768) or 3 (RFC 5798)
    uint8_t vrid = 0;
    uint8_t priority = 0;
    // Raw interval field: v2 Adver Int in seconds (8 bits), v3 Max Adver Int in
    // centiseconds (12 bits).
    uint16_t interval = 1;
    AuthType auth_type = AuthType::none; // v2 only; decode fills it in
    std::vector<Ipv4> addresses;

    Duration interval_duration() const {
        return version == 3 ? Duration(uint64_t(interval) * 10000) : Duration(uint64_t(interval) * 1000000);
    }
    friend bool operator==(const Advertisement&, const Advertisement&) = default;
};

// The raw interval field for a configured interval (config validated it: v2
// whole seconds up to 255, v3 centiseconds up to 4095).
uint16_t interval_field(uint8_t version, unsigned interval_ms);

// VRRP message length for `a` sent with authentication `mode`.
size_t encoded_size(const Advertisement& a, config::AuthMode mode);

// Encodes the VRRP message (the IPv4 payload) into `out`. `src`/`dst` are the
// IPv4 addresses it will be sent with (v3 checksums them; RFC 5798 §7.2: src =
// the interface's primary address, dst = 224.0.0.18). Returns the bytes
// written, or 0 when `out` is too small, the version is not 2/3, there are more
// than 255 addresses, the key does not fit the mode, v3 is asked for
// authentication (RFC 5798 §9 removed it), or MD5 is unavailable.
size_t encode(const Advertisement& a, const config::VrrpAuth& auth, Ipv4 src, Ipv4 dst,
              std::span<uint8_t> out) noexcept;
std::vector<uint8_t> encode(const Advertisement& a, const config::VrrpAuth& auth, Ipv4 src,
                            Ipv4 dst = kVrrpMulticast);

// The same message behind a 20-byte IPv4 header (TTL 255, protocol 112, DF
// clear, ID 0, header checksum filled), for adapters that send raw IPv4.
std::vector<uint8_t> encode_ipv4(const Advertisement& a, const config::VrrpAuth& auth, Ipv4 src,
                                 Ipv4 dst = kVrrpMulticast);

// The IPv4 header fields the receive checks need (RFC 5798 §7.1).
struct IpInfo {
    Ipv4 src;
    Ipv4 dst;
    uint8_t ttl = 0;
    uint8_t protocol = 0;
};

// What the receiving interface has configured for one VRID.
struct RxGroup {
    uint8_t vrid = 0;
    uint8_t version = 2;
    config::VrrpAuth auth;       // RBP `vrrp vrid N authentication-mode` (seed)
    std::vector<Ipv4> addresses; // the group's virtual IPs
    uint16_t interval = 1;       // raw field we send (v2: checked; v3: informative)
    bool local_owner = false;    // we own the address (priority 255)
    // RFC 3768/5798 §7.1: a router that checks the address list MUST drop a
    // mismatching advert not sent by the owner. RFC 9568 §7.1 only logs. Default:
    // count (note_address_list) and accept, so that a typo in one VIP list
    // does not produce two Masters; true restores the older MUST.
    bool strict_address_list = false;
    // Accepted IPv4 sources (config `peers`); empty: any. `local` (our
    // primary address) always passes, so that a looped-back advert of ours
    // still reaches the machine's own_advert_ignored.
    std::vector<Ipv4> peers;
    Ipv4 local;
};

struct RxResult {
    RxCounter verdict = RxCounter::drop_too_short; // `accepted` or the drop_* check that failed
    Advertisement advert;           // meaningful when accepted (fields up to the failed check otherwise)
    const RxGroup* group = nullptr; // the matching group once the VRID check passed
    bool address_mismatch = false;  // note_address_list
    bool interval_mismatch = false; // note_interval (v3)
    bool owner_conflict = false;    // note_owner_conflict
    bool accepted() const { return verdict == RxCounter::accepted; }
};

// The receive ladder (RFC 5798 §7.1, RFC 3768 §7.1). Each check is named and
// has its own counter; `stats` (optional) gets exactly one of accepted/drop_*,
// plus the note_* counters of an accepted advert. `vrrp` is the IPv4 payload.
RxResult decode(const IpInfo& ip, std::span<const uint8_t> vrrp, std::span<const RxGroup> groups,
                RxStats* stats = nullptr) noexcept;

// Same, from a whole IPv4 packet (header validated: version 4, IHL >= 5, total
// length within the buffer; trailing link-layer padding is ignored).
RxResult decode_ipv4(std::span<const uint8_t> packet, std::span<const RxGroup> groups,
                     RxStats* stats = nullptr) noexcept;

// RFC 1071 Internet checksum helpers, exposed for tests and the adapter.
uint16_t internet_checksum(std::span<const uint8_t> bytes, uint32_t initial = 0) noexcept;
uint16_t v3_checksum(Ipv4 src, Ipv4 dst, std::span<const uint8_t> vrrp) noexcept;

} // namespace wg::vrrp
