// Neighbour (ARP entry) types shared by the fast-path adjacency table
// (fastpath/adjacency.hpp) and the ARP service that writes it
// (control/arp/service.hpp): one definition, so the appliance's adapter
// between the two (control/arp/fastpath_store.cpp) passes values through unchanged.
// No DPDK here: the control/ libraries and their tests include it.
//
// Thread-safety: types and pure functions only; any thread.
#pragma once

#include <cstdint>

namespace wg::neighbour {

// Who put an entry there. The tables store it; policy (e.g. whether a
// learned entry may replace a static one) belongs to the ARP service.
enum class Origin : uint8_t {
    learned = 0,      // ARP learned by this device
    synced = 1,       // replicated from the Master (docs/sync-protocol.md)
    static_entry = 2, // arp_static in the config
};

// What an upsert into the fast-path table did.
enum class UpsertResult : uint8_t {
    added,     // new key
    updated,   // existing key, new MAC/port/origin published
    unchanged, // existing key, same MAC/port/origin: only its update time refreshed
    full,      // new key but the table is at capacity: nothing changed
    invalid,   // ip 0/multicast/broadcast, MAC zero/multicast/broadcast, or a bad key
    busy,      // every spare slot waits for readers to quiesce: retry after a reclaim
};

constexpr const char* to_string(Origin origin) noexcept {
    switch (origin) {
    case Origin::learned: return "learned";
    case Origin::synced: return "synced";
    case Origin::static_entry: return "static";
    }
    return "unknown";
}

constexpr const char* to_string(UpsertResult result) noexcept {
    switch (result) {
    case UpsertResult::added: return "added";
    case UpsertResult::updated: return "updated";
    case UpsertResult::unchanged: return "unchanged";
    case UpsertResult::full: return "full";
    case UpsertResult::invalid: return "invalid";
    case UpsertResult::busy: return "busy";
    }
    return "unknown";
}

} // namespace wg::neighbour
