// Remote-backup wire codec (sync/wire.hpp, docs/sync-protocol.md): bytes
// written by hand from the layout tables, round trips of every message type,
// every DecodeError, stream framing over partial buffers, the streaming
// BatchWriter, and the seeds of the independent Python encoder.
#include "sync/wire.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace wg::sync::wire {
namespace {

using Bytes = std::vector<uint8_t>;

Entry make_entry(uint32_t i) {
    Entry e;
    e.op = Op(i % 3);
    e.origin = uint8_t(i % 2);
    e.iface = uint8_t(i % 7);
    e.ip = Ipv4{0x0a000000u + i};
    e.mac = Mac{{0x02, uint8_t(i >> 24), uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i), 0x5a}};
    e.age_s = uint16_t(i * 37);
    return e;
}

Message make(Type t, Body body, uint32_t backup_id = 10, uint64_t seq = 0x0102030405060708) {
    Message m;
    m.type = t;
    m.backup_id = backup_id;
    m.seq = seq;
    m.body = std::move(body);
    return m;
}

Bytes encoded(const Message& m) {
    Bytes b;
    encode(m, b);
    return b;
}

void expect_same(const Message& a, const Message& b) {
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.backup_id, b.backup_id);
    EXPECT_EQ(a.seq, b.seq);
    EXPECT_TRUE(a.body == b.body) << to_string(a.type);
}

Hello sample_hello() {
    Hello h;
    h.role = Role::slave;
    h.capabilities = kCapArp | 0x80000000u;
    h.max_version = 3;
    h.epoch = 0xdeadbeefcafef00dull;
    h.held_epoch = 0x1111222233334444ull;
    h.held_seq = 123456789;
    h.digest = 0xfedcba9876543210ull;
    h.entries = 100000;
    h.node = "HUAWEI-B";
    h.interfaces = {{1, "GigabitEthernet0/1/0"}, {2, "GigabitEthernet0/2/0"}, {255, ""}};
    return h;
}

std::vector<Message> one_of_each() {
    Batch snap;
    for (uint32_t i = 0; i < 5; ++i)
        snap.entries.push_back(make_entry(i));
    Batch delta{77, {make_entry(9), make_entry(10)}};
    return {
        make(Type::hello, sample_hello()),
        make(Type::snapshot_begin, SnapshotBegin{0xabcdef, 5}),
        make(Type::snapshot_entries, snap),
        make(Type::snapshot_end, SnapshotEnd{0x1234, 5}),
        make(Type::delta, delta),
        make(Type::ack, Ack{0x5678, 6}),
        make(Type::digest_check, DigestCheck{0x9abc, 7}),
        make(Type::resync_request, ResyncRequest{ResyncReason::gap}),
        make(Type::heartbeat, Heartbeat{}, 0, 99),
        make(Type::error, Error{ErrorCode::backup_id_mismatch, "backup-id 10 != 11"}),
    };
}

TEST(SyncWire, EveryTypeRoundTrips) {
    const auto all = one_of_each();
    ASSERT_EQ(all.size(), 10u); // one per Type
    Message out;                // reused across types, like the RBS does
    for (const Message& m : all) {
        const Bytes b = encoded(m);
        ASSERT_EQ(decode(b, out), DecodeError::ok) << to_string(m.type);
        expect_same(out, m);
        DecodeError err;
        EXPECT_EQ(frame_size(b, err), b.size()) << to_string(m.type);
        EXPECT_EQ(err, DecodeError::ok);
    }
}

TEST(SyncWire, EmptyAndLimitValuesRoundTrip) {
    Hello h;
    h.node = std::string(64, 'n');
    h.interfaces = {{7, std::string(64, 'i')}};
    Error e{ErrorCode::shutdown, std::string(256, 'x')};
    for (const Message& m : {make(Type::hello, Hello{}), make(Type::hello, h), make(Type::delta, Batch{}),
                             make(Type::error, Error{ErrorCode::protocol, ""}), make(Type::error, e),
                             make(Type::ack, Ack{~0ull, ~0u}, ~0u, ~0ull)}) {
        Message out;
        ASSERT_EQ(decode(encoded(m), out), DecodeError::ok) << to_string(m.type);
        expect_same(out, m);
    }
}

// Hand-written from the header diagram (wire.hpp) and the entry layout: a
// change of either layout fails here, not only in a round trip.
TEST(SyncWire, DeltaHeaderAndEntryLayoutIsByteExact) {
    Entry e;
    e.op = Op::update;
    e.origin = 1;
    e.iface = 3;
    e.ip = Ipv4{0x0a01010a}; // 10.1.1.10
    e.mac = Mac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x10}};
    e.age_s = 300;
    const Message m = make(Type::delta, Batch{0x1112131415161718, {e}}, 10, 0x0102030405060708);
    const Bytes want{
        0x00, 0x00, 0x00, 0x2a,                         // length: 16 + 12 + 14 = 42
        0x01,                                           // version
        0x05,                                           // type delta
        0x00, 0x00,                                     // reserved
        0x00, 0x00, 0x00, 0x0a,                         // backup_id 10
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // seq
        0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, // first_seq
        0x00, 0x00, 0x00, 0x01,                         // count
        0x05,                                           // op update (1) | origin synced (1) << 2
        0x03,                                           // iface
        0x0a, 0x01, 0x01, 0x0a,                         // ip
        0x02, 0x00, 0x00, 0x00, 0x00, 0x10,             // mac
        0x01, 0x2c,                                     // age 300 s
    };
    EXPECT_EQ(encoded(m), want);
    Message out;
    ASSERT_EQ(decode(want, out), DecodeError::ok);
    expect_same(out, m);
}

TEST(SyncWire, HelloAndErrorLayoutIsByteExact) {
    Hello h;
    h.role = Role::master;
    h.max_version = 1;
    h.capabilities = kCapArp;
    h.epoch = 2;
    h.held_epoch = 3;
    h.held_seq = 4;
    h.digest = 5;
    h.entries = 6;
    h.node = "A";
    h.interfaces = {{9, "ge"}};
    Bytes want{0x00, 0x00, 0x00, 0x42, 0x01, 0x01, 0x00, 0x00, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0};
    const Bytes body{
        0x01,                               // role master
        0x01,                               // max_version
        0x00, 0x00, 0x00, 0x01,             // capabilities: arp
        0,    0,    0,    0,    0, 0, 0, 2, // epoch
        0,    0,    0,    0,    0, 0, 0, 3, // held_epoch
        0,    0,    0,    0,    0, 0, 0, 4, // held_seq
        0,    0,    0,    0,    0, 0, 0, 5, // digest
        0,    0,    0,    6,                // entries
        1,    'A',                          // node
        0,    1,                            // interface count
        9,    2,    'g',  'e',              // iface 9 "ge"
    };
    want.insert(want.end(), body.begin(), body.end());
    EXPECT_EQ(encoded(make(Type::hello, h, 10, 0)), want);

    const Bytes err_want{
        0x00, 0x00, 0x00, 0x15,                         // length: 16 + 5
        0x01, 0x0a, 0x00, 0x00,                         // version, type error, reserved
        0x00, 0x00, 0x00, 0x00,                         // backup_id 0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // seq 0
        0x04,                                           // code shutdown
        0x00, 0x02, 'b',  'y',                          // text: u16 length, bytes
    };
    EXPECT_EQ(encoded(make(Type::error, Error{ErrorCode::shutdown, "by"}, 0, 0)), err_want);
}

TEST(SyncWire, ReservedHeaderFieldIsIgnored) {
    Bytes b = encoded(make(Type::ack, Ack{1, 2}));
    b[6] = 0xff;
    b[7] = 0x01;
    Message out;
    ASSERT_EQ(decode(b, out), DecodeError::ok);
    EXPECT_EQ(std::get<Ack>(out.body), (Ack{1, 2}));
}

TEST(SyncWire, DecodeHeaderRoutesWithoutTheBody) {
    const Bytes b = encoded(make(Type::digest_check, DigestCheck{1, 2}, 10, 55));
    Type t{};
    uint32_t id = 0;
    uint64_t seq = 0;
    ASSERT_EQ(decode_header(b, t, id, seq), DecodeError::ok);
    EXPECT_EQ(t, Type::digest_check);
    EXPECT_EQ(id, 10u);
    EXPECT_EQ(seq, 55u);
    EXPECT_EQ(decode_header(std::span(b).first(19), t, id, seq), DecodeError::truncated);
    Bytes trailing = b;
    trailing.push_back(0);
    EXPECT_EQ(decode_header(trailing, t, id, seq), DecodeError::bad_length);
}

DecodeError decode_bytes(const Bytes& b) {
    Message out;
    return decode(b, out);
}

// Sets the length field to the buffer's size (after editing a body by hand).
Bytes relength(Bytes b) {
    const uint32_t n = uint32_t(b.size() - 4);
    b[0] = uint8_t(n >> 24);
    b[1] = uint8_t(n >> 16);
    b[2] = uint8_t(n >> 8);
    b[3] = uint8_t(n);
    return b;
}

TEST(SyncWire, TruncatedFramesAreNamed) {
    const Bytes b = encoded(make(Type::delta, Batch{1, {make_entry(1)}}));
    for (size_t n = 0; n < b.size(); ++n)
        EXPECT_EQ(decode_bytes(Bytes(b.begin(), b.begin() + ptrdiff_t(n))), DecodeError::truncated) << n;
    // A length field below the header's own 16 bytes.
    Bytes short_len = encoded(make(Type::heartbeat, Heartbeat{}));
    short_len[3] = 15;
    EXPECT_EQ(decode_bytes(short_len), DecodeError::truncated);
}

TEST(SyncWire, TooLongLengthField) {
    Bytes b = encoded(make(Type::heartbeat, Heartbeat{}));
    const uint32_t n = uint32_t(kMaxFrame - 3); // one byte above the limit
    b[0] = uint8_t(n >> 24);
    b[1] = uint8_t(n >> 16);
    b[2] = uint8_t(n >> 8);
    b[3] = uint8_t(n);
    EXPECT_EQ(decode_bytes(b), DecodeError::too_long);
}

TEST(SyncWire, BadVersionAndBadType) {
    Bytes b = encoded(make(Type::heartbeat, Heartbeat{}));
    b[4] = kVersion + 1;
    EXPECT_EQ(decode_bytes(b), DecodeError::bad_version);
    b[4] = 0;
    EXPECT_EQ(decode_bytes(b), DecodeError::bad_version);
    b[4] = kVersion;
    for (uint8_t t : {0, 11, 255}) {
        b[5] = t;
        EXPECT_EQ(decode_bytes(b), DecodeError::bad_type) << int(t);
    }
}

TEST(SyncWire, BadLengthForEveryType) {
    for (const Message& m : one_of_each()) {
        Bytes longer = encoded(m);
        longer.push_back(0);
        EXPECT_EQ(decode_bytes(relength(longer)), DecodeError::bad_length) << to_string(m.type);
        // Trailing bytes beyond the length field: not one frame.
        Bytes trailing = encoded(m);
        trailing.push_back(0);
        EXPECT_EQ(decode_bytes(trailing), DecodeError::bad_length) << to_string(m.type);
        Bytes shorter = encoded(m);
        if (shorter.size() == kHeaderSize) continue; // heartbeat: no body to cut
        shorter.pop_back();
        EXPECT_EQ(decode_bytes(relength(shorter)), DecodeError::bad_length) << to_string(m.type);
    }
}

TEST(SyncWire, BatchCountMustMatchTheBody) {
    Bytes b = encoded(make(Type::snapshot_entries, Batch{0, {make_entry(1), make_entry(2)}}));
    b[kHeaderSize + 11] = 3; // count 3, body holds 2
    EXPECT_EQ(decode_bytes(b), DecodeError::bad_length);
    b[kHeaderSize + 11] = 1;
    EXPECT_EQ(decode_bytes(b), DecodeError::bad_length);
    b[kHeaderSize + 8] = 0xff; // a huge count must not allocate before the size check
    EXPECT_EQ(decode_bytes(b), DecodeError::bad_length);
}

TEST(SyncWire, HelloInterfaceCountMustMatchTheBody) {
    Hello h;
    h.interfaces = {{1, "a"}};
    Bytes b = encoded(make(Type::hello, h));
    const size_t count_at = kHeaderSize + 42 + 1; // after the fixed part and the empty node
    ASSERT_EQ(b[count_at + 1], 1);
    b[count_at + 1] = 2;
    EXPECT_EQ(decode_bytes(b), DecodeError::bad_length);
    b[count_at] = 0xff;
    EXPECT_EQ(decode_bytes(b), DecodeError::bad_length);
    b[count_at] = 0;
    b[count_at + 1] = 0;
    EXPECT_EQ(decode_bytes(b), DecodeError::bad_length); // 3 bytes left over
}

TEST(SyncWire, BadEntryOpOriginAndReservedBits) {
    const Bytes good = encoded(make(Type::delta, Batch{1, {make_entry(0), make_entry(1)}}));
    const size_t op_at = kHeaderSize + 12 + kEntrySize; // second entry's op byte
    for (uint8_t v : {0x00, 0x01, 0x02, 0x04, 0x05, 0x06}) {
        Bytes b = good;
        b[op_at] = v;
        EXPECT_EQ(decode_bytes(b), DecodeError::ok) << int(v);
    }
    for (uint8_t v : {0x03, 0x07, 0x08, 0x0a, 0x10, 0x80, 0xff}) {
        Bytes b = good;
        b[op_at] = v;
        EXPECT_EQ(decode_bytes(b), DecodeError::bad_entry) << int(v);
    }
}

TEST(SyncWire, BadEnumValuesInOtherBodies) {
    Bytes hello = encoded(make(Type::hello, Hello{}));
    hello[kHeaderSize] = 3; // role
    EXPECT_EQ(decode_bytes(hello), DecodeError::bad_entry);
    Bytes resync = encoded(make(Type::resync_request, ResyncRequest{}));
    resync[kHeaderSize] = 4;
    EXPECT_EQ(decode_bytes(resync), DecodeError::bad_entry);
    Bytes err = encoded(make(Type::error, Error{ErrorCode::protocol, "x"}));
    for (uint8_t code : {0, 5}) {
        err[kHeaderSize] = code;
        EXPECT_EQ(decode_bytes(err), DecodeError::bad_entry) << int(code);
    }
}

TEST(SyncWire, BadStringOverEachLimit) {
    Bytes node = encoded(make(Type::hello, Hello{}));
    node.insert(node.begin() + ptrdiff_t(kHeaderSize + 43), 65, 'n');
    node[kHeaderSize + 42] = 65;
    EXPECT_EQ(decode_bytes(relength(node)), DecodeError::bad_string);
    node[kHeaderSize + 42] = 64;
    node.erase(node.begin() + ptrdiff_t(kHeaderSize + 43));
    EXPECT_EQ(decode_bytes(relength(node)), DecodeError::ok);

    Hello h;
    h.interfaces = {{1, std::string(64, 'i')}};
    Bytes ifname = encoded(make(Type::hello, h));
    ifname.push_back('i');
    ifname[kHeaderSize + 42 + 1 + 2 + 1] = 65;
    EXPECT_EQ(decode_bytes(relength(ifname)), DecodeError::bad_string);

    Bytes text = encoded(make(Type::error, Error{ErrorCode::protocol, std::string(256, 'x')}));
    text.push_back('x');
    text[kHeaderSize + 1] = 0x01; // 0x0101 = 257
    text[kHeaderSize + 2] = 0x01;
    EXPECT_EQ(decode_bytes(relength(text)), DecodeError::bad_string);
}

TEST(SyncWire, FrameSizeWithPartialBuffers) {
    const Bytes a = encoded(make(Type::delta, Batch{1, {make_entry(1), make_entry(2)}}));
    const Bytes b = encoded(make(Type::heartbeat, Heartbeat{}));
    DecodeError err = DecodeError::bad_type;
    for (size_t n = 0; n < a.size(); ++n) {
        EXPECT_EQ(frame_size(std::span(a).first(n), err), 0u) << n;
        EXPECT_EQ(err, DecodeError::ok) << n;
    }
    Bytes stream = a;
    stream.insert(stream.end(), b.begin(), b.end());
    EXPECT_EQ(frame_size(stream, err), a.size());
    EXPECT_EQ(frame_size(std::span(stream).subspan(a.size()), err), b.size());
    EXPECT_EQ(frame_size(std::span(stream).subspan(a.size() + 1), err), 0u);

    Bytes huge = b;
    huge[1] = 0x10; // length 0x100010 > kMaxFrame - 4
    EXPECT_EQ(frame_size(std::span(huge).first(4), err), 0u);
    EXPECT_EQ(err, DecodeError::too_long);
    Bytes tiny = b;
    tiny[3] = 15;
    EXPECT_EQ(frame_size(tiny, err), 0u);
    EXPECT_EQ(err, DecodeError::truncated);
}

TEST(SyncWire, LargestBatchFitsTheMaximumFrame) {
    Batch big;
    big.entries.resize(kMaxEntriesPerFrame, make_entry(3));
    const Bytes b = encoded(make(Type::snapshot_entries, big));
    EXPECT_LE(b.size(), kMaxFrame);
    DecodeError err;
    EXPECT_EQ(frame_size(b, err), b.size());
    Message out;
    ASSERT_EQ(decode(b, out), DecodeError::ok);
    EXPECT_EQ(std::get<Batch>(out.body).entries.size(), kMaxEntriesPerFrame);
    // The constant is not needlessly conservative: within one entry of the limit.
    EXPECT_GT(kHeaderSize + 12 + (kMaxEntriesPerFrame + 2) * kEntrySize, kMaxFrame);
}

TEST(SyncWire, DecodeReusesTheBatchVector) {
    Batch first;
    for (uint32_t i = 0; i < 1000; ++i)
        first.entries.push_back(make_entry(i));
    Batch second{5, {make_entry(7), make_entry(8)}};
    Message out;
    ASSERT_EQ(decode(encoded(make(Type::snapshot_entries, first)), out), DecodeError::ok);
    const Entry* storage = std::get<Batch>(out.body).entries.data();
    ASSERT_EQ(decode(encoded(make(Type::delta, second)), out), DecodeError::ok);
    EXPECT_EQ(std::get<Batch>(out.body).entries.data(), storage);
    EXPECT_EQ(std::get<Batch>(out.body), second);
    ASSERT_EQ(decode(encoded(make(Type::snapshot_entries, first)), out), DecodeError::ok);
    EXPECT_EQ(std::get<Batch>(out.body).entries.data(), storage);
    EXPECT_EQ(std::get<Batch>(out.body), first);
}

TEST(SyncWire, BatchWriterEqualsEncode) {
    for (size_t n : {0u, 1u, 3u, 512u}) {
        Batch batch{1000, {}};
        for (uint32_t i = 0; i < n; ++i)
            batch.entries.push_back(make_entry(i));
        Bytes out{0xaa, 0xbb}; // appends after what is already there
        BatchWriter w(out, Type::delta, 10, 1, 1000);
        for (const Entry& e : batch.entries)
            w.add(e);
        EXPECT_EQ(w.count(), n);
        w.finish(1000 + n);
        Bytes want{0xaa, 0xbb};
        encode(make(Type::delta, batch, 10, 1000 + n), want);
        EXPECT_EQ(out, want) << n;
    }
    Bytes snap;
    BatchWriter w(snap, Type::snapshot_entries, 0, 0, 0);
    w.add(make_entry(4));
    w.finish(77);
    Message out;
    ASSERT_EQ(decode(snap, out), DecodeError::ok);
    expect_same(out, make(Type::snapshot_entries, Batch{0, {make_entry(4)}}, 0, 77));
}

// docs/benchmarks.md target: <= 24 bytes/entry; the codec's share is 14 + amortized header.
TEST(SyncWire, BytesPerEntryOfA512EntryDelta) {
    Batch batch;
    for (uint32_t i = 0; i < 512; ++i)
        batch.entries.push_back(make_entry(i));
    const Bytes b = encoded(make(Type::delta, batch));
    EXPECT_EQ(b.size(), kHeaderSize + 12 + 512 * kEntrySize);
    EXPECT_LE(double(b.size()) / 512.0, 14.1);
}

TEST(SyncWire, ToStringNamesEveryValue) {
    std::map<std::string, int> seen;
    for (int t = 1; t <= 10; ++t)
        ++seen[to_string(Type(t))];
    EXPECT_EQ(seen.size(), 10u);
    EXPECT_EQ(seen.count("unknown"), 0u);
    EXPECT_STREQ(to_string(Type::snapshot_entries), "snapshot_entries");
    EXPECT_STREQ(to_string(Type::resync_request), "resync_request");
    EXPECT_STREQ(to_string(Role::master), "master");
    EXPECT_STREQ(to_string(Role::slave), "slave");
    EXPECT_STREQ(to_string(Role::unknown), "unknown");
    EXPECT_STREQ(to_string(DecodeError::ok), "ok");
    EXPECT_STREQ(to_string(DecodeError::truncated), "truncated");
    EXPECT_STREQ(to_string(DecodeError::bad_string), "bad_string");
    EXPECT_STREQ(to_string(DecodeError::too_long), "too_long");
}

// tests/sync/make_corpus.py encodes these seeds independently (struct.pack):
// decoding them as named cross-checks the layout against a second encoder.
TEST(SyncWireCorpus, SeedsFromTheIndependentEncoderDecodeAsNamed) {
    const char* root = std::getenv("WARMGATE_SOURCE_ROOT");
    ASSERT_NE(root, nullptr) << "run through meson test (test_env)";
    const std::filesystem::path dir = std::filesystem::path(root) / "tests/sync/corpus";
    const std::map<std::string, DecodeError> want{
        {"hello", DecodeError::ok},
        {"snapshot-begin", DecodeError::ok},
        {"snapshot-entries", DecodeError::ok},
        {"snapshot-end", DecodeError::ok},
        {"delta", DecodeError::ok},
        {"ack", DecodeError::ok},
        {"digest-check", DecodeError::ok},
        {"resync-request", DecodeError::ok},
        {"heartbeat", DecodeError::ok},
        {"error", DecodeError::ok},
        {"truncated-hello", DecodeError::truncated},
        {"bad-version", DecodeError::bad_version},
        {"bad-type", DecodeError::bad_type},
        {"too-long", DecodeError::too_long},
        {"bad-length-trailing", DecodeError::bad_length},
        {"bad-entry-op", DecodeError::bad_entry},
        {"bad-string-node", DecodeError::bad_string},
    };
    std::map<std::string, Message> decoded;
    for (const auto& [name, verdict] : want) {
        std::ifstream in(dir / name, std::ios::binary);
        ASSERT_TRUE(in) << name;
        const Bytes b{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        Message m;
        EXPECT_EQ(decode(b, m), verdict) << name;
        if (verdict == DecodeError::ok) {
            EXPECT_EQ(encoded(m), b) << name; // our encoder writes the same bytes back
            decoded[name] = m;
        }
    }
    EXPECT_EQ(want.size(), size_t(std::distance(std::filesystem::directory_iterator(dir), {})));
    // Spot checks of the fields, not just the verdict.
    ASSERT_EQ(decoded.size(), 10u);
    const Hello& h = std::get<Hello>(decoded["hello"].body);
    EXPECT_EQ(h.role, Role::master);
    EXPECT_EQ(h.epoch, 0x1122334455667788u);
    EXPECT_EQ(h.node, "HUAWEI-A");
    ASSERT_EQ(h.interfaces.size(), 2u);
    EXPECT_EQ(h.interfaces[1], (InterfaceName{2, "GigabitEthernet0/2/0"}));
    const Message& d = decoded["delta"];
    EXPECT_EQ(d.type, Type::delta);
    EXPECT_EQ(d.backup_id, 10u);
    EXPECT_EQ(d.seq, 45u);
    const Batch& batch = std::get<Batch>(d.body);
    EXPECT_EQ(batch.first_seq, 43u);
    ASSERT_EQ(batch.entries.size(), 3u);
    EXPECT_EQ(batch.entries[1].op, Op::update);
    EXPECT_EQ(batch.entries[1].origin, 1);
    EXPECT_EQ(batch.entries[1].ip, Ipv4{0x0a01010b});
    EXPECT_EQ(batch.entries[1].age_s, 65535);
    EXPECT_EQ(batch.entries[2].mac, (Mac{{0x02, 0, 0, 0, 0, 0x20}}));
    EXPECT_EQ(std::get<ResyncRequest>(decoded["resync-request"].body).reason, ResyncReason::digest_mismatch);
    EXPECT_EQ(std::get<Error>(decoded["error"].body).text, "backup-id mismatch");
    EXPECT_EQ(decoded["heartbeat"].backup_id, 0u);
}

} // namespace
} // namespace wg::sync::wire
