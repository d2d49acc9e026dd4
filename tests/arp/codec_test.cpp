// ARP codec: bytes written by hand from RFC 826's layout, round trips of
// every builder, and every check of the receive ladder with its own counter.
#include "control/arp/codec.hpp"

#include "tests/arp/support.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace wg::arp {
namespace {

using namespace test;
using Bytes = std::vector<uint8_t>;

// The broadcast request of host 10.1.1.10 (02:00:00:00:00:0a) for 10.1.1.1,
// written out field by field.
Bytes host_request_bytes() {
    return Bytes{
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // Ethernet destination: broadcast
        0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, // Ethernet source
        0x08, 0x06,                         // ARP
        0x00, 0x01,                         // htype Ethernet
        0x08, 0x00,                         // ptype IPv4
        0x06, 0x04,                         // hlen, plen
        0x00, 0x01,                         // request
        0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, // sender MAC
        0x0a, 0x01, 0x01, 0x0a,             // sender IP 10.1.1.10
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // target MAC (unknown)
        0x0a, 0x01, 0x01, 0x01,             // target IP 10.1.1.1
    };
}

RxResult decode_counted(const Bytes& b, RxStats& s) {
    s = {};
    return decode(b, &s);
}

// Exactly one verdict counter moved, and it is `c`.
void expect_only_verdict(const RxStats& s, RxCounter c) {
    for (unsigned i = 0; i < kRxCounterCount; ++i) {
        const RxCounter k = RxCounter(i);
        if (k != RxCounter::accepted && !is_drop(k)) continue;
        EXPECT_EQ(s.get(k), k == c ? 1u : 0u) << counter_name(k);
    }
}

TEST(ArpCodec, DecodesAHandWrittenRequest) {
    RxStats s;
    const RxResult r = decode_counted(host_request_bytes(), s);
    ASSERT_TRUE(r.accepted());
    expect_only_verdict(s, RxCounter::accepted);
    EXPECT_EQ(r.packet.eth_dst, kBroadcastMac);
    EXPECT_EQ(r.packet.eth_src, kHostA);
    EXPECT_EQ(r.packet.op, Op::request);
    EXPECT_EQ(r.packet.sender_mac, kHostA);
    EXPECT_EQ(r.packet.sender_ip, kA);
    EXPECT_EQ(r.packet.target_mac, Mac{});
    EXPECT_EQ(r.packet.target_ip, kOwn);
    EXPECT_FALSE(r.eth_src_differs);
    EXPECT_FALSE(r.packet.is_probe());
    EXPECT_FALSE(r.packet.is_gratuitous());
    EXPECT_EQ(s.get(RxCounter::note_eth_src_differs) + s.get(RxCounter::note_probe) +
                  s.get(RxCounter::note_gratuitous),
              0u);
}

TEST(ArpCodec, BuildsTheSameBytesPaddedTo60) {
    const Frame f = build_request(kHostA, kA, kOwn);
    Bytes want = host_request_bytes();
    want.resize(kFrameLen, 0);
    EXPECT_EQ(Bytes(f.begin(), f.end()), want);
    uint8_t small[59];
    EXPECT_EQ(encode(request(kHostA, kA, kOwn), small), 0u);
}

TEST(ArpCodec, UnicastProbeGoesToTheKnownMac) {
    const Packet p = request(kPortMac, kOwn, kA, &kHostA);
    EXPECT_EQ(p.eth_dst, kHostA);
    EXPECT_EQ(p.eth_src, kPortMac);
    EXPECT_EQ(p.target_mac, Mac{});
    EXPECT_EQ(p.target_ip, kA);
    const RxResult r = decode(encode(p));
    ASSERT_TRUE(r.accepted());
    EXPECT_EQ(r.packet, p);
}

TEST(ArpCodec, ReplySwapsTowardsTheRequesterSenderMac) {
    Packet req = request(kHostA, kA, kVip);
    req.eth_src = kHostB; // relayed: the answer still goes to the sender MAC (RFC 826)
    const Packet rep = reply(req, kVmac, kVip);
    EXPECT_EQ(rep.op, Op::reply);
    EXPECT_EQ(rep.eth_dst, kHostA);
    EXPECT_EQ(rep.eth_src, kVmac);
    EXPECT_EQ(rep.sender_mac, kVmac);
    EXPECT_EQ(rep.sender_ip, kVip);
    EXPECT_EQ(rep.target_mac, kHostA);
    EXPECT_EQ(rep.target_ip, kA);
    const RxResult r = decode(encode(rep));
    ASSERT_TRUE(r.accepted());
    EXPECT_EQ(r.packet, rep);
}

TEST(ArpCodec, GratuitousRequestAndReplyForms) {
    const Frame req = build_gratuitous(kVmac, kVip);
    RxStats s;
    RxResult r = decode(req, &s);
    ASSERT_TRUE(r.accepted());
    EXPECT_EQ(r.packet.eth_dst, kBroadcastMac);
    EXPECT_EQ(r.packet.eth_src, kVmac);
    EXPECT_EQ(r.packet.op, Op::request);
    EXPECT_EQ(r.packet.sender_mac, kVmac);
    EXPECT_EQ(r.packet.sender_ip, kVip);
    EXPECT_EQ(r.packet.target_ip, kVip);
    EXPECT_EQ(r.packet.target_mac, Mac{});
    EXPECT_TRUE(r.packet.is_gratuitous());
    EXPECT_EQ(s.get(RxCounter::note_gratuitous), 1u);

    r = decode(build_gratuitous(kVmac, kVip, Op::reply));
    ASSERT_TRUE(r.accepted());
    EXPECT_EQ(r.packet.op, Op::reply);
    EXPECT_EQ(r.packet.target_mac, kVmac); // RFC 5944 §4.6
    EXPECT_TRUE(r.packet.is_gratuitous());
}

TEST(ArpCodec, NotesProbeAndEthernetSourceDifference) {
    RxStats s;
    RxResult r = decode(build_request(kHostA, Ipv4{}, kOwn), &s);
    ASSERT_TRUE(r.accepted());
    EXPECT_TRUE(r.packet.is_probe());
    EXPECT_FALSE(r.packet.is_gratuitous());
    EXPECT_EQ(s.get(RxCounter::note_probe), 1u);

    // RFC 5798 §8.1.2: a Master's reply from the virtual MAC.
    Packet p = reply(request(kHostA, kA, kVip), kVmac, kVip);
    p.eth_src = kPortMac;
    s = {};
    r = decode(encode(p), &s);
    ASSERT_TRUE(r.accepted());
    EXPECT_TRUE(r.eth_src_differs);
    EXPECT_EQ(s.get(RxCounter::note_eth_src_differs), 1u);
    expect_only_verdict(s, RxCounter::accepted);
}

TEST(ArpCodec, TrailingBytesAreIgnored) {
    Bytes b = host_request_bytes();
    b.resize(1514, 0xee);
    EXPECT_TRUE(decode(b).accepted());
}

struct Bad {
    const char* name;
    size_t offset;
    std::vector<uint8_t> value;
    RxCounter want;
};

TEST(ArpCodec, EveryRejectionHasItsOwnCounter) {
    const std::vector<Bad> cases{
        {"ethertype IPv4", 12, {0x08, 0x00}, RxCounter::drop_ethertype},
        {"htype 6 (IEEE 802)", 14, {0x00, 0x06}, RxCounter::drop_htype},
        {"ptype IPv6", 16, {0x86, 0xdd}, RxCounter::drop_ptype},
        {"hlen 8", 18, {8}, RxCounter::drop_hlen},
        {"plen 16", 19, {16}, RxCounter::drop_plen},
        {"op 0", 20, {0, 0}, RxCounter::drop_op},
        {"op 3 (RARP)", 20, {0, 3}, RxCounter::drop_op},
        {"sender MAC broadcast", 22, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, RxCounter::drop_sender_mac},
        {"sender MAC multicast", 22, {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}, RxCounter::drop_sender_mac},
        {"sender MAC zero", 22, {0, 0, 0, 0, 0, 0}, RxCounter::drop_sender_mac},
        {"sender IP multicast", 28, {224, 0, 0, 18}, RxCounter::drop_sender_ip},
        {"sender IP 239/8", 28, {239, 1, 2, 3}, RxCounter::drop_sender_ip},
        {"sender IP broadcast", 28, {255, 255, 255, 255}, RxCounter::drop_sender_ip},
        {"sender IP loopback", 28, {127, 0, 0, 1}, RxCounter::drop_sender_ip},
    };
    for (const Bad& c : cases) {
        Bytes b = host_request_bytes();
        std::copy(c.value.begin(), c.value.end(), b.begin() + ptrdiff_t(c.offset));
        RxStats s;
        const RxResult r = decode_counted(b, s);
        EXPECT_EQ(r.verdict, c.want) << c.name;
        expect_only_verdict(s, c.want);
    }
    // Every prefix shorter than 42 bytes is short, and only that.
    const Bytes whole = host_request_bytes();
    for (size_t n = 0; n < kArpFrameLen; ++n) {
        RxStats s;
        const RxResult r = decode_counted(Bytes(whole.begin(), whole.begin() + ptrdiff_t(n)), s);
        EXPECT_EQ(r.verdict, RxCounter::drop_short) << n;
        expect_only_verdict(s, RxCounter::drop_short);
    }
}

TEST(ArpCodec, LadderOrderFirstFailureWins) {
    Bytes b = host_request_bytes();
    b[15] = 6;    // htype 6
    b[19] = 16;   // plen
    b[22] = 0xff; // sender MAC multicast
    EXPECT_EQ(decode(b).verdict, RxCounter::drop_htype);
}

TEST(ArpCodec, EveryCounterHasAKeyAndHelp) {
    for (const auto& c : kRxCounterInfo) {
        EXPECT_FALSE(c.key.empty());
        EXPECT_FALSE(c.help.empty()) << c.key;
    }
    for (const auto& c : kCounterInfo) {
        EXPECT_FALSE(c.key.empty());
        EXPECT_FALSE(c.help.empty()) << c.key;
    }
    EXPECT_EQ(counter_name(RxCounter::drop_op), "drop_op");
    EXPECT_TRUE(is_drop(RxCounter::drop_short));
    EXPECT_FALSE(is_drop(RxCounter::note_probe));
}

// tests/arp/make_corpus.py encodes these seeds independently (struct.pack):
// decoding them as named cross-checks the layout against a second encoder.
TEST(ArpCodecCorpus, SeedsFromTheIndependentEncoderDecodeAsNamed) {
    const char* root = std::getenv("WARMGATE_SOURCE_ROOT");
    ASSERT_NE(root, nullptr) << "run through meson test (test_env)";
    const std::filesystem::path dir = std::filesystem::path(root) / "tests/arp/corpus";
    const std::map<std::string, RxCounter> want{
        {"request", RxCounter::accepted},
        {"request-unpadded", RxCounter::accepted},
        {"request-for-vip", RxCounter::accepted},
        {"reply", RxCounter::accepted},
        {"reply-eth-src-differs", RxCounter::accepted},
        {"gratuitous-request", RxCounter::accepted},
        {"gratuitous-reply", RxCounter::accepted},
        {"probe", RxCounter::accepted},
        {"bad-ethertype", RxCounter::drop_ethertype},
        {"bad-htype", RxCounter::drop_htype},
        {"bad-ptype", RxCounter::drop_ptype},
        {"bad-hlen", RxCounter::drop_hlen},
        {"bad-plen", RxCounter::drop_plen},
        {"bad-op", RxCounter::drop_op},
        {"sender-mac-broadcast", RxCounter::drop_sender_mac},
        {"sender-ip-loopback", RxCounter::drop_sender_ip},
        {"short", RxCounter::drop_short},
    };
    size_t seen = 0;
    for (const auto& [name, verdict] : want) {
        std::ifstream in(dir / name, std::ios::binary);
        ASSERT_TRUE(in) << name;
        const Bytes b{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        const RxResult r = decode(b);
        EXPECT_EQ(r.verdict, verdict) << name;
        if (r.accepted()) {
            // Our encoder writes the same 42 bytes back.
            const Frame again = encode(r.packet);
            EXPECT_TRUE(std::equal(b.begin(), b.begin() + kArpFrameLen, again.begin())) << name;
        }
        ++seen;
    }
    EXPECT_EQ(seen, size_t(std::distance(std::filesystem::directory_iterator(dir), {})));
    // Spot checks of the fields, not just the verdict.
    std::ifstream in(dir / "reply-eth-src-differs", std::ios::binary);
    const Bytes b{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const RxResult r = decode(b);
    EXPECT_TRUE(r.eth_src_differs);
    EXPECT_EQ(r.packet.sender_mac, kVmac);
    EXPECT_EQ(r.packet.sender_ip, kVip);
}

} // namespace
} // namespace wg::arp
