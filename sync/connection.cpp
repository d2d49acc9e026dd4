#include "sync/connection.hpp"

#include <algorithm>
#include <iterator>

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

const char* to_string(Refusal r) {
    switch (r) {
#define WG_X(key, text)                                                                                      \
    case Refusal::key:                                                                                       \
        return #key;
        WG_SYNC_CONN_REFUSALS(WG_X)
#undef WG_X
    }
    return "?";
}

const char* text(Refusal r) {
    switch (r) {
#define WG_X(key, text)                                                                                      \
    case Refusal::key:                                                                                       \
        return text;
        WG_SYNC_CONN_REFUSALS(WG_X)
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
    if (a.candidate != 0) s += " #" + std::to_string(a.candidate);
    if (a.kind == ActionKind::refuse) {
        s += ' ';
        s += to_string(a.refusal);
        if (!a.detail.empty()) s += " (" + a.detail + ")";
    }
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

Action act(ActionKind k, uint32_t candidate = 0) {
    Action a;
    a.kind = k;
    a.candidate = candidate;
    return a;
}
Action act(ActionKind k, Reason r, std::string detail, uint32_t candidate = 0) {
    Action a = act(k, candidate);
    a.reason = r;
    a.detail = std::move(detail);
    return a;
}

std::string ms_text(Ms d) {
    return std::to_string(d.count()) + " ms";
}

} // namespace

Machine::Machine(const Params& p) : p_(p) {
    if (p_.max_candidates == 0) p_.max_candidates = 1;
    cands_.reserve(p_.max_candidates);
}

Machine::Candidate* Machine::find(uint32_t id) {
    for (auto& c : cands_)
        if (c.id == id) return &c;
    return nullptr;
}

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
    std::optional<Time> t;
    switch (state_) {
    case State::connecting:
    case State::tls_handshake:
    case State::backoff:
        t = deadline_;
        break;
    case State::established:
        t = std::min(last_rx_ + p_.dead, last_tx_ + p_.heartbeat);
        break;
    case State::idle:
    case State::listening:
        break;
    }
    for (const auto& c : cands_)
        if (!t || c.deadline < *t) t = c.deadline;
    return t;
}

Actions Machine::handle(const Event& ev, Time now) {
    Actions out;
    const State before = state_;
    if (ev.candidate != 0) {
        on_candidate(out, ev, now);
    } else {
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
        case EventKind::stranger:
            // rbs.hpp: only the peer address may connect.
            if (p_.role == Role::acceptor && listening_) refuse(out, 0, Refusal::not_peer_address, ev.detail);
            break;
        case EventKind::hello_received:
        case EventKind::bad_hello:
        case EventKind::wrong_backup_id:
            break; // candidates only
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
    for (const auto& c : cands_)
        out.push_back(act(ActionKind::close, Reason::stopped, {}, c.id));
    cands_.clear();
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
    // Candidates past their deadline, oldest first (ids only: refuse erases).
    uint32_t due[64];
    size_t n = 0;
    for (const auto& c : cands_)
        if (now >= c.deadline && n < std::size(due)) due[n++] = c.id;
    const char* what = state_ == State::established ? "no valid hello within " : "no session within ";
    for (size_t i = 0; i < n; ++i)
        refuse(out, due[i], Refusal::handshake_timeout, what + ms_text(p_.handshake_timeout));
}

void Machine::on_accepted(Actions& out, Time now) {
    // Every accepted connection is a candidate (connection.hpp): it must
    // prove itself before it can touch the session. Bounded in number, each
    // by the handshake deadline.
    if (cands_.size() >= p_.max_candidates) {
        refuse(out, 0, Refusal::too_many_candidates,
               std::to_string(cands_.size()) + " connections are authenticating already");
        return;
    }
    Candidate c;
    c.id = next_candidate_++;
    if (next_candidate_ == 0) next_candidate_ = 1;
    c.deadline = now + p_.handshake_timeout;
    cands_.push_back(c);
    if (state_ != State::established) ssl_ = SslState::handshaking;
    out.push_back(act(ActionKind::adopt, c.id));
    out.push_back(act(ActionKind::start_tls, c.id));
}

void Machine::on_candidate(Actions& out, const Event& ev, Time now) {
    Candidate* c = find(ev.candidate);
    if (!c) return; // already refused or promoted: stale work of the adapter
    switch (ev.kind) {
    case EventKind::tls_established:
        // Greet at once: the peer counts its session up on our first frame,
        // then its profiles send their hellos (which promote this one).
        if (!c->tls_done) {
            c->tls_done = true;
            c->last_tx = now;
            out.push_back(act(ActionKind::send_heartbeat, c->id));
        }
        break;
    case EventKind::tls_failed:
        refuse(out, c->id, Refusal::tls_failed, ev.detail);
        break;
    case EventKind::peer_closed:
    case EventKind::io_error:
        refuse(out, c->id, Refusal::closed, ev.detail);
        break;
    case EventKind::frame_received:
        // No session to protect: the peer's first frame is enough, as on the
        // connector. With one, only a hello may replace it.
        if (c->tls_done && state_ == State::listening) promote(out, *c, now);
        break;
    case EventKind::hello_received:
        if (c->tls_done && (state_ == State::listening || state_ == State::established))
            promote(out, *c, now);
        break;
    case EventKind::bad_hello:
        refuse(out, c->id, Refusal::bad_hello, ev.detail);
        break;
    case EventKind::wrong_backup_id:
        refuse(out, c->id, Refusal::wrong_backup_id, ev.detail);
        break;
    case EventKind::start:
    case EventKind::stop:
    case EventKind::listen_failed:
    case EventKind::tcp_connected:
    case EventKind::tcp_failed:
    case EventKind::accepted:
    case EventKind::stranger:
    case EventKind::frame_sent:
    case EventKind::timer:
        break; // not about one candidate
    }
}

void Machine::refuse(Actions& out, uint32_t id, Refusal r, std::string detail) {
    if (id != 0) {
        cands_.erase(
            std::remove_if(cands_.begin(), cands_.end(), [id](const Candidate& c) { return c.id == id; }),
            cands_.end());
        if (state_ != State::established) ssl_ = SslState::failed;
    }
    Action a = act(ActionKind::refuse, id);
    a.refusal = r;
    a.detail = std::move(detail);
    out.push_back(std::move(a));
}

void Machine::promote(Actions& out, const Candidate& cand, Time now) {
    const Candidate c = cand; // `cand` lives in cands_
    cands_.erase(
        std::remove_if(cands_.begin(), cands_.end(), [&c](const Candidate& x) { return x.id == c.id; }),
        cands_.end());
    // The peer restarted (or lost the old connection) before our dead-peer
    // timer fired: the authenticated newcomer wins.
    if (state_ == State::established) {
        out.push_back(act(ActionKind::close, Reason::replaced, {}));
        out.push_back(act(ActionKind::notify_down, Reason::replaced, {}));
    }
    out.push_back(act(ActionKind::promote, c.id));
    state_ = State::established;
    ssl_ = SslState::established;
    tls_done_ = true;
    failures_ = 0;
    since_ = now;
    last_rx_ = now;
    last_tx_ = c.last_tx;
    out.push_back(act(ActionKind::notify_up));
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
