// Private to sync/rbs.cpp and sync/rbs_report.cpp: the RBS's state and its
// counter list. Not part of the API between helpers (that is rbs.hpp).
//
// Thread-safety: control lcore only.
#pragma once

#include "common/counters.hpp"
#include "common/log_limit.hpp"
#include "sync/connection.hpp"
#include "sync/rbs.hpp"
#include "sync/tls.hpp"
#include "sync/wire.hpp"

#include <array>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace wg::sync {

// X(key, help): the RBS's own counters, then (same block, same order in
// display and JSON) one per TLS failure reason ("tls_<reason>"), one per
// wire decode error ("decode_<reason>") and one per refusal of an incoming
// connection ("refused_<reason>"), expanded from the lists in tls.hpp,
// wire.hpp and connection.hpp so each reason is named exactly once.
#define WG_RBS_COUNTERS(X)                                                                                   \
    X(sessions_up, "sessions established (TLS up and the peer's first frame received)")                      \
    X(sessions_down, "established sessions that ended, for any reason")                                      \
    X(connect_failures, "TCP connects that failed or timed out (connector)")                                 \
    X(listen_failures, "failures to listen on source:port (acceptor; retried with backoff)")                 \
    X(accepted, "TCP connections accepted from the peer address (acceptor; each a candidate)")               \
    X(promoted, "candidates that became the session (acceptor)")                                             \
    X(handshake_timeouts, "connections closed: no session within the handshake timeout")                     \
    X(replaced, "sessions replaced by a newer connection from the peer (it restarted)")                      \
    X(dead_peer, "sessions closed: nothing received for dead_ms")                                            \
    X(frames_rx, "frames received (every backup-id, heartbeats included)")                                   \
    X(frames_tx, "frames queued for sending")                                                                \
    X(bytes_rx, "frame bytes received (TLS payload)")                                                        \
    X(bytes_tx, "frame bytes written (TLS payload)")                                                         \
    X(heartbeats_rx, "heartbeat frames received")                                                            \
    X(heartbeats_tx, "heartbeat frames sent")                                                                \
    X(backup_id_mismatch, "frames for a backup-id with no profile here (answered with an error)")            \
    X(protocol_errors, "sessions failed for a framing or protocol error of the peer")                        \
    X(local_failures, "sessions failed by a profile (Channel::fail)")                                        \
    X(peer_errors, "error frames received from the peer's service (it closed the session)")

#define WG_RBS_TLS_ENUM(key, help) tls_##key,
#define WG_RBS_TLS_INFO(key, help) ::wg::CounterInfo{"tls_" #key, help},
#define WG_RBS_WIRE_ENUM(key, help) decode_##key,
#define WG_RBS_WIRE_INFO(key, help) ::wg::CounterInfo{"decode_" #key, help},
#define WG_RBS_REFUSAL_ENUM(key, text) refused_##key,
#define WG_RBS_REFUSAL_INFO(key, text)                                                                       \
    ::wg::CounterInfo{"refused_" #key, "incoming connections refused: " text},

enum class RbsCounter : unsigned {
    WG_RBS_COUNTERS(WG_COUNTER_ENUM) WG_SYNC_TLS_FAILURES(WG_RBS_TLS_ENUM)
        WG_SYNC_WIRE_ERRORS(WG_RBS_WIRE_ENUM) WG_SYNC_CONN_REFUSALS(WG_RBS_REFUSAL_ENUM) count_
};
inline constexpr unsigned kRbsCounterCount = unsigned(RbsCounter::count_);
inline constexpr std::array<CounterInfo, kRbsCounterCount> kRbsCounterInfo{
    {WG_RBS_COUNTERS(WG_COUNTER_INFO) WG_SYNC_TLS_FAILURES(WG_RBS_TLS_INFO)
         WG_SYNC_WIRE_ERRORS(WG_RBS_WIRE_INFO) WG_SYNC_CONN_REFUSALS(WG_RBS_REFUSAL_INFO)}};

#undef WG_RBS_TLS_ENUM
#undef WG_RBS_TLS_INFO
#undef WG_RBS_WIRE_ENUM
#undef WG_RBS_WIRE_INFO
#undef WG_RBS_REFUSAL_ENUM
#undef WG_RBS_REFUSAL_INFO

constexpr RbsCounter tls_counter(TlsFailure f) {
    return RbsCounter(unsigned(RbsCounter::peer_errors) + 1 + unsigned(f));
}
constexpr RbsCounter decode_counter(wire::DecodeError e) { // e != ok
    return RbsCounter(unsigned(tls_counter(TlsFailure::other)) + unsigned(e));
}

constexpr RbsCounter refusal_counter(conn::Refusal r) { // the refusals come last
    return RbsCounter(kRbsCounterCount - conn::kRefusalCount + unsigned(r));
}

static_assert(refusal_counter(conn::Refusal::not_peer_address) == RbsCounter::refused_not_peer_address);
static_assert(refusal_counter(conn::Refusal::wrong_backup_id) == RbsCounter::refused_wrong_backup_id);
static_assert(tls_counter(TlsFailure::not_tls) == RbsCounter::tls_not_tls);
static_assert(tls_counter(TlsFailure::other) == RbsCounter::tls_other);
static_assert(decode_counter(wire::DecodeError::truncated) == RbsCounter::decode_truncated);
static_assert(decode_counter(wire::DecodeError::bad_string) == RbsCounter::decode_bad_string);

using RbsStats = CounterBlock<RbsCounter, kRbsCounterCount>;

// An accepted connection being authenticated (connection.hpp: candidates).
// Bounded: at most kCandidateBuffer bytes of frames before its hello, and the
// machine's deadline for its time.
struct RbsCandidate {
    uint32_t id = 0;
    int fd = -1;
    std::string remote; // "a.b.c.d:port"
    std::unique_ptr<TlsStream> tls;
    bool tls_done = false;
    bool wants_write = false; // the handshake or a read needs EPOLLOUT
    uint32_t interest = 0;
    std::vector<uint8_t> rx; // sized kCandidateBuffer on the first read
    size_t rx_end = 0;
    size_t parsed = 0;       // rx[0, parsed): consumed (greeting heartbeats)
    std::vector<uint8_t> tx; // the greeting, until written
};

struct Rbs::Impl {
    // A hello names at most 256 interfaces of <= 64 bytes (wire.hpp): 17 KB.
    static constexpr size_t kCandidateBuffer = 64 * 1024;

    Impl(control::EventLoop& l, const RbsOptions& o);
    ~Impl();

    // The machine's event queue: actions may raise events (a connect that
    // fails at once); they are handled after the current ones, in order.
    void dispatch(conn::EventKind k, std::string detail = {});
    void dispatch(conn::Event ev);
    void perform(const conn::Action& a);

    void do_listen();
    void do_unlisten();
    void do_connect();
    void do_adopt(uint32_t id);
    void do_start_tls();
    void do_close(const conn::Action& a);
    void do_refuse(const conn::Action& a);
    void do_promote(uint32_t id);
    void drop_candidate(uint32_t id);

    // Candidates (rbs_candidate.cpp).
    RbsCandidate* candidate(uint32_t id);
    void on_candidate(uint32_t id, uint32_t events);
    void candidate_handshake(RbsCandidate& c);
    void candidate_read(RbsCandidate& c);
    // False when the candidate is gone (refused or promoted).
    bool candidate_parse(RbsCandidate& c);
    void candidate_flush(RbsCandidate& c);
    void candidate_interest(RbsCandidate& c);
    void candidate_event(uint32_t id, conn::EventKind k, std::string detail = {});
    void notify_up();
    void notify_down(const conn::Action& a);
    void arm(conn::Time at);

    void on_accept();
    void on_conn(uint32_t events);
    void step_handshake();
    void on_readable();
    bool parse(); // true if it delivered at least one frame
    void route(std::span<const uint8_t> frame);
    // Writes what the socket takes; `notify`: may call on_writable and
    // dispatch an error (false from callers that must not re-enter).
    void flush(bool notify);
    void update_interest();
    void queue(const wire::Message& m);
    void queue_error(uint32_t backup_id, wire::ErrorCode code, std::string text);
    // The peer broke the protocol: tell it why (best effort), close.
    void protocol_fail(RbsCounter c, std::string text, wire::ErrorCode code = wire::ErrorCode::protocol);
    void tls_refused(TlsFailure f, const std::string& why);
    // One line per `reason` per second at most (common/log_limit.hpp): a
    // peer or a flood of connections must not fill the journal.
    void log(std::string_view reason, const std::string& line);
    std::string have_ids() const;
    std::vector<ChannelListener*> listener_list() const;
    size_t queued() const { return tx.size() - tx_off; }

    control::EventLoop& loop;
    RbsOptions opt;
    conn::Machine m;
    std::unique_ptr<TlsContext> ctx;
    std::unique_ptr<TlsStream> tls;
    bool started = false;

    int listen_fd = -1;
    int fd = -1;                        // the current connection
    int pending_fd = -1;                // accepted, not yet adopted
    std::string remote, pending_remote; // "a.b.c.d:port"
    uint32_t interest = 0;              // epoll events registered for fd
    bool tls_done = false;              // handshake finished on fd
    bool handshake_wants_write = false;
    bool read_wants_write = false;
    uint64_t gen = 0; // bumped when the connection closes: stale work stops

    std::vector<uint8_t> rx; // [rx_off, rx_end): received, not yet parsed
    size_t rx_off = 0, rx_end = 0;
    std::vector<uint8_t> tx;
    size_t tx_off = 0;
    bool above_high = false;

    std::map<uint32_t, ChannelListener*> listeners;
    control::EventLoop::TimerId timer = 0;
    control::EventLoop::TimerId more_timer = 0; // read budget used up: continue next iteration
    control::EventLoop::TimerId fail_timer = 0; // Channel::fail: close from the loop, not the caller
    std::string fail_reason;
    bool failing = false;

    std::deque<conn::Event> events;
    bool dispatching = false;

    RbsStats stats;
    uint64_t reconnects = 0; // sessions after the first
    std::string tls_version, tls_cipher, peer_name;
    std::map<uint32_t, std::unique_ptr<RbsCandidate>> cands;
    LogLimiter limiter;
    std::string last_down;          // reason_line of the last session end or refusal
    std::string last_refused;       // the last refused incoming connection: who and why
    std::string last_connect_error; // logged once per distinct error
};

} // namespace wg::sync
