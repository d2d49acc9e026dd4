// The remote-backup wire codec (sync/wire.hpp; byte layouts in
// docs/sync-protocol.md). Decoding is a ladder of named checks, each with its
// DecodeError (the RBS counts them): header size and length field, version,
// type, then the body's exact size, string limits and enum ranges. Every read
// is preceded by a size check on the span, so no input can make it read out
// of bounds. The Batch path (snapshot_entries, delta) is the hot one: a 1M
// entry snapshot is ~14 frames of ~75k entries, decoded into the caller's
// reused vector with no per-entry allocation.
#include "sync/wire.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace wg::sync::wire {

namespace {

// Header offsets (wire.hpp diagram).
constexpr size_t kOffLength = 0, kOffVersion = 4, kOffType = 5, kOffReserved = 6, kOffBackupId = 8,
                 kOffSeq = 12;
// The length field counts what follows it.
constexpr size_t kLengthFieldSize = 4;

// Fixed body sizes (docs/sync-protocol.md).
constexpr size_t kBatchFixed = 12; // u64 first_seq, u32 count
constexpr size_t kCountsBody = 12; // u64 digest|epoch, u32 entries
constexpr size_t kHelloFixed = 42; // role..entries, before the strings
constexpr size_t kErrorFixed = 3;  // u8 code, u16 text length
constexpr size_t kResyncBody = 1;  // u8 reason

// String limits (wire.hpp field comments). The error text needs a u16 length
// because its limit (256) does not fit in a u8.
constexpr size_t kMaxNode = 64;
constexpr size_t kMaxIfName = 64;
constexpr size_t kMaxErrorText = 256;
constexpr size_t kMaxInterfaces = 0xffff;

// Entry byte 0: bits 0-1 op, bits 2-3 origin, bits 4-7 reserved (must be 0).
constexpr uint8_t kOpMask = 0x03;
constexpr unsigned kOriginShift = 2;

inline uint16_t ld16(const uint8_t* p) {
    return uint16_t(uint16_t(p[0]) << 8 | p[1]);
}
inline uint32_t ld32(const uint8_t* p) {
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}
inline uint64_t ld64(const uint8_t* p) {
    return uint64_t(ld32(p)) << 32 | ld32(p + 4);
}

inline void st16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}
inline void st32(uint8_t* p, uint32_t v) {
    p[0] = uint8_t(v >> 24);
    p[1] = uint8_t(v >> 16);
    p[2] = uint8_t(v >> 8);
    p[3] = uint8_t(v);
}
inline void st64(uint8_t* p, uint64_t v) {
    st32(p, uint32_t(v >> 32));
    st32(p + 4, uint32_t(v));
}

// Sequential writer into space the caller has already sized exactly.
struct Writer {
    uint8_t* p;
    void u8(uint8_t v) { *p++ = v; }
    void u16(uint16_t v) {
        st16(p, v);
        p += 2;
    }
    void u32(uint32_t v) {
        st32(p, v);
        p += 4;
    }
    void u64(uint64_t v) {
        st64(p, v);
        p += 8;
    }
    void bytes(const void* d, size_t n) {
        if (n != 0) std::memcpy(p, d, n);
        p += n;
    }
};

// Sequential reader; every accessor is guarded by has() at the call site.
struct Reader {
    const uint8_t* p;
    size_t left;
    bool has(size_t n) const { return left >= n; }
    uint8_t u8() {
        --left;
        return *p++;
    }
    uint16_t u16() {
        left -= 2;
        p += 2;
        return ld16(p - 2);
    }
    uint32_t u32() {
        left -= 4;
        p += 4;
        return ld32(p - 4);
    }
    uint64_t u64() {
        left -= 8;
        p += 8;
        return ld64(p - 8);
    }
    const char* take(size_t n) {
        left -= n;
        p += n;
        return reinterpret_cast<const char*>(p - n);
    }
};

// Release builds clamp an over-long string instead of writing a frame the
// peer would reject for bad_string (the debug assert catches the caller).
size_t clamped(const std::string& s, size_t limit) {
    assert(s.size() <= limit);
    return std::min(s.size(), limit);
}

inline void put_entry(uint8_t* p, const Entry& e) {
    assert(uint8_t(e.op) <= uint8_t(Op::remove) && e.origin <= 1);
    p[0] = uint8_t((uint8_t(e.op) & kOpMask) | (e.origin & 1u) << kOriginShift);
    p[1] = e.iface;
    st32(p + 2, e.ip.value);
    std::memcpy(p + 6, e.mac.bytes.data(), 6);
    st16(p + 12, e.age_s);
}

// Valid op byte: reserved bits clear, origin 0 or 1 (bit 3 clear), op != 3.
inline bool op_byte_ok(uint8_t b) {
    return (b & 0xf8) == 0 && (b & kOpMask) != 3;
}

void put_header(uint8_t* p, size_t frame_len, Type type, uint32_t backup_id, uint64_t seq) {
    st32(p + kOffLength, uint32_t(frame_len - kLengthFieldSize));
    p[kOffVersion] = kVersion;
    p[kOffType] = uint8_t(type);
    st16(p + kOffReserved, 0);
    st32(p + kOffBackupId, backup_id);
    st64(p + kOffSeq, seq);
}

[[maybe_unused]] bool body_matches(Type t, const Body& b) {
    switch (t) {
    case Type::hello:
        return std::holds_alternative<Hello>(b);
    case Type::snapshot_begin:
        return std::holds_alternative<SnapshotBegin>(b);
    case Type::snapshot_entries:
    case Type::delta:
        return std::holds_alternative<Batch>(b);
    case Type::snapshot_end:
        return std::holds_alternative<SnapshotEnd>(b);
    case Type::ack:
        return std::holds_alternative<Ack>(b);
    case Type::digest_check:
        return std::holds_alternative<DigestCheck>(b);
    case Type::resync_request:
        return std::holds_alternative<ResyncRequest>(b);
    case Type::heartbeat:
        return std::holds_alternative<Heartbeat>(b);
    case Type::error:
        return std::holds_alternative<Error>(b);
    }
    return false;
}

// --- body sizes and writers (encode) ---------------------------------------

size_t body_size(const Body& body) {
    struct V {
        size_t operator()(const Hello& h) const {
            size_t n = kHelloFixed + 1 + clamped(h.node, kMaxNode) + 2;
            const size_t k = std::min(h.interfaces.size(), kMaxInterfaces);
            for (size_t i = 0; i < k; ++i)
                n += 2 + clamped(h.interfaces[i].name, kMaxIfName);
            return n;
        }
        size_t operator()(const SnapshotBegin&) const { return kCountsBody; }
        size_t operator()(const Batch& b) const { return kBatchFixed + kEntrySize * b.entries.size(); }
        size_t operator()(const SnapshotEnd&) const { return kCountsBody; }
        size_t operator()(const Ack&) const { return kCountsBody; }
        size_t operator()(const DigestCheck&) const { return kCountsBody; }
        size_t operator()(const ResyncRequest&) const { return kResyncBody; }
        size_t operator()(const Heartbeat&) const { return 0; }
        size_t operator()(const Error& e) const { return kErrorFixed + clamped(e.text, kMaxErrorText); }
    };
    return std::visit(V{}, body);
}

void write_body(Writer& w, const Body& body) {
    struct V {
        Writer& w;
        void counts(uint64_t v, uint32_t n) const {
            w.u64(v);
            w.u32(n);
        }
        void operator()(const Hello& h) const {
            w.u8(uint8_t(h.role));
            w.u8(h.max_version);
            w.u32(h.capabilities);
            w.u64(h.epoch);
            w.u64(h.held_epoch);
            w.u64(h.held_seq);
            w.u64(h.digest);
            w.u32(h.entries);
            const size_t nl = clamped(h.node, kMaxNode);
            w.u8(uint8_t(nl));
            w.bytes(h.node.data(), nl);
            assert(h.interfaces.size() <= kMaxInterfaces);
            const size_t k = std::min(h.interfaces.size(), kMaxInterfaces);
            w.u16(uint16_t(k));
            for (size_t i = 0; i < k; ++i) {
                const InterfaceName& in = h.interfaces[i];
                const size_t l = clamped(in.name, kMaxIfName);
                w.u8(in.iface);
                w.u8(uint8_t(l));
                w.bytes(in.name.data(), l);
            }
        }
        void operator()(const SnapshotBegin& s) const { counts(s.epoch, s.entries); }
        void operator()(const Batch& b) const {
            w.u64(b.first_seq);
            w.u32(uint32_t(b.entries.size()));
            for (const Entry& e : b.entries) {
                put_entry(w.p, e);
                w.p += kEntrySize;
            }
        }
        void operator()(const SnapshotEnd& s) const { counts(s.digest, s.entries); }
        void operator()(const Ack& a) const { counts(a.digest, a.entries); }
        void operator()(const DigestCheck& d) const { counts(d.digest, d.entries); }
        void operator()(const ResyncRequest& r) const { w.u8(uint8_t(r.reason)); }
        void operator()(const Heartbeat&) const {}
        void operator()(const Error& e) const {
            const size_t l = clamped(e.text, kMaxErrorText);
            w.u8(uint8_t(e.code));
            w.u16(uint16_t(l));
            w.bytes(e.text.data(), l);
        }
    };
    std::visit(V{w}, body);
}

// --- body decoders ----------------------------------------------------------

template <class T>
T& reuse(Body& b) {
    if (T* p = std::get_if<T>(&b)) return *p;
    return b.emplace<T>();
}

DecodeError decode_string(Reader& r, size_t limit, std::string& out) {
    if (!r.has(1)) return DecodeError::bad_length;
    const size_t n = r.u8();
    if (n > limit) return DecodeError::bad_string;
    if (!r.has(n)) return DecodeError::bad_length;
    out.assign(r.take(n), n);
    return DecodeError::ok;
}

DecodeError decode_hello(Reader r, Body& body) {
    if (!r.has(kHelloFixed)) return DecodeError::bad_length;
    Hello& h = reuse<Hello>(body);
    const uint8_t role = r.u8();
    if (role > uint8_t(Role::slave)) return DecodeError::bad_entry;
    h.role = Role(role);
    h.max_version = r.u8();
    h.capabilities = r.u32();
    h.epoch = r.u64();
    h.held_epoch = r.u64();
    h.held_seq = r.u64();
    h.digest = r.u64();
    h.entries = r.u32();
    if (auto e = decode_string(r, kMaxNode, h.node); e != DecodeError::ok) return e;
    if (!r.has(2)) return DecodeError::bad_length;
    const size_t k = r.u16();
    // Each interface takes at least 2 bytes: check before sizing the vector
    // so that a lying count cannot make us allocate.
    if (!r.has(2 * k)) return DecodeError::bad_length;
    h.interfaces.resize(k);
    for (InterfaceName& in : h.interfaces) {
        if (!r.has(1)) return DecodeError::bad_length;
        in.iface = r.u8();
        if (auto e = decode_string(r, kMaxIfName, in.name); e != DecodeError::ok) return e;
    }
    return r.left == 0 ? DecodeError::ok : DecodeError::bad_length;
}

DecodeError decode_batch(std::span<const uint8_t> b, Body& body) {
    if (b.size() < kBatchFixed) return DecodeError::bad_length;
    const uint32_t count = ld32(b.data() + 8);
    // The frame length already bounds count (kMaxFrame); exact match required.
    if (b.size() - kBatchFixed != uint64_t(count) * kEntrySize) return DecodeError::bad_length;
    Batch& batch = reuse<Batch>(body);
    batch.first_seq = ld64(b.data());
    batch.entries.resize(count);
    const uint8_t* p = b.data() + kBatchFixed;
    Entry* e = batch.entries.data();
    for (uint32_t i = 0; i < count; ++i, p += kEntrySize, ++e) {
        const uint8_t op = p[0];
        if (!op_byte_ok(op)) return DecodeError::bad_entry;
        e->op = Op(op & kOpMask);
        e->origin = uint8_t(op >> kOriginShift);
        e->iface = p[1];
        e->ip = Ipv4{ld32(p + 2)};
        std::memcpy(e->mac.bytes.data(), p + 6, 6);
        e->age_s = ld16(p + 12);
    }
    return DecodeError::ok;
}

// The bodies made of u64 + u32 (snapshot_begin, snapshot_end, ack, digest_check).
template <class T, uint64_t T::*V>
DecodeError decode_counts(std::span<const uint8_t> b, Body& body) {
    if (b.size() != kCountsBody) return DecodeError::bad_length;
    T& t = body.emplace<T>();
    t.*V = ld64(b.data());
    t.entries = ld32(b.data() + 8);
    return DecodeError::ok;
}

DecodeError decode_resync(std::span<const uint8_t> b, Body& body) {
    if (b.size() != kResyncBody) return DecodeError::bad_length;
    if (b[0] > uint8_t(ResyncReason::operator_request)) return DecodeError::bad_entry;
    body.emplace<ResyncRequest>().reason = ResyncReason(b[0]);
    return DecodeError::ok;
}

DecodeError decode_error(std::span<const uint8_t> b, Body& body) {
    if (b.size() < kErrorFixed) return DecodeError::bad_length;
    const uint8_t code = b[0];
    const size_t n = ld16(b.data() + 1);
    if (n > kMaxErrorText) return DecodeError::bad_string;
    if (b.size() - kErrorFixed != n) return DecodeError::bad_length;
    if (code < uint8_t(ErrorCode::unsupported_version) || code > uint8_t(ErrorCode::shutdown))
        return DecodeError::bad_entry;
    Error& e = reuse<Error>(body);
    e.code = ErrorCode(code);
    e.text.assign(reinterpret_cast<const char*>(b.data() + kErrorFixed), n);
    return DecodeError::ok;
}

} // namespace

const char* to_string(Type t) {
    switch (t) {
    case Type::hello:
        return "hello";
    case Type::snapshot_begin:
        return "snapshot_begin";
    case Type::snapshot_entries:
        return "snapshot_entries";
    case Type::snapshot_end:
        return "snapshot_end";
    case Type::delta:
        return "delta";
    case Type::ack:
        return "ack";
    case Type::digest_check:
        return "digest_check";
    case Type::resync_request:
        return "resync_request";
    case Type::heartbeat:
        return "heartbeat";
    case Type::error:
        return "error";
    }
    return "unknown";
}

const char* to_string(Role r) {
    switch (r) {
    case Role::unknown:
        return "unknown";
    case Role::master:
        return "master";
    case Role::slave:
        return "slave";
    }
    return "unknown";
}

const char* to_string(DecodeError e) {
    switch (e) {
    case DecodeError::ok:
        return "ok";
#define WG_X(key, help)                                                                                      \
    case DecodeError::key:                                                                                   \
        return #key;
        WG_SYNC_WIRE_ERRORS(WG_X)
#undef WG_X
    }
    return "unknown";
}

size_t frame_size(std::span<const uint8_t> buf, DecodeError& err) {
    err = DecodeError::ok;
    if (buf.size() < kLengthFieldSize) return 0;
    const size_t len = ld32(buf.data() + kOffLength);
    if (len > kMaxFrame - kLengthFieldSize) {
        err = DecodeError::too_long;
        return 0;
    }
    // A length that does not even cover the header cannot be resynchronised
    // on either: the stream is as unusable as with too_long.
    if (len < kHeaderSize - kLengthFieldSize) {
        err = DecodeError::truncated;
        return 0;
    }
    const size_t total = len + kLengthFieldSize;
    return buf.size() >= total ? total : 0;
}

DecodeError decode_header(std::span<const uint8_t> f, Type& type, uint32_t& backup_id, uint64_t& seq) {
    if (f.size() < kHeaderSize) return DecodeError::truncated;
    const size_t len = ld32(f.data() + kOffLength);
    if (len > kMaxFrame - kLengthFieldSize) return DecodeError::too_long;
    if (len < kHeaderSize - kLengthFieldSize || len + kLengthFieldSize > f.size())
        return DecodeError::truncated;
    if (len + kLengthFieldSize < f.size()) return DecodeError::bad_length; // trailing bytes
    if (f[kOffVersion] != kVersion) return DecodeError::bad_version;
    const uint8_t t = f[kOffType];
    if (t < uint8_t(Type::hello) || t > uint8_t(Type::error)) return DecodeError::bad_type;
    // The reserved u16 at kOffReserved is ignored (wire.hpp).
    type = Type(t);
    backup_id = ld32(f.data() + kOffBackupId);
    seq = ld64(f.data() + kOffSeq);
    return DecodeError::ok;
}

DecodeError decode(std::span<const uint8_t> frame, Message& out) {
    if (auto e = decode_header(frame, out.type, out.backup_id, out.seq); e != DecodeError::ok) return e;
    const std::span<const uint8_t> b = frame.subspan(kHeaderSize);
    switch (out.type) {
    case Type::hello:
        return decode_hello(Reader{b.data(), b.size()}, out.body);
    case Type::snapshot_begin:
        return decode_counts<SnapshotBegin, &SnapshotBegin::epoch>(b, out.body);
    case Type::snapshot_entries:
    case Type::delta:
        return decode_batch(b, out.body);
    case Type::snapshot_end:
        return decode_counts<SnapshotEnd, &SnapshotEnd::digest>(b, out.body);
    case Type::ack:
        return decode_counts<Ack, &Ack::digest>(b, out.body);
    case Type::digest_check:
        return decode_counts<DigestCheck, &DigestCheck::digest>(b, out.body);
    case Type::resync_request:
        return decode_resync(b, out.body);
    case Type::heartbeat:
        if (!b.empty()) return DecodeError::bad_length;
        out.body.emplace<Heartbeat>();
        return DecodeError::ok;
    case Type::error:
        return decode_error(b, out.body);
    }
    return DecodeError::bad_type; // unreachable: decode_header checked the range
}

void encode(const Message& m, std::vector<uint8_t>& out) {
    assert(body_matches(m.type, m.body));
    assert(!std::holds_alternative<Batch>(m.body) ||
           std::get<Batch>(m.body).entries.size() <= kMaxEntriesPerFrame);
    const size_t frame_len = kHeaderSize + body_size(m.body);
    const size_t start = out.size();
    out.resize(start + frame_len);
    uint8_t* p = out.data() + start;
    put_header(p, frame_len, m.type, m.backup_id, m.seq);
    Writer w{p + kHeaderSize};
    write_body(w, m.body);
    assert(w.p == p + frame_len);
}

BatchWriter::BatchWriter(std::vector<uint8_t>& out, Type type, uint32_t backup_id, uint64_t seq,
                         uint64_t first_seq)
    : out_(out), start_(out.size()) {
    assert(type == Type::snapshot_entries || type == Type::delta);
    out_.resize(start_ + kHeaderSize + kBatchFixed);
    uint8_t* p = out_.data() + start_;
    put_header(p, kHeaderSize + kBatchFixed, type, backup_id, seq);
    st64(p + kHeaderSize, first_seq);
    st32(p + kHeaderSize + 8, 0);
}

void BatchWriter::add(const Entry& e) {
    assert(count_ < kMaxEntriesPerFrame);
    const size_t at = out_.size();
    out_.resize(at + kEntrySize);
    put_entry(out_.data() + at, e);
    ++count_;
}

void BatchWriter::finish(uint64_t seq) {
    uint8_t* p = out_.data() + start_;
    st32(p + kOffLength, uint32_t(out_.size() - start_ - kLengthFieldSize));
    st64(p + kOffSeq, seq);
    st32(p + kHeaderSize + 8, count_);
}

} // namespace wg::sync::wire
