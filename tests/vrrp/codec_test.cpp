// VRRP codec: bit-exact packets built by hand, round trips (v2 none/simple/md5,
// v3), and every check of the receive ladder with its own counter.
#include "control/vrrp/codec.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace wg::vrrp {

inline void PrintTo(RxCounter c, std::ostream* os) {
    *os << counter_name(c);
}

namespace {

using Bytes = std::vector<uint8_t>;

Ipv4 ip(const char* text) {
    return *Ipv4::parse(text);
}

const Ipv4 kSrc = ip("10.1.1.1");
const Ipv4 kVip = ip("10.1.1.100");

config::VrrpAuth auth(config::AuthMode m, std::string key = {}) {
    return {m, std::move(key)};
}

Advertisement advert(uint8_t version, uint8_t priority = 120, uint16_t interval = 1) {
    Advertisement a;
    a.version = version;
    a.vrid = 1;
    a.priority = priority;
    a.interval = interval;
    a.addresses = {kVip};
    return a;
}

IpInfo ip_ok(Ipv4 src = kSrc) {
    return {src, kVrrpMulticast, 255, kIpProtoVrrp};
}

RxGroup group(uint8_t version, config::VrrpAuth a = {}, uint16_t interval = 1) {
    RxGroup g;
    g.vrid = 1;
    g.version = version;
    g.auth = std::move(a);
    g.addresses = {kVip};
    g.interval = interval;
    return g;
}

// Recompute the v2 checksum after a test edits a byte (to reach later checks).
void fix_v2_checksum(Bytes& b) {
    b[6] = b[7] = 0;
    const uint16_t c = internet_checksum(b);
    b[6] = uint8_t(c >> 8);
    b[7] = uint8_t(c);
}
void fix_v3_checksum(Bytes& b, Ipv4 src = kSrc) {
    b[6] = b[7] = 0;
    const uint16_t c = v3_checksum(src, kVrrpMulticast, b);
    b[6] = uint8_t(c >> 8);
    b[7] = uint8_t(c);
}

uint64_t verdict_total(const RxStats& s) {
    uint64_t n = 0;
    for (unsigned i = 0; i < kRxCounterCount; ++i)
        if (RxCounter(i) == RxCounter::accepted || is_drop(RxCounter(i))) n += s.v[i];
    return n;
}

// ---- Bit-exact encodings, constructed by hand -------------------------------

// v3 (RFC 5798 §5.1): VRID 1, priority 100, one VIP, Max Adver Int 100 cs,
// sent from 10.1.1.1 to 224.0.0.18. Checksum by hand (RFC 1071):
//   pseudo-header 0a01+0101+e000+0012+0070(proto 112)+000c(length 12) = eb90
//   message       3101+6401+0064+0000(checksum)+0a01+0164             = a0cb
//   eb90+a0cb = 18c5b -> fold 8c5c -> complement 73a3
TEST(VrrpCodecExact, V3AdvertMatchesHandComputedBytes) {
    const Bytes want{0x31, 0x01, 0x64, 0x01, 0x00, 0x64, 0x73, 0xa3, 0x0a, 0x01, 0x01, 0x64};
    Advertisement a = advert(3, 100, 100);
    EXPECT_EQ(encode(a, {}, kSrc), want);
    EXPECT_EQ(v3_checksum(kSrc, kVrrpMulticast, want), 0) << "a correct message sums to zero";
    const RxGroup groups[] = {group(3, {}, 100)};
    const RxResult r = decode(ip_ok(), want, groups);
    ASSERT_TRUE(r.accepted()) << counter_name(r.verdict);
    EXPECT_EQ(r.advert, a);
    EXPECT_EQ(r.advert.interval_duration(), std::chrono::seconds(1));
}

// v2 (RFC 3768 §5.1), no authentication: checksum over the message only:
//   2101+7801+0001(auth 0, adver int 1)+0000+0a01+0164+0+0+0+0 = a468 -> 5b97
TEST(VrrpCodecExact, V2NoAuthMatchesHandComputedBytes) {
    const Bytes want{0x21, 0x01, 0x78, 0x01, 0x00, 0x01, 0x5b, 0x97, 0x0a, 0x01,
                     0x01, 0x64, 0,    0,    0,    0,    0,    0,    0,    0};
    EXPECT_EQ(encode(advert(2), {}, kSrc), want);
}

// The md5 layout of docs/vrrp-auth.md, computed independently (Python hashlib):
//   digest = MD5("YsH_2022" || message with checksum and digest zeroed || "YsH_2022")
TEST(VrrpCodecExact, V2Md5MatchesIndependentlyComputedBytes) {
    const Bytes want{0x21, 0x01, 0x78, 0x01, 0x02, 0x01, 0x12, 0x84, 0x0a, 0x01, 0x01, 0x64, 0x09, 0xc4,
                     0x97, 0xbc, 0x82, 0x1c, 0x85, 0x48, 0xf7, 0x77, 0xca, 0x4f, 0xe8, 0x71, 0xf3, 0xf3};
    EXPECT_EQ(encode(advert(2), auth(config::AuthMode::md5, "YsH_2022"), kSrc), want);
}

TEST(VrrpCodecExact, V2SimpleTextIsTheZeroPaddedKey) {
    const Bytes want{0x21, 0x01, 0x78, 0x01, 0x01, 0x01, 0x1e, 0x4b, 0x0a, 0x01,
                     0x01, 0x64, 's',  'e',  'c',  'r',  'e',  't',  0,    0};
    EXPECT_EQ(encode(advert(2), auth(config::AuthMode::simple, "secret"), kSrc), want);
}

TEST(VrrpCodecExact, Ipv4WrapperHasTtl255AndAValidHeader) {
    const Bytes pkt = encode_ipv4(advert(3, 100, 100), {}, kSrc);
    ASSERT_EQ(pkt.size(), 32u);
    EXPECT_EQ(pkt[0], 0x45);
    EXPECT_EQ(pkt[8], 255);
    EXPECT_EQ(pkt[9], 112);
    EXPECT_EQ(internet_checksum(std::span(pkt).first(20)), 0);
    EXPECT_EQ(Bytes(pkt.begin() + 16, pkt.begin() + 20), (Bytes{224, 0, 0, 18}));
    const RxGroup groups[] = {group(3, {}, 100)};
    EXPECT_TRUE(decode_ipv4(pkt, groups).accepted());
}

// ---- Round trips --------------------------------------------------------------

struct RoundTrip {
    const char* name;
    uint8_t version;
    config::VrrpAuth auth;
    AuthType type;
};

TEST(VrrpCodecRoundTrip, EveryVersionAndAuthentication) {
    const RoundTrip cases[] = {
        {"v2-none", 2, {}, AuthType::none},
        {"v2-simple", 2, auth(config::AuthMode::simple, "8charkey"), AuthType::simple},
        {"v2-md5", 2, auth(config::AuthMode::md5, "YsH_2022"), AuthType::md5},
        {"v2-md5-long-key", 2, auth(config::AuthMode::md5, std::string(255, 'k')), AuthType::md5},
        {"v3", 3, {}, AuthType::none},
    };
    for (const RoundTrip& c : cases) {
        Advertisement a = advert(c.version, 254, c.version == 3 ? 4095 : 255);
        a.vrid = 200;
        a.addresses = {ip("10.1.1.100"), ip("10.1.1.101"), ip("192.0.2.7")};
        a.auth_type = c.type;
        const Bytes wire = encode(a, c.auth, kSrc);
        ASSERT_EQ(wire.size(), encoded_size(a, c.auth.mode)) << c.name;
        RxGroup g = group(c.version, c.auth, a.interval);
        g.vrid = 200;
        g.addresses = {ip("192.0.2.7"), ip("10.1.1.101"), ip("10.1.1.100")}; // order is not significant
        RxStats stats;
        const RxResult r = decode(ip_ok(), wire, std::span(&g, 1), &stats);
        ASSERT_TRUE(r.accepted()) << c.name << ": " << counter_name(r.verdict);
        EXPECT_EQ(r.advert, a) << c.name;
        EXPECT_EQ(r.group, &g);
        EXPECT_FALSE(r.address_mismatch);
        EXPECT_EQ(stats.get(RxCounter::accepted), 1u);
        EXPECT_EQ(verdict_total(stats), 1u);
    }
}

TEST(VrrpCodecEncode, RefusesWhatCannotBeSent) {
    Bytes big(200);
    EXPECT_EQ(encode(advert(3), auth(config::AuthMode::simple, "x"), kSrc, kVrrpMulticast, big), 0u)
        << "v3 has no authentication (RFC 5798 §9)";
    EXPECT_EQ(encode(advert(2), auth(config::AuthMode::simple, "123456789"), kSrc, kVrrpMulticast, big), 0u);
    EXPECT_EQ(encode(advert(2), auth(config::AuthMode::md5, ""), kSrc, kVrrpMulticast, big), 0u);
    EXPECT_EQ(encode(advert(4), {}, kSrc, kVrrpMulticast, big), 0u);
    EXPECT_EQ(encode(advert(2, 100, 256), {}, kSrc, kVrrpMulticast, big), 0u);
    EXPECT_EQ(encode(advert(3, 100, 4096), {}, kSrc, kVrrpMulticast, big), 0u);
    Bytes small(19);
    EXPECT_EQ(encode(advert(2), {}, kSrc, kVrrpMulticast, small), 0u);
    Advertisement many = advert(2);
    many.addresses.assign(256, kVip);
    EXPECT_TRUE(encode(many, {}, kSrc).empty());
    EXPECT_EQ(interval_field(2, 3000), 3);
    EXPECT_EQ(interval_field(3, 250), 25);
}

// ---- The receive ladder: one counter per check ------------------------------

struct Ladder {
    const char* name;
    std::function<void(Bytes&, IpInfo&, RxGroup&)> mutate;
    RxCounter want;
};

void run_ladder(uint8_t version, const config::VrrpAuth& a, const std::vector<Ladder>& cases) {
    for (const Ladder& c : cases) {
        Bytes wire = encode(advert(version, 120, version == 3 ? 100 : 1), a, kSrc);
        IpInfo info = ip_ok();
        RxGroup g = group(version, a, version == 3 ? 100 : 1);
        c.mutate(wire, info, g);
        RxStats stats;
        const RxResult r = decode(info, wire, std::span(&g, 1), &stats);
        EXPECT_EQ(r.verdict, c.want) << c.name;
        EXPECT_EQ(stats.get(c.want), 1u) << c.name;
        EXPECT_EQ(verdict_total(stats), 1u) << c.name << ": exactly one verdict counter";
    }
}

TEST(VrrpCodecLadder, IpAndHeaderChecks) {
    const auto none = [](Bytes&, IpInfo&, RxGroup&) {};
    run_ladder(
        3, {},
        {
            {"valid", none, RxCounter::accepted},
            {"protocol", [](Bytes&, IpInfo& i, RxGroup&) { i.protocol = 17; }, RxCounter::drop_ip_protocol},
            {"ttl 254", [](Bytes&, IpInfo& i, RxGroup&) { i.ttl = 254; }, RxCounter::drop_ttl},
            {"unicast dst", [](Bytes&, IpInfo& i, RxGroup&) { i.dst = ip("10.1.1.2"); },
             RxCounter::drop_destination},
            {"7 bytes", [](Bytes& b, IpInfo&, RxGroup&) { b.resize(7); }, RxCounter::drop_too_short},
            {"version 1", [](Bytes& b, IpInfo&, RxGroup&) { b[0] = 0x11; }, RxCounter::drop_version},
            {"version 4", [](Bytes& b, IpInfo&, RxGroup&) { b[0] = 0x41; }, RxCounter::drop_version},
            {"type 2", [](Bytes& b, IpInfo&, RxGroup&) { b[0] = 0x32; }, RxCounter::drop_type},
            {"count says 2", [](Bytes& b, IpInfo&, RxGroup&) { b[3] = 2; }, RxCounter::drop_too_short},
            {"count says 0", [](Bytes& b, IpInfo&, RxGroup&) { b[3] = 0; }, RxCounter::drop_length},
            {"trailing byte", [](Bytes& b, IpInfo&, RxGroup&) { b.push_back(0); }, RxCounter::drop_length},
            {"checksum", [](Bytes& b, IpInfo&, RxGroup&) { b[7] ^= 1; }, RxCounter::drop_checksum},
            // v3's checksum covers the pseudo-header: another source breaks it.
            {"pseudo-header src", [](Bytes&, IpInfo& i, RxGroup&) { i.src = ip("10.1.1.3"); },
             RxCounter::drop_checksum},
            {"unknown vrid",
             [](Bytes& b, IpInfo&, RxGroup&) {
                 b[1] = 9;
                 fix_v3_checksum(b);
             },
             RxCounter::drop_unknown_vrid},
            {"v3 to a v2 group", [](Bytes&, IpInfo&, RxGroup& g) { g.version = 2; },
             RxCounter::drop_version_mismatch},
            {"v3 group with a key",
             [](Bytes&, IpInfo&, RxGroup& g) { g.auth = auth(config::AuthMode::simple, "k"); },
             RxCounter::drop_auth_type},
            {"interval 0",
             [](Bytes& b, IpInfo&, RxGroup&) {
                 b[4] = b[5] = 0;
                 fix_v3_checksum(b);
             },
             RxCounter::drop_interval_zero},
            {"strict address list",
             [](Bytes&, IpInfo&, RxGroup& g) {
                 g.strict_address_list = true;
                 g.addresses.push_back(ip("10.1.1.101"));
             },
             RxCounter::drop_address_list},
        });
}

TEST(VrrpCodecLadder, V2AuthenticationAndIntervalChecks) {
    const auto none = [](Bytes&, IpInfo&, RxGroup&) {};
    run_ladder(
        2, auth(config::AuthMode::simple, "secret"),
        {
            {"valid simple", none, RxCounter::accepted},
            {"wrong key", [](Bytes&, IpInfo&, RxGroup& g) { g.auth.key = "secreT"; },
             RxCounter::drop_auth_failure},
            {"key prefix", [](Bytes&, IpInfo&, RxGroup& g) { g.auth.key = "secre"; },
             RxCounter::drop_auth_failure},
            {"group wants none", [](Bytes&, IpInfo&, RxGroup& g) { g.auth = {}; }, RxCounter::drop_auth_type},
            {"group wants md5",
             [](Bytes&, IpInfo&, RxGroup& g) { g.auth = auth(config::AuthMode::md5, "secret"); },
             RxCounter::drop_auth_type},
            {"unknown auth type 7",
             [](Bytes& b, IpInfo&, RxGroup&) {
                 b[4] = 7;
                 fix_v2_checksum(b);
             },
             RxCounter::drop_auth_type},
            {"v2 to a v3 group", [](Bytes&, IpInfo&, RxGroup& g) { g.version = 3; },
             RxCounter::drop_version_mismatch},
            {"adver int 2 vs 1 (RFC 3768 MUST discard)", [](Bytes&, IpInfo&, RxGroup& g) { g.interval = 2; },
             RxCounter::drop_interval},
            // v2's checksum has no pseudo-header: the source does not matter.
            {"other source", [](Bytes&, IpInfo& i, RxGroup&) { i.src = ip("10.1.1.3"); },
             RxCounter::accepted},
        });
    run_ladder(2, auth(config::AuthMode::md5, "YsH_2022"),
               {
                   {"valid md5", none, RxCounter::accepted},
                   {"md5 wrong key", [](Bytes&, IpInfo&, RxGroup& g) { g.auth.key = "YsH_2023"; },
                    RxCounter::drop_auth_failure},
                   {"md5 digest flipped",
                    [](Bytes& b, IpInfo&, RxGroup&) {
                        b[15] ^= 0x80;
                        fix_v2_checksum(b);
                    },
                    RxCounter::drop_auth_failure},
                   {"md5 priority changed in flight",
                    [](Bytes& b, IpInfo&, RxGroup&) {
                        b[2] = 255;
                        fix_v2_checksum(b);
                    },
                    RxCounter::drop_auth_failure},
                   {"md5 truncated to 8 bytes of auth data",
                    [](Bytes& b, IpInfo&, RxGroup&) { b.resize(b.size() - 8); }, RxCounter::drop_too_short},
                   {"group wants simple",
                    [](Bytes&, IpInfo&, RxGroup& g) { g.auth = auth(config::AuthMode::simple, "x"); },
                    RxCounter::drop_auth_type},
               });
}

// The checks that only note: accepted, with the note_* counter (codec.hpp).
TEST(VrrpCodecLadder, NotesAcceptAndCount) {
    struct Note {
        const char* name;
        uint8_t version;
        std::function<void(Advertisement&, RxGroup&)> mutate;
        RxCounter note;
    };
    const Note notes[] = {
        {"address list differs (RFC 9568 §7.1)", 3,
         [](Advertisement&, RxGroup& g) { g.addresses = {ip("10.1.1.101")}; }, RxCounter::note_address_list},
        {"count differs", 2, [](Advertisement& a, RxGroup&) { a.addresses.push_back(ip("10.1.1.101")); },
         RxCounter::note_address_list},
        {"strict but from the owner", 2,
         [](Advertisement& a, RxGroup& g) {
             g.strict_address_list = true;
             a.priority = 255;
             a.addresses.clear();
         },
         RxCounter::note_address_list},
        {"v3 interval differs: learned", 3, [](Advertisement& a, RxGroup&) { a.interval = 50; },
         RxCounter::note_interval},
        {"we own the address (erratum 8298)", 3, [](Advertisement&, RxGroup& g) { g.local_owner = true; },
         RxCounter::note_owner_conflict},
        {"priority 0", 2, [](Advertisement& a, RxGroup&) { a.priority = 0; }, RxCounter::note_priority_zero},
    };
    for (const Note& n : notes) {
        Advertisement a = advert(n.version, 120, n.version == 3 ? 100 : 1);
        RxGroup g = group(n.version, {}, a.interval);
        n.mutate(a, g);
        RxStats stats;
        const RxResult r = decode(ip_ok(), encode(a, {}, kSrc), std::span(&g, 1), &stats);
        EXPECT_TRUE(r.accepted()) << n.name << ": " << counter_name(r.verdict);
        EXPECT_EQ(stats.get(n.note), 1u) << n.name;
        EXPECT_EQ(stats.get(RxCounter::accepted), 1u) << n.name;
    }
}

TEST(VrrpCodecLadder, PicksTheGroupByVrid) {
    RxGroup groups[] = {group(2), group(3, {}, 100), group(2, auth(config::AuthMode::md5, "k"))};
    groups[1].vrid = 2;
    groups[2].vrid = 3;
    Advertisement a = advert(2);
    a.vrid = 3;
    const RxResult r = decode(ip_ok(), encode(a, auth(config::AuthMode::md5, "k"), kSrc), groups);
    ASSERT_TRUE(r.accepted());
    EXPECT_EQ(r.group, &groups[2]);
}

TEST(VrrpCodecIpv4, HeaderChecks) {
    const RxGroup groups[] = {group(2)};
    const Bytes good = encode_ipv4(advert(2), {}, kSrc);
    ASSERT_TRUE(decode_ipv4(good, groups).accepted());
    Bytes padded = good;
    padded.resize(64, 0); // Ethernet minimum-frame padding after the IP datagram
    EXPECT_TRUE(decode_ipv4(padded, groups).accepted());

    auto bad = [&](const char* name, const std::function<void(Bytes&)>& mutate) {
        Bytes b = good;
        mutate(b);
        RxStats stats;
        EXPECT_EQ(decode_ipv4(b, groups, &stats).verdict, RxCounter::drop_ip_header) << name;
        EXPECT_EQ(stats.get(RxCounter::drop_ip_header), 1u) << name;
    };
    bad("short", [](Bytes& b) { b.resize(19); });
    bad("version 6", [](Bytes& b) { b[0] = 0x65; });
    bad("ihl 4", [](Bytes& b) { b[0] = 0x44; });
    bad("total beyond buffer", [](Bytes& b) { b[3] = 200; });
    bad("header checksum", [](Bytes& b) { b[11] ^= 1; });
    bad("fragment", [](Bytes& b) {
        b[6] = 0x20; // MF
        b[10] = b[11] = 0;
        const uint16_t c = internet_checksum(std::span(b).first(20));
        b[10] = uint8_t(c >> 8);
        b[11] = uint8_t(c);
    });
    // A TTL decremented by a router reaches the VRRP ladder and fails there.
    Bytes routed = good;
    routed[8] = 254;
    routed[10] = routed[11] = 0;
    const uint16_t c = internet_checksum(std::span(routed).first(20));
    routed[10] = uint8_t(c >> 8);
    routed[11] = uint8_t(c);
    EXPECT_EQ(decode_ipv4(routed, groups).verdict, RxCounter::drop_ttl);
}

TEST(VrrpCodecCounters, EveryDropHasHelpAndTheListIsOrdered) {
    EXPECT_EQ(counter_name(RxCounter::accepted), "accepted");
    EXPECT_FALSE(is_drop(RxCounter::accepted));
    EXPECT_TRUE(is_drop(RxCounter::drop_checksum));
    EXPECT_FALSE(is_drop(RxCounter::note_priority_zero));
    unsigned drops = 0;
    for (unsigned i = 0; i < kRxCounterCount; ++i)
        drops += is_drop(RxCounter(i));
    EXPECT_EQ(drops, 17u);
}

// The fuzz seeds are written by tests/vrrp/make_corpus.py, an independent
// encoder (Python hashlib, its own checksum): decoding them as expected
// cross-checks the layouts, MD5 included, against a second implementation.
TEST(VrrpCodecCorpus, SeedsFromTheIndependentEncoderDecodeAsNamed) {
    const char* root = std::getenv("WARMGATE_SOURCE_ROOT");
    ASSERT_NE(root, nullptr) << "run through meson test (test_env)";
    const std::filesystem::path dir = std::filesystem::path(root) / "tests/vrrp/corpus";
    // The fuzz target's groups (fuzz/vrrp_decode_fuzz.cpp).
    std::vector<RxGroup> g{group(2), group(2, auth(config::AuthMode::simple, "secret")),
                           group(2, auth(config::AuthMode::md5, "YsH_2022")), group(3, {}, 100),
                           group(3, {}, 100)};
    for (uint8_t i = 0; i < g.size(); ++i)
        g[i].vrid = uint8_t(i + 1);
    g[4].strict_address_list = g[4].local_owner = true;
    const std::map<std::string, RxCounter> want{
        {"v2-none", RxCounter::accepted},
        {"v2-simple", RxCounter::accepted},
        {"v2-md5", RxCounter::accepted},
        {"v2-md5-release", RxCounter::accepted},
        {"v2-none-two-vips", RxCounter::accepted},
        {"v2-bad-interval", RxCounter::drop_interval},
        {"v2-wrong-key", RxCounter::drop_auth_failure},
        {"v3", RxCounter::accepted},
        {"v3-rsvd-bits", RxCounter::accepted},
        {"v3-owner-strict", RxCounter::accepted},
        {"v3-learn-interval", RxCounter::accepted},
        {"v3-unknown-vrid", RxCounter::drop_unknown_vrid},
        {"ip-v2-md5", RxCounter::accepted},
        {"ip-v3", RxCounter::accepted},
        {"ip-v3-ttl254", RxCounter::drop_ttl},
        {"ip-v2-padded", RxCounter::accepted},
    };
    for (const auto& [name, verdict] : want) {
        std::ifstream in(dir / name, std::ios::binary);
        ASSERT_TRUE(in) << name;
        const Bytes b{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        const RxResult r = name.starts_with("ip-") ? decode_ipv4(b, g) : decode(ip_ok(ip("10.1.1.2")), b, g);
        EXPECT_EQ(r.verdict, verdict) << name;
    }
}

} // namespace
} // namespace wg::vrrp
