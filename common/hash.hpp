// Small hash building blocks shared by the tables that keep digests
// (fastpath/adjacency, sync/table): one definition, so both mix the same way.
//
// Thread-safety: pure functions; any thread.
#pragma once

#include <cstdint>

namespace wg {

// splitmix64's finaliser (Stafford's "Mix13"): a bijection on 64 bits whose
// every output bit depends on every input bit.
constexpr uint64_t splitmix_finalize(uint64_t x) noexcept {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

} // namespace wg
