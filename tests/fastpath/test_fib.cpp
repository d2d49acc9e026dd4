// Fib: /32 host routes beside the LPM when the LPM already resolves them to
// the same next hop (fastpath/fib.hpp "Covered host routes"), and lookups
// that stay those of a FIB holding every route as shorter routes come and go.
#include "fastpath/fib.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
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
        fib_ = Fib::create("t_fib" + std::to_string(seq++), 1u << 19, nullptr, err);
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

// The connected subnet covers its neighbours: their host routes count, are
// removed again, and none of them is a rule of the LPM.
TEST_F(FibTest, HostRoutesOnAConnectedSubnetStayBesideTheLpm) {
    add(ip4(10, 0, 0, 0), 14, on_link_);
    for (uint32_t i = 0; i < 1000; ++i)
        add(ip4(10, 1, 1, 101) + i, 32, on_link_);
    EXPECT_EQ(fib_->routes(), 1001u);
    EXPECT_EQ(fib_->covered_host_routes(), 1000u);
    EXPECT_EQ(gateway_of(ip4(10, 1, 1, 101)), 0);
    add(ip4(10, 1, 1, 101), 32, on_link_); // again: no new route
    EXPECT_EQ(fib_->routes(), 1001u);
    EXPECT_TRUE(fib_->remove(ip4(10, 1, 1, 101), 32));
    EXPECT_FALSE(fib_->remove(ip4(10, 1, 1, 101), 32));
    EXPECT_EQ(fib_->routes(), 1000u);
    EXPECT_EQ(fib_->covered_host_routes(), 999u);
    EXPECT_EQ(gateway_of(ip4(10, 1, 1, 101)), 0); // the connected route still resolves it
}

// A neighbour under a more specific route through a gateway needs its host
// route in the LPM, or its traffic would go to the gateway.
TEST_F(FibTest, HostRouteUnderAMoreSpecificRouteGoesIntoTheLpm) {
    add(ip4(10, 0, 0, 0), 14, on_link_);
    add(ip4(10, 1, 5, 0), 24, via_gw_);
    add(ip4(10, 1, 5, 7), 32, on_link_);
    add(ip4(10, 1, 6, 7), 32, on_link_);
    EXPECT_EQ(fib_->covered_host_routes(), 1u); // 10.1.6.7 only
    EXPECT_EQ(gateway_of(ip4(10, 1, 5, 7)), 0);
    EXPECT_EQ(gateway_of(ip4(10, 1, 5, 8)), int64_t(via_gw_.gateway));
    EXPECT_EQ(gateway_of(ip4(10, 1, 6, 7)), 0);
    EXPECT_EQ(fib_->routes(), 4u);
    EXPECT_TRUE(fib_->remove(ip4(10, 1, 5, 7), 32));
    EXPECT_EQ(gateway_of(ip4(10, 1, 5, 7)), int64_t(via_gw_.gateway));
    EXPECT_EQ(fib_->routes(), 3u);
}

// Shorter routes that change after the host routes: a covered host route
// the change would redirect moves into the LPM, and lookups stay exact.
TEST_F(FibTest, RouteChangesMoveCoveredHostRoutesIntoTheLpm) {
    add(ip4(10, 0, 0, 0), 14, on_link_);
    add(ip4(10, 2, 0, 9), 32, on_link_);
    add(ip4(10, 2, 1, 9), 32, on_link_);
    EXPECT_EQ(fib_->covered_host_routes(), 2u);
    add(ip4(10, 2, 0, 0), 24, via_gw_); // redirects 10.2.0.x, not 10.2.1.9
    EXPECT_EQ(fib_->covered_host_routes(), 1u);
    EXPECT_EQ(gateway_of(ip4(10, 2, 0, 9)), 0);
    EXPECT_EQ(gateway_of(ip4(10, 2, 0, 10)), int64_t(via_gw_.gateway));
    EXPECT_TRUE(fib_->remove(ip4(10, 0, 0, 0), 14)); // the connected route goes: 10.2.1.9 keeps its own
    EXPECT_EQ(fib_->covered_host_routes(), 0u);
    EXPECT_EQ(gateway_of(ip4(10, 2, 1, 9)), 0);
    EXPECT_EQ(gateway_of(ip4(10, 2, 1, 10)), -1);
    EXPECT_EQ(fib_->routes(), 3u); // the /24 and the two host routes
    EXPECT_TRUE(fib_->remove(ip4(10, 2, 1, 9), 32));
    EXPECT_EQ(gateway_of(ip4(10, 2, 1, 9)), -1);
    EXPECT_EQ(fib_->routes(), 2u);
}

// A batch backup of 100k entries installs 100k host routes in one go on
// the control lcore: each add must not scan the others (in the LPM they
// did: ~5 s for 100k on a 2-core VM, docs/lab.md).
TEST_F(FibTest, HundredThousandHostRoutesAddInLinearTime) {
    add(ip4(10, 0, 0, 0), 14, on_link_);
    const auto t0 = std::chrono::steady_clock::now();
    for (uint32_t i = 0; i < 100000; ++i)
        add(ip4(10, 1, 1, 101) + i, 32, on_link_);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[fib] 100000 host routes added in %.3f s\n", s);
    EXPECT_EQ(fib_->covered_host_routes(), 100000u);
    EXPECT_LT(s, 1.0) << "host route adds are not constant-time";
    for (uint32_t i = 0; i < 100000; ++i)
        ASSERT_TRUE(fib_->remove(ip4(10, 1, 1, 101) + i, 32));
    EXPECT_EQ(fib_->routes(), 1u);
}

} // namespace
} // namespace wg::fastpath
