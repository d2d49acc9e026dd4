#include "control/cli_server.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

#ifndef WARMGATE_VERSION
#define WARMGATE_VERSION "unknown"
#endif

namespace wg::control {

namespace {

constexpr size_t kReadChunk = 16 * 1024;
// Per wake-up, so one chatty client cannot starve the rest of the loop.
constexpr size_t kMaxReadPerEvent = 256 * 1024;

std::string errstr(int e) { return std::strerror(e); }

std::string join(const std::vector<std::string>& words, size_t n = SIZE_MAX) {
    std::string s;
    for (size_t i = 0; i < words.size() && i < n; ++i) {
        if (i) s += ' ';
        s += words[i];
    }
    return s;
}

bool make_sockaddr(const std::string& path, sockaddr_un& sa) {
    std::memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof sa.sun_path) return false;
    std::memcpy(sa.sun_path, path.data(), path.size());
    return true;
}

// mkdir -p for the socket's directory; existing components are left as they are.
bool make_parent_dirs(const std::string& path, std::string& error) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) return true;
    std::string dir = path.substr(0, slash);
    for (size_t pos = 1; pos <= dir.size(); ++pos) {
        if (pos != dir.size() && dir[pos] != '/') continue;
        std::string part = dir.substr(0, pos);
        if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
            error = "cannot create directory " + part + ": " + errstr(errno);
            return false;
        }
    }
    struct stat st;
    if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        error = "cannot create directory " + dir + ": not a directory";
        return false;
    }
    return true;
}

// Is a process accepting on `path`? 1 yes, 0 no (stale), -1 cannot tell.
int probe_listener(const sockaddr_un& sa, int& err) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        err = errno;
        return -1;
    }
    int rc = connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    err = rc == 0 ? 0 : errno;
    close(fd);
    if (rc == 0 || err == EAGAIN || err == EINPROGRESS)
        return 1; // EAGAIN: a full backlog, still a live listener
    if (err == ECONNREFUSED) return 0;
    return -1;
}

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
            diag = up;
        }
    }
    return row[b.size()];
}

// A typed word selects a command word when equal to it or, as on VRP, an
// abbreviation of it.
bool word_matches(const std::string& typed, const std::string& word) {
    return !typed.empty() && word.compare(0, typed.size(), typed) == 0;
}

} // namespace

bool CliServer::available(const std::string& path, std::string& error) {
    sockaddr_un sa{};
    if (path.size() >= sizeof sa.sun_path) return true; // start() reports the length
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    struct stat st;
    if (lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return true;
    int err = 0;
    if (probe_listener(sa, err) == 1) {
        error = "another warmgate is already serving " + path;
        return false;
    }
    return true;
}

CliServer::CliServer(EventLoop& loop, std::string socket_path)
    : CliServer(loop, std::move(socket_path), Options{}) {}

CliServer::CliServer(EventLoop& loop, std::string socket_path, Options opts)
    : loop_(loop), path_(std::move(socket_path)), opts_(std::move(opts)) {
    register_command({"display", "version"}, "program and library versions",
                     [this](const CommandContext& ctx) -> CommandResult {
                         if (!ctx.args.empty()) return CommandError{"display version takes no arguments"};
                         return version();
                     });
    register_command({"help"}, "list commands (help WORD...: those starting with WORD...)",
                     [this](const CommandContext& ctx) { return help(ctx.args); });
    register_command({"display", "cli"}, "operator channel: limits, clients, refusals",
                     [this](const CommandContext& ctx) -> CommandResult {
                         if (!ctx.args.empty()) return CommandError{"display cli takes no arguments"};
                         return report();
                     });
}

Report CliServer::report() const {
    Report r;
    Section& s = r.section("cli", "Operator channel");
    s.add("clients", "Clients", uint64_t(clients_.size()));
    s.add("max_clients", "Max clients", uint64_t(opts_.max_clients));
    s.add("reply_memory", "Reply memory (bytes)", uint64_t(reply_memory()));
    s.add("max_total_reply_bytes", "Reply memory cap", uint64_t(opts_.max_total_reply_bytes));
    s.add("max_reply_bytes", "Reply cap (unstreamed)", uint64_t(opts_.max_reply_bytes));
    s.add("max_input_bytes", "Input buffer cap", uint64_t(opts_.max_input_bytes));
    s.add("stream_chunk_bytes", "Stream piece (bytes)", uint64_t(opts_.stream_chunk_bytes));
    s.add("idle_timeout_ms", "Idle timeout (ms)",
          uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(opts_.client_idle_timeout).count()));
    Record counters;
    for (size_t i = 0; i < kCliCounterCount; ++i)
        counters.add(kCliCounterInfo[i].key, label_from_key(kCliCounterInfo[i].key), counters_[i]);
    s.add("counters", "Counters", std::move(counters));
    return r;
}

CliServer::~CliServer() { stop(); }

bool CliServer::start(std::string& error) {
    if (listen_fd_ >= 0) return true;
    sockaddr_un sa;
    if (!make_sockaddr(path_, sa)) {
        error = "socket path \"" + path_ + "\" is empty or longer than " +
                std::to_string(sizeof sa.sun_path - 1) + " bytes";
        return false;
    }
    if (!make_parent_dirs(path_, error)) return false;

    struct stat st;
    if (lstat(path_.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            error = path_ + " exists and is not a socket; not removing it";
            return false;
        }
        int err = 0;
        int live = probe_listener(sa, err);
        if (live == 1) {
            error = "another warmgate is already serving " + path_;
            return false;
        }
        if (live < 0) {
            error = "cannot probe existing socket " + path_ + ": " + errstr(err);
            return false;
        }
        // Left behind by a process that died without unlinking it.
        if (unlink(path_.c_str()) != 0 && errno != ENOENT) {
            error = "cannot remove stale socket " + path_ + ": " + errstr(errno);
            return false;
        }
    }

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = "socket: " + errstr(errno);
        return false;
    }
    auto fail = [&](std::string msg) {
        int e = errno;
        close(fd);
        error = std::move(msg) + ": " + errstr(e);
        return false;
    };
    if (bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
        if (errno == EADDRINUSE) { // lost a race with another starter
            close(fd);
            error = "another warmgate is already serving " + path_;
            return false;
        }
        return fail("cannot bind " + path_);
    }
    // Operators in the socket's group may use the CLI; others may not.
    if (chmod(path_.c_str(), 0660) != 0 || stat(path_.c_str(), &st) != 0) {
        unlink(path_.c_str());
        return fail("cannot chmod " + path_);
    }
    sock_dev_ = st.st_dev;
    sock_ino_ = st.st_ino;
    if (listen(fd, 64) != 0) {
        unlink(path_.c_str());
        return fail("cannot listen on " + path_);
    }
    if (!loop_.add_fd(fd, EPOLLIN, [this](uint32_t) { on_accept(); })) {
        unlink(path_.c_str());
        return fail("cannot watch " + path_);
    }
    listen_fd_ = fd;
    return true;
}

void CliServer::stop() {
    while (!clients_.empty()) close_client(clients_.begin()->first);
    if (listen_fd_ < 0) return;
    loop_.remove_fd(listen_fd_);
    close(listen_fd_);
    listen_fd_ = -1;
    struct stat st;
    if (lstat(path_.c_str(), &st) == 0 && st.st_dev == sock_dev_ && st.st_ino == sock_ino_)
        unlink(path_.c_str());
}

void CliServer::register_command(std::vector<std::string> words, std::string help_text,
                                 CommandHandler handler) {
    auto it =
        std::find_if(commands_.begin(), commands_.end(), [&](const Command& c) { return c.words == words; });
    if (it != commands_.end()) {
        it->help = std::move(help_text);
        it->handler = std::move(handler);
        return;
    }
    commands_.push_back(Command{std::move(words), std::move(help_text), std::move(handler)});
    std::sort(commands_.begin(), commands_.end(),
              [](const Command& a, const Command& b) { return a.words < b.words; });
}

// ---- connections -------------------------------------------------------------

void CliServer::log(std::string_view reason, const std::string& line) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(loop_.now().time_since_epoch()).count();
    log_limit_.log(reason, uint64_t(ns), "warmgate: CLI: " + line);
}

void CliServer::on_accept() {
    for (;;) {
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                // Out of descriptors: the pending connection stays queued and
                // level-triggered epoll would report it again at once. Pause
                // accepting instead of spinning the control core.
                int lfd = listen_fd_;
                if (loop_.modify_fd(lfd, 0))
                    loop_.add_timer(std::chrono::milliseconds(100), [this, lfd] {
                        if (listen_fd_ == lfd) (void)loop_.modify_fd(lfd, EPOLLIN);
                    });
            }
            return; // EAGAIN, or a client that vanished before we got to it
        }
        if (clients_.size() >= opts_.max_clients) {
            count(CliCounter::refused_clients);
            log("refused_clients", "connection refused: " + std::to_string(opts_.max_clients) +
                                       " clients connected (max_clients)");
            // Best effort, never blocking: a fresh socket buffer takes this.
            std::vector<uint8_t> frame;
            std::string err;
            proto::Response r{
                proto::Status::internal,
                "Error: too many CLI clients (" + std::to_string(opts_.max_clients) + "), try again\n"};
            if (proto::encode_response(r, frame, err)) {
                [[maybe_unused]] ssize_t n =
                    send(fd, frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            }
            close(fd);
            continue;
        }
        auto c = std::make_unique<Client>();
        c->fd = fd;
        c->interest = EPOLLIN | EPOLLRDHUP;
        if (!loop_.add_fd(fd, c->interest, [this, fd](uint32_t ev) { on_client(fd, ev); })) {
            close(fd);
            continue;
        }
        count(CliCounter::accepted);
        Client& ref = *c;
        clients_.emplace(fd, std::move(c));
        touch(ref);
    }
}

void CliServer::touch(Client& c) {
    loop_.cancel_timer(c.idle_timer);
    int fd = c.fd;
    c.idle_timer = loop_.add_timer(opts_.client_idle_timeout, [this, fd] { on_idle(fd); });
}

void CliServer::on_idle(int fd) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) return;
    Client& c = *it->second;
    c.idle_timer = 0;
    // A reply waiting for room: the client does not read. Else it is silent
    // (mid-request or between requests).
    if (c.out_pos < c.out.size() || c.stream) {
        count(CliCounter::stalled_closed);
        log("stalled_closed", "client closed: not reading its reply");
    } else {
        count(CliCounter::idle_closed);
    }
    close_client(fd);
}

void CliServer::close_client(int fd) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) return;
    loop_.cancel_timer(it->second->idle_timer);
    loop_.remove_fd(fd);
    close(fd);
    clients_.erase(it);
}

size_t CliServer::reply_memory() const {
    size_t n = 0;
    for (const auto& [fd, c] : clients_) {
        n += c->out.capacity();
        if (c->stream) n += c->stream->memory();
    }
    return n;
}

void CliServer::on_client(int fd, uint32_t events) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) return;
    Client& c = *it->second;
    if (events & (EPOLLERR | EPOLLHUP)) {
        // EPOLLHUP: both directions are gone, nobody can read the rest.
        close_client(fd);
        return;
    }
    if ((events & (EPOLLIN | EPOLLRDHUP)) && !read_client(c)) return;
    if (serve(c)) update_interest(c);
}

// Reading goes on while a reply is produced, into the bounded input buffer:
// requests pipelined behind the current one wait there.
bool CliServer::read_client(Client& c) {
    size_t total = 0;
    while (!c.eof && total < kMaxReadPerEvent) {
        uint8_t buf[kReadChunk];
        ssize_t n = recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            total += size_t(n);
            if (c.decoder.buffered() + size_t(n) > opts_.max_input_bytes) {
                refuse(c, CliCounter::input_overflow,
                       "too many pipelined requests (more than " + std::to_string(opts_.max_input_bytes) +
                           " bytes waiting); send one request at a time");
                return false;
            }
            c.decoder.feed({buf, size_t(n)});
            continue;
        }
        if (n == 0) {
            c.eof = true;
        } else if (errno == EINTR) {
            continue;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
            close_client(c.fd);
            return false;
        }
        break;
    }
    if (total > 0) touch(c);
    // Data left beyond kMaxReadPerEvent is reported again: epoll is level-triggered.
    return true;
}

// Told why, then closed: the reply goes out best effort (never blocking) and
// the connection is gone at once, whatever the client left unread.
void CliServer::refuse(Client& c, CliCounter why, std::string message) {
    count(why);
    log(kCliCounterInfo[size_t(why)].key, "client closed: " + message);
    std::vector<uint8_t> frame;
    std::string err;
    if (proto::encode_response({proto::Status::error, "Error: " + message + "\n"}, frame, err)) {
        [[maybe_unused]] ssize_t n = send(c.fd, frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    close_client(c.fd);
}

bool CliServer::serve(Client& c) {
    if (c.out_pos < c.out.size()) {
        if (!flush_client(c)) return false;
        if (c.out_pos < c.out.size()) return true; // waits for EPOLLOUT
    }
    if (c.stream) {
        // One piece per turn: the loop runs timers and other clients between.
        std::string piece;
        const bool more = c.stream->next(piece, opts_.stream_chunk_bytes);
        if (!more) c.stream.reset();
        if (!piece.empty() || !more) {
            count(CliCounter::streamed_pieces);
            queue(c, {more ? proto::Status::more : proto::Status::ok, std::move(piece)});
        }
        return flush_client(c);
    }
    if (c.decoder.ready()) {
        if (!start_request(c)) return false;
        return flush_client(c);
    }
    if (c.eof || c.close_after_flush) {
        close_client(c.fd);
        return false;
    }
    return true;
}

bool CliServer::start_request(Client& c) {
    std::vector<uint8_t> payload;
    auto r = c.decoder.next(payload);
    if (r == proto::FrameDecoder::Result::error) {
        count(CliCounter::bad_request);
        queue(c, {proto::Status::error, "Error: " + c.decoder.error() + "\n"});
        c.close_after_flush = true;
        return true;
    }
    if (r != proto::FrameDecoder::Result::frame) return true;
    proto::Request req;
    std::string err;
    if (!proto::decode_request(payload, req, err)) {
        count(CliCounter::bad_request);
        queue(c, {proto::Status::error, "Error: malformed request: " + err + "\n"});
        c.close_after_flush = true;
        return true;
    }
    count(CliCounter::requests);
    const size_t in_use = reply_memory();
    auto busy = [&] {
        count(CliCounter::memory_refused);
        log("memory_refused", "request refused: reply memory of all clients at its cap");
        queue(c, {proto::Status::error,
                  "Error: the CLI's reply memory (" + std::to_string(opts_.max_total_reply_bytes >> 20) +
                      " MiB for all clients) is in use, try again\n"});
    };
    if (in_use >= opts_.max_total_reply_bytes) {
        busy();
        return true;
    }
    CommandResult result = run(req);
    if (auto* e = std::get_if<CommandError>(&result)) {
        queue(c, error_response(*e));
        return true;
    }
    auto stream = std::make_unique<ReportStream>(std::move(std::get<Report>(result)), req.json);
    if (in_use + stream->memory() > opts_.max_total_reply_bytes) {
        busy();
        return true;
    }
    if (stream->streamed()) {
        count(CliCounter::streamed_replies);
        c.stream = std::move(stream);
        return true;
    }
    // Small and already rendered: one frame.
    std::string body;
    while (stream->next(body, SIZE_MAX)) {
    }
    if (body.size() > opts_.max_reply_bytes) {
        count(CliCounter::reply_too_big);
        queue(c, {proto::Status::internal, "Error: reply of " + std::to_string(body.size()) +
                                               " bytes exceeds the limit of " +
                                               std::to_string(opts_.max_reply_bytes) + " bytes; narrow the query\n"});
        return true;
    }
    queue(c, {proto::Status::ok, std::move(body)});
    return true;
}

void CliServer::queue(Client& c, const proto::Response& resp) {
    if (c.out_pos == c.out.size()) {
        c.out.clear();
        c.out_pos = 0;
    }
    std::vector<uint8_t> frame;
    std::string err;
    if (!proto::encode_response(resp, frame, err)) {
        count(CliCounter::reply_too_big);
        proto::Response too_big{proto::Status::internal, "Error: " + err + "; narrow the query\n"};
        if (!proto::encode_response(too_big, frame, err)) return;
    }
    c.out.insert(c.out.end(), frame.begin(), frame.end());
}

bool CliServer::flush_client(Client& c) {
    bool sent = false;
    while (c.out_pos < c.out.size()) {
        ssize_t n =
            send(c.fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            c.out_pos += size_t(n);
            sent = true;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break; // a slow reader: wait for room
        close_client(c.fd); // EPIPE / ECONNRESET: the client went away
        return false;
    }
    // Progress resets the idle clock; a client that reads nothing does not.
    if (sent) touch(c);
    if (c.out_pos == c.out.size()) {
        c.out.clear();
        c.out_pos = 0;
        // A big unstreamed reply is not kept as capacity.
        if (c.out.capacity() > opts_.stream_chunk_bytes * 2) c.out.shrink_to_fit();
        if (c.close_after_flush) {
            close_client(c.fd);
            return false;
        }
    }
    return true;
}

// EPOLLOUT while there is something to send or produce (a writable socket
// then calls serve() once per loop turn); EPOLLIN until the peer's EOF
// (EPOLLRDHUP is level-triggered and would spin once seen).
bool CliServer::update_interest(Client& c) {
    uint32_t want = 0;
    if (!c.eof && !c.close_after_flush) want |= EPOLLIN | EPOLLRDHUP;
    if (c.out_pos < c.out.size() || c.stream || c.decoder.ready() || c.close_after_flush ||
        (c.eof && !c.decoder.ready()))
        want |= EPOLLOUT;
    if (want == c.interest) return true;
    if (!loop_.modify_fd(c.fd, want)) {
        close_client(c.fd);
        return false;
    }
    c.interest = want;
    return true;
}

// ---- commands -----------------------------------------------------------------

CommandResult CliServer::run(const proto::Request& req) {
    try {
        return dispatch(req);
    } catch (const std::exception& e) {
        return CommandError{"internal error in \"" + join(req.words) + "\": " + e.what(), proto::Status::internal};
    } catch (...) {
        return CommandError{"internal error in \"" + join(req.words) + "\"", proto::Status::internal};
    }
}

proto::Response CliServer::error_response(const CommandError& err) {
    std::string body = "Error: " + err.message;
    if (body.empty() || body.back() != '\n') body += '\n';
    return {err.status == proto::Status::ok ? proto::Status::error : err.status, std::move(body)};
}

proto::Response CliServer::execute(const proto::Request& req) {
    CommandResult result = run(req);
    if (auto* err = std::get_if<CommandError>(&result)) return error_response(*err);
    const Report& r = std::get<Report>(result);
    return {proto::Status::ok, req.json ? render_json(r) : render_text(r)};
}

CommandResult CliServer::dispatch(const proto::Request& req) {
    const auto& words = req.words;
    if (words.empty()) return CommandError{"empty command; try \"help\""};
    // VRP's "display ?": list what may follow.
    if (words.back() == "?") return help({words.begin(), words.end() - 1});

    const Command* best = nullptr;
    size_t best_len = 0, best_exact = 0;
    std::vector<const Command*> tied;
    for (const auto& c : commands_) {
        if (c.words.size() > words.size()) continue;
        size_t exact = 0;
        bool ok = true;
        for (size_t i = 0; i < c.words.size() && ok; ++i) {
            ok = word_matches(words[i], c.words[i]);
            exact += ok && words[i] == c.words[i];
        }
        if (!ok) continue;
        // Longest command wins; among equals, the one typed out in full.
        size_t len = c.words.size();
        if (!best || len > best_len || (len == best_len && exact > best_exact)) {
            best = &c;
            best_len = len;
            best_exact = exact;
            tied.assign(1, &c);
        } else if (len == best_len && exact == best_exact) {
            tied.push_back(&c);
        }
    }
    if (!best) return CommandError{unknown_command(words)};
    if (tied.size() > 1) {
        std::string msg = "ambiguous command \"" + join(words, best_len) + "\": could be";
        for (size_t i = 0; i < tied.size(); ++i) msg += (i ? ", " : " ") + join(tied[i]->words);
        return CommandError{msg};
    }
    CommandContext ctx;
    ctx.command = best->words;
    ctx.args.assign(words.begin() + std::ptrdiff_t(best_len), words.end());
    ctx.json = req.json;
    return best->handler(ctx);
}

std::string CliServer::unknown_command(const std::vector<std::string>& words) const {
    std::string msg = "unknown command \"" + join(words) + "\"";
    if (words.empty()) return msg;
    std::vector<std::pair<size_t, const Command*>> close;
    for (const auto& c : commands_) {
        std::string want = join(c.words);
        std::string typed = join(words, c.words.size());
        size_t d = edit_distance(typed, want);
        if (d <= std::max<size_t>(2, want.size() / 4)) close.emplace_back(d, &c);
    }
    // Nothing close: offer the commands that share the first word typed.
    if (close.empty())
        for (const auto& c : commands_)
            if (word_matches(words[0], c.words[0]) && c.words.size() > 1) close.emplace_back(0, &c);
    std::stable_sort(close.begin(), close.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    if (close.size() > 8) close.resize(8);
    if (close.empty()) return msg + "; try \"help\"";
    msg += "; did you mean:";
    for (const auto& [d, c] : close) msg += "\n  " + join(c->words);
    return msg;
}

CommandResult CliServer::help(const std::vector<std::string>& prefix) const {
    Table t({Column("command", "Command"), Column("help", "Description")});
    for (const auto& c : commands_) {
        bool match = prefix.size() <= c.words.size();
        for (size_t i = 0; match && i < prefix.size(); ++i) match = word_matches(prefix[i], c.words[i]);
        if (match) t.row({join(c.words), c.help});
    }
    if (t.rows().empty()) return CommandError{unknown_command(prefix)};
    Report r;
    r.section("help").add("commands", "", std::move(t));
    return r;
}

Report CliServer::version() const {
    Report r;
    Section& s = r.section("version");
    s.add("program", "Program", opts_.program);
    s.add("version", "Version", WARMGATE_VERSION);
    if (version_hook_) version_hook_(s);
    return r;
}

} // namespace wg::control
