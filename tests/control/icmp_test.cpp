#include "control/icmp.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace wg::control::icmp {
namespace {

uint16_t sum16(const uint8_t* p, size_t n) {
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2) s += uint32_t(p[i] << 8 | p[i + 1]);
    if (n & 1) s += uint32_t(p[n - 1] << 8);
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return uint16_t(~s);
}

// Ethernet + IPv4 + ICMP echo request 192.0.2.254 -> 10.1.1.100, 8 payload bytes.
std::vector<uint8_t> echo_request(uint8_t type = 8, uint8_t ttl = 64, uint8_t proto = 1) {
    std::vector<uint8_t> f(14 + 20 + 16, 0);
    const uint8_t dst[6] = {0, 0, 0x5e, 0, 1, 1}, src[6] = {2, 0, 0, 0, 0, 0xfe};
    std::memcpy(f.data(), dst, 6);
    std::memcpy(f.data() + 6, src, 6);
    f[12] = 0x08;
    uint8_t* ip = f.data() + 14;
    ip[0] = 0x45, ip[3] = 36, ip[8] = ttl, ip[9] = proto;
    const uint8_t s[4] = {192, 0, 2, 254}, d[4] = {10, 1, 1, 100};
    std::memcpy(ip + 12, s, 4), std::memcpy(ip + 16, d, 4);
    const uint16_t c = sum16(ip, 20);
    ip[10] = uint8_t(c >> 8), ip[11] = uint8_t(c);
    uint8_t* icmp = ip + 20;
    icmp[0] = type, icmp[4] = 0x12, icmp[5] = 0x34, icmp[7] = 1;
    for (int i = 0; i < 8; ++i) icmp[8 + i] = uint8_t(i);
    const uint16_t ic = sum16(icmp, 16);
    icmp[2] = uint8_t(ic >> 8), icmp[3] = uint8_t(ic);
    return f;
}

TEST(Icmp, EchoReplySwapsAddressesAndKeepsChecksumsValid) {
    const auto req = echo_request();
    const Mac vmac = Mac::vrrp_virtual(1);
    Counter why{};
    const auto reply = echo_reply(req, vmac, &why);
    ASSERT_TRUE(reply);
    EXPECT_EQ(why, Counter::echo_replied);
    const uint8_t* ip = reply->data() + 14;
    EXPECT_EQ(0, std::memcmp(reply->data(), req.data() + 6, 6)) << "back to the sender's MAC";
    EXPECT_EQ(0, std::memcmp(reply->data() + 6, vmac.bytes.data(), 6));
    EXPECT_EQ(0, std::memcmp(ip + 12, req.data() + 14 + 16, 4)) << "source = pinged address";
    EXPECT_EQ(0, std::memcmp(ip + 16, req.data() + 14 + 12, 4));
    EXPECT_EQ(sum16(ip, 20), 0);
    EXPECT_EQ(ip[20], 0) << "type echo reply";
    EXPECT_EQ(sum16(ip + 20, 16), 0);
    EXPECT_EQ(0, std::memcmp(ip + 24, req.data() + 14 + 24, 12)) << "id, sequence and payload echoed";
}

TEST(Icmp, RejectsWhatIsNotAnEchoRequest) {
    Counter why{};
    EXPECT_FALSE(echo_reply(echo_request(0), Mac{}, &why));
    EXPECT_EQ(why, Counter::not_echo);
    EXPECT_FALSE(echo_reply(echo_request(8, 64, 17), Mac{}, &why));
    EXPECT_EQ(why, Counter::not_echo);
    auto bad = echo_request();
    bad[14 + 20 + 9] ^= 0xff; // payload changed, ICMP checksum now wrong
    EXPECT_FALSE(echo_reply(bad, Mac{}, &why));
    EXPECT_EQ(why, Counter::malformed);
    auto short_frame = echo_request();
    short_frame.resize(30);
    EXPECT_FALSE(echo_reply(short_frame, Mac{}, &why));
    EXPECT_EQ(why, Counter::malformed);
}

TEST(Icmp, TimeExceededQuotesTheHeaderAndEightBytes) {
    const auto expired = echo_request(8, 1);
    const auto te = time_exceeded(expired, *Ipv4::parse("10.1.1.1"), Mac::vrrp_virtual(1));
    ASSERT_TRUE(te);
    const uint8_t* ip = te->data() + 14;
    EXPECT_EQ(sum16(ip, 20), 0);
    const uint8_t ours[4] = {10, 1, 1, 1};
    EXPECT_EQ(0, std::memcmp(ip + 12, ours, 4));
    EXPECT_EQ(0, std::memcmp(ip + 16, expired.data() + 14 + 12, 4));
    EXPECT_EQ(ip[20], 11);
    EXPECT_EQ(ip[21], 0);
    EXPECT_EQ(0, std::memcmp(ip + 28, expired.data() + 14, 28)) << "quoted header + 8 bytes";
    EXPECT_EQ(sum16(ip + 20, 8 + 28), 0);
}

TEST(Icmp, NoErrorAboutAnError) {
    const auto err = echo_request(3, 1); // destination unreachable
    EXPECT_FALSE(time_exceeded(err, *Ipv4::parse("10.1.1.1"), Mac{}));
}

} // namespace
} // namespace wg::control::icmp
