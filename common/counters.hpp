// The one shape of a counter list (every counter is defined once:
// docs/architecture.md "Packet paths"). A module writes an X-macro list
// X(key, help), expands it once into an enum (WG_COUNTER_ENUM) and once into
// descriptors (WG_COUNTER_INFO);
// the CLI, JSON and telemetry all render from the descriptors.
//
// Thread-safety: plain values; a CounterBlock belongs to one thread.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace wg {

struct CounterInfo {
    std::string_view key;  // snake_case: JSON key, telemetry key, label source
    std::string_view help; // one line for `help` and docs
};

#define WG_COUNTER_ENUM(key, help) key,
#define WG_COUNTER_INFO(key, help) ::wg::CounterInfo{#key, help},

template <typename E, unsigned N>
struct CounterBlock {
    std::array<uint64_t, N> v{};
    void add(E c, uint64_t n = 1) { v[unsigned(c)] += n; }
    uint64_t get(E c) const { return v[unsigned(c)]; }
};

} // namespace wg
