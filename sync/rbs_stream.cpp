// The RBS's session I/O (sync/rbs.hpp): drives the TLS handshake, reads the
// stream and splits it into frames (wire::frame_size), routes them by
// backup-id, and writes the send queue as the socket allows. Part of the
// adapter of sync/rbs.cpp; every failure becomes an event of the machine.
#include "sync/rbs_impl.hpp"

#include <cstring>
#include <sys/epoll.h>

namespace wg::sync {

namespace {

// Per-callback read budget: a peer streaming a snapshot must not starve the
// loop's other work (VRRP timers). The rest is read on the next iteration.
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kReadBudget = 4u << 20;

} // namespace

void Rbs::Impl::tls_refused(TlsFailure f, const std::string& why) {
    stats.add(tls_counter(f));
    last_down = std::string("TLS ") + to_string(f) + ": " + why;
    log("tls_refused", "TLS session with " + remote + " refused (" + to_string(f) + "): " + why);
}

void Rbs::Impl::step_handshake() {
    auto r = tls->handshake();
    switch (r) {
    case TlsStream::Io::ok: {
        tls_done = true;
        handshake_wants_write = false;
        uint64_t g = gen;
        dispatch(conn::EventKind::tls_established); // queues our greeting heartbeat
        if (gen != g) return;
        update_interest();
        // Records that arrived with the last handshake flight: the socket
        // may not signal readable again for them.
        on_readable();
        return;
    }
    case TlsStream::Io::want_read:
    case TlsStream::Io::want_write:
        handshake_wants_write = r == TlsStream::Io::want_write;
        update_interest();
        return;
    case TlsStream::Io::closed:
    case TlsStream::Io::error: {
        TlsFailure f = r == TlsStream::Io::closed ? TlsFailure::io_error : tls->failure();
        std::string why = tls->error();
        tls_refused(f, why);
        dispatch(conn::EventKind::tls_failed, std::string(to_string(f)) + ": " + why);
        return;
    }
    }
}

void Rbs::Impl::on_readable() {
    uint64_t g = gen;
    size_t total = 0;
    bool got = false;
    const uint64_t wire0 = tls->bytes_in();
    read_wants_write = false;
    TlsStream::Io r = TlsStream::Io::ok;
    // Frames a promoted candidate received before it became the session.
    if (rx_end > rx_off) {
        got |= parse();
        if (gen != g || failing) return;
    }
    while (total < kReadBudget) {
        if (rx_off == rx_end) rx_off = rx_end = 0;
        if (rx.size() - rx_end < kReadChunk) {
            // Keep at most one partial frame (< kMaxFrame) at the front.
            if (rx_end > rx_off) std::memmove(rx.data(), rx.data() + rx_off, rx_end - rx_off);
            rx_end -= rx_off;
            rx_off = 0;
            if (rx.size() - rx_end < kReadChunk) rx.resize(rx_end + kReadChunk);
        }
        size_t n = 0;
        r = tls->read(std::span<uint8_t>(rx.data() + rx_end, rx.size() - rx_end), n);
        if (r != TlsStream::Io::ok) break;
        rx_end += n;
        total += n;
        got |= parse();
        if (gen != g || failing) return;
    }
    // Liveness once per read, not per frame (the machine does not re-arm).
    // Any bytes from the socket count, not only whole frames or whole TLS
    // records: on a slow link a snapshot frame (up to 4096 entries, 57 KB)
    // or a 16 KB record can take longer than dead_ms to arrive, and a peer
    // whose bytes keep coming is not dead.
    if ((got || tls->bytes_in() != wire0) && m.up()) dispatch(conn::EventKind::frame_received);
    if (gen != g || failing) return;
    switch (r) {
    case TlsStream::Io::ok: // budget used up: go on next iteration
        if (!more_timer)
            more_timer = loop.add_timer(control::Duration::zero(), [this] {
                more_timer = 0;
                if (tls && tls_done) on_readable();
            });
        return;
    case TlsStream::Io::want_read:
        return;
    case TlsStream::Io::want_write:
        read_wants_write = true; // TLS needs to send (key update) before it can read
        update_interest();
        return;
    case TlsStream::Io::closed:
    case TlsStream::Io::error:
        if (!m.up()) {
            // Before the peer's first frame: it refused us (its alert says
            // why) or went away mid-greeting. A refusal like any other.
            TlsFailure f = r == TlsStream::Io::closed ? TlsFailure::io_error : tls->failure();
            std::string why = r == TlsStream::Io::closed ? "closed before its first frame" : tls->error();
            tls_refused(f, why);
            dispatch(conn::EventKind::tls_failed, std::string(to_string(f)) + ": " + why);
        } else {
            dispatch(r == TlsStream::Io::closed ? conn::EventKind::peer_closed : conn::EventKind::io_error,
                     tls->error());
        }
        return;
    }
}

bool Rbs::Impl::parse() {
    uint64_t g = gen;
    bool got = false;
    while (!failing) {
        std::span<const uint8_t> avail(rx.data() + rx_off, rx_end - rx_off);
        wire::DecodeError err = wire::DecodeError::ok;
        size_t n = wire::frame_size(avail, err);
        if (err != wire::DecodeError::ok) {
            protocol_fail(decode_counter(err), std::string("frame: ") + wire::to_string(err));
            return got;
        }
        if (n == 0) break;
        auto frame = avail.first(n);
        rx_off += n;
        got = true;
        stats.add(RbsCounter::frames_rx);
        stats.add(RbsCounter::bytes_rx, n);
        // The first frame makes the session: listeners hear on_up before it.
        if (!m.up()) dispatch(conn::EventKind::frame_received);
        if (gen != g) return got;
        route(frame);
        if (gen != g) return got;
    }
    return got;
}

std::string Rbs::Impl::have_ids() const {
    if (listeners.empty()) return "none";
    std::string s;
    for (const auto& [id, l] : listeners)
        s += (s.empty() ? "" : ", ") + std::to_string(id);
    return s;
}

void Rbs::Impl::route(std::span<const uint8_t> frame) {
    wire::Type type{};
    uint32_t id = 0;
    uint64_t seq = 0;
    auto err = wire::decode_header(frame, type, id, seq);
    if (err == wire::DecodeError::bad_version) {
        // A peer speaking another protocol version: say so in its terms
        // (error code unsupported_version) before closing.
        protocol_fail(decode_counter(err),
                      "protocol version " + std::to_string(frame.size() > 4 ? frame[4] : 0) +
                          " is not supported (this build speaks " + std::to_string(wire::kVersion) + ")",
                      wire::ErrorCode::unsupported_version);
        return;
    }
    if (err != wire::DecodeError::ok) {
        protocol_fail(decode_counter(err), std::string("frame header: ") + wire::to_string(err));
        return;
    }
    if (id == 0) { // the service's own frames
        if (type == wire::Type::heartbeat) {
            stats.add(RbsCounter::heartbeats_rx);
            return;
        }
        if (type == wire::Type::error) {
            wire::Message msg;
            err = wire::decode(frame, msg);
            if (err != wire::DecodeError::ok) {
                protocol_fail(decode_counter(err), std::string("error frame: ") + wire::to_string(err));
                return;
            }
            stats.add(RbsCounter::peer_errors);
            const auto& e = std::get<wire::Error>(msg.body);
            log("peer_error", "peer " + remote + " closes the session: " + e.text);
            dispatch(conn::EventKind::io_error, "peer error: " + e.text);
            return;
        }
        protocol_fail(RbsCounter::protocol_errors,
                      std::string("unexpected ") + wire::to_string(type) + " frame for backup-id 0");
        return;
    }
    if (auto it = listeners.find(id); it != listeners.end()) {
        it->second->on_frame(frame);
        return;
    }
    stats.add(RbsCounter::backup_id_mismatch);
    if (type == wire::Type::error) return; // never answer an error with an error
    queue_error(id, wire::ErrorCode::backup_id_mismatch,
                "backup-id " + std::to_string(id) + " is not configured here (have " + have_ids() + ")");
}

void Rbs::Impl::queue(const wire::Message& msg) {
    if (fd < 0 || !tls_done) return;
    stats.add(RbsCounter::frames_tx);
    if (tx_off > 0 && tx_off == tx.size()) {
        tx.clear();
        tx_off = 0;
    }
    wire::encode(msg, tx);
    update_interest();
}

void Rbs::Impl::queue_error(uint32_t backup_id, wire::ErrorCode code, std::string text) {
    if (text.size() > 256) text.resize(256); // wire.hpp: error text <= 256 bytes
    queue(wire::Message{wire::Type::error, backup_id, 0, wire::Error{code, std::move(text)}});
}

void Rbs::Impl::protocol_fail(RbsCounter c, std::string text, wire::ErrorCode code) {
    stats.add(c);
    if (c != RbsCounter::protocol_errors) stats.add(RbsCounter::protocol_errors);
    queue_error(0, code, text);
    flush(false);
    if (m.up())
        dispatch(conn::EventKind::io_error, "protocol error: " + text);
    else
        dispatch(conn::EventKind::tls_failed, "protocol error: " + text);
}

void Rbs::Impl::flush(bool notify) {
    while (tx_off < tx.size()) {
        size_t n = 0;
        auto r = tls->write(std::span<const uint8_t>(tx.data() + tx_off, tx.size() - tx_off), n);
        if (r == TlsStream::Io::ok) {
            tx_off += n;
            stats.add(RbsCounter::bytes_tx, n);
            continue;
        }
        if (r == TlsStream::Io::want_read || r == TlsStream::Io::want_write) break;
        if (notify) dispatch(conn::EventKind::io_error, tls->error());
        return;
    }
    if (tx_off == tx.size()) {
        tx.clear();
        tx_off = 0;
        if (tx.capacity() > (64u << 20)) tx.shrink_to_fit(); // after a huge snapshot
    } else if (tx_off >= (1u << 20) && tx_off * 2 >= tx.size()) {
        // Reclaim the written head now and then; OpenSSL was told the
        // buffer may move (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER in tls.cpp).
        tx.erase(tx.begin(), tx.begin() + long(tx_off));
        tx_off = 0;
    }
    update_interest();
    if (notify && above_high && queued() < Channel::kLowWater) {
        above_high = false;
        uint64_t g = gen;
        for (auto* l : listener_list()) {
            l->on_writable();
            if (gen != g) return;
        }
    }
}

void Rbs::Impl::update_interest() {
    if (fd < 0) return;
    uint32_t want = EPOLLIN;
    if (tls_done ? (queued() > 0 || read_wants_write) : handshake_wants_write) want |= EPOLLOUT;
    if (want == interest) return;
    if (loop.modify_fd(fd, want)) interest = want;
}

} // namespace wg::sync
