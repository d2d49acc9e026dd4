#include "sync/connection.hpp"

#include <algorithm>

namespace wg::sync::conn {

const char* to_string(Role r) {
    return r == Role::connector ? "connect" : "accept";
}

Ms backoff_delay(const Params& p, uint32_t failures) {
    if (failures == 0) failures = 1;
    auto d = p.backoff_min;
    // Doubling from min reaches any cap within 63 steps; stop as soon as the
    // cap is met so the multiplication can never overflow.
    for (uint32_t i = 1; i < failures && d < p.backoff_max; ++i)
        d *= 2;
    return std::min(d, p.backoff_max);
}

const char* to_string(Reason r) {
    switch (r) {
#define WG_X(key, text)                                                                                      \
    case Reason::key:                                                                                        \
        return #key;
        WG_SYNC_CONN_REASONS(WG_X)
#undef WG_X
    }
    return "?";
}

const char* text(Reason r) {
    switch (r) {
#define WG_X(key, text)                                                                                      \
    case Reason::key:                                                                                        \
        return text;
        WG_SYNC_CONN_REASONS(WG_X)
#undef WG_X
    }
    return "?";
}

const char* to_string(EventKind k) {
    switch (k) {
#define WG_X(key, meaning)                                                                                   \
    case EventKind::key:                                                                                     \
        return #key;
        WG_SYNC_CONN_EVENTS(WG_X)
#undef WG_X
    }
    return "?";
}

const char* to_string(ActionKind k) {
    switch (k) {
#define WG_X(key, meaning)                                                                                   \
    case ActionKind::key:                                                                                    \
        return #key;
        WG_SYNC_CONN_ACTIONS(WG_X)
#undef WG_X
    }
    return "?";
}

std::string reason_line(Reason r, std::string_view detail) {
    std::string s = text(r);
    if (!detail.empty()) {
        s += ": ";
        s += detail;
    }
    return s;
}

std::string describe(const Action& a, Time epoch) {
    std::string s = to_string(a.kind);
    if (a.kind == ActionKind::arm_timer) {
        auto ms = std::chrono::duration_cast<Ms>(a.at - epoch).count();
        s += " +" + std::to_string(ms) + "ms";
    }
    if (a.kind == ActionKind::close || a.kind == ActionKind::notify_down) {
        s += ' ';
        s += to_string(a.reason);
        if (!a.detail.empty()) s += " (" + a.detail + ")";
    }
    return s;
}

namespace {

Action act(ActionKind k) {
    return Action{k, {}, Reason::none, {}};
}
Action act(ActionKind k, Reason r, std::string detail) {
    return Action{k, {}, r, std::move(detail)};
}

std::string ms_text(Ms d) {
    return std::to_string(d.count()) + " ms";
}

} // namespace

Machine::Machine(const Params& p) : p_(p) {}

TcpState Machine::tcp_state() const {
    switch (state_) {
    case State::idle:
        return TcpState::closed;
    case State::listening:
        return TcpState::listening;
    case State::connecting:
        return TcpState::connecting;
    case State::tls_handshake:
    case State::established:
        return TcpState::connected;
    case State::backoff:
        return TcpState::backoff;
    }
    return TcpState::closed;
}

std::optional<Time> Machine::established_at() const {
    if (state_ != State::established) return std::nullopt;
    return since_;
}

std::optional<Time> Machine::next_deadline() const {
    switch (state_) {
    case State::connecting:
    case State::tls_handshake:
    case State::backoff:
        return deadline_;
    case State::established:
        return std::min(last_rx_ + p_.dead, last_tx_ + p_.heartbeat);
    case State::idle:
    case State::listening:
        return std::nullopt;
    }
    return std::nullopt;
}

Actions Machine::handle(const Event& ev, Time now) {
    Actions out;
    const State before = state_;
    switch (ev.kind) {
    case EventKind::start:
        if (state_ == State::idle) on_start(out, now);
        break;
    case EventKind::stop:
        if (state_ != State::idle) on_stop(out);
        break;
    case EventKind::listen_failed:
        // The source address may not be configured yet (EADDRNOTAVAIL):
        // retry like a failed connect.
        if (p_.role == Role::acceptor && state_ == State::listening) {
            listening_ = false;
            ++failures_;
            enter_backoff(now);
        }
        break;
    case EventKind::tcp_connected:
        if (state_ == State::connecting) begin_tls(out, now);
        break;
    case EventKind::tcp_failed:
        if (state_ == State::connecting) lose(out, now, Reason::connect_failed, ev.detail, true);
        break;
    case EventKind::accepted:
        if (p_.role == Role::acceptor && listening_) on_accepted(out, now);
        break;
    case EventKind::tls_established:
        // Greet at once: the peer counts us up on our first frame (header).
        if (state_ == State::tls_handshake && !tls_done_) {
            tls_done_ = true;
            out.push_back(act(ActionKind::send_heartbeat));
            last_tx_ = now;
        }
        break;
    case EventKind::tls_failed:
        if (state_ == State::tls_handshake) {
            ssl_ = SslState::failed;
            lose(out, now, Reason::tls_failed, ev.detail, true);
        }
        break;
    case EventKind::peer_closed:
    case EventKind::io_error: {
        Reason r = ev.kind == EventKind::peer_closed ? Reason::peer_closed : Reason::io_error;
        if (state_ == State::connecting) {
            lose(out, now, Reason::connect_failed, ev.detail, true);
        } else if (state_ == State::tls_handshake) {
            // Closed before the first frame: the peer refused us (it did not
            // accept our certificate) or the connection broke.
            ssl_ = SslState::failed;
            lose(out, now, r, ev.detail, true);
        } else if (state_ == State::established) {
            lose(out, now, r, ev.detail, false);
        }
        break;
    }
    case EventKind::frame_received:
        if (state_ == State::established) {
            last_rx_ = now;
        } else if (state_ == State::tls_handshake && tls_done_) {
            state_ = State::established;
            ssl_ = SslState::established;
            failures_ = 0;
            since_ = now;
            last_rx_ = now;
            out.push_back(act(ActionKind::notify_up));
        }
        break;
    case EventKind::frame_sent:
        if (state_ == State::established || (state_ == State::tls_handshake && tls_done_)) last_tx_ = now;
        break;
    case EventKind::timer:
        armed_.reset(); // one-shot: whatever was armed has fired
        on_timer(out, now);
        break;
    }

    // Keep the one timer on the earliest deadline. Liveness events only move
    // deadlines later: an early wake-up is cheaper than re-arming per frame.
    auto want = next_deadline();
    bool lazy =
        (ev.kind == EventKind::frame_received || ev.kind == EventKind::frame_sent) && before == state_;
    if (want != armed_) {
        if (!want) {
            out.push_back(act(ActionKind::cancel_timer));
            armed_.reset();
        } else if (!armed_ || *want < *armed_ || !lazy) {
            Action a = act(ActionKind::arm_timer);
            a.at = *want;
            out.push_back(std::move(a));
            armed_ = want;
        }
    }
    return out;
}

void Machine::on_start(Actions& out, Time now) {
    failures_ = 0;
    ssl_ = SslState::none;
    if (p_.role == Role::connector) {
        state_ = State::connecting;
        deadline_ = now + p_.connect_timeout;
        out.push_back(act(ActionKind::connect));
    } else {
        state_ = State::listening;
        listening_ = true;
        out.push_back(act(ActionKind::listen));
    }
}

void Machine::on_stop(Actions& out) {
    bool has_conn =
        state_ == State::connecting || state_ == State::tls_handshake || state_ == State::established;
    if (has_conn) out.push_back(act(ActionKind::close, Reason::stopped, {}));
    if (state_ == State::established) out.push_back(act(ActionKind::notify_down, Reason::stopped, {}));
    if (listening_) out.push_back(act(ActionKind::unlisten));
    listening_ = false;
    tls_done_ = false;
    failures_ = 0;
    ssl_ = SslState::none;
    state_ = State::idle;
}

void Machine::on_timer(Actions& out, Time now) {
    switch (state_) {
    case State::connecting:
        if (now >= deadline_)
            lose(out, now, Reason::connect_timeout, "no answer within " + ms_text(p_.connect_timeout), true);
        break;
    case State::tls_handshake:
        if (now >= deadline_) {
            ssl_ = SslState::failed;
            lose(out, now, Reason::handshake_timeout, "no session within " + ms_text(p_.handshake_timeout),
                 true);
        }
        break;
    case State::backoff:
        if (now < deadline_) break;
        if (p_.role == Role::connector) {
            state_ = State::connecting;
            deadline_ = now + p_.connect_timeout;
            out.push_back(act(ActionKind::connect));
        } else {
            state_ = State::listening;
            listening_ = true;
            out.push_back(act(ActionKind::listen));
        }
        break;
    case State::established:
        // Dead first: a heartbeat to a dead peer is pointless.
        if (now >= last_rx_ + p_.dead) {
            lose(out, now, Reason::dead_peer, "nothing received for " + ms_text(p_.dead), false);
        } else if (now >= last_tx_ + p_.heartbeat) {
            out.push_back(act(ActionKind::send_heartbeat));
            last_tx_ = now;
        }
        break;
    case State::idle:
    case State::listening:
        break;
    }
}

void Machine::on_accepted(Actions& out, Time now) {
    // A new connection from the peer while one exists: the peer restarted (or
    // lost the old one) before our dead-peer timer fired; the newest wins.
    if (state_ == State::tls_handshake || state_ == State::established) {
        out.push_back(act(ActionKind::close, Reason::replaced, {}));
        if (state_ == State::established) out.push_back(act(ActionKind::notify_down, Reason::replaced, {}));
    }
    out.push_back(act(ActionKind::adopt));
    begin_tls(out, now);
}

void Machine::begin_tls(Actions& out, Time now) {
    state_ = State::tls_handshake;
    ssl_ = SslState::handshaking;
    tls_done_ = false;
    deadline_ = now + p_.handshake_timeout;
    out.push_back(act(ActionKind::start_tls));
}

void Machine::lose(Actions& out, Time now, Reason r, const std::string& detail, bool count_failure) {
    bool was_up = state_ == State::established;
    out.push_back(act(ActionKind::close, r, detail));
    if (was_up) {
        out.push_back(act(ActionKind::notify_down, r, detail));
        ssl_ = SslState::none;
    }
    tls_done_ = false;
    if (p_.role == Role::acceptor) {
        // Passive side: nothing to retry, the next connection is the peer's.
        state_ = State::listening;
        return;
    }
    // A lost session counts as the first failure of the next series (failures_
    // was reset when it came up): the first retry waits backoff_min.
    if (count_failure || was_up) ++failures_;
    enter_backoff(now);
}

void Machine::enter_backoff(Time now) {
    state_ = State::backoff;
    deadline_ = now + backoff_delay(p_, failures_);
}

} // namespace wg::sync::conn
