// The appliance side of the operator channel (DESIGN.md "Operator interface"):
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
// counters, build a Report and return. Command words may be abbreviated as
// on VRP ("dis ver"); an ambiguous abbreviation is an error naming the choices.
//
// Thread-safety: every member function, and every handler, runs on the
// thread that runs `loop`.
#pragma once

#include "control/cli_proto.hpp"
#include "control/event_loop.hpp"
#include "control/report.hpp"

#include <sys/types.h>
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

class CliServer {
  public:
    struct Options {
        size_t max_clients = 16;
        // A client that stays silent mid-request (or never reads its reply)
        // this long is dropped, so it cannot hold a slot forever.
        Duration client_idle_timeout = std::chrono::seconds(30);
        std::string program = "warmgate"; // shown by `display version`
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

    const std::string& socket_path() const { return path_; }
    bool listening() const { return listen_fd_ >= 0; }
    size_t client_count() const { return clients_.size(); }

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
        bool close_after_flush = false;
        EventLoop::TimerId idle_timer = 0;
    };

    void on_accept();
    void on_client(int fd, uint32_t events);
    // Each returns false when it closed the client (which is then gone).
    bool read_client(Client& c);
    bool flush_client(Client& c);
    void close_client(int fd);
    void touch(Client& c);
    void queue(Client& c, const proto::Response& resp);

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
};

} // namespace wg::control
