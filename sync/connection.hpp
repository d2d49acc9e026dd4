// The remote-backup service's connection, as a pure state machine:
// (state, event, now) -> (state, actions). No socket, no clock: the
// RBS adapter (sync/rbs.cpp) feeds events with `now` and performs the
// returned actions in order; tests drive it with made-up instants.
//
// Roles (docs/sync-protocol.md §1): the side with the numerically lower
// source address connects, the other listens and accepts only its peer.
//
//   connector: idle -start-> connecting -tcp_connected-> tls_handshake
//              -tls_established, then the peer's first frame-> established
//              any failure or loss -> backoff -timer-> connecting
//   acceptor:  idle -start-> listening -(a candidate is promoted)-> established
//              any loss -> listening (the listening socket stays open);
//              a failed listen -> backoff -timer-> listening
//
// Candidates (acceptor; docs/sync-protocol.md §1.1): every accepted
// connection is a candidate with its own TLS handshake and its own deadline
// (accept + handshake_timeout), never the session itself. An established
// session is untouched by candidates until one has finished mutual TLS and
// delivered a valid hello for a backup-id configured here: only then is it
// promoted, replacing the session (the peer restarted before our dead-peer
// timer fired). Without an established session the peer's first frame (its
// greeting) is enough, as for the connector. At most `max_candidates` at a
// time; a connection beyond that, or from another address than the peer, is
// refused at once. Every refusal has a reason (WG_SYNC_CONN_REFUSALS).
//
// "Established" needs the peer's first frame, not only a finished handshake:
// in TLS 1.3 the client finishes before the server has verified the client's
// certificate (RFC 8446 §4.4.4 / §2), so a refused client would otherwise go
// up and down at once. Each side sends a heartbeat as soon as its handshake
// finishes (the greeting); the server sends it only after it has accepted
// the client, so receiving any frame proves the peer accepted us.
//
// Backoff: capped exponential, backoff_min * 2^(failures-1) up to
// backoff_max, deterministic (no jitter: only one side ever connects, so
// there is no thundering herd to spread); failures reset once established.
// Heartbeat when nothing was sent for `heartbeat`; the peer is dead after
// `dead` without any received frame. Connect and handshake have timeouts.
//
// One timer: the machine asks for it with arm_timer(at) (replacing any armed
// one) or cancel_timer, and checks its own deadlines on every timer event, so
// late, early or duplicate expiries are harmless. Frames received/sent only
// push deadlines later, so they never re-arm: the timer may fire early, find
// nothing due and re-arm (at most one wake-up per heartbeat interval).
//
// Thread-safety: a Machine belongs to one thread (the control lcore).
#pragma once

#include "config/net.hpp"
#include "control/report.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wg::sync::conn {

using Time = std::chrono::steady_clock::time_point;
using Ms = std::chrono::milliseconds;

enum class Role : uint8_t { connector, acceptor };
// The numerically lower source connects (rbs.hpp); equal addresses are a
// configuration error the config checker rejects, acceptor here.
constexpr Role role_for(Ipv4 source, Ipv4 peer) {
    return source < peer ? Role::connector : Role::acceptor;
}
const char* to_string(Role r); // "connect", "accept"

struct Params {
    Role role = Role::connector;
    Ms heartbeat{1000};
    Ms dead{3500};
    Ms backoff_min{100};
    Ms backoff_max{5000};
    Ms connect_timeout{5000};
    Ms handshake_timeout{5000};  // TCP connected (or accepted) until the peer's first frame (or hello)
    uint32_t max_candidates = 4; // acceptor: connections authenticating at once (>= 1)
};

// backoff_min * 2^(failures-1), capped at backoff_max; failures >= 1
// (0 is treated as 1). Saturates: never overflows however many failures.
Ms backoff_delay(const Params& p, uint32_t failures);

// X(key, json, text): the machine's states.
#define WG_SYNC_CONN_STATES(X)                                                                               \
    X(idle, "idle", "Idle")                                                                                  \
    X(listening, "listening", "Listening")                                                                   \
    X(connecting, "connecting", "Connecting")                                                                \
    X(tls_handshake, "tls_handshake", "TLS-Handshake")                                                       \
    X(established, "established", "Established")                                                             \
    X(backoff, "backoff", "Backoff")

enum class State : uint8_t {
#define WG_X(key, json, text) key,
    WG_SYNC_CONN_STATES(WG_X)
#undef WG_X
};
inline constexpr control::NameDesc kStateNames[] = {
#define WG_X(key, json, text) {json, text},
    WG_SYNC_CONN_STATES(WG_X)
#undef WG_X
};
constexpr const control::NameDesc& name(State s) {
    return kStateNames[size_t(s)];
}

// The seed's TCP-State and SSL-State values (`display remote-backup-service`),
// derived from State; names defined once here.
#define WG_SYNC_TCP_STATES(X)                                                                                \
    X(connected, "connected", "Connected")                                                                   \
    X(connecting, "connecting", "Connecting")                                                                \
    X(listening, "listening", "Listening")                                                                   \
    X(backoff, "backoff", "Backoff")                                                                         \
    X(closed, "closed", "Closed")
#define WG_SYNC_SSL_STATES(X)                                                                                \
    X(none, "none", "--")                                                                                    \
    X(handshaking, "handshaking", "Handshaking")                                                             \
    X(established, "established", "Established")                                                             \
    X(failed, "failed", "Failed")

enum class TcpState : uint8_t {
#define WG_X(key, json, text) key,
    WG_SYNC_TCP_STATES(WG_X)
#undef WG_X
};
enum class SslState : uint8_t {
#define WG_X(key, json, text) key,
    WG_SYNC_SSL_STATES(WG_X)
#undef WG_X
};
inline constexpr control::NameDesc kTcpStateNames[] = {
#define WG_X(key, json, text) {json, text},
    WG_SYNC_TCP_STATES(WG_X)
#undef WG_X
};
inline constexpr control::NameDesc kSslStateNames[] = {
#define WG_X(key, json, text) {json, text},
    WG_SYNC_SSL_STATES(WG_X)
#undef WG_X
};
constexpr const control::NameDesc& name(TcpState s) {
    return kTcpStateNames[size_t(s)];
}
constexpr const control::NameDesc& name(SslState s) {
    return kSslStateNames[size_t(s)];
}

// X(key, text): why a connection was closed (close and notify_down actions).
#define WG_SYNC_CONN_REASONS(X)                                                                              \
    X(none, "no reason")                                                                                     \
    X(stopped, "stopped locally")                                                                            \
    X(connect_failed, "TCP connect failed")                                                                  \
    X(connect_timeout, "TCP connect timed out")                                                              \
    X(tls_failed, "TLS handshake failed")                                                                    \
    X(handshake_timeout, "TLS handshake timed out")                                                          \
    X(peer_closed, "peer closed the connection")                                                             \
    X(io_error, "connection error")                                                                          \
    X(dead_peer, "dead peer")                                                                                \
    X(replaced, "replaced by a new connection from the peer")

enum class Reason : uint8_t {
#define WG_X(key, text) key,
    WG_SYNC_CONN_REASONS(WG_X)
#undef WG_X
};
const char* to_string(Reason r); // the key: "dead_peer"
const char* text(Reason r);      // for people: "dead peer"

// X(key, text): why a candidate (an accepted connection) was closed before it
// became the session. Each is an RBS counter `refused_<key>` and a log reason.
#define WG_SYNC_CONN_REFUSALS(X)                                                                             \
    X(not_peer_address, "not from the peer address")                                                         \
    X(too_many_candidates, "too many connections authenticating")                                            \
    X(tls_failed, "TLS handshake failed")                                                                    \
    X(handshake_timeout, "handshake timeout")                                                                \
    X(closed, "closed before a valid hello")                                                                 \
    X(bad_hello, "no valid hello")                                                                           \
    X(wrong_backup_id, "hello for a backup-id not configured here")

enum class Refusal : uint8_t {
#define WG_X(key, text) key,
    WG_SYNC_CONN_REFUSALS(WG_X)
#undef WG_X
};
inline constexpr unsigned kRefusalCount = 0
#define WG_X(key, text) +1
    WG_SYNC_CONN_REFUSALS(WG_X)
#undef WG_X
    ;
const char* to_string(Refusal r); // the key: "bad_hello"
const char* text(Refusal r);      // for people

// X(key, meaning): the machine's inputs, named once (enum + to_string).
// Events with a `candidate` id concern that candidate (acceptor), the others
// the current connection.
#define WG_SYNC_CONN_EVENTS(X)                                                                               \
    X(start, "service configured and its certificates loaded")                                               \
    X(stop, "service removed or appliance stopping")                                                         \
    X(listen_failed, "acceptor: bind/listen on source:port failed (detail: why)")                            \
    X(tcp_connected, "connector: the non-blocking connect completed")                                        \
    X(tcp_failed, "connector: it failed (detail: strerror)")                                                 \
    X(accepted, "acceptor: a connection from the peer address, pending until adopt or refuse")               \
    X(stranger, "acceptor: a connection from another address, pending until refuse")                         \
    X(tls_established, "the handshake finished and the peer's certificate was verified")                     \
    X(tls_failed, "the handshake failed (detail: TlsStream::error())")                                       \
    X(peer_closed, "EOF or close_notify")                                                                    \
    X(io_error, "read/write error, or a protocol error (detail)")                                            \
    X(frame_received, "one or more whole frames arrived (liveness; a candidate: a heartbeat)")               \
    X(hello_received, "candidate: a valid hello for a backup-id configured here")                            \
    X(bad_hello, "candidate: a frame that is neither a heartbeat nor a valid hello (detail)")                \
    X(wrong_backup_id, "candidate: a hello for a backup-id not configured here (detail)")                    \
    X(frame_sent, "one or more frames were queued (heartbeat suppression)")                                  \
    X(timer, "the timer armed by arm_timer fired")

enum class EventKind : uint8_t {
#define WG_X(key, meaning) key,
    WG_SYNC_CONN_EVENTS(WG_X)
#undef WG_X
};
const char* to_string(EventKind k);

struct Event {
    EventKind kind = EventKind::start;
    std::string detail;     // tcp_failed, tls_failed, io_error, listen_failed, peer_closed, bad_hello, ...
    uint32_t candidate = 0; // 0: the current connection; else the id given in `adopt`

    static Event of(EventKind k, std::string detail = {}) { return Event{k, std::move(detail), 0}; }
    static Event of_candidate(EventKind k, uint32_t id, std::string detail = {}) {
        return Event{k, std::move(detail), id};
    }
};

// X(key, meaning): what the adapter must do, named once (enum + to_string).
#define WG_SYNC_CONN_ACTIONS(X)                                                                              \
    X(listen, "acceptor: open the listening socket on source:port")                                          \
    X(unlisten, "acceptor: close it")                                                                        \
    X(connect, "connector: open a socket bound to source, connect to peer:port (non-blocking)")              \
    X(adopt, "acceptor: the connection just accepted becomes candidate `candidate`")                         \
    X(refuse, "close candidate `candidate` (0: the one just accepted) for `refusal` (detail)")               \
    X(promote, "candidate `candidate` becomes the current connection (after the old one was closed)")        \
    X(start_tls, "start the TLS handshake on the current connection, or on `candidate`")                     \
    X(close, "close the current connection, or `candidate`, (reason, detail)")                               \
    X(send_heartbeat, "queue a heartbeat frame (on `candidate`: the greeting)")                              \
    X(notify_up, "the session is established: tell the listeners")                                           \
    X(notify_down, "the session ended (reason, detail): tell the listeners")                                 \
    X(arm_timer, "(re)arm the one timer for `at` (absolute), replacing any armed one")                       \
    X(cancel_timer, "disarm it")

enum class ActionKind : uint8_t {
#define WG_X(key, meaning) key,
    WG_SYNC_CONN_ACTIONS(WG_X)
#undef WG_X
};
const char* to_string(ActionKind k);

struct Action {
    ActionKind kind = ActionKind::listen;
    Time at{};                    // arm_timer
    Reason reason = Reason::none; // close, notify_down
    std::string detail;           // close, notify_down, refuse: "nothing received for 3500 ms"
    uint32_t candidate = 0;       // adopt, refuse, promote, start_tls, close, send_heartbeat
    Refusal refusal{};            // refuse

    friend bool operator==(const Action&, const Action&) = default;
};
using Actions = std::vector<Action>;

// "close dead_peer (nothing received for 3500 ms)", "arm_timer +100ms"
// (relative to `epoch`), "refuse #2 bad_hello (detail)": for test failure
// messages and debug logs.
std::string describe(const Action& a, Time epoch = Time{});
// "dead peer: nothing received for 3500 ms" (detail may be empty).
std::string reason_line(Reason r, std::string_view detail);

class Machine {
  public:
    explicit Machine(const Params& p);

    // The one transition entry point; deadlines in the actions are absolute.
    // Events that do not apply in the current state are ignored (no actions).
    Actions handle(const Event& ev, Time now);

    State state() const { return state_; }
    Role role() const { return p_.role; }
    const Params& params() const { return p_; }
    TcpState tcp_state() const;
    SslState ssl_state() const { return ssl_; }
    bool up() const { return state_ == State::established; }
    // Consecutive failures since the last established session (backoff exponent).
    uint32_t failures() const { return failures_; }
    // When the current session came up (established only).
    std::optional<Time> established_at() const;
    // The deadline the machine wants its timer at now (nullopt: none).
    std::optional<Time> next_deadline() const;
    // What the timer is armed for, as far as the machine asked (nullopt: none).
    std::optional<Time> armed() const { return armed_; }
    // The TLS handshake finished; in tls_handshake: waiting for the peer's first frame.
    bool tls_done() const { return tls_done_; }
    // Acceptor: connections authenticating now (<= max_candidates).
    size_t candidates() const { return cands_.size(); }

  private:
    struct Candidate {
        uint32_t id = 0;
        Time deadline{}; // accept + handshake_timeout: promoted by then or refused
        Time last_tx{};  // the greeting
        bool tls_done = false;
    };
    Candidate* find(uint32_t id);
    void on_candidate(Actions& out, const Event& ev, Time now);
    void refuse(Actions& out, uint32_t id, Refusal r, std::string detail);
    void promote(Actions& out, const Candidate& c, Time now);
    void on_start(Actions& out, Time now);
    void on_stop(Actions& out);
    void on_timer(Actions& out, Time now);
    void on_accepted(Actions& out, Time now);
    // The current connection is gone (failure or loss): close it, tell the
    // listeners if it was up, then retry (connector) or wait (acceptor).
    void lose(Actions& out, Time now, Reason r, const std::string& detail, bool count_failure);
    void enter_backoff(Time now);
    void begin_tls(Actions& out, Time now);

    Params p_;
    State state_ = State::idle;
    SslState ssl_ = SslState::none;
    bool listening_ = false; // acceptor: the listening socket is open
    bool tls_done_ = false;
    uint32_t failures_ = 0;
    Time deadline_{}; // connecting / tls_handshake / backoff
    Time since_{};    // established
    Time last_rx_{};
    Time last_tx_{};
    std::optional<Time> armed_;
    std::vector<Candidate> cands_; // acceptor; capacity max_candidates, reserved once
    uint32_t next_candidate_ = 1;  // ids never reused (0 = the current connection)
};

} // namespace wg::sync::conn
