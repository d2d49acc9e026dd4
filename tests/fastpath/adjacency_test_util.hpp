// Shared by the adjacency tests (adjacency*_test.cpp, one binary): helpers
// and the fixture. EAL is up (eal_main.cpp) before any of this runs.
#pragma once

#include "fastpath/adjacency.hpp"

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

namespace wg::fastpath::adjtest {

using Result = AdjacencyTable::Result;

inline constexpr uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d;
}
inline Mac mac(uint8_t last, uint8_t first = 0x02) { return Mac{{first, 0, 0, 0, 0, last}}; }

struct KeyHash {
    size_t operator()(const AdjKey& k) const {
        return std::hash<uint64_t>()(uint64_t(k.ifindex) << 32 | k.ip);
    }
};

// A QSBR variable with room for `readers` reader ids; the tests act as
// those readers by hand, which makes grace periods deterministic.
class Rcu {
  public:
    explicit Rcu(uint32_t readers) {
        v_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("test_qsbr", rte_rcu_qsbr_get_memsize(readers), 64));
        if (v_ != nullptr) rte_rcu_qsbr_init(v_, readers);
    }
    ~Rcu() { rte_free(v_); }
    rte_rcu_qsbr* get() const { return v_; }

  private:
    rte_rcu_qsbr* v_ = nullptr;
};

// rte objects are named: one sequence for the whole binary.
inline std::string unique_name() {
    static unsigned n = 0;
    return "t" + std::to_string(n++);
}

inline std::unique_ptr<AdjacencyTable> make_table(rte_rcu_qsbr* v, uint32_t capacity) {
    std::string error;
    auto t = AdjacencyTable::create({unique_name(), capacity, v}, error);
    EXPECT_NE(t, nullptr) << error;
    return t;
}

inline uint64_t digest_of(const AdjacencyTable& t) {
    uint64_t sum = 0;
    t.for_each([&](const AdjInfo& i) {
        sum += AdjacencyTable::entry_digest(i.entry.ifindex, i.entry.ip, i.entry.mac);
    });
    return sum;
}

class AdjacencyTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_NE(rcu_.get(), nullptr);
        table_ = make_table(rcu_.get(), 1024);
        ASSERT_NE(table_, nullptr);
    }
    Rcu rcu_{2};
    std::unique_ptr<AdjacencyTable> table_;
};

} // namespace wg::fastpath::adjtest
