// libFuzzer target for the remote-backup wire codec (sync/wire.hpp; every
// codec has a fuzz target: docs/fuzzing.md). Built with -fsanitize=fuzzer when
// the compiler is clang (tests/sync/meson.build); with gcc, the replay driver
// runs this same entry point over tests/sync/corpus/ (and every prefix of each
// seed) as a unit test.
//
// Invariants (a violation aborts, which both libFuzzer and the replay report):
//   - frame_size never claims more than the input holds, and returns 0 when
//     it reports an error;
//   - decode_header and decode agree: same verdict when the header is bad,
//     same fields when it is good;
//   - the input decodes iff it is exactly one frame as delimited by frame_size;
//   - a decoded message re-encodes to the input's bytes (except the ignored
//     reserved header field), and that decodes to an equal message, also into
//     a Message that already holds a Batch (the reused hot path);
//   - a decoded batch written again through BatchWriter gives the same bytes;
//   - nothing reads outside the input (ASan, in the clang build).
#include "sync/wire.hpp"

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

namespace {

using namespace wg::sync::wire;

void check(bool ok) {
    if (!ok) std::abort();
}

bool same(const Message& a, const Message& b) {
    return a.type == b.type && a.backup_id == b.backup_id && a.seq == b.seq && a.body == b.body;
}

void check_decoded(std::span<const uint8_t> in, const Message& m) {
    std::vector<uint8_t> again;
    encode(m, again);
    check(again.size() == in.size());
    for (size_t k = 0; k < in.size(); ++k)
        check(again[k] == in[k] || k == 6 || k == 7); // bytes 6-7: reserved, ignored
    Message round;
    check(decode(again, round) == DecodeError::ok && same(round, m));

    // Decoding into a Message that holds a (bigger) Batch must not leak its
    // old entries into the result.
    Message reused;
    reused.type = Type::delta;
    reused.body = Batch{99, std::vector<Entry>(3)};
    check(decode(again, reused) == DecodeError::ok && same(reused, m));

    if (const Batch* b = std::get_if<Batch>(&m.body)) {
        std::vector<uint8_t> streamed;
        BatchWriter w(streamed, m.type, m.backup_id, 0, b->first_seq);
        for (const Entry& e : b->entries)
            w.add(e);
        check(w.count() == b->entries.size());
        w.finish(m.seq);
        check(streamed == again);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> in(data, size);

    DecodeError ferr = DecodeError::ok;
    const size_t n = frame_size(in, ferr);
    check(n <= size);
    check(ferr == DecodeError::ok || n == 0);
    check(n == 0 || (n >= kHeaderSize && n <= kMaxFrame));

    Type type{};
    uint32_t backup_id = 0;
    uint64_t seq = 0;
    const DecodeError herr = decode_header(in, type, backup_id, seq);
    Message m;
    const DecodeError err = decode(in, m);
    if (herr != DecodeError::ok) check(err == herr);
    if (err == DecodeError::ok) {
        check(n == size); // exactly one whole frame
        check(m.type == type && m.backup_id == backup_id && m.seq == seq);
        check_decoded(in, m);
    }

    // As a stream: the first frame frame_size delimits decodes on its own.
    if (n != 0 && n < size) {
        Message first;
        if (decode(in.first(n), first) == DecodeError::ok) check_decoded(in.first(n), first);
    }
    return 0;
}
