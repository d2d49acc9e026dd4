#include "common/log_limit.hpp"

#include <gtest/gtest.h>

namespace {

constexpr uint64_t kSec = 1'000'000'000ull;

TEST(LogLimiter, OneLinePerReasonPerIntervalAndCountsTheRest) {
    wg::LogLimiter lim(kSec, 1);
    uint64_t supp = 99;
    EXPECT_TRUE(lim.allow("a", 0, supp));
    EXPECT_EQ(supp, 0u);
    for (int i = 0; i < 1000; ++i) EXPECT_FALSE(lim.allow("a", 10 + i, supp));
    EXPECT_TRUE(lim.allow("b", 20, supp)); // another reason has its own budget
    EXPECT_EQ(supp, 0u);
    EXPECT_FALSE(lim.allow("a", kSec - 1, supp));
    EXPECT_TRUE(lim.allow("a", kSec, supp));
    EXPECT_EQ(supp, 1001u);
    EXPECT_EQ(lim.suppressed_total(), 1001u);
}

TEST(LogLimiter, BurstAllowsSeveralLines) {
    wg::LogLimiter lim(kSec, 3);
    uint64_t supp = 0;
    EXPECT_TRUE(lim.allow("x", 5, supp));
    EXPECT_TRUE(lim.allow("x", 6, supp));
    EXPECT_TRUE(lim.allow("x", 7, supp));
    EXPECT_FALSE(lim.allow("x", 8, supp));
}

TEST(LogLimiter, ReasonsBeyondTheCapShareOneSlot) {
    wg::LogLimiter lim(kSec, 1, 2);
    uint64_t supp = 0;
    EXPECT_TRUE(lim.allow("r1", 0, supp));
    EXPECT_TRUE(lim.allow("r2", 0, supp));
    EXPECT_TRUE(lim.allow("r3", 0, supp));  // first of the shared slot
    EXPECT_FALSE(lim.allow("r4", 0, supp)); // shares r3's budget
}

} // namespace
