// The RBS connection machine (sync/connection.hpp), pure: every transition
// with made-up instants, no sockets, no sleeps. Actions are compared as their
// describe() text relative to t0, so a failure shows the whole sequence.
#include "sync/connection.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wg::sync::conn {
namespace {

using namespace std::chrono_literals;

const Time t0 = Time{} + std::chrono::seconds(1000);

Params params(Role r) {
    Params p;
    p.role = r;
    p.heartbeat = 1000ms;
    p.dead = 3500ms;
    p.backoff_min = 100ms;
    p.backoff_max = 5000ms;
    p.connect_timeout = 5000ms;
    p.handshake_timeout = 5000ms;
    return p;
}

std::string dump(const Actions& as) {
    std::string s;
    for (const auto& a : as) {
        if (!s.empty()) s += "; ";
        s += describe(a, t0);
    }
    return s;
}

// A machine and the time, advanced by hand.
struct Driver {
    explicit Driver(Role r) : m(params(r)) {}
    Machine m;
    Time now = t0;

    std::string on(EventKind k, std::string detail = {}) {
        return dump(m.handle(Event::of(k, std::move(detail)), now));
    }
    // An event of candidate `id` (acceptor).
    std::string onc(EventKind k, uint32_t id, std::string detail = {}) {
        return dump(m.handle(Event::of_candidate(k, id, std::move(detail)), now));
    }
    Driver& at(Ms t) {
        now = t0 + t;
        return *this;
    }
    // Connector up at `t`: start, connect, handshake, the peer's first frame.
    void connector_up(Ms t = 0ms) {
        at(t);
        on(EventKind::start);
        on(EventKind::tcp_connected);
        on(EventKind::tls_established);
        on(EventKind::frame_received);
    }
    // Acceptor up at `t` through candidate #1 (its greeting promotes it).
    void acceptor_up(Ms t = 0ms) {
        at(t);
        on(EventKind::start);
        on(EventKind::accepted);
        onc(EventKind::tls_established, 1);
        onc(EventKind::frame_received, 1);
    }
};

TEST(ConnRole, LowerSourceConnects) {
    EXPECT_EQ(role_for(Ipv4{0x01010101}, Ipv4{0x02020202}), Role::connector);
    EXPECT_EQ(role_for(Ipv4{0x02020202}, Ipv4{0x01010101}), Role::acceptor);
    EXPECT_STREQ(to_string(Role::connector), "connect");
    EXPECT_STREQ(to_string(Role::acceptor), "accept");
}

TEST(ConnBackoff, DoublesFromMinAndCaps) {
    Params p = params(Role::connector);
    std::vector<long> got;
    for (uint32_t f = 1; f <= 9; ++f)
        got.push_back(long(backoff_delay(p, f).count()));
    EXPECT_EQ(got, (std::vector<long>{100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000}));
    EXPECT_EQ(backoff_delay(p, 0), 100ms);            // treated as the first failure
    EXPECT_EQ(backoff_delay(p, 4000000000u), 5000ms); // no overflow
    p.backoff_max = 50ms;                             // cap below min: the cap wins
    EXPECT_EQ(backoff_delay(p, 1), 50ms);
}

TEST(ConnNames, SeedTexts) {
    EXPECT_EQ(name(TcpState::connected).text, "Connected");
    EXPECT_EQ(name(TcpState::connecting).text, "Connecting");
    EXPECT_EQ(name(TcpState::listening).text, "Listening");
    EXPECT_EQ(name(TcpState::backoff).text, "Backoff");
    EXPECT_EQ(name(TcpState::closed).text, "Closed");
    EXPECT_EQ(name(SslState::none).text, "--");
    EXPECT_EQ(name(SslState::handshaking).text, "Handshaking");
    EXPECT_EQ(name(SslState::established).text, "Established");
    EXPECT_EQ(name(SslState::failed).text, "Failed");
    EXPECT_EQ(name(State::tls_handshake).json, "tls_handshake");
    EXPECT_STREQ(to_string(Reason::dead_peer), "dead_peer");
    EXPECT_EQ(reason_line(Reason::dead_peer, "x"), "dead peer: x");
    EXPECT_EQ(reason_line(Reason::stopped, ""), "stopped locally");
}

TEST(ConnConnector, StartConnectsWithTimeout) {
    Driver d(Role::connector);
    EXPECT_EQ(d.m.tcp_state(), TcpState::closed);
    EXPECT_EQ(d.on(EventKind::start), "connect; arm_timer +5000ms");
    EXPECT_EQ(d.m.state(), State::connecting);
    EXPECT_EQ(d.m.tcp_state(), TcpState::connecting);
    EXPECT_EQ(d.m.ssl_state(), SslState::none);
    EXPECT_EQ(d.on(EventKind::start), ""); // already started
}

TEST(ConnConnector, UpOnlyAfterThePeersFirstFrame) {
    Driver d(Role::connector);
    d.on(EventKind::start);
    EXPECT_EQ(d.at(10ms).on(EventKind::tcp_connected), "start_tls; arm_timer +5010ms");
    EXPECT_EQ(d.m.state(), State::tls_handshake);
    EXPECT_EQ(d.m.tcp_state(), TcpState::connected);
    EXPECT_EQ(d.m.ssl_state(), SslState::handshaking);
    // Handshake done: greet, but not up yet (TLS 1.3 client finishes first).
    EXPECT_EQ(d.at(20ms).on(EventKind::tls_established), "send_heartbeat");
    EXPECT_FALSE(d.m.up());
    EXPECT_TRUE(d.m.tls_done());
    EXPECT_EQ(d.m.ssl_state(), SslState::handshaking);
    EXPECT_EQ(d.at(30ms).on(EventKind::frame_received), "notify_up; arm_timer +1020ms");
    EXPECT_TRUE(d.m.up());
    EXPECT_EQ(d.m.ssl_state(), SslState::established);
    EXPECT_EQ(d.m.established_at(), t0 + 30ms);
    EXPECT_EQ(d.m.failures(), 0u);
}

TEST(ConnConnector, FrameBeforeHandshakeDoneIsIgnored) {
    Driver d(Role::connector);
    d.on(EventKind::start);
    d.on(EventKind::tcp_connected);
    EXPECT_EQ(d.on(EventKind::frame_received), "");
    EXPECT_EQ(d.m.state(), State::tls_handshake);
}

TEST(ConnConnector, ConnectFailureBacksOffThenRetries) {
    Driver d(Role::connector);
    d.on(EventKind::start);
    EXPECT_EQ(d.at(1ms).on(EventKind::tcp_failed, "Connection refused"),
              "close connect_failed (Connection refused); arm_timer +101ms");
    EXPECT_EQ(d.m.state(), State::backoff);
    EXPECT_EQ(d.m.tcp_state(), TcpState::backoff);
    EXPECT_EQ(d.m.failures(), 1u);
    // An early (or stale) expiry changes nothing but re-arms.
    EXPECT_EQ(d.at(50ms).on(EventKind::timer), "arm_timer +101ms");
    EXPECT_EQ(d.m.state(), State::backoff);
    EXPECT_EQ(d.at(101ms).on(EventKind::timer), "connect; arm_timer +5101ms");
    EXPECT_EQ(d.m.state(), State::connecting);
}

TEST(ConnConnector, BackoffGrowsAndCapsThenResetsWhenEstablished) {
    Driver d(Role::connector);
    d.on(EventKind::start);
    std::vector<long> delays;
    for (int i = 0; i < 9; ++i) {
        d.on(EventKind::tcp_failed, "refused");
        ASSERT_TRUE(d.m.armed());
        delays.push_back(long(std::chrono::duration_cast<Ms>(*d.m.armed() - d.now).count()));
        d.now = *d.m.armed();
        ASSERT_EQ(d.on(EventKind::timer).substr(0, 7), "connect");
    }
    EXPECT_EQ(delays, (std::vector<long>{100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000}));
    EXPECT_EQ(d.m.failures(), 9u);
    // Up: failures reset; losing the session retries after backoff_min.
    d.on(EventKind::tcp_connected);
    d.on(EventKind::tls_established);
    d.on(EventKind::frame_received);
    EXPECT_EQ(d.m.failures(), 0u);
    Time lost = d.now;
    d.on(EventKind::peer_closed);
    ASSERT_TRUE(d.m.armed());
    EXPECT_EQ(*d.m.armed() - lost, 100ms);
}

TEST(ConnConnector, ConnectTimeout) {
    Driver d(Role::connector);
    d.on(EventKind::start);
    EXPECT_EQ(d.at(4999ms).on(EventKind::timer), "arm_timer +5000ms");
    EXPECT_EQ(d.at(5000ms).on(EventKind::timer),
              "close connect_timeout (no answer within 5000 ms); arm_timer +5100ms");
    EXPECT_EQ(d.m.state(), State::backoff);
    EXPECT_EQ(d.m.failures(), 1u);
}

TEST(ConnConnector, HandshakeTimeoutIncludesWaitingForTheFirstFrame) {
    Driver d(Role::connector);
    d.on(EventKind::start);
    d.on(EventKind::tcp_connected);
    d.at(100ms).on(EventKind::tls_established);
    EXPECT_EQ(d.at(5000ms).on(EventKind::timer),
              "close handshake_timeout (no session within 5000 ms); arm_timer +5100ms");
    EXPECT_EQ(d.m.ssl_state(), SslState::failed);
    EXPECT_EQ(d.m.state(), State::backoff);
    EXPECT_FALSE(d.m.tls_done());
}

TEST(ConnConnector, TlsFailureIsShownUntilTheNextHandshake) {
    Driver d(Role::connector);
    d.on(EventKind::start);
    d.on(EventKind::tcp_connected);
    EXPECT_EQ(d.on(EventKind::tls_failed, "untrusted"), "close tls_failed (untrusted); arm_timer +100ms");
    EXPECT_EQ(d.m.ssl_state(), SslState::failed);
    EXPECT_EQ(d.m.state(), State::backoff);
    d.at(100ms).on(EventKind::timer);
    EXPECT_EQ(d.m.ssl_state(), SslState::failed); // still the last outcome while connecting
    d.on(EventKind::tcp_connected);
    EXPECT_EQ(d.m.ssl_state(), SslState::handshaking);
    // A second failure doubles the wait.
    EXPECT_EQ(d.on(EventKind::tls_failed, "untrusted"), "close tls_failed (untrusted); arm_timer +300ms");
}

TEST(ConnConnector, PeerClosingBeforeItsFirstFrameIsARefusal) {
    Driver d(Role::connector);
    d.on(EventKind::start);
    d.on(EventKind::tcp_connected);
    d.on(EventKind::tls_established);
    // The server did not accept our certificate: alert, then close.
    EXPECT_EQ(d.on(EventKind::io_error, "alert"), "close io_error (alert); arm_timer +100ms");
    EXPECT_EQ(d.m.ssl_state(), SslState::failed);
    EXPECT_EQ(d.m.failures(), 1u);
}

TEST(ConnConnector, ErrorWhileConnectingIsAConnectFailure) {
    Driver d(Role::connector);
    d.on(EventKind::start);
    EXPECT_EQ(d.on(EventKind::io_error, "reset"), "close connect_failed (reset); arm_timer +100ms");
}

TEST(ConnConnector, SessionLossNotifiesAndReconnects) {
    Driver d(Role::connector);
    d.connector_up();
    EXPECT_EQ(d.at(500ms).on(EventKind::peer_closed),
              "close peer_closed; notify_down peer_closed; arm_timer +600ms");
    EXPECT_EQ(d.m.ssl_state(), SslState::none);
    EXPECT_FALSE(d.m.established_at());
    EXPECT_EQ(d.at(600ms).on(EventKind::timer), "connect; arm_timer +5600ms");
    d.on(EventKind::tcp_connected);
    d.on(EventKind::tls_established);
    EXPECT_EQ(d.on(EventKind::frame_received), "notify_up; arm_timer +1600ms");
    EXPECT_EQ(d.at(700ms).on(EventKind::io_error, "Connection reset by peer"),
              "close io_error (Connection reset by peer); notify_down io_error (Connection reset by peer); "
              "arm_timer +800ms");
}

TEST(ConnEstablished, HeartbeatWhenNothingWasSent) {
    Driver d(Role::connector);
    d.connector_up(); // all at t0: last rx and tx at 0
    EXPECT_EQ(d.m.armed(), t0 + 1000ms);
    // Sending suppresses the heartbeat; no re-arm per frame (lazy).
    EXPECT_EQ(d.at(600ms).on(EventKind::frame_sent), "");
    EXPECT_EQ(d.at(700ms).on(EventKind::frame_received), "");
    // The timer fires early, finds nothing due, re-arms for the new deadline.
    EXPECT_EQ(d.at(1000ms).on(EventKind::timer), "arm_timer +1600ms");
    EXPECT_EQ(d.at(1600ms).on(EventKind::timer), "send_heartbeat; arm_timer +2600ms");
    EXPECT_EQ(d.at(2600ms).on(EventKind::timer), "send_heartbeat; arm_timer +3600ms");
}

TEST(ConnEstablished, DeadPeerAfterSilence) {
    Driver d(Role::connector);
    d.connector_up();
    EXPECT_EQ(d.at(1000ms).on(EventKind::timer), "send_heartbeat; arm_timer +2000ms");
    EXPECT_EQ(d.at(1500ms).on(EventKind::frame_received), "");
    EXPECT_EQ(d.at(2000ms).on(EventKind::timer), "send_heartbeat; arm_timer +3000ms");
    EXPECT_EQ(d.at(3000ms).on(EventKind::timer), "send_heartbeat; arm_timer +4000ms");
    EXPECT_EQ(d.at(4000ms).on(EventKind::timer), "send_heartbeat; arm_timer +5000ms");
    EXPECT_TRUE(d.m.up());
    // 1500 + 3500: dead. Not also a heartbeat.
    EXPECT_EQ(d.at(5000ms).on(EventKind::timer),
              "close dead_peer (nothing received for 3500 ms); notify_down dead_peer (nothing received for "
              "3500 ms); arm_timer +5100ms");
    EXPECT_EQ(d.m.state(), State::backoff);
}

TEST(ConnEstablished, DeadPeerTimerIsEarlierThanHeartbeatWhenShort) {
    Params p = params(Role::acceptor);
    p.dead = 300ms;
    Machine m(p);
    m.handle(Event::of(EventKind::start), t0);
    m.handle(Event::of(EventKind::accepted), t0);
    m.handle(Event::of_candidate(EventKind::tls_established, 1), t0);
    m.handle(Event::of_candidate(EventKind::frame_received, 1), t0);
    EXPECT_EQ(m.armed(), t0 + 300ms);
    EXPECT_EQ(dump(m.handle(Event::of(EventKind::timer), t0 + 300ms)),
              "close dead_peer (nothing received for 300 ms); notify_down dead_peer (nothing received for "
              "300 ms)"); // the timer fired: nothing to cancel
    EXPECT_EQ(m.state(), State::listening);
}

TEST(ConnAcceptor, ListensAcceptsACandidateAndPromotesItOnItsGreeting) {
    Driver d(Role::acceptor);
    EXPECT_EQ(d.on(EventKind::start), "listen");
    EXPECT_EQ(d.m.state(), State::listening);
    EXPECT_EQ(d.m.tcp_state(), TcpState::listening);
    EXPECT_EQ(d.at(10ms).on(EventKind::accepted), "adopt #1; start_tls #1; arm_timer +5010ms");
    EXPECT_EQ(d.m.candidates(), 1u);
    EXPECT_EQ(d.m.ssl_state(), SslState::handshaking);
    EXPECT_EQ(d.onc(EventKind::tls_established, 1), "send_heartbeat #1");
    EXPECT_FALSE(d.m.up());
    // No session to protect: the peer's first frame is enough.
    EXPECT_EQ(d.at(20ms).onc(EventKind::frame_received, 1), "promote #1; notify_up; arm_timer +1010ms");
    EXPECT_TRUE(d.m.up());
    EXPECT_EQ(d.m.candidates(), 0u);
    EXPECT_EQ(d.m.tcp_state(), TcpState::connected);
    EXPECT_EQ(d.m.ssl_state(), SslState::established);
    EXPECT_EQ(d.m.established_at(), t0 + 20ms);
}

TEST(ConnAcceptor, ACandidateWithoutSessionIsPromotedByAHelloToo) {
    Driver d(Role::acceptor);
    d.on(EventKind::start);
    d.on(EventKind::accepted);
    d.onc(EventKind::tls_established, 1);
    EXPECT_EQ(d.onc(EventKind::hello_received, 1), "promote #1; notify_up; arm_timer +1000ms");
    EXPECT_TRUE(d.m.up());
}

TEST(ConnAcceptor, LossGoesBackToListeningWithoutBackoff) {
    Driver d(Role::acceptor);
    d.acceptor_up();
    EXPECT_EQ(d.on(EventKind::peer_closed), "close peer_closed; notify_down peer_closed; cancel_timer");
    EXPECT_EQ(d.m.state(), State::listening);
    EXPECT_EQ(d.m.ssl_state(), SslState::none);
}

TEST(ConnAcceptor, TlsFailureRefusesTheCandidate) {
    Driver d(Role::acceptor);
    d.on(EventKind::start);
    d.on(EventKind::accepted);
    EXPECT_EQ(d.onc(EventKind::tls_failed, 1, "not TLS"), "refuse #1 tls_failed (not TLS); cancel_timer");
    EXPECT_EQ(d.m.state(), State::listening);
    EXPECT_EQ(d.m.ssl_state(), SslState::failed);
    EXPECT_EQ(d.m.candidates(), 0u);
    EXPECT_EQ(d.onc(EventKind::frame_received, 1), ""); // stale: it is gone
    EXPECT_EQ(d.on(EventKind::accepted), "adopt #2; start_tls #2; arm_timer +5000ms");
}

TEST(ConnAcceptor, HandshakeTimeoutRefusesTheCandidate) {
    Driver d(Role::acceptor);
    d.on(EventKind::start);
    d.on(EventKind::accepted);
    EXPECT_EQ(d.at(4999ms).on(EventKind::timer), "arm_timer +5000ms");
    EXPECT_EQ(d.at(5000ms).on(EventKind::timer), "refuse #1 handshake_timeout (no session within 5000 ms)");
    EXPECT_EQ(d.m.state(), State::listening);
    EXPECT_EQ(d.m.candidates(), 0u);
}

TEST(ConnAcceptor, StrangerAddressIsRefusedAtOnce) {
    Driver d(Role::acceptor);
    d.on(EventKind::start);
    EXPECT_EQ(d.on(EventKind::stranger, "from 10.0.0.9:4000"),
              "refuse not_peer_address (from 10.0.0.9:4000)");
    EXPECT_EQ(d.m.candidates(), 0u);
    d.acceptor_up();
    EXPECT_EQ(d.on(EventKind::stranger, "x"), "refuse not_peer_address (x)");
    EXPECT_TRUE(d.m.up());
}

// The established session is never touched by a candidate that has not
// finished TLS and sent a valid hello: plain connects, TLS failures, garbage,
// a hello for another backup-id, silence; each is refused on its own.
TEST(ConnCandidates, StrangersNeverTouchTheEstablishedSession) {
    Driver d(Role::acceptor);
    d.acceptor_up();
    const auto since = d.m.established_at();
    auto session_untouched = [&](const std::string& actions) {
        EXPECT_EQ(actions.find("notify_down"), std::string::npos) << actions;
        EXPECT_EQ(actions.find("close "), std::string::npos) << actions;
        EXPECT_EQ(actions.find("promote"), std::string::npos) << actions;
        EXPECT_TRUE(d.m.up());
        EXPECT_EQ(d.m.established_at(), since);
        EXPECT_EQ(d.m.ssl_state(), SslState::established);
    };
    d.at(100ms);
    session_untouched(d.on(EventKind::accepted)); // #2
    session_untouched(d.onc(EventKind::tls_failed, 2, "untrusted_certificate"));
    session_untouched(d.on(EventKind::accepted)); // #3: completes TLS, greets, sends garbage
    session_untouched(d.onc(EventKind::tls_established, 3));
    session_untouched(d.onc(EventKind::frame_received, 3)); // its heartbeat: not enough
    EXPECT_EQ(d.m.candidates(), 1u);
    EXPECT_EQ(d.onc(EventKind::bad_hello, 3, "frame: too_long"), "refuse #3 bad_hello (frame: too_long)");
    session_untouched(d.on(EventKind::accepted)); // #4: a hello for another backup-id
    d.onc(EventKind::tls_established, 4);
    EXPECT_EQ(d.onc(EventKind::wrong_backup_id, 4, "hello for backup-id 11"),
              "refuse #4 wrong_backup_id (hello for backup-id 11)");
    session_untouched(d.on(EventKind::accepted)); // #5: closes mid-handshake
    EXPECT_EQ(d.onc(EventKind::peer_closed, 5, "reset"), "refuse #5 closed (reset)");
    session_untouched(d.on(EventKind::accepted)); // #6: slowloris
    // Heartbeats keep the session alive while #6 stalls.
    for (int t = 1000; t < 5100; t += 1000) {
        d.at(Ms(t));
        d.on(EventKind::frame_received);
        session_untouched(d.on(EventKind::timer));
    }
    d.at(5100ms).on(EventKind::frame_received);
    std::string expired = d.on(EventKind::timer);
    EXPECT_NE(expired.find("refuse #6 handshake_timeout (no valid hello within 5000 ms)"), std::string::npos)
        << expired;
    session_untouched(expired);
    EXPECT_EQ(d.m.candidates(), 0u);
}

TEST(ConnCandidates, AValidHelloReplacesTheStaleSession) {
    Driver d(Role::acceptor);
    d.acceptor_up();
    d.at(2000ms).on(EventKind::accepted); // the peer restarted: #2
    EXPECT_EQ(d.onc(EventKind::tls_established, 2), "send_heartbeat #2");
    EXPECT_EQ(d.onc(EventKind::frame_received, 2), ""); // its greeting
    EXPECT_TRUE(d.m.up());
    EXPECT_EQ(d.at(2010ms).onc(EventKind::hello_received, 2),
              "close replaced; notify_down replaced; promote #2; notify_up; arm_timer +3000ms");
    EXPECT_TRUE(d.m.up());
    EXPECT_EQ(d.m.established_at(), t0 + 2010ms);
    EXPECT_EQ(d.m.candidates(), 0u);
    // The promoted connection is the current one now.
    EXPECT_EQ(d.on(EventKind::peer_closed), "close peer_closed; notify_down peer_closed; cancel_timer");
}

TEST(ConnCandidates, AtMostMaxCandidatesTheRestRefusedAtOnce) {
    Driver d(Role::acceptor);
    d.acceptor_up();
    for (uint32_t i = 2; i <= 5; ++i)
        EXPECT_EQ(d.on(EventKind::accepted),
                  "adopt #" + std::to_string(i) + "; start_tls #" + std::to_string(i));
    EXPECT_EQ(d.m.candidates(), 4u);
    EXPECT_EQ(d.on(EventKind::accepted),
              "refuse too_many_candidates (4 connections are authenticating already)");
    EXPECT_EQ(d.m.candidates(), 4u);
    // One goes: room for the next.
    d.onc(EventKind::tls_failed, 3, "x");
    EXPECT_EQ(d.on(EventKind::accepted), "adopt #6; start_tls #6");
    EXPECT_TRUE(d.m.up());
}

TEST(ConnCandidates, WhenTheSessionEndsAWaitingCandidatesNextFramePromotesIt) {
    Driver d(Role::acceptor);
    d.acceptor_up();
    d.at(100ms).on(EventKind::accepted); // #2
    d.onc(EventKind::tls_established, 2);
    d.onc(EventKind::frame_received, 2);
    d.at(200ms).on(EventKind::peer_closed); // the old connection finally breaks
    EXPECT_FALSE(d.m.up());
    EXPECT_EQ(d.m.candidates(), 1u);
    EXPECT_EQ(d.at(300ms).onc(EventKind::frame_received, 2), "promote #2; notify_up; arm_timer +1100ms");
    EXPECT_TRUE(d.m.up());
}

TEST(ConnCandidates, ConnectorIgnoresCandidateEvents) {
    Driver d(Role::connector);
    d.connector_up();
    for (auto k : {EventKind::accepted, EventKind::stranger})
        EXPECT_EQ(d.on(k), "") << to_string(k);
    for (auto k : {EventKind::tls_established, EventKind::hello_received, EventKind::bad_hello,
                   EventKind::frame_received, EventKind::peer_closed})
        EXPECT_EQ(d.onc(k, 1), "") << to_string(k);
    EXPECT_TRUE(d.m.up());
}

TEST(ConnAcceptor, ListenFailureRetriesWithBackoff) {
    Driver d(Role::acceptor);
    d.on(EventKind::start);
    EXPECT_EQ(d.on(EventKind::listen_failed, "Cannot assign requested address"), "arm_timer +100ms");
    EXPECT_EQ(d.m.state(), State::backoff);
    EXPECT_EQ(d.on(EventKind::accepted), ""); // no listening socket: nothing to accept
    EXPECT_EQ(d.at(100ms).on(EventKind::timer), "listen");
    EXPECT_EQ(d.m.state(), State::listening);
    EXPECT_EQ(d.on(EventKind::listen_failed, "again"), "arm_timer +300ms");
    d.at(300ms).on(EventKind::timer);
    d.on(EventKind::accepted);
    d.onc(EventKind::tls_established, 1);
    d.onc(EventKind::frame_received, 1);
    ASSERT_TRUE(d.m.up());
    EXPECT_EQ(d.m.failures(), 0u);
}

TEST(ConnIgnored, EventsThatDoNotApply) {
    Driver c(Role::connector);
    for (auto k :
         {EventKind::stop, EventKind::tcp_connected, EventKind::tcp_failed, EventKind::accepted,
          EventKind::tls_established, EventKind::tls_failed, EventKind::peer_closed, EventKind::io_error,
          EventKind::frame_received, EventKind::frame_sent, EventKind::timer, EventKind::listen_failed}) {
        EXPECT_EQ(c.on(k), "") << to_string(k);
        EXPECT_EQ(c.m.state(), State::idle) << to_string(k);
    }
    c.on(EventKind::start);
    for (auto k : {EventKind::accepted, EventKind::tls_established, EventKind::tls_failed,
                   EventKind::frame_received, EventKind::frame_sent, EventKind::listen_failed}) {
        EXPECT_EQ(c.on(k), "") << to_string(k);
        EXPECT_EQ(c.m.state(), State::connecting) << to_string(k);
    }
    Driver a(Role::acceptor);
    a.on(EventKind::start);
    for (auto k :
         {EventKind::tcp_connected, EventKind::tcp_failed, EventKind::tls_established, EventKind::tls_failed,
          EventKind::peer_closed, EventKind::io_error, EventKind::frame_received, EventKind::timer}) {
        EXPECT_EQ(a.on(k), "") << to_string(k);
        EXPECT_EQ(a.m.state(), State::listening) << to_string(k);
    }
    a.acceptor_up();
    for (auto k : {EventKind::tcp_connected, EventKind::tcp_failed, EventKind::tls_established,
                   EventKind::tls_failed, EventKind::listen_failed}) {
        EXPECT_EQ(a.on(k), "") << to_string(k);
        EXPECT_TRUE(a.m.up()) << to_string(k);
    }
}

// Stop from every state: whatever is open is closed, the listeners hear of a
// session that was up, the timer is cancelled, and start works again. On the
// acceptor, the handshake events of the path are candidate #1's.
struct StopCase {
    const char* name;
    Role role;
    std::vector<EventKind> path;
    State state;
    const char* actions;
};

class ConnStop : public ::testing::TestWithParam<StopCase> {};

using K = EventKind;

TEST_P(ConnStop, FromEveryState) {
    const auto& c = GetParam();
    Driver d(c.role);
    for (auto k : c.path)
        if (c.role == Role::acceptor && (k == K::tls_established || k == K::frame_received))
            d.onc(k, 1, "x");
        else
            d.on(k, "x");
    ASSERT_EQ(d.m.state(), c.state);
    EXPECT_EQ(d.on(EventKind::stop), c.actions);
    EXPECT_EQ(d.m.state(), State::idle);
    EXPECT_EQ(d.m.tcp_state(), TcpState::closed);
    EXPECT_EQ(d.m.ssl_state(), SslState::none);
    EXPECT_EQ(d.m.failures(), 0u);
    EXPECT_FALSE(d.m.armed());
    EXPECT_EQ(d.on(EventKind::stop), "");
    EXPECT_EQ(d.on(EventKind::start), c.role == Role::connector ? "connect; arm_timer +5000ms" : "listen");
}

INSTANTIATE_TEST_SUITE_P(
    All, ConnStop,
    ::testing::Values(
        StopCase{"c_idle", Role::connector, {}, State::idle, ""},
        StopCase{
            "c_connecting", Role::connector, {K::start}, State::connecting, "close stopped; cancel_timer"},
        StopCase{"c_handshake",
                 Role::connector,
                 {K::start, K::tcp_connected},
                 State::tls_handshake,
                 "close stopped; cancel_timer"},
        StopCase{"c_established",
                 Role::connector,
                 {K::start, K::tcp_connected, K::tls_established, K::frame_received},
                 State::established,
                 "close stopped; notify_down stopped; cancel_timer"},
        StopCase{"c_backoff", Role::connector, {K::start, K::tcp_failed}, State::backoff, "cancel_timer"},
        StopCase{"a_idle", Role::acceptor, {}, State::idle, ""},
        StopCase{"a_listening", Role::acceptor, {K::start}, State::listening, "unlisten"},
        StopCase{"a_candidate",
                 Role::acceptor,
                 {K::start, K::accepted},
                 State::listening,
                 "close #1 stopped; unlisten; cancel_timer"},
        StopCase{"a_established_with_candidate",
                 Role::acceptor,
                 {K::start, K::accepted, K::tls_established, K::frame_received, K::accepted},
                 State::established,
                 "close stopped; notify_down stopped; close #2 stopped; unlisten; cancel_timer"},
        StopCase{"a_established",
                 Role::acceptor,
                 {K::start, K::accepted, K::tls_established, K::frame_received},
                 State::established,
                 "close stopped; notify_down stopped; unlisten; cancel_timer"},
        StopCase{"a_backoff", Role::acceptor, {K::start, K::listen_failed}, State::backoff, "cancel_timer"}),
    [](const ::testing::TestParamInfo<StopCase>& i) { return std::string(i.param.name); });

TEST(ConnDescribe, Texts) {
    Action a;
    a.kind = ActionKind::arm_timer;
    a.at = t0 + 250ms;
    EXPECT_EQ(describe(a, t0), "arm_timer +250ms");
    a = Action{ActionKind::close, {}, Reason::tls_failed, "bad cert"};
    EXPECT_EQ(describe(a), "close tls_failed (bad cert)");
    a = Action{ActionKind::refuse, {}, Reason::none, "hello for backup-id 11", 3, Refusal::wrong_backup_id};
    EXPECT_EQ(describe(a), "refuse #3 wrong_backup_id (hello for backup-id 11)");
    EXPECT_STREQ(to_string(Refusal::not_peer_address), "not_peer_address");
    EXPECT_STREQ(text(Refusal::too_many_candidates), "too many connections authenticating");
    EXPECT_STREQ(to_string(EventKind::frame_received), "frame_received");
    EXPECT_STREQ(to_string(ActionKind::send_heartbeat), "send_heartbeat");
}

} // namespace
} // namespace wg::sync::conn
