// VRRP advertisement codec (see codec.hpp for the layouts and
// docs/vrrp-auth.md for the MD5 authentication data).
#include "control/vrrp/codec.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

namespace wg::vrrp {
namespace {

constexpr uint8_t kTypeAdvertisement = 1; // RFC 5798 §5.2.2
constexpr size_t kIpv4HeaderMin = 20;
constexpr size_t kMaxAddresses = 255; // Count IP Addrs is 8 bits

uint16_t get16(const uint8_t* p) {
    return uint16_t(p[0] << 8 | p[1]);
}
uint32_t get32(const uint8_t* p) {
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
void put16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}
void put32(uint8_t* p, uint32_t v) {
    p[0] = uint8_t(v >> 24);
    p[1] = uint8_t(v >> 16);
    p[2] = uint8_t(v >> 8);
    p[3] = uint8_t(v);
}

// Authentication data length for a v2 auth type (RFC 3768 §5.1: 8 octets; our
// MD5 layout: 16). v3 carries none (RFC 5798 §5.1).
size_t auth_len(uint8_t version, AuthType t) {
    if (version != 2) return 0;
    return t == AuthType::md5 ? kMd5DigestLen : kAuthDataLen;
}

// MD5(key || message || key) with the message's checksum and authentication
// data zeroed (docs/vrrp-auth.md). `msg` is the whole VRRP message; the digest
// occupies its last 16 bytes.
bool keyed_md5(std::string_view key, std::span<const uint8_t> msg, uint8_t (&out)[kMd5DigestLen]) {
    if (msg.size() < kFixedHeader + kMd5DigestLen) return false;
    const size_t body = msg.size() - kMd5DigestLen; // header + addresses
    static constexpr uint8_t kZeros[kMd5DigestLen] = {};
    const uint8_t zero16[2] = {0, 0};

    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1) return false;
    unsigned int n = 0;
    const bool ok = EVP_DigestUpdate(ctx.get(), key.data(), key.size()) == 1 &&
                    EVP_DigestUpdate(ctx.get(), msg.data(), 6) == 1 &&            // up to the checksum
                    EVP_DigestUpdate(ctx.get(), zero16, 2) == 1 &&                // checksum as zero
                    EVP_DigestUpdate(ctx.get(), msg.data() + 8, body - 8) == 1 && // addresses
                    EVP_DigestUpdate(ctx.get(), kZeros, kMd5DigestLen) == 1 &&    // digest as zero
                    EVP_DigestUpdate(ctx.get(), key.data(), key.size()) == 1 &&
                    EVP_DigestFinal_ex(ctx.get(), out, &n) == 1;
    return ok && n == kMd5DigestLen;
}

bool key_fits(const config::VrrpAuth& auth) {
    switch (auth.mode) {
    case config::AuthMode::none:
        return true;
    case config::AuthMode::simple:
        return !auth.key.empty() && auth.key.size() <= kSimpleKeyMax;
    case config::AuthMode::md5:
        return !auth.key.empty();
    }
    return false;
}

bool same_address_set(const std::vector<Ipv4>& a, const std::vector<Ipv4>& b) {
    if (a.size() != b.size()) return false;
    std::vector<Ipv4> x = a, y = b;
    std::sort(x.begin(), x.end());
    std::sort(y.begin(), y.end());
    return x == y;
}

} // namespace

uint16_t internet_checksum(std::span<const uint8_t> bytes, uint32_t initial) noexcept {
    uint64_t sum = initial;
    size_t i = 0;
    for (; i + 1 < bytes.size(); i += 2)
        sum += uint32_t(bytes[i]) << 8 | bytes[i + 1];
    if (i < bytes.size()) sum += uint32_t(bytes[i]) << 8; // odd length: pad with a zero octet
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

uint16_t v3_checksum(Ipv4 src, Ipv4 dst, std::span<const uint8_t> vrrp) noexcept {
    // RFC 5798 §5.2.8: the IPv4 pseudo-header of RFC 768/793 precedes the message.
    uint32_t pseudo = (src.value >> 16) + (src.value & 0xffff) + (dst.value >> 16) + (dst.value & 0xffff) +
                      kIpProtoVrrp + uint32_t(vrrp.size());
    return internet_checksum(vrrp, pseudo);
}

uint16_t interval_field(uint8_t version, unsigned interval_ms) {
    if (version == 3) return uint16_t(std::clamp(interval_ms / 10, 1u, unsigned(kV3IntervalMax)));
    return uint16_t(std::clamp(interval_ms / 1000, 1u, 255u));
}

size_t encoded_size(const Advertisement& a, config::AuthMode mode) {
    return kFixedHeader + 4 * a.addresses.size() + auth_len(a.version, auth_type_of(mode));
}

size_t encode(const Advertisement& a, const config::VrrpAuth& auth, Ipv4 src, Ipv4 dst,
              std::span<uint8_t> out) noexcept {
    if (a.version != 2 && a.version != 3) return 0;
    if (a.addresses.size() > kMaxAddresses || !key_fits(auth)) return 0;
    if (a.version == 3 && auth.mode != config::AuthMode::none) return 0; // RFC 5798 §9
    if (a.version == 2 && a.interval > 255) return 0;
    if (a.version == 3 && a.interval > kV3IntervalMax) return 0;
    const AuthType type = auth_type_of(auth.mode);
    const size_t len = encoded_size(a, auth.mode);
    if (out.size() < len) return 0;

    uint8_t* p = out.data();
    std::memset(p, 0, len);
    p[0] = uint8_t(a.version << 4 | kTypeAdvertisement);
    p[1] = a.vrid;
    p[2] = a.priority;
    p[3] = uint8_t(a.addresses.size());
    if (a.version == 2) {
        p[4] = uint8_t(type);
        p[5] = uint8_t(a.interval);
    } else {
        put16(p + 4, a.interval); // Rsvd (4 bits) = 0, Max Adver Int (12 bits)
    }
    for (size_t i = 0; i < a.addresses.size(); ++i)
        put32(p + kFixedHeader + 4 * i, a.addresses[i].value);
    uint8_t* auth_data = p + kFixedHeader + 4 * a.addresses.size();
    if (a.version == 2 && type == AuthType::simple) {
        std::memcpy(auth_data, auth.key.data(), auth.key.size()); // RFC 2338 §5.3.10: zero padded
    } else if (a.version == 2 && type == AuthType::md5) {
        uint8_t digest[kMd5DigestLen];
        if (!keyed_md5(auth.key, std::span<const uint8_t>(p, len), digest)) return 0;
        std::memcpy(auth_data, digest, kMd5DigestLen);
    }
    const std::span<const uint8_t> msg(p, len);
    put16(p + 6, a.version == 3 ? v3_checksum(src, dst, msg) : internet_checksum(msg));
    return len;
}

std::vector<uint8_t> encode(const Advertisement& a, const config::VrrpAuth& auth, Ipv4 src, Ipv4 dst) {
    std::vector<uint8_t> out(encoded_size(a, auth.mode));
    out.resize(encode(a, auth, src, dst, out));
    return out;
}

std::vector<uint8_t> encode_ipv4(const Advertisement& a, const config::VrrpAuth& auth, Ipv4 src, Ipv4 dst) {
    std::vector<uint8_t> out(kIpv4HeaderMin + encoded_size(a, auth.mode));
    const size_t n = encode(a, auth, src, dst, std::span<uint8_t>(out).subspan(kIpv4HeaderMin));
    if (n == 0) return {};
    uint8_t* h = out.data();
    h[0] = 0x45;
    h[1] = 0xc0; // precedence "internetwork control", like other routing protocols
    put16(h + 2, uint16_t(kIpv4HeaderMin + n));
    h[8] = kVrrpTtl; // RFC 5798 §5.1.1.3
    h[9] = kIpProtoVrrp;
    put32(h + 12, src.value);
    put32(h + 16, dst.value);
    put16(h + 10, internet_checksum(std::span<const uint8_t>(h, kIpv4HeaderMin)));
    return out;
}

// The receive ladder. Each `check_*` step is one named check of RFC 5798 §7.1
// / RFC 3768 §7.1 (VPP vrrp node.c style); the first that fails decides the
// verdict and its drop_* counter.
RxResult decode(const IpInfo& ip, std::span<const uint8_t> vrrp, std::span<const RxGroup> groups,
                RxStats* stats) noexcept {
    RxResult r;
    auto verdict = [&](RxCounter c) -> RxResult {
        r.verdict = c;
        if (stats) {
            stats->add(c);
            if (c == RxCounter::accepted) {
                if (r.address_mismatch) stats->add(RxCounter::note_address_list);
                if (r.interval_mismatch) stats->add(RxCounter::note_interval);
                if (r.owner_conflict) stats->add(RxCounter::note_owner_conflict);
                if (r.advert.priority == 0) stats->add(RxCounter::note_priority_zero);
            }
        }
        return r;
    };
    Advertisement& a = r.advert;

    // check_ip_protocol: only protocol 112 is VRRP (RFC 5798 §5.1.1.4).
    if (ip.protocol != kIpProtoVrrp) return verdict(RxCounter::drop_ip_protocol);
    // check_ttl: "MUST verify that the IPv4 TTL is 255" (RFC 5798 §7.1, RFC 3768
    // §7.1): a routed (forged off-link) advert has a lower TTL.
    if (ip.ttl != kVrrpTtl) return verdict(RxCounter::drop_ttl);
    // check_destination: adverts go to 224.0.0.18 (RFC 5798 §5.1.1.2).
    if (ip.dst != kVrrpMulticast) return verdict(RxCounter::drop_destination);
    // check_fixed_header: the fixed 8 octets must be present (§7.1 "complete").
    if (vrrp.size() < kFixedHeader) return verdict(RxCounter::drop_too_short);
    const uint8_t* p = vrrp.data();
    a.version = uint8_t(p[0] >> 4);
    // check_version: 2 (RFC 3768 §5.3.1) or 3 (RFC 5798 §5.2.1).
    if (a.version != 2 && a.version != 3) return verdict(RxCounter::drop_version);
    // check_type: 1 = ADVERTISEMENT; "A packet with unknown type MUST be
    // discarded" (RFC 5798 §5.2.2, RFC 3768 §5.3.2).
    if ((p[0] & 0x0f) != kTypeAdvertisement) return verdict(RxCounter::drop_type);
    a.vrid = p[1];
    a.priority = p[2];
    const size_t count = p[3];
    if (a.version == 2) {
        a.auth_type = AuthType(p[4]);
        a.interval = p[5];
    } else {
        a.interval = uint16_t(get16(p + 4) & kV3IntervalMax); // Rsvd bits ignored on receipt
    }
    // check_length: the whole message (fixed fields, Count addresses, v2
    // authentication data) is present ("MUST verify that the received packet
    // contains the complete VRRP packet", §7.1) and nothing more follows it.
    // Unknown v2 auth types are sized as 8 octets; check_auth_type drops them.
    const size_t need = kFixedHeader + 4 * count + auth_len(a.version, a.auth_type);
    if (vrrp.size() < need) return verdict(RxCounter::drop_too_short);
    if (vrrp.size() > need) return verdict(RxCounter::drop_length);
    // check_checksum: "MUST verify the VRRP checksum" (§7.1); v3 includes the
    // IPv4 pseudo-header (RFC 5798 §5.2.8), v2 does not (RFC 3768 §5.3.8).
    const uint16_t sum = a.version == 3 ? v3_checksum(ip.src, ip.dst, vrrp) : internet_checksum(vrrp);
    if (sum != 0) return verdict(RxCounter::drop_checksum);
    a.addresses.reserve(count);
    for (size_t i = 0; i < count; ++i)
        a.addresses.push_back(Ipv4{get32(p + kFixedHeader + 4 * i)});
    // check_vrid: "MUST verify that the VRID is configured on the receiving
    // interface" (§7.1).
    const RxGroup* g = nullptr;
    for (const RxGroup& cand : groups)
        if (cand.vrid == a.vrid) g = &cand;
    if (!g) return verdict(RxCounter::drop_unknown_vrid);
    r.group = g;
    // check_version_mismatch: a v2 group does not run the v3 machine and vice
    // versa (RFC 5798 §8.4 interworking is not offered).
    if (a.version != g->version) return verdict(RxCounter::drop_version_mismatch);
    // check_peer: the source is one of the group's configured routers. The IP
    // source is covered by no VRRPv2 authentication (the md5 digest is over
    // the VRRP message only), yet it breaks priority ties (§6.4.3): a
    // replayed advert with another source must not reach the machine. Before
    // the digest, so that a flood from elsewhere costs no MD5.
    if (!g->peers.empty() && ip.src != g->local &&
        std::find(g->peers.begin(), g->peers.end(), ip.src) == g->peers.end())
        return verdict(RxCounter::drop_not_peer);
    // check_auth_type: "MUST verify that the Auth Type matches the locally
    // configured authentication method" (RFC 3768 §7.1). v3 has no Auth Type
    // (RFC 5798 §9): a v3 group configured with a key can authenticate nothing.
    const AuthType want = auth_type_of(g->auth.mode);
    if (a.version == 3 ? want != AuthType::none : a.auth_type != want)
        return verdict(RxCounter::drop_auth_type);
    // check_auth: "... and perform that authentication method" (RFC 3768 §7.1).
    if (a.version == 2 && want != AuthType::none) {
        const uint8_t* data = p + kFixedHeader + 4 * count;
        bool ok = false;
        if (want == AuthType::simple) {
            // RFC 2338 §5.3.10: 8 octets, the key zero padded.
            uint8_t expect[kAuthDataLen] = {};
            std::memcpy(expect, g->auth.key.data(), std::min(g->auth.key.size(), kAuthDataLen));
            ok = g->auth.key.size() <= kSimpleKeyMax && CRYPTO_memcmp(expect, data, kAuthDataLen) == 0;
        } else {
            uint8_t digest[kMd5DigestLen];
            ok = !g->auth.key.empty() && keyed_md5(g->auth.key, vrrp, digest) &&
                 CRYPTO_memcmp(digest, data, kMd5DigestLen) == 0;
        }
        if (!ok) return verdict(RxCounter::drop_auth_failure);
    }
    // check_address_list: RFC 3768/5798 §7.1 "MAY verify that Count IP Addrs
    // and the list of IP Address(es) matches": we do, as a set (order is not
    // significant). Strict: the older MUST-drop unless sent by the owner
    // (priority 255). Default: RFC 9568 §7.1, log (count) and continue.
    if (!same_address_set(a.addresses, g->addresses)) {
        r.address_mismatch = true;
        if (g->strict_address_list && a.priority != 255) return verdict(RxCounter::drop_address_list);
    }
    // check_interval: v2 "MUST verify that the Adver Interval in the packet is
    // the same as the locally configured" (RFC 3768 §7.1). v3: a zero Max Adver
    // Int is invalid (RFC 9568 §7.1, erratum 8301); a different one is learned
    // by a Backup (RFC 5798 §6.4.2), so it is only noted.
    if (a.version == 2 && a.interval != g->interval) return verdict(RxCounter::drop_interval);
    if (a.version == 3 && a.interval == 0) return verdict(RxCounter::drop_interval_zero);
    if (a.version == 3 && a.interval != g->interval) r.interval_mismatch = true;
    // check_owner: RFC 5798 §7.1 as published drops adverts when we own the
    // address; erratum 8298 / RFC 9568 §7.1 make it "SHOULD verify and log" so
    // that two owners converge through §6.4.3 instead of both staying Master.
    if (g->local_owner) r.owner_conflict = true;
    return verdict(RxCounter::accepted);
}

RxResult decode_ipv4(std::span<const uint8_t> packet, std::span<const RxGroup> groups,
                     RxStats* stats) noexcept {
    auto bad_header = [&] {
        RxResult r;
        r.verdict = RxCounter::drop_ip_header;
        if (stats) stats->add(RxCounter::drop_ip_header);
        return r;
    };
    if (packet.size() < kIpv4HeaderMin) return bad_header();
    const uint8_t* h = packet.data();
    const size_t ihl = size_t(h[0] & 0x0f) * 4;
    const size_t total = get16(h + 2);
    if ((h[0] >> 4) != 4 || ihl < kIpv4HeaderMin || total < ihl || total > packet.size()) return bad_header();
    if (internet_checksum(packet.first(ihl)) != 0) return bad_header();
    if ((get16(h + 6) & 0x3fff) != 0) return bad_header(); // a fragment: VRRP never fragments
    const IpInfo ip{Ipv4{get32(h + 12)}, Ipv4{get32(h + 16)}, h[8], h[9]};
    return decode(ip, packet.subspan(ihl, total - ihl), groups, stats);
}

} // namespace wg::vrrp
