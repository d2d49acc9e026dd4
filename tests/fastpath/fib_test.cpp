// Fib: longest-prefix lookups over connected subnets and configured routes
// (no host routes: fastpath/fib.hpp), and a table sized by its rules.
#include "fastpath/fib.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace wg::fastpath {
namespace {

constexpr uint32_t ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
}

class FibTest : public ::testing::Test {
  protected:
    void SetUp() override {
        static unsigned seq = 0;
        std::string err;
        fib_ = Fib::create("t_fib" + std::to_string(seq++), 1u << 12, nullptr, err);
        ASSERT_TRUE(fib_) << err;
        on_link_.ifindex = 0;
        on_link_.port_id = 0;
        via_gw_.gateway = ip4(10, 1, 1, 254);
        via_gw_.ifindex = 0;
        via_gw_.port_id = 0;
    }

    void add(uint32_t prefix, uint8_t depth, const Nexthop& nh) {
        std::string err;
        ASSERT_TRUE(fib_->add(prefix, depth, nh, err)) << err;
    }

    // What a worker gets for `ip`: the gateway of its next hop (0: on-link),
    // or -1 without a route.
    int64_t gateway_of(uint32_t ip) const {
        uint32_t hop = 0;
        fib_->lookup_bulk(&ip, &hop, 1);
        return hop == Fib::kNoRoute ? -1 : int64_t(fib_->nexthop(hop).gateway);
    }

    std::unique_ptr<Fib> fib_;
    Nexthop on_link_, via_gw_;
};

// A configured route inside a connected subnet wins for its addresses; the
// rest of the subnet stays on-link; removing the route gives them back.
TEST_F(FibTest, RouteInsideAConnectedSubnetTakesItsAddresses) {
    add(ip4(10, 1, 1, 0), 24, on_link_);
    add(ip4(10, 1, 1, 64), 26, via_gw_);
    EXPECT_EQ(gateway_of(ip4(10, 1, 1, 70)), int64_t(via_gw_.gateway));
    EXPECT_EQ(gateway_of(ip4(10, 1, 1, 10)), 0);
    EXPECT_EQ(fib_->routes(), 2u);
    EXPECT_TRUE(fib_->remove(ip4(10, 1, 1, 64), 26));
    EXPECT_FALSE(fib_->remove(ip4(10, 1, 1, 64), 26));
    EXPECT_EQ(gateway_of(ip4(10, 1, 1, 70)), 0);
    EXPECT_EQ(fib_->routes(), 1u);
}

// A configured /32 is one rule like any other: added once, replaced in
// place, removed once; the default route lives beside the LPM.
TEST_F(FibTest, HostRouteAndDefaultRoute) {
    add(ip4(10, 1, 1, 0), 24, on_link_);
    add(ip4(10, 1, 1, 9), 32, via_gw_);
    add(ip4(10, 1, 1, 9), 32, via_gw_); // again: the same rule
    EXPECT_EQ(fib_->routes(), 2u);
    EXPECT_EQ(gateway_of(ip4(10, 1, 1, 9)), int64_t(via_gw_.gateway));
    EXPECT_EQ(gateway_of(ip4(10, 1, 2, 9)), -1);
    add(0, 0, via_gw_);
    EXPECT_EQ(gateway_of(ip4(10, 1, 2, 9)), int64_t(via_gw_.gateway));
    EXPECT_EQ(fib_->routes(), 3u);
    EXPECT_TRUE(fib_->remove(ip4(10, 1, 1, 9), 32));
    EXPECT_EQ(gateway_of(ip4(10, 1, 1, 9)), 0);
    EXPECT_TRUE(fib_->remove(0, 0));
    EXPECT_EQ(fib_->routes(), 1u);
}

// tbl8 groups are sized like the rules (fib.cpp): a table of N rules takes
// N rules longer than /24, each in its own /24, the worst case.
TEST(FibSizing, AsManyLongRulesAsRulesFit) {
    constexpr uint32_t kRules = 2048;
    std::string err;
    auto fib = Fib::create("t_fib_size", kRules, nullptr, err);
    ASSERT_TRUE(fib) << err;
    Nexthop nh;
    for (uint32_t i = 0; i < kRules; ++i)
        ASSERT_TRUE(fib->add(ip4(10, 0, 0, 1) + (i << 8), 32, nh, err)) << i << ": " << err;
    EXPECT_EQ(fib->routes(), kRules);
    EXPECT_FALSE(fib->add(ip4(11, 0, 0, 1), 32, nh, err)); // max_rules reached
}

} // namespace
} // namespace wg::fastpath
