// The appliance side of the operator channel (docs/architecture.md "Operator
// interface"):
// a Unix stream socket served on the control loop, a command table matched by
// longest word prefix, and Report rendering to text or JSON.
//
// Usage from main (control thread):
//
//   wg::control::EventLoop loop;
//   wg::control::CliServer cli(loop, cfg.control.socket);
//   cli.set_version_hook([](wg::control::Section &s) { s.add("dpdk", "DPDK", rte_version()); });
//   cli.register_command({"display", "interface"}, "show ports and their counters",
//       [&](const wg::control::CommandContext &ctx) -> wg::control::CommandResult { ... });
//   std::string err;
//   if (!cli.start(err)) { fprintf(stderr, "warmgate: %s\n", err.c_str()); return 1; }
//   loop.run();
//
// Handlers run on the control loop and must not block: they read tables and
// counters, build a Report and return. A display that can be huge gives its
// table a RowSource (control/report.hpp) instead of rows: the server then
// streams the reply in pieces of `stream_chunk_bytes`, one piece per client
// per loop turn and only while the client's socket takes them, so VRRP
// timers and other clients run between pieces. Command words may be
// abbreviated as on VRP ("dis ver"); an ambiguous abbreviation is an error
// naming the choices.
//
// Bounds (docs/architecture.md "Operator interface"): `max_clients`
// connections; one request per client at a time, later pipelined requests
// wait in an input buffer of `max_input_bytes` (beyond it the client is told
// and closed); an unstreamed reply of at most `max_reply_bytes`; all
// clients' reply memory (queued bytes and streams' snapshots) at most
// `max_total_reply_bytes` (a request beyond it is refused, try again); a
// client silent, or not reading its reply, for `client_idle_timeout` is
// closed. Each refusal has a counter (WG_CLI_COUNTERS, `display cli`).
//
// Thread-safety: every member function, and every handler, runs on the
// thread that runs `loop`.
#pragma once

#include "common/log_limit.hpp"
#include "control/cli_proto.hpp"
#include "control/event_loop.hpp"
#include "control/report.hpp"

#include <sys/types.h>
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace wg::control {

struct CommandContext {
    std::vector<std::string> command; // the registered words that matched
    std::vector<std::string> args;    // the words after them
    bool json = false;                // the client asked for JSON (the Report renders either way)
};

struct CommandError {
    std::string message; // one line, without "Error: " (the server adds it)
    proto::Status status = proto::Status::error;
};

using CommandResult = std::variant<Report, CommandError>;
using CommandHandler = std::function<CommandResult(const CommandContext&)>;

// Every refusal and closing of the operator channel, defined once: `display
// cli`, its JSON and telemetry show this list.
#define WG_CLI_COUNTERS(X)                                                                                   \
    X(accepted, "clients accepted")                                                                          \
    X(refused_clients, "connections refused: max_clients already connected")                                \
    X(requests, "requests answered")                                                                         \
    X(streamed_replies, "replies streamed in pieces")                                                        \
    X(streamed_pieces, "pieces of streamed replies queued")                                                  \
    X(input_overflow, "clients closed: pipelined requests beyond the input buffer")                           \
    X(bad_request, "clients closed: oversize or malformed request")                                         \
    X(reply_too_big, "replies refused: larger than max_reply_bytes")                                         \
    X(memory_refused, "requests refused: all clients' reply memory at its cap")                              \
    X(idle_closed, "clients closed: silent beyond the idle timeout")                                         \
    X(stalled_closed, "clients closed: not reading their reply beyond the idle timeout")

enum class CliCounter : uint8_t {
#define WG_CLI_ENUM(name, help) name,
    WG_CLI_COUNTERS(WG_CLI_ENUM)
#undef WG_CLI_ENUM
};
struct CliCounterInfo {
    std::string_view key;
    std::string_view help;
};
inline constexpr CliCounterInfo kCliCounterInfo[] = {
#define WG_CLI_INFO(name, help) {#name, help},
    WG_CLI_COUNTERS(WG_CLI_INFO)
#undef WG_CLI_INFO
};
inline constexpr size_t kCliCounterCount = std::size(kCliCounterInfo);

class CliServer {
  public:
    struct Options {
        size_t max_clients = 16;
        // A client that stays silent mid-request (or never reads its reply)
        // this long is dropped, so it cannot hold a slot forever.
        Duration client_idle_timeout = std::chrono::seconds(30);
        std::string program = "warmgate"; // shown by `display version`
        // Requests received while one is being answered (a partial frame
        // included); more is refused and the client closed.
        size_t max_input_bytes = proto::kMaxRequestPayload + 64 * 1024;
        // Size of one piece of a streamed reply (and the rows rendered per
        // loop turn for it: about this many bytes).
        size_t stream_chunk_bytes = 64 * 1024;
        // An unstreamed reply (a Report without a RowSource) larger than
        // this is replaced by an error.
        size_t max_reply_bytes = proto::kMaxPayload;
        // All clients together: queued reply bytes plus streams' snapshots.
        size_t max_total_reply_bytes = 64u << 20;
    };

    // `loop` must outlive the server (declare it first).
    CliServer(EventLoop& loop, std::string socket_path);
    CliServer(EventLoop& loop, std::string socket_path, Options opts);
    ~CliServer(); // stop()
    CliServer(const CliServer&) = delete;
    CliServer& operator=(const CliServer&) = delete;

    // Creates the socket's parent directory (0755) if missing, replaces a
    // stale socket file nothing listens on, binds, chmods 0660 and listens.
    // False with `error` set on failure, e.g. "another warmgate is already
    // serving /run/warmgate/DeviceA.sock".
    [[nodiscard]] bool start(std::string& error);
    // Without touching anything: false with `error` when another process is
    // already serving `path` (main calls it before EAL grabs any device).
    static bool available(const std::string& path, std::string& error);
    // Closes the listener and every client, and unlinks the socket file if it
    // is still the one we created. Idempotent.
    void stop();

    // `words` like {"display", "interface"}; replaces an existing command
    // with the same words. `help` is one line for `help` / `display ?`.
    void register_command(std::vector<std::string> words, std::string help, CommandHandler handler);
    // Adds fields to the `display version` section (DPDK version, sysname...).
    void set_version_hook(std::function<void(Section&)> hook) { version_hook_ = std::move(hook); }

    // Runs one request as if it came from a client (tests, telemetry bridge).
    proto::Response execute(const proto::Request& req);
    // The Report (or error) for a request, unrendered: the telemetry bridge
    // turns it into rte_tel_data. Control thread only; handlers may throw.
    CommandResult dispatch(const proto::Request& req);
    // dispatch() with every exception turned into an internal CommandError.
    CommandResult run(const proto::Request& req);
    static proto::Response error_response(const CommandError& err);

    const std::string& socket_path() const { return path_; }
    bool listening() const { return listen_fd_ >= 0; }
    size_t client_count() const { return clients_.size(); }
    uint64_t counter(CliCounter c) const { return counters_[size_t(c)]; }
    // Bytes the clients' replies hold now (queued frames and streams).
    size_t reply_memory() const;
    // `display cli`: the limits, the clients and WG_CLI_COUNTERS.
    Report report() const;

  private:
    struct Command {
        std::vector<std::string> words;
        std::string help;
        CommandHandler handler;
    };
    struct Client {
        int fd;
        proto::FrameDecoder decoder{proto::kMaxRequestPayload};
        std::vector<uint8_t> out;
        size_t out_pos = 0;
        std::unique_ptr<ReportStream> stream; // the reply being produced
        bool eof = false;                     // the peer will send nothing more
        bool close_after_flush = false;
        uint32_t interest = 0;
        EventLoop::TimerId idle_timer = 0;
    };

    void on_accept();
    void on_client(int fd, uint32_t events);
    // Each returns false when it closed the client (which is then gone).
    bool read_client(Client& c);
    bool flush_client(Client& c);
    // One step: flush, else one piece of the stream, else the next request.
    bool serve(Client& c);
    bool start_request(Client& c);
    bool update_interest(Client& c);
    void close_client(int fd);
    void refuse(Client& c, CliCounter why, std::string message);
    void touch(Client& c);
    void on_idle(int fd);
    void queue(Client& c, const proto::Response& resp);
    void count(CliCounter c) { ++counters_[size_t(c)]; }
    void log(std::string_view reason, const std::string& line);

    CommandResult help(const std::vector<std::string>& prefix) const;
    Report version() const;
    std::string unknown_command(const std::vector<std::string>& words) const;

    EventLoop& loop_;
    std::string path_;
    Options opts_;
    int listen_fd_ = -1;
    dev_t sock_dev_ = 0; // identity of the socket file we bound, so stop()
    ino_t sock_ino_ = 0; // never unlinks a successor's socket
    std::unordered_map<int, std::unique_ptr<Client>> clients_;
    std::vector<Command> commands_; // kept sorted by words
    std::function<void(Section&)> version_hook_;
    std::array<uint64_t, kCliCounterCount> counters_{};
    LogLimiter log_limit_;
};

} // namespace wg::control
