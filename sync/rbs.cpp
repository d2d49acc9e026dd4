// The remote-backup service adapter (sync/rbs.hpp): performs the actions of
// the pure connection machine (sync/connection.hpp) with non-blocking sockets
// on the control EventLoop, frames the TLS stream (sync/wire.hpp) and routes
// frames to the profiles by backup-id. Nothing here blocks the loop: connect
// and the TLS handshake are non-blocking, addresses are numeric (no DNS).
//
// The TLS stream and framing live in rbs_stream.cpp, incoming connections
// still authenticating (candidates) in rbs_candidate.cpp, the display
// (`display remote-backup-service`) in rbs_report.cpp.
#include "sync/rbs_impl.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace wg::sync {

namespace {

sockaddr_in sockaddr_of(Ipv4 ip, uint16_t port) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(ip.value);
    sa.sin_port = htons(port);
    return sa;
}

std::string endpoint(Ipv4 ip, uint16_t port) {
    return ip.str() + ":" + std::to_string(port);
}

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

void close_fd(control::EventLoop& loop, int& fd) {
    if (fd < 0) return;
    loop.remove_fd(fd);
    ::close(fd);
    fd = -1;
}

conn::Params params_of(const RbsOptions& o) {
    conn::Params p;
    p.role = conn::role_for(o.source, o.peer);
    p.heartbeat = conn::Ms(o.heartbeat_ms);
    p.dead = conn::Ms(o.dead_ms);
    p.backoff_min = conn::Ms(o.reconnect_min_ms);
    p.backoff_max = conn::Ms(std::max(o.reconnect_max_ms, o.reconnect_min_ms));
    p.connect_timeout = conn::Ms(o.connect_timeout_ms);
    p.handshake_timeout = conn::Ms(o.handshake_timeout_ms);
    p.max_candidates = o.max_candidates;
    return p;
}

} // namespace

Rbs::Impl::Impl(control::EventLoop& l, const RbsOptions& o) : loop(l), opt(o), m(params_of(o)) {}

// No callbacks from here: the listeners may be gone already. The peer sees
// the connection close, as if this process had died.
Rbs::Impl::~Impl() {
    for (auto id : {timer, more_timer, fail_timer})
        if (id) loop.cancel_timer(id);
    tls.reset();
    close_fd(loop, fd);
    if (pending_fd >= 0) ::close(pending_fd); // never registered
    for (auto& [id, c] : cands) {
        c->tls.reset();
        close_fd(loop, c->fd);
    }
    close_fd(loop, listen_fd);
}

void Rbs::Impl::log(std::string_view reason, const std::string& line) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(loop.now().time_since_epoch());
    limiter.log(reason, uint64_t(ns.count()), "rbs " + opt.name + ": " + line);
}

void Rbs::Impl::dispatch(conn::EventKind k, std::string detail) {
    dispatch(conn::Event::of(k, std::move(detail)));
}

void Rbs::Impl::dispatch(conn::Event event) {
    events.push_back(std::move(event));
    if (dispatching) return;
    dispatching = true;
    while (!events.empty()) {
        conn::Event ev = std::move(events.front());
        events.pop_front();
        for (const auto& a : m.handle(ev, loop.now()))
            perform(a);
    }
    dispatching = false;
}

void Rbs::Impl::perform(const conn::Action& a) {
    using K = conn::ActionKind;
    switch (a.kind) {
    case K::listen:
        do_listen();
        break;
    case K::unlisten:
        close_fd(loop, listen_fd);
        break;
    case K::connect:
        do_connect();
        break;
    case K::adopt:
        do_adopt(a.candidate);
        break;
    case K::refuse:
        do_refuse(a);
        break;
    case K::promote:
        do_promote(a.candidate);
        break;
    case K::start_tls:
        if (a.candidate == 0) {
            do_start_tls();
        } else if (auto* c = candidate(a.candidate); c && c->fd >= 0) {
            c->tls = std::make_unique<TlsStream>(*ctx, c->fd, true);
            candidate_handshake(*c);
        }
        break;
    case K::close:
        if (a.candidate == 0)
            do_close(a);
        else
            drop_candidate(a.candidate);
        break;
    case K::send_heartbeat: {
        stats.add(RbsCounter::heartbeats_tx);
        wire::Message hb{wire::Type::heartbeat, 0, stats.get(RbsCounter::frames_tx), wire::Heartbeat{}};
        if (a.candidate == 0) {
            queue(hb);
        } else if (auto* c = candidate(a.candidate)) {
            stats.add(RbsCounter::frames_tx);
            wire::encode(hb, c->tx);
            candidate_flush(*c);
        }
        break;
    }
    case K::notify_up:
        notify_up();
        break;
    case K::notify_down:
        notify_down(a);
        break;
    case K::arm_timer:
        arm(a.at);
        break;
    case K::cancel_timer:
        if (timer) loop.cancel_timer(timer);
        timer = 0;
        break;
    }
}

void Rbs::Impl::arm(conn::Time at) {
    if (timer) loop.cancel_timer(timer);
    auto after =
        std::max(control::Duration::zero(), std::chrono::duration_cast<control::Duration>(at - loop.now()));
    timer = loop.add_timer(after, [this] {
        timer = 0;
        dispatch(conn::EventKind::timer);
    });
}

void Rbs::Impl::do_listen() {
    listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    std::string why;
    if (listen_fd < 0) {
        why = errno_text("socket");
    } else {
        int one = 1;
        (void)setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in sa = sockaddr_of(opt.source, opt.port);
        if (::bind(listen_fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
            why = errno_text(("bind " + endpoint(opt.source, opt.port)).c_str());
        else if (::listen(listen_fd, 64) != 0) // a burst of connects is refused, not dropped at SYN
            why = errno_text("listen");
        else if (!loop.add_fd(listen_fd, EPOLLIN, [this](uint32_t) { on_accept(); }))
            why = errno_text("epoll");
    }
    if (why.empty()) return;
    if (listen_fd >= 0) ::close(listen_fd);
    listen_fd = -1;
    stats.add(RbsCounter::listen_failures);
    if (why != last_connect_error) log("listen", "cannot listen: " + why + " (retrying)");
    last_connect_error = why;
    dispatch(conn::EventKind::listen_failed, why);
}

void Rbs::Impl::on_accept() {
    // Bounded per call (level-triggered: the rest next iteration), so a
    // connect flood cannot hold the control loop.
    constexpr int kAcceptBudget = 64;
    for (int budget = kAcceptBudget; budget > 0; --budget) {
        sockaddr_in sa{};
        socklen_t len = sizeof sa;
        int nfd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&sa), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (nfd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            // EAGAIN: drained. EMFILE and the like: level-triggered, we are
            // called again; nothing else to do about it here.
            if (errno != EAGAIN && errno != EWOULDBLOCK) log("accept", errno_text("accept"));
            return;
        }
        Ipv4 from{ntohl(sa.sin_addr.s_addr)};
        pending_fd = nfd;
        pending_remote = endpoint(from, ntohs(sa.sin_port));
        // The machine adopts it as a candidate or refuses it (connection.hpp).
        if (from != opt.peer) {
            dispatch(conn::EventKind::stranger, "not the peer " + opt.peer.str());
        } else {
            stats.add(RbsCounter::accepted);
            dispatch(conn::EventKind::accepted);
        }
        if (pending_fd >= 0) ::close(pending_fd); // the machine did not take it
        pending_fd = -1;
        if (listen_fd < 0) return; // stopped from a callback
    }
}

void Rbs::Impl::do_connect() {
    remote = endpoint(opt.peer, opt.port);
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    std::string why;
    bool now_connected = false;
    if (fd < 0) {
        why = errno_text("socket");
    } else {
        int one = 1;
        // Deltas are small and latency-bound (p99 lag target): no Nagle.
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in src = sockaddr_of(opt.source, 0);
        sockaddr_in dst = sockaddr_of(opt.peer, opt.port);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0)
            why = errno_text(("bind " + opt.source.str()).c_str());
        else if (::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) == 0)
            now_connected = true;
        else if (errno != EINPROGRESS)
            why = errno_text(("connect " + remote).c_str());
        if (why.empty()) {
            interest = now_connected ? EPOLLIN : EPOLLOUT;
            if (!loop.add_fd(fd, interest, [this](uint32_t ev) { on_conn(ev); })) why = errno_text("epoll");
        }
    }
    if (!why.empty())
        dispatch(conn::EventKind::tcp_failed, why); // the machine's close action closes fd
    else if (now_connected)
        dispatch(conn::EventKind::tcp_connected);
}

void Rbs::Impl::do_adopt(uint32_t id) {
    auto c = std::make_unique<RbsCandidate>();
    c->id = id;
    c->fd = pending_fd;
    c->remote = pending_remote;
    pending_fd = -1;
    int one = 1;
    (void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->interest = EPOLLIN;
    if (!loop.add_fd(c->fd, c->interest, [this, id](uint32_t ev) { on_candidate(id, ev); })) {
        std::string why = errno_text("epoll");
        ::close(c->fd);
        c->fd = -1;
        cands[id] = std::move(c);
        candidate_event(id, conn::EventKind::io_error, why); // handled after start_tls
        return;
    }
    cands[id] = std::move(c);
}

void Rbs::Impl::do_refuse(const conn::Action& a) {
    stats.add(refusal_counter(a.refusal));
    std::string who;
    if (a.candidate == 0) {
        who = pending_remote;
        if (pending_fd >= 0) ::close(pending_fd); // never registered
        pending_fd = -1;
    } else if (auto* c = candidate(a.candidate)) {
        who = c->remote;
        drop_candidate(a.candidate);
    }
    last_refused = who + ": " + conn::text(a.refusal) + (a.detail.empty() ? "" : " (" + a.detail + ")");
    log(std::string("refused.") + conn::to_string(a.refusal), "refused connection from " + last_refused);
}

void Rbs::Impl::drop_candidate(uint32_t id) {
    auto it = cands.find(id);
    if (it == cands.end()) return;
    it->second->tls.reset(); // no close_notify: it never became a session
    close_fd(loop, it->second->fd);
    cands.erase(it);
}

// The candidate becomes the current connection; the old one was closed by
// the machine's preceding close action. What it sent from its first
// unconsumed frame on (the hello or the greeting that promoted it) is parsed
// again as the session's, after on_up (notify_up follows this action).
void Rbs::Impl::do_promote(uint32_t id) {
    auto it = cands.find(id);
    if (it == cands.end()) return;
    auto c = std::move(it->second);
    cands.erase(it);
    stats.add(RbsCounter::promoted);
    loop.remove_fd(c->fd);
    fd = c->fd;
    remote = c->remote;
    tls = std::move(c->tls);
    tls_done = true;
    handshake_wants_write = read_wants_write = false;
    const size_t left = c->rx_end - c->parsed;
    if (rx.size() < left) rx.resize(left);
    if (left) std::memcpy(rx.data(), c->rx.data() + c->parsed, left);
    rx_off = 0;
    rx_end = left;
    tx = std::move(c->tx);
    tx_off = 0;
    interest = 0;
    if (!loop.add_fd(fd, EPOLLIN, [this](uint32_t ev) { on_conn(ev); })) {
        dispatch(conn::EventKind::io_error, errno_text("epoll")); // handled after notify_up
        return;
    }
    interest = EPOLLIN;
    update_interest();
    // Continue from the loop: the caller is the candidate's read path.
    if (!more_timer)
        more_timer = loop.add_timer(control::Duration::zero(), [this] {
            more_timer = 0;
            if (tls && tls_done) on_readable();
        });
}

void Rbs::Impl::do_start_tls() {
    tls = std::make_unique<TlsStream>(*ctx, fd, m.role() == conn::Role::acceptor);
    tls_done = false;
    step_handshake();
}

void Rbs::Impl::do_close(const conn::Action& a) {
    using R = conn::Reason;
    if (a.reason == R::connect_failed || a.reason == R::connect_timeout) {
        stats.add(RbsCounter::connect_failures);
        std::string line = conn::reason_line(a.reason, a.detail);
        if (line != last_connect_error) log("connect", line + " (retrying with backoff)");
        last_connect_error = line;
    } else if (a.reason == R::handshake_timeout) {
        stats.add(RbsCounter::handshake_timeouts);
        log("handshake_timeout", "no session with " + remote + ": " + conn::reason_line(a.reason, a.detail));
    } else if (a.reason == R::replaced) {
        stats.add(RbsCounter::replaced);
    }
    if (tls && tls_done) tls->shutdown(); // best-effort close_notify
    tls.reset();
    close_fd(loop, fd);
    for (auto* id : {&more_timer, &fail_timer}) {
        if (*id) loop.cancel_timer(*id);
        *id = 0;
    }
    rx_off = rx_end = 0;
    tx.clear();
    tx_off = 0;
    above_high = tls_done = handshake_wants_write = read_wants_write = failing = false;
    interest = 0;
    ++gen;
}

void Rbs::Impl::notify_up() {
    stats.add(RbsCounter::sessions_up);
    if (stats.get(RbsCounter::sessions_up) > 1) ++reconnects;
    last_connect_error.clear();
    tls_version = tls->version();
    tls_cipher = tls->cipher();
    peer_name = tls->peer_name();
    log("session_up", "session up with " + remote + " (" + conn::to_string(m.role()) + "): " + tls_version +
                          " " + tls_cipher + ", peer certificate '" + peer_name + "'");
    uint64_t g = gen;
    for (auto* l : listener_list()) {
        l->on_up();
        if (gen != g) break; // a listener failed the session already
    }
}

void Rbs::Impl::notify_down(const conn::Action& a) {
    stats.add(RbsCounter::sessions_down);
    if (a.reason == conn::Reason::dead_peer) stats.add(RbsCounter::dead_peer);
    last_down = conn::reason_line(a.reason, a.detail);
    log("session_down", "session down with " + remote + ": " + last_down);
    for (auto* l : listener_list())
        l->on_down(last_down);
}

std::vector<ChannelListener*> Rbs::Impl::listener_list() const {
    // A copy: callbacks may attach or detach listeners.
    std::vector<ChannelListener*> v;
    for (const auto& [id, l] : listeners)
        v.push_back(l);
    return v;
}

void Rbs::Impl::on_conn(uint32_t ev) {
    if (fd < 0) return;
    if (m.state() == conn::State::connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
        if (err == 0 && !(ev & (EPOLLERR | EPOLLHUP))) {
            dispatch(conn::EventKind::tcp_connected);
        } else {
            errno = err ? err : ECONNREFUSED;
            dispatch(conn::EventKind::tcp_failed, errno_text(("connect " + remote).c_str()));
        }
        return;
    }
    if (!tls) return;
    if (!tls_done) {
        step_handshake();
        return;
    }
    uint64_t g = gen;
    if ((ev & EPOLLOUT) && queued() > 0) flush(true);
    if (gen != g) return;
    if ((ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) || ((ev & EPOLLOUT) && read_wants_write)) on_readable();
}

// ---- Rbs ----

Rbs::Rbs(control::EventLoop& loop, const RbsOptions& options)
    : impl_(std::make_unique<Impl>(loop, options)), opt_(options) {}

Rbs::~Rbs() = default;

bool Rbs::start(std::string& error) {
    auto& d = *impl_;
    if (d.started) return true;
    TlsConfig cfg{opt_.ca, opt_.certificate, opt_.key, opt_.peer_identity};
    std::string why;
    // Reloaded on every start (renewed certificates), unless a stream of a
    // stop() still queued inside a callback uses the old context.
    auto ctx = TlsContext::create(cfg, why);
    if (!ctx) {
        error = opt_.name + ": " + why;
        return false;
    }
    if (!d.tls) d.ctx = std::move(ctx);
    d.started = true;
    d.dispatch(conn::EventKind::start);
    return true;
}

void Rbs::stop() {
    auto& d = *impl_;
    if (!d.started) return;
    if (d.m.up()) {
        d.queue_error(0, wire::ErrorCode::shutdown, "service " + opt_.name + " stopped");
        d.flush(false);
    }
    d.started = false;
    d.dispatch(conn::EventKind::stop);
}

void Rbs::attach(uint32_t backup_id, ChannelListener* listener) {
    if (listener)
        impl_->listeners[backup_id] = listener;
    else
        impl_->listeners.erase(backup_id);
}

bool Rbs::up() const {
    return impl_->m.up() && !impl_->failing;
}

bool Rbs::send(std::span<const uint8_t> frames) {
    auto& d = *impl_;
    if (!up()) return false;
    if (frames.empty()) return true;
    // Count the frames (length fields only; the producer encoded them).
    size_t off = 0;
    while (off < frames.size()) {
        wire::DecodeError err = wire::DecodeError::ok;
        size_t n = wire::frame_size(frames.subspan(off), err);
        if (n == 0) break;
        d.stats.add(RbsCounter::frames_tx);
        off += n;
    }
    if (d.tx_off > 0 && d.tx_off == d.tx.size()) {
        d.tx.clear();
        d.tx_off = 0;
    }
    d.tx.insert(d.tx.end(), frames.begin(), frames.end());
    if (d.queued() > kHighWater) d.above_high = true;
    d.update_interest(); // written from the loop (EPOLLOUT), never from inside send()
    d.dispatch(conn::EventKind::frame_sent);
    return true;
}

size_t Rbs::queued_bytes() const {
    return impl_->queued();
}

void Rbs::fail(std::string_view reason) {
    auto& d = *impl_;
    if (!d.m.up() || d.failing) return;
    d.stats.add(RbsCounter::local_failures);
    d.queue_error(0, wire::ErrorCode::protocol, std::string(reason));
    d.flush(false);
    // Closed from the loop: the caller (often inside on_frame) must not see
    // its own on_down re-entrantly.
    d.failing = true;
    d.fail_reason = std::string(reason);
    d.fail_timer = d.loop.add_timer(control::Duration::zero(), [&d] {
        d.fail_timer = 0;
        d.dispatch(conn::EventKind::io_error, "local: " + d.fail_reason);
    });
}

std::string Rbs::tcp_state() const {
    return std::string(conn::name(impl_->m.tcp_state()).text);
}

std::string Rbs::ssl_state() const {
    return std::string(conn::name(impl_->m.ssl_state()).text);
}

} // namespace wg::sync
