// The remote-backup wire format (docs/sync-protocol.md §2-3): the messages
// the two RBPs exchange inside the RBS's TLS stream. Pure functions over
// byte spans: no sockets, no clock, no allocation beyond
// the caller's vectors. Every decode failure has a named reason (counted by
// the RBS) and never reads past the span.
//
// Frame = fixed 20-byte header + body, all integers big-endian:
//
//   0  u32 length     bytes after this field (16 + body), <= kMaxFrame - 4
//   4  u8  version    kVersion
//   5  u8  type       Type
//   6  u16 reserved   0 (receivers ignore it)
//   8  u32 backup_id  the RBP's backup-id (seed: 10); 0 = the RBS itself
//  12  u64 seq        meaning per type (below)
//
// An entry is 14 bytes: u8 op (bits 0-1 Op, bits 2-3 origin), u8 iface (the
// sender's interface index, named in its hello), u32 ip, 6 bytes MAC, u16
// age in seconds (saturating). A batch of N entries costs 20 + 12 + 14 N bytes.
//
// Thread-safety: stateless; any thread.
#pragma once

#include "config/net.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace wg::sync::wire {

inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kHeaderSize = 20;
inline constexpr size_t kEntrySize = 14;
// Largest frame (header included). Bounds what a peer can make us buffer.
inline constexpr size_t kMaxFrame = 1u << 20;
// Entries per batch message that still fit in kMaxFrame.
inline constexpr size_t kMaxEntriesPerFrame = (kMaxFrame - kHeaderSize - 16) / kEntrySize;

enum class Type : uint8_t {
    hello = 1,          // seq: the sender's current change seq
    snapshot_begin = 2, // seq: the change seq the snapshot is consistent with
    snapshot_entries = 3,
    snapshot_end = 4,
    delta = 5,          // seq: last change seq the batch covers
    ack = 6,            // seq: cumulative, everything up to seq is applied
    digest_check = 7,   // seq: the digest below is the table's after applying up to seq
    resync_request = 8, // seq: what the requester holds (0 = nothing)
    heartbeat = 9,      // backup_id 0: the RBS's liveness; seq: sender's frame count (debug)
    error = 10,         // the sender is about to close; text says why
};
const char* to_string(Type t);

enum class Op : uint8_t { add = 0, update = 1, remove = 2 };
enum class Role : uint8_t { unknown = 0, master = 1, slave = 2 };
const char* to_string(Role r);

// Capability bits of the hello (service types, seed `service-type arp`).
inline constexpr uint32_t kCapArp = 1u << 0;

struct Entry {
    Op op = Op::add;
    uint8_t origin = 0; // arp::Origin value (learned 0, synced 1; static is never sent)
    uint8_t iface = 0;  // sender's ifindex
    Ipv4 ip;
    Mac mac;
    uint16_t age_s = 0; // remaining lifetime, seconds, saturating at 65535
    bool operator==(const Entry&) const = default;
};

struct InterfaceName {
    uint8_t iface = 0;
    std::string name; // <= 64 bytes
    bool operator==(const InterfaceName&) const = default;
};

// First message of each RBP on a new connection (both directions).
struct Hello {
    Role role = Role::unknown;
    uint32_t capabilities = kCapArp;
    uint8_t max_version = kVersion;
    uint64_t epoch = 0;      // random per process start: identifies the sender's change log
    uint64_t held_epoch = 0; // epoch of the peer data the sender holds (0: none)
    uint64_t held_seq = 0;   // last seq of that data applied (resume point)
    uint64_t digest = 0;     // digest of the sender's replicated table
    uint32_t entries = 0;    // its size
    std::string node;        // sysname, for display (<= 64 bytes)
    std::vector<InterfaceName> interfaces;
    bool operator==(const Hello&) const = default;
};
struct SnapshotBegin {
    uint64_t epoch = 0;
    uint32_t entries = 0; // how many snapshot_entries will follow in total
    bool operator==(const SnapshotBegin&) const = default;
};
// snapshot_entries and delta share this body: u64 first_seq, u32 count, entries.
struct Batch {
    uint64_t first_seq = 0; // delta: first change seq covered; snapshot: 0
    std::vector<Entry> entries;
    bool operator==(const Batch&) const = default;
};
struct SnapshotEnd {
    uint64_t digest = 0;
    uint32_t entries = 0;
    bool operator==(const SnapshotEnd&) const = default;
};
struct Ack {
    uint64_t digest = 0; // the receiver's table digest at that seq
    uint32_t entries = 0;
    bool operator==(const Ack&) const = default;
};
struct DigestCheck {
    uint64_t digest = 0;
    uint32_t entries = 0;
    bool operator==(const DigestCheck&) const = default;
};
enum class ResyncReason : uint8_t { requested = 0, digest_mismatch = 1, gap = 2, operator_request = 3 };
struct ResyncRequest {
    ResyncReason reason = ResyncReason::requested;
    bool operator==(const ResyncRequest&) const = default;
};
struct Heartbeat {
    bool operator==(const Heartbeat&) const = default;
};
enum class ErrorCode : uint8_t {
    unsupported_version = 1,
    backup_id_mismatch = 2,
    protocol = 3, // malformed or unexpected message
    shutdown = 4,
};
struct Error {
    ErrorCode code = ErrorCode::protocol;
    std::string text; // <= 256 bytes
    bool operator==(const Error&) const = default;
};

// Batch is the body of both snapshot_entries and delta: Message::type tells which.
using Body = std::variant<Hello, SnapshotBegin, Batch, SnapshotEnd, Ack, DigestCheck, ResyncRequest, Heartbeat, Error>;

struct Message {
    Type type = Type::heartbeat; // must match the body (Batch: snapshot_entries or delta)
    uint32_t backup_id = 0;
    uint64_t seq = 0;
    Body body;
};

// Decode outcomes; each is a counter of the RBS (key = name).
#define WG_SYNC_WIRE_ERRORS(X)                                                     \
    X(truncated, "frame shorter than its header or its length field")              \
    X(too_long, "length field above the maximum frame size")                       \
    X(bad_version, "version this build does not speak")                            \
    X(bad_type, "unknown message type")                                            \
    X(bad_length, "body size does not match the message type or its counts")       \
    X(bad_entry, "unknown entry op/origin, role, resync reason or error code")     \
    X(bad_string, "string longer than its limit")

enum class DecodeError : uint8_t {
    ok = 0,
#define WG_X(key, help) key,
    WG_SYNC_WIRE_ERRORS(WG_X)
#undef WG_X
};
const char* to_string(DecodeError e);

// How much of `buf` the first frame takes: 0 when more bytes are needed to
// know (fewer than 4) or to have it whole; the frame size otherwise. Sets
// `err` (too_long; truncated when below the header's 16) and returns 0 when
// the length field is out of range; the stream is then unusable. Reads only
// the length field: version and type are decode()'s job.
size_t frame_size(std::span<const uint8_t> buf, DecodeError& err);

// Decodes exactly one whole frame (as delimited by frame_size). On error,
// `out` is unspecified. Reuses out's vectors' capacity.
DecodeError decode(std::span<const uint8_t> frame, Message& out);
// Header only (for routing by backup_id before decoding the body).
DecodeError decode_header(std::span<const uint8_t> frame, Type& type, uint32_t& backup_id, uint64_t& seq);

// Appends the encoded frame to `out`. Precondition (asserted in debug): the
// type matches the body, batches hold <= kMaxEntriesPerFrame entries, strings
// within their limits.
void encode(const Message& m, std::vector<uint8_t>& out);

// Streaming writer for big batches (snapshot of 1M entries) without building
// Entry vectors: begin(), add() up to kMaxEntriesPerFrame times, finish().
class BatchWriter {
  public:
    // Starts a frame of `type` (snapshot_entries or delta) at the end of `out`.
    BatchWriter(std::vector<uint8_t>& out, Type type, uint32_t backup_id, uint64_t seq, uint64_t first_seq);
    void add(const Entry& e);
    uint32_t count() const { return count_; }
    // Patches length and count. Call exactly once; an empty batch is valid.
    void finish(uint64_t seq);

  private:
    std::vector<uint8_t>& out_;
    size_t start_;
    uint32_t count_ = 0;
};

} // namespace wg::sync::wire
