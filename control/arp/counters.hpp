// ARP counters, defined once (X-macro lists): the receive ladder of the codec
// (codec.hpp) and the neighbour service (service.hpp) increment them;
// `display statistics`, its JSON and telemetry render from these lists.
//
// Thread-safety: plain values owned by the control lcore (the only thread that
// decodes ARP or runs the neighbour service).
#pragma once

#include "common/counters.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace wg::arp {

// X(key, help). The receive ladder: every frame ends in exactly one of
// `accepted` or one drop_* counter (VPP node.c style: one counter per named
// check), and an accepted frame may in addition bump note_* counters.
// Order = order of the checks in codec.cpp.
#define WG_ARP_RX_COUNTERS(X)                                                                                \
    X(accepted, "ARP frames that passed every check")                                                        \
    X(drop_short, "shorter than Ethernet + the 28-byte IPv4 ARP body")                                       \
    X(drop_ethertype, "Ethernet type is not 0x0806 (ARP)")                                                   \
    X(drop_htype, "hardware type is not 1 = Ethernet (RFC 826)")                                             \
    X(drop_ptype, "protocol type is not 0x0800 = IPv4 (RFC 826)")                                            \
    X(drop_hlen, "hardware address length is not 6")                                                         \
    X(drop_plen, "protocol address length is not 4")                                                         \
    X(drop_op, "opcode is neither 1 = request nor 2 = reply")                                                \
    X(drop_sender_mac, "sender hardware address multicast, broadcast or zero")                               \
    X(drop_sender_ip, "sender IP multicast, limited broadcast or loopback (RFC 1812 §5.3.7)")                \
    X(note_eth_src_differs, "Ethernet source differs from the sender MAC: allowed (RFC 5798 §8.1.2)")        \
    X(note_probe, "ARP probe, sender IP 0.0.0.0: answered, never learned (RFC 5227 §2.1.1)")                 \
    X(note_gratuitous, "gratuitous ARP, sender IP = target IP (RFC 5227 §3, RFC 5944 §4.6)")

// X(key, help). The neighbour service: learning, answering, resolution,
// aging and the table writer's outcomes. See service.hpp for the rules.
#define WG_ARP_SERVICE_COUNTERS(X)                                                                           \
    X(rx_request, "accepted requests")                                                                       \
    X(rx_reply, "accepted replies")                                                                          \
    X(rx_unknown_interface, "frames from an interface the service does not know")                            \
    X(learned, "entries created from received ARP")                                                          \
    X(refreshed, "entries confirmed by a frame from their host")                                             \
    X(mac_moves, "entries whose MAC changed (learned or synced)")                                            \
    X(learn_not_for_us, "frames from unknown senders not aimed at us: nothing created (RFC 826 merge)")      \
    X(learn_unsolicited, "learning strict: frames that answer no request of ours, not learned from")         \
    X(learn_interface_full, "new entries refused: the interface holds max_per_interface entries")            \
    X(learn_rate_limited, "new entries refused: learn_per_s exceeded")                                       \
    X(learn_source_limited, "new entries refused: learn_per_source_per_s exceeded by the sender MAC")        \
    X(learn_skipped_slave, "new entries not created: Slave of a remote-backup profile (the Master decides)") \
    X(move_skipped_slave, "MAC moves not taken: Slave of a remote-backup profile (the Master decides)")      \
    X(mac_move_verify, "MAC moves put to the test: unicast request sent to the old MAC")                     \
    X(mac_move_verified, "MAC moves taken: the old MAC stayed silent for verify_ms")                         \
    X(mac_move_refused, "MAC moves refused: the old MAC answered within verify_ms")                          \
    X(mac_move_repeated, "claims for an address whose move is being verified (ignored)")                     \
    X(mac_move_contested, "verifications two new MACs claimed while the old one was silent: entry removed")  \
    X(mac_move_unverifiable, "MAC moves refused: no request budget or max_pending verifications running")    \
    X(mac_move_fixed, "MAC moves refused: mac_move fixed-mac")                                               \
    X(not_in_subnet, "senders outside the interface's subnet, or its network/broadcast address")             \
    X(address_conflict, "frames claiming our interface address or port MAC, or an active VIP")               \
    X(conflict_defended, "gratuitous ARPs sent to defend a claimed address (RFC 5227 §2.4)")                 \
    X(conflict_defend_limited, "defences not sent: the address was defended within defend_interval_ms")      \
    X(vip_sender_ignored, "frames sent from a VIP we are not Master for (the Master's GARPs)")               \
    X(static_kept, "learning or sync that would have changed a static entry")                                \
    X(replies_sent, "replies for the interface address")                                                     \
    X(vip_replies_sent, "replies for a VIP, from the virtual MAC (RFC 5798 §8.1.2)")                         \
    X(vip_backup_silent, "requests for a VIP left unanswered: not Master (RFC 5798 §6.4.2)")                 \
    X(request_not_for_us, "requests for another target (learned from, not answered)")                        \
    X(send_failed, "frames the sink could not queue")                                                        \
    X(miss_requests_sent, "broadcast requests sent to resolve an arp_miss")                                  \
    X(miss_coalesced, "misses for a target already being resolved")                                          \
    X(miss_resolved_already, "misses for a target already in the table")                                     \
    X(miss_not_in_subnet, "misses for a target no interface subnet holds")                                   \
    X(miss_failed_hold, "misses dropped while the target is marked failed")                                  \
    X(miss_pending_full, "misses dropped: too many resolutions in progress")                                 \
    X(resolve_ok, "resolutions answered")                                                                    \
    X(resolve_failed, "resolutions abandoned after max_retries requests")                                    \
    X(probes_sent, "unicast refresh probes sent before expiry")                                              \
    X(aged_out, "entries removed: probes unanswered")                                                        \
    X(link_down_flushed, "learned entries removed because their interface's link went down")                 \
    X(rate_limited, "sends postponed by the global request cap (requests_per_s)")                            \
    X(synced_installed, "entries installed or updated from the remote-backup peer")                          \
    X(synced_removed, "synced entries removed by the peer")                                                  \
    X(synced_kept_local, "sync deletes or installs ignored: the entry is known first-hand")                  \
    X(table_full, "adds refused by the fast-path table: at capacity")                                        \
    X(table_busy, "writes refused as busy (slots waiting for readers): retried on tick")                     \
    X(table_invalid, "writes refused by the fast-path table as invalid")                                     \
    X(busy_retried, "busy writes that succeeded on a later tick")                                            \
    X(busy_dropped, "busy writes given up: retry queue full (entry removed)")                                \
    X(changes_published, "add/update/delete changes published to the listener")                              \
    X(tick_work, "timer and queue items handled by tick(): O(work due), not O(table)")

#define WG_ARP_ENUM_X(key, help) key,
#define WG_ARP_INFO_X(key, help) {#key, help},

enum class RxCounter : unsigned { WG_ARP_RX_COUNTERS(WG_ARP_ENUM_X) count_ };
enum class Counter : unsigned { WG_ARP_SERVICE_COUNTERS(WG_ARP_ENUM_X) count_ };

inline constexpr unsigned kRxCounterCount = unsigned(RxCounter::count_);
inline constexpr unsigned kCounterCount = unsigned(Counter::count_);

using ::wg::CounterInfo;

inline constexpr std::array<CounterInfo, kRxCounterCount> kRxCounterInfo{{WG_ARP_RX_COUNTERS(WG_ARP_INFO_X)}};
inline constexpr std::array<CounterInfo, kCounterCount> kCounterInfo{
    {WG_ARP_SERVICE_COUNTERS(WG_ARP_INFO_X)}};

#undef WG_ARP_ENUM_X
#undef WG_ARP_INFO_X

constexpr std::string_view counter_name(RxCounter c) {
    return kRxCounterInfo[unsigned(c)].key;
}
constexpr std::string_view counter_name(Counter c) {
    return kCounterInfo[unsigned(c)].key;
}

// True for the drop_* members: the frame was discarded.
constexpr bool is_drop(RxCounter c) {
    return counter_name(c).starts_with("drop_");
}

using ::wg::CounterBlock;

using RxStats = CounterBlock<RxCounter, kRxCounterCount>;
using Stats = CounterBlock<Counter, kCounterCount>;

} // namespace wg::arp
