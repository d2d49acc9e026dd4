// warmgatectl: the operator's client for a running warmgate
// (docs/architecture.md "Operator interface"). Sends one command over the Unix socket, prints the
// reply body on stdout (errors on stderr).
//
// Exit status: 0 ok, 1 the appliance refused or failed the command,
// 2 usage, 3 cannot connect or no valid reply.
#include "control/cli_proto.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace proto = wg::control::proto;
using Clock = std::chrono::steady_clock;

constexpr int kExitOk = 0, kExitCommand = 1, kExitUsage = 2, kExitConnect = 3;
constexpr const char* kRunDir = "/run/warmgate";

void usage(FILE* f) {
    std::fprintf(f,
                 "usage: warmgatectl [-n SYSNAME | --socket PATH] [--json] [--timeout SEC] COMMAND...\n"
                 "\n"
                 "  -n SYSNAME      talk to %s/SYSNAME.sock\n"
                 "  --socket PATH   talk to PATH (default: $WARMGATE_SOCKET, else %s/warmgate.sock)\n"
                 "  --json          ask for JSON output\n"
                 "  --timeout SEC   give up after SEC seconds (default 10)\n"
                 "\n"
                 "examples: warmgatectl -n DeviceA display remote-backup-service service1\n"
                 "          warmgatectl --json display version\n"
                 "          warmgatectl help\n",
                 kRunDir, kRunDir);
}

int usage_error(const std::string& msg) {
    std::fprintf(stderr, "warmgatectl: %s\n", msg.c_str());
    usage(stderr);
    return kExitUsage;
}

struct Args {
    std::string socket;
    std::string sysname;
    bool json = false;
    double timeout_s = 10.0;
    std::vector<std::string> words;
};

// Returns -1 on success, else an exit status.
int parse_args(int argc, char** argv, Args& a) {
    int i = 1;
    std::string arg;
    // The value of "--opt VALUE" or "--opt=VALUE"; false when missing.
    auto value = [&](std::string_view opt, std::string& out) -> bool {
        if (arg.size() > opt.size()) {
            out = arg.substr(opt.size() + 1);
            return true;
        }
        if (i + 1 >= argc) return false;
        out = argv[++i];
        return true;
    };
    auto is_opt = [&](std::string_view opt) {
        return arg == opt || (arg.size() > opt.size() && arg.compare(0, opt.size(), opt) == 0 &&
                              arg[opt.size()] == '=' && opt.size() > 2);
    };
    for (; i < argc; ++i) {
        arg = argv[i];
        if (arg == "--") {
            ++i;
            break;
        }
        if (arg.empty() || arg[0] != '-') break; // the command starts: its words may look like anything
        if (arg == "-h" || arg == "--help") {
            usage(stdout);
            return kExitOk;
        } else if (arg == "--json" || arg == "-j") {
            a.json = true;
        } else if (is_opt("--socket")) {
            if (!value("--socket", a.socket) || a.socket.empty()) return usage_error("--socket needs a PATH");
        } else if (arg == "-n") {
            if (!value("-n", a.sysname) || a.sysname.empty()) return usage_error("-n needs a SYSNAME");
            if (a.sysname.find('/') != std::string::npos || a.sysname[0] == '.')
                return usage_error("bad SYSNAME \"" + a.sysname + "\"");
        } else if (is_opt("--timeout")) {
            std::string v;
            if (!value("--timeout", v)) return usage_error("--timeout needs SEC");
            char* end = nullptr;
            errno = 0;
            a.timeout_s = std::strtod(v.c_str(), &end);
            if (v.empty() || *end || errno || !(a.timeout_s > 0) || a.timeout_s > 86400)
                return usage_error("bad --timeout \"" + v + "\" (seconds, > 0)");
        } else {
            return usage_error("unknown option " + arg);
        }
    }
    if (!a.socket.empty() && !a.sysname.empty()) return usage_error("--socket and -n are exclusive");
    for (; i < argc; ++i) a.words.emplace_back(argv[i]);
    if (a.words.empty()) return usage_error("no COMMAND given");
    if (a.socket.empty()) {
        if (!a.sysname.empty())
            a.socket = std::string(kRunDir) + "/" + a.sysname + ".sock";
        else if (const char* env = std::getenv("WARMGATE_SOCKET"); env && *env)
            a.socket = env;
        else
            a.socket = std::string(kRunDir) + "/warmgate.sock";
    }
    return -1;
}

int ms_left(Clock::time_point deadline) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left <= 0 ? 0 : left > 1'000'000'000 ? 1'000'000'000 : int(left);
}

int no_reply(const Args& a, const std::string& why) {
    std::fprintf(stderr, "warmgatectl: %s: %s\n", a.socket.c_str(), why.c_str());
    return kExitConnect;
}

int run(const Args& a) {
    std::vector<uint8_t> frame;
    std::string err;
    proto::Request req{a.json, a.words};
    if (!proto::encode_request(req, frame, err)) return usage_error(err);

    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (a.socket.size() >= sizeof sa.sun_path) return usage_error("socket path too long: " + a.socket);
    std::memcpy(sa.sun_path, a.socket.data(), a.socket.size());

    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(a.timeout_s));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return no_reply(a, std::string("socket: ") + std::strerror(errno));
    // Unix-domain connect() blocks only when the listener's backlog is full,
    // and honours SO_SNDTIMEO; after it everything is non-blocking + poll.
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(a.timeout_s);
    tv.tv_usec = static_cast<suseconds_t>((a.timeout_s - double(tv.tv_sec)) * 1e6);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
        int e = errno;
        close(fd);
        std::fprintf(stderr, "warmgatectl: cannot connect to %s: %s (is warmgate running?)\n",
                     a.socket.c_str(), std::strerror(e));
        return kExitConnect;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

    // A server that refuses us (too many clients) answers and closes before
    // reading: the send then fails, but its reply is waiting to be read.
    int send_errno = 0;
    size_t sent = 0;
    while (sent < frame.size()) {
        ssize_t n = send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += size_t(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            pollfd p{fd, POLLOUT, 0};
            if (poll(&p, 1, ms_left(deadline)) == 0) {
                close(fd);
                return no_reply(a, "timed out sending the request");
            }
            continue;
        }
        send_errno = errno;
        break;
    }

    proto::FrameDecoder dec(proto::kMaxPayload);
    std::vector<uint8_t> payload;
    bool streamed = false; // pieces of a streamed reply went to stdout
    for (;;) {
        auto r = dec.next(payload);
        if (r == proto::FrameDecoder::Result::frame) {
            proto::Response piece;
            if (!proto::decode_response(payload, piece, err)) {
                close(fd);
                return no_reply(a, "bad reply: " + err);
            }
            if (piece.status != proto::Status::more) break;
            // A streamed display: print each piece as it comes (our memory
            // stays one piece), and the timeout counts from the last one.
            std::fwrite(piece.body.data(), 1, piece.body.size(), stdout);
            streamed = true;
            deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(a.timeout_s));
            continue;
        }
        if (r == proto::FrameDecoder::Result::error) {
            close(fd);
            return no_reply(a, "bad reply: " + dec.error());
        }
        uint8_t buf[64 * 1024];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            dec.feed({buf, size_t(n)});
            continue;
        }
        if (n == 0 || (n < 0 && send_errno && errno == ECONNRESET)) {
            close(fd);
            if (send_errno) return no_reply(a, std::string("send: ") + std::strerror(send_errno));
            return no_reply(a, "connection closed before a complete reply");
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN) {
            pollfd p{fd, POLLIN, 0};
            int left = ms_left(deadline);
            if (left == 0 || poll(&p, 1, left) == 0) {
                close(fd);
                char msg[96];
                std::snprintf(msg, sizeof msg, "no reply within %g s", a.timeout_s);
                return no_reply(a, msg);
            }
            continue;
        }
        int e = errno;
        close(fd);
        return no_reply(a, std::string("recv: ") + std::strerror(e));
    }
    close(fd);

    proto::Response resp;
    if (!proto::decode_response(payload, resp, err)) return no_reply(a, "bad reply: " + err);
    FILE* out = resp.status == proto::Status::ok ? stdout : stderr;
    std::fwrite(resp.body.data(), 1, resp.body.size(), out);
    if (!streamed && !resp.body.empty() && resp.body.back() != '\n') std::fputc('\n', out);
    if (std::fflush(out) != 0) return kExitCommand;
    return resp.status == proto::Status::ok ? kExitOk : kExitCommand;
}

} // namespace

int main(int argc, char** argv) {
    Args a;
    int rc = parse_args(argc, argv, a);
    if (rc >= 0) return rc;
    return run(a);
}
