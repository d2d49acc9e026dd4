// Incoming connections still authenticating (candidates, sync/connection.hpp
// and docs/sync-protocol.md §1.1): each runs its own TLS handshake as the
// server, gets our greeting heartbeat once the peer's certificate is
// verified, and is then read only up to its first hello. Heartbeats are
// consumed; a hello for a backup-id attached here that decodes whole promotes
// it; anything else refuses it. What it sent is never routed to a profile
// while it is a candidate: after promotion, the session's own reader parses
// it again from the promoting frame on (rbs.cpp, do_promote).
//
// Bounded: the machine caps the number of candidates and gives each a
// deadline; each buffers at most kCandidateBuffer bytes.
#include "sync/rbs_impl.hpp"

#include <cstring>
#include <sys/epoll.h>

namespace wg::sync {

RbsCandidate* Rbs::Impl::candidate(uint32_t id) {
    auto it = cands.find(id);
    return it == cands.end() ? nullptr : it->second.get();
}

void Rbs::Impl::candidate_event(uint32_t id, conn::EventKind k, std::string detail) {
    dispatch(conn::Event::of_candidate(k, id, std::move(detail)));
}

void Rbs::Impl::on_candidate(uint32_t id, uint32_t ev) {
    RbsCandidate* c = candidate(id);
    if (!c || !c->tls) return;
    if (!c->tls_done) {
        candidate_handshake(*c);
        return;
    }
    if ((ev & EPOLLOUT) && !c->tx.empty()) {
        candidate_flush(*c);
        if (!(c = candidate(id))) return;
    }
    if ((ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) || ((ev & EPOLLOUT) && c->wants_write)) candidate_read(*c);
}

void Rbs::Impl::candidate_handshake(RbsCandidate& c) {
    const uint32_t id = c.id;
    auto r = c.tls->handshake();
    switch (r) {
    case TlsStream::Io::ok:
        c.tls_done = true;
        c.wants_write = false;
        candidate_event(id, conn::EventKind::tls_established);           // queues the greeting
        if (RbsCandidate* again = candidate(id)) candidate_read(*again); // records of the last flight
        return;
    case TlsStream::Io::want_read:
    case TlsStream::Io::want_write:
        c.wants_write = r == TlsStream::Io::want_write;
        candidate_interest(c);
        return;
    case TlsStream::Io::closed:
    case TlsStream::Io::error: {
        TlsFailure f = r == TlsStream::Io::closed ? TlsFailure::io_error : c.tls->failure();
        stats.add(tls_counter(f));
        candidate_event(id, conn::EventKind::tls_failed, std::string(to_string(f)) + ": " + c.tls->error());
        return;
    }
    }
}

void Rbs::Impl::candidate_read(RbsCandidate& c) {
    const uint32_t id = c.id;
    c.wants_write = false;
    if (c.rx.empty()) c.rx.resize(kCandidateBuffer);
    for (;;) {
        if (c.rx_end == c.rx.size()) {
            candidate_event(id, conn::EventKind::bad_hello,
                            "more than " + std::to_string(kCandidateBuffer) + " bytes before a hello");
            return;
        }
        size_t n = 0;
        auto r = c.tls->read(std::span<uint8_t>(c.rx.data() + c.rx_end, c.rx.size() - c.rx_end), n);
        switch (r) {
        case TlsStream::Io::ok:
            c.rx_end += n;
            if (!candidate_parse(c)) return; // refused or promoted: `c` is gone
            continue;
        case TlsStream::Io::want_read:
            candidate_interest(c);
            return;
        case TlsStream::Io::want_write:
            c.wants_write = true;
            candidate_interest(c);
            return;
        case TlsStream::Io::closed:
        case TlsStream::Io::error:
            candidate_event(
                id, r == TlsStream::Io::closed ? conn::EventKind::peer_closed : conn::EventKind::io_error,
                r == TlsStream::Io::closed ? "closed before its hello" : c.tls->error());
            return;
        }
    }
}

bool Rbs::Impl::candidate_parse(RbsCandidate& c) {
    const uint32_t id = c.id;
    for (;;) {
        std::span<const uint8_t> avail(c.rx.data() + c.parsed, c.rx_end - c.parsed);
        wire::DecodeError err = wire::DecodeError::ok;
        const size_t n = wire::frame_size(avail, err);
        if (err != wire::DecodeError::ok) {
            candidate_event(id, conn::EventKind::bad_hello, std::string("frame: ") + wire::to_string(err));
            return false;
        }
        if (n == 0) {
            // A frame that cannot fit the buffer is no hello: say so now
            // rather than when the buffer is full.
            if (avail.size() >= 4) {
                const size_t len =
                    size_t(avail[0]) << 24 | size_t(avail[1]) << 16 | size_t(avail[2]) << 8 | avail[3];
                if (len + 4 > kCandidateBuffer) {
                    candidate_event(id, conn::EventKind::bad_hello,
                                    "a frame of " + std::to_string(len + 4) + " bytes before a hello");
                    return false;
                }
            }
            break;
        }
        const auto frame = avail.first(n);
        wire::Type type{};
        uint32_t backup_id = 0;
        uint64_t seq = 0;
        err = wire::decode_header(frame, type, backup_id, seq);
        if (err != wire::DecodeError::ok) {
            candidate_event(id, conn::EventKind::bad_hello,
                            std::string("frame header: ") + wire::to_string(err));
            return false;
        }
        if (backup_id == 0 && type == wire::Type::heartbeat) {
            // The peer's greeting: promotes only when there is no session.
            candidate_event(id, conn::EventKind::frame_received);
            if (!candidate(id)) return false;
            c.parsed += n;
            continue;
        }
        if (type != wire::Type::hello || backup_id == 0) {
            candidate_event(id, conn::EventKind::bad_hello,
                            std::string(wire::to_string(type)) + " frame for backup-id " +
                                std::to_string(backup_id) + " before a hello");
            return false;
        }
        if (!listeners.count(backup_id)) {
            candidate_event(id, conn::EventKind::wrong_backup_id,
                            "hello for backup-id " + std::to_string(backup_id) + " (have " + have_ids() +
                                ")");
            return false;
        }
        wire::Message hello;
        err = wire::decode(frame, hello);
        if (err != wire::DecodeError::ok) {
            candidate_event(id, conn::EventKind::bad_hello, std::string("hello: ") + wire::to_string(err));
            return false;
        }
        candidate_event(id, conn::EventKind::hello_received);
        return false; // promoted: the session parses it again from c.parsed
    }
    // Keep only what is not consumed at the front.
    if (c.parsed > 0) {
        std::memmove(c.rx.data(), c.rx.data() + c.parsed, c.rx_end - c.parsed);
        c.rx_end -= c.parsed;
        c.parsed = 0;
    }
    return true;
}

void Rbs::Impl::candidate_flush(RbsCandidate& c) {
    while (!c.tx.empty()) {
        size_t n = 0;
        auto r = c.tls->write(c.tx, n);
        if (r == TlsStream::Io::ok) {
            stats.add(RbsCounter::bytes_tx, n);
            c.tx.erase(c.tx.begin(), c.tx.begin() + long(n));
            continue;
        }
        if (r == TlsStream::Io::want_read || r == TlsStream::Io::want_write) break;
        candidate_event(c.id, conn::EventKind::io_error, c.tls->error());
        return;
    }
    candidate_interest(c);
}

void Rbs::Impl::candidate_interest(RbsCandidate& c) {
    if (c.fd < 0) return;
    uint32_t want = EPOLLIN;
    if (c.wants_write || !c.tx.empty()) want |= EPOLLOUT;
    if (want == c.interest) return;
    if (loop.modify_fd(c.fd, want)) c.interest = want;
}

} // namespace wg::sync
