// The remote-backup profile's counters (sync/profile.hpp), apart so that
// both sides of the profile (sync/receiver.hpp, the profile itself) count
// into one block.
//
// Thread-safety: plain values; control lcore only (the profile's).
#pragma once

#include "common/counters.hpp"

#include <chrono>

namespace wg::sync {

using Time = std::chrono::steady_clock::time_point;

// X(key, help): the profile's counters, defined once; shown
// by `display remote-backup-profile` under "Counters".
#define WG_SYNC_PROFILE_COUNTERS(X)                                                                          \
    X(snapshots_sent, "full snapshots (batch backups) sent")                                                 \
    X(snapshots_received, "full snapshots received and applied")                                             \
    X(entries_sent, "entries sent in snapshots and deltas")                                                  \
    X(entries_installed, "entries installed with install_synced")                                            \
    X(entries_removed, "synced entries removed (peer delete or stale after a snapshot)")                     \
    X(install_refused, "installs the ARP service refused (static, own address, subnet, full)")               \
    X(unknown_interface, "entries on an interface the other side does not name or have")                     \
    X(batches_sent, "delta batches sent")                                                                    \
    X(batches_received, "delta batches received")                                                            \
    X(acks, "acks sent (Slave) or received (Master)")                                                        \
    X(digest_checks, "digest checks sent (Master) or compared (Slave)")                                      \
    X(digest_mismatches, "digest comparisons that differed (repaired by a snapshot)")                        \
    X(resyncs_requested, "resync requests sent (Slave) or received (Master)")                                \
    X(gaps, "delta batches that did not follow the last applied seq")                                        \
    X(split_brain_frames, "data frames received while Master (both sides Master)")                           \
    X(protocol_errors, "undecodable or unexpected frames")                                                   \
    X(resumes, "sessions resumed from the change log instead of a snapshot")                                 \
    X(backpressure_pauses, "sends paused above the channel's high-water mark")                               \
    X(changes_missed, "ARP change seqs never seen by on_change (forces a snapshot)")

enum class ProfileCounter : unsigned { WG_SYNC_PROFILE_COUNTERS(WG_COUNTER_ENUM) count_ };
inline constexpr CounterInfo kProfileCounterInfo[] = {WG_SYNC_PROFILE_COUNTERS(WG_COUNTER_INFO)};
using ProfileStats = CounterBlock<ProfileCounter, unsigned(ProfileCounter::count_)>;

} // namespace wg::sync
