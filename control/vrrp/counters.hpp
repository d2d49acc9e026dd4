// VRRP counters, defined once (X-macro lists): the receive ladder of the codec
// (codec.hpp) and the per-group state machine (state_machine.hpp) increment
// them; `display vrrp`, its JSON and telemetry render from these lists.
//
// Thread-safety: plain values owned by the control lcore (the only thread that
// decodes VRRP or runs a group's machine).
#pragma once

#include "common/counters.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace wg::vrrp {

// X(key, help). The receive ladder: every advertisement ends in exactly one of
// `accepted` or one drop_* counter (VPP vrrp node.c style: one counter per named
// check), and may in addition bump the note_* counters (accepted anyway).
// Order = order of the checks (RFC 5798 §7.1, RFC 3768 §7.1); see codec.cpp.
#define WG_VRRP_RX_COUNTERS(X)                                                                               \
    X(accepted, "advertisements that passed every check")                                                    \
    X(drop_ip_header, "IPv4 header malformed (version, IHL, total length)")                                  \
    X(drop_ip_protocol, "IP protocol is not 112")                                                            \
    X(drop_ttl, "IP TTL is not 255 (RFC 5798 §5.1.1.3, §7.1; RFC 3768 §5.2.3)")                              \
    X(drop_destination, "IP destination is not 224.0.0.18 (RFC 5798 §5.1.1.2)")                              \
    X(drop_too_short, "shorter than the fixed header or than its address count needs (§7.1)")                \
    X(drop_version, "VRRP version is neither 2 nor 3 (§7.1)")                                                \
    X(drop_type, "VRRP type is not 1 = ADVERTISEMENT (RFC 5798 §5.2.2)")                                     \
    X(drop_length, "longer than its address count and authentication data imply")                            \
    X(drop_checksum, "VRRP checksum mismatch (v3: with the IPv4 pseudo-header, RFC 5798 §5.2.8)")            \
    X(drop_unknown_vrid, "VRID not configured on the receiving interface (§7.1)")                            \
    X(drop_version_mismatch, "VRRP version differs from the group's configured version")                     \
    X(drop_not_peer, "IP source is not in the group's `peers` list (docs/vrrp-auth.md, replay)")             \
    X(drop_auth_type, "Auth Type differs from the configured method (RFC 3768 §7.1, RFC 2338 §5.3.6)")       \
    X(drop_auth_failure, "authentication data wrong: simple text or MD5 digest (docs/vrrp-auth.md)")         \
    X(drop_interval, "v2 Adver Int differs from ours (RFC 3768 §7.1 MUST discard)")                          \
    X(drop_interval_zero, "v3 Max Adver Int is 0 (RFC 9568 §7.1, RFC 5798 erratum 8301)")                    \
    X(drop_address_list, "address list differs and strict checking is on (RFC 3768/5798 §7.1)")              \
    X(note_address_list, "accepted although count or list of addresses differs (RFC 9568 §7.1)")             \
    X(note_interval, "v3 accepted with another interval: a Backup learns it (RFC 5798 §6.4.2)")              \
    X(note_owner_conflict, "accepted although we own the address (RFC 5798 erratum 8298)")                   \
    X(note_priority_zero, "priority 0: the Master is releasing (RFC 5798 §6.4.2)")

// X(key, help). Per group, maintained by the state machine.
#define WG_VRRP_GROUP_COUNTERS(X)                                                                            \
    X(became_master, "transitions to Master")                                                                \
    X(became_backup, "transitions to Backup")                                                                \
    X(became_fault, "transitions to Fault (interface down)")                                                 \
    X(adverts_requested, "advertisements the machine asked to send")                                         \
    X(priority_zero_sent, "priority-0 advertisements sent on shutdown (RFC 5798 §6.4.3)")                    \
    X(priority_zero_received, "priority-0 advertisements heard (RFC 5798 §6.4.2/§6.4.3)")                    \
    X(lower_priority_discarded, "Backup discarded a lower-priority advert to preempt (§6.4.2)")              \
    X(preempt_delayed, "preemptions that waited for the preempt delay (seed: preempt-mode timer)")           \
    X(preempt_held, "preemptions deferred by the remote-backup hold (sync-protocol.md §5: hold)")            \
    X(preempt_cancelled, "preempt waits cancelled by a Master at least as good")                             \
    X(split_brain, "Master heard a losing advert from another Master")                                       \
    X(stale_advert_answered, "losing adverts a Master answered with one advert (one per interval)")          \
    X(stale_advert_suppressed, "losing adverts left unanswered: an answer went out this interval")           \
    X(owner_conflict, "address owner heard another router's advert (RFC 5798 erratum 8298)")                 \
    X(own_advert_ignored, "adverts carrying our own primary address (multicast loopback)")                   \
    X(advert_ignored, "adverts heard in Initialize/Fault or by a follower group")                            \
    X(stale_timer, "timer expiries for a timer no longer armed or not yet due")

// X(key, help). The service as a whole (service.hpp), beside its groups.
#define WG_VRRP_SERVICE_COUNTERS(X)                                                                          \
    X(reentrant_hold, "preempt holds set while a group was being fed: deferred to the loop (stays 0)")

#define WG_VRRP_ENUM_X(key, help) key,
#define WG_VRRP_INFO_X(key, help) {#key, help},

enum class RxCounter : unsigned { WG_VRRP_RX_COUNTERS(WG_VRRP_ENUM_X) count_ };
enum class GroupCounter : unsigned { WG_VRRP_GROUP_COUNTERS(WG_VRRP_ENUM_X) count_ };
enum class ServiceCounter : unsigned { WG_VRRP_SERVICE_COUNTERS(WG_VRRP_ENUM_X) count_ };

inline constexpr unsigned kRxCounterCount = unsigned(RxCounter::count_);
inline constexpr unsigned kGroupCounterCount = unsigned(GroupCounter::count_);
inline constexpr unsigned kServiceCounterCount = unsigned(ServiceCounter::count_);

using ::wg::CounterInfo;

inline constexpr std::array<CounterInfo, kRxCounterCount> kRxCounterInfo{
    {WG_VRRP_RX_COUNTERS(WG_VRRP_INFO_X)}};
inline constexpr std::array<CounterInfo, kGroupCounterCount> kGroupCounterInfo{
    {WG_VRRP_GROUP_COUNTERS(WG_VRRP_INFO_X)}};
inline constexpr std::array<CounterInfo, kServiceCounterCount> kServiceCounterInfo{
    {WG_VRRP_SERVICE_COUNTERS(WG_VRRP_INFO_X)}};

#undef WG_VRRP_ENUM_X
#undef WG_VRRP_INFO_X

constexpr std::string_view counter_name(RxCounter c) {
    return kRxCounterInfo[unsigned(c)].key;
}
constexpr std::string_view counter_name(GroupCounter c) {
    return kGroupCounterInfo[unsigned(c)].key;
}
constexpr std::string_view counter_name(ServiceCounter c) {
    return kServiceCounterInfo[unsigned(c)].key;
}

// True for the drop_* members: the advertisement was discarded.
constexpr bool is_drop(RxCounter c) {
    return counter_name(c).starts_with("drop_");
}

using ::wg::CounterBlock;

// One per receiving interface (or one for the whole control core).
using RxStats = CounterBlock<RxCounter, kRxCounterCount>;
// One per group, owned by its Machine.
using GroupStats = CounterBlock<GroupCounter, kGroupCounterCount>;
// One per vrrp::Service.
using ServiceStats = CounterBlock<ServiceCounter, kServiceCounterCount>;

} // namespace wg::vrrp
