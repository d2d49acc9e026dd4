// libFuzzer target for the operator channel's request side (control/
// cli_proto.hpp framing and request codec, control/cli_server.hpp dispatch,
// control/report.hpp streaming): the bytes a local client may send, fed in
// pieces as a socket delivers them. Built with -fsanitize=fuzzer when the
// compiler is clang (tests/control/meson.build); with gcc, the replay driver runs
// this same entry point over tests/control/corpus/ as a unit test.
//
// Input: byte 0 chooses where the stream is cut into pieces (a socket's
// reads), the rest is the stream.
//
// Invariants (a violation aborts, which both libFuzzer and the replay report):
//   - the decoder yields the same frames and the same error whether the
//     stream arrives whole or in pieces; ready() is true exactly when next()
//     would not ask for more; an error is final;
//   - a payload that decodes re-encodes to the same bytes;
//   - every decoded request gets an encodable answer (ok, error or internal)
//     from the command table, whatever its words;
//   - a streamed display, read in small pieces, is byte-identical to its
//     whole rendering, text and JSON;
//   - nothing reads outside the input (ASan, in the clang build).
#include "control/cli_proto.hpp"
#include "control/cli_server.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace wg::control;

void check(bool ok) {
    if (!ok) std::abort();
}

class Rows final : public RowSource {
  public:
    explicit Rows(size_t n) : n_(n) {}
    bool next(std::vector<std::vector<Scalar>>& out, size_t max) override {
        for (size_t k = 0; k < max && pos_ < n_; ++k, ++pos_)
            out.push_back({"10.0.0." + std::to_string(pos_), uint64_t(pos_ * 7), "x\"y"});
        return pos_ < n_;
    }
    void rewind() override { pos_ = 0; }

  private:
    size_t n_;
    size_t pos_ = 0;
};

Report rows_report(size_t n) {
    Report r;
    Section& s = r.section("arp", "rows");
    Table t({Column("ip", "IP"), Column("n", "N"), Column("s", "S")});
    t.rows_from(std::make_shared<Rows>(n));
    s.add("entries", "", std::move(t));
    s.add("total", "Total", uint64_t(n));
    return r;
}

struct Server {
    EventLoop loop;
    CliServer cli{loop, "/nonexistent/fuzz.sock"}; // never started: no socket
    Server() {
        cli.register_command({"display", "arp"}, "rows", [](const CommandContext& ctx) -> CommandResult {
            if (ctx.args.size() > 1) return CommandError{"usage"};
            size_t n = ctx.args.empty() ? 3 : std::min<size_t>(ctx.args[0].size() * 5, 200);
            return rows_report(n);
        });
        cli.register_command({"display", "interface"}, "one section",
                             [](const CommandContext& ctx) -> CommandResult {
                                 Report r;
                                 r.section("interface").add("name", "Name", ctx.args.empty() ? "" : ctx.args[0]);
                                 return r;
                             });
        cli.register_command({"reset", "counters"}, "throws",
                             [](const CommandContext&) -> CommandResult { throw std::runtime_error("x"); });
    }
};

struct Outcome {
    std::vector<std::vector<uint8_t>> frames;
    bool error = false;
    std::string message;
};

Outcome decode_all(std::span<const uint8_t> stream, size_t piece) {
    proto::FrameDecoder dec(proto::kMaxRequestPayload);
    Outcome o;
    size_t pos = 0;
    for (;;) {
        std::vector<uint8_t> payload;
        const bool ready = dec.ready();
        auto r = dec.next(payload);
        check(ready == (r != proto::FrameDecoder::Result::need_more));
        if (r == proto::FrameDecoder::Result::frame) {
            check(!payload.empty() && payload.size() <= proto::kMaxRequestPayload);
            o.frames.push_back(std::move(payload));
            continue;
        }
        if (r == proto::FrameDecoder::Result::error) {
            o.error = true;
            o.message = dec.error();
            check(dec.next(payload) == proto::FrameDecoder::Result::error); // final
            return o;
        }
        if (pos == stream.size()) return o;
        const size_t n = std::min(piece, stream.size() - pos);
        dec.feed(stream.subspan(pos, n));
        pos += n;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0 || size > (1u << 20)) return 0;
    static Server* server = new Server(); // one per process, like the appliance's
    const size_t piece = 1 + data[0] % 17;
    const std::span<const uint8_t> stream(data + 1, size - 1);

    const Outcome whole = decode_all(stream, stream.size() + 1);
    const Outcome pieces = decode_all(stream, piece);
    check(whole.frames == pieces.frames && whole.error == pieces.error && whole.message == pieces.message);

    for (const auto& payload : whole.frames) {
        proto::Request req;
        std::string err;
        if (!proto::decode_request(payload, req, err)) {
            check(!err.empty());
            continue;
        }
        std::vector<uint8_t> again;
        check(proto::encode_request(req, again, err));
        check(again.size() == payload.size() + proto::kHeaderSize);
        check(std::equal(payload.begin(), payload.end(), again.begin() + proto::kHeaderSize));

        const proto::Response resp = server->cli.execute(req);
        check(resp.status != proto::Status::more);
        std::vector<uint8_t> frame;
        check(proto::encode_response(resp, frame, err));

        // The streamed rendering of what the command returned.
        CommandResult res;
        try {
            res = server->cli.dispatch(req);
        } catch (...) {
            continue;
        }
        if (const auto* r = std::get_if<Report>(&res)) {
            for (bool json : {false, true}) {
                ReportStream s(*r, json);
                std::string out;
                while (s.next(out, 1 + piece * 3)) {
                }
                check(out == (json ? render_json(*r) : render_text(*r)));
            }
        }
    }
    return 0;
}
