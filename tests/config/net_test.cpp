// Text forms of Ipv4/Prefix/Mac (config/net.hpp): strict parsing, canonical
// printing, and the mask/contains arithmetic the validator relies on.
#include "config/net.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

namespace wg {
namespace {

TEST(Ipv4Parse, AcceptsDottedQuads) {
    EXPECT_EQ(Ipv4::parse("10.1.1.100"), Ipv4{0x0a010164});
    EXPECT_EQ(Ipv4::parse("0.0.0.0"), Ipv4{0});
    EXPECT_EQ(Ipv4::parse("255.255.255.255"), Ipv4{0xffffffff});
    EXPECT_EQ(Ipv4::parse("192.0.2.254"), Ipv4{0xc00002fe});
}

TEST(Ipv4Parse, RejectsMalformedText) {
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "1.2.3.256", "256.0.0.1", "1..2.3", ".1.2.3", "1.2.3.",
                            "a.b.c.d", "1.2.3.4 ", " 1.2.3.4", "+1.2.3.4", "1.-2.3.4", "1.2.3.4/24",
                            "1.2.3.0x1", "1234.1.1.1", "1.2.3.4\n", "0x0a.1.1.1", "1,2,3,4"}) {
        EXPECT_EQ(Ipv4::parse(bad), std::nullopt) << "'" << bad << "'";
    }
}

// inet_aton() reads "010" as octal 8: refuse leading zeros rather than guess.
TEST(Ipv4Parse, RejectsLeadingZeros) {
    EXPECT_EQ(Ipv4::parse("01.2.3.4"), std::nullopt);
    EXPECT_EQ(Ipv4::parse("10.01.1.1"), std::nullopt);
    EXPECT_EQ(Ipv4::parse("10.1.1.00"), std::nullopt);
    EXPECT_EQ(Ipv4::parse("10.1.1.000"), std::nullopt);
    EXPECT_EQ(Ipv4::parse("10.0.1.0"), Ipv4{0x0a000100}); // a lone 0 is fine
}

TEST(Ipv4Str, PrintsDottedQuadAndRoundTrips) {
    EXPECT_EQ(Ipv4{0x01020304}.str(), "1.2.3.4");
    EXPECT_EQ(Ipv4{0}.str(), "0.0.0.0");
    EXPECT_EQ(Ipv4{0xffffffff}.str(), "255.255.255.255");
    for (const char* text : {"10.1.1.1", "2.2.2.2", "224.0.0.18", "100.64.0.1"})
        EXPECT_EQ(Ipv4::parse(text)->str(), text);
}

TEST(Ipv4, OrdersNumerically) {
    EXPECT_LT(*Ipv4::parse("9.255.255.255"), *Ipv4::parse("10.0.0.0"));
    EXPECT_LT(*Ipv4::parse("10.1.1.2"), *Ipv4::parse("10.1.1.10"));
}

TEST(PrefixParse, AcceptsAddressAndLength) {
    auto p = Prefix::parse("10.1.1.1/24");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->addr, Ipv4{0x0a010101}); // kept as written: an interface address
    EXPECT_EQ(p->len, 24);
    EXPECT_EQ(Prefix::parse("0.0.0.0/0"), (Prefix{Ipv4{0}, 0}));
    EXPECT_EQ(Prefix::parse("1.1.1.1/32"), (Prefix{Ipv4{0x01010101}, 32}));
}

TEST(PrefixParse, RejectsMalformedText) {
    for (const char* bad : {"10.1.1.0", "10.1.1.0/", "10.1.1.0/33", "10.1.1.0/024", "10.1.1.0/-1",
                            "10.1.1.0/+8", "10.1.1.0/8/8", "/24", "10.1.1/24", "10.1.1.0/2a", "10.1.1.0/ 24",
                            "10.1.1.0/100", "10.1.1.256/24"}) {
        EXPECT_EQ(Prefix::parse(bad), std::nullopt) << "'" << bad << "'";
    }
}

TEST(Prefix, MaskNetworkContainsHostBits) {
    const Prefix p = *Prefix::parse("10.1.1.1/24");
    EXPECT_EQ(p.mask(), 0xffffff00u);
    EXPECT_EQ(p.network(), *Ipv4::parse("10.1.1.0"));
    EXPECT_TRUE(p.contains(*Ipv4::parse("10.1.1.255")));
    EXPECT_FALSE(p.contains(*Ipv4::parse("10.1.2.0")));
    EXPECT_TRUE(p.has_host_bits());
    EXPECT_FALSE(Prefix::parse("10.1.1.0/24")->has_host_bits());

    const Prefix any = *Prefix::parse("0.0.0.0/0");
    EXPECT_EQ(any.mask(), 0u);
    EXPECT_TRUE(any.contains(*Ipv4::parse("203.0.113.9")));
    EXPECT_FALSE(any.has_host_bits());

    const Prefix host = *Prefix::parse("1.1.1.1/32");
    EXPECT_EQ(host.mask(), 0xffffffffu);
    EXPECT_TRUE(host.contains(*Ipv4::parse("1.1.1.1")));
    EXPECT_FALSE(host.contains(*Ipv4::parse("1.1.1.2")));
    EXPECT_FALSE(host.has_host_bits());
}

TEST(PrefixStr, PrintsAsWritten) {
    EXPECT_EQ(Prefix::parse("10.1.1.1/24")->str(), "10.1.1.1/24");
    EXPECT_EQ(Prefix::parse("0.0.0.0/0")->str(), "0.0.0.0/0");
}

TEST(MacParse, AcceptsColonOrDashAnyCase) {
    const Mac expected{{0x02, 0x00, 0x00, 0x00, 0x00, 0x50}};
    EXPECT_EQ(Mac::parse("02:00:00:00:00:50"), expected);
    EXPECT_EQ(Mac::parse("02-00-00-00-00-50"), expected);
    EXPECT_EQ(Mac::parse("AA:bb:Cc:dD:ee:FF"), (Mac{{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}}));
}

TEST(MacParse, RejectsMalformedText) {
    for (const char* bad : {"", "02:00:00:00:00", "02:00:00:00:00:50:01", "02:00:00-00:00:50", "2:0:0:0:0:50",
                            "02:00:00:00:00:5g", "0200.0000.0050", "020000000050", "02:00:00:00:00:500",
                            "02::00:00:00:00:50", " 02:00:00:00:00:50", "02:00:00:00:00:50 "}) {
        EXPECT_EQ(Mac::parse(bad), std::nullopt) << "'" << bad << "'";
    }
}

TEST(MacStr, PrintsLowerCaseColons) {
    EXPECT_EQ(Mac::parse("AA-BB-CC-DD-EE-0F")->str(), "aa:bb:cc:dd:ee:0f");
    EXPECT_EQ(Mac{}.str(), "00:00:00:00:00:00");
}

TEST(Mac, ClassifiesMulticastZeroAndVrrpVirtual) {
    EXPECT_TRUE(Mac::parse("01:00:5e:00:00:12")->is_multicast());
    EXPECT_TRUE(Mac::parse("ff:ff:ff:ff:ff:ff")->is_multicast());
    EXPECT_FALSE(Mac::parse("02:00:00:00:00:50")->is_multicast());
    EXPECT_TRUE(Mac{}.is_zero());
    EXPECT_FALSE(Mac::parse("00:00:00:00:00:01")->is_zero());
    // RFC 5798 §7.3: 00-00-5E-00-01-{VRID}.
    EXPECT_EQ(Mac::vrrp_virtual(1).str(), "00:00:5e:00:01:01");
    EXPECT_EQ(Mac::vrrp_virtual(255).str(), "00:00:5e:00:01:ff");
}

} // namespace
} // namespace wg
