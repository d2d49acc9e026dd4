// The RBS adapter (sync/rbs.hpp) for real: two services on one EventLoop over
// loopback TLS (127.0.0.1 connects, 127.0.0.2 accepts), certificates from
// make_test_pki. Sockets are real; time is a ManualClock that moves only
// when no socket has anything to deliver, so every heartbeat, dead-peer,
// backoff and handshake timer fires because the test advanced time, never
// because it slept. A wall-clock deadline only guards against hangs.
#include "sync/rbs.hpp"

#include "control/event_loop.hpp"
#include "sync/tls.hpp"
#include "control/report.hpp"
#include "sync/wire.hpp"
#include "tests/sync/test_certs.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wg::sync {
namespace {

using namespace std::chrono_literals;

const Ipv4 kA{0x7f000001}; // 127.0.0.1: lower, connects
const Ipv4 kB{0x7f000002}; // 127.0.0.2: accepts
const Ipv4 kStranger{0x7f000003};

struct Recorder : ChannelListener {
    int ups = 0, downs = 0, writables = 0;
    std::vector<std::string> down_reasons;
    std::vector<std::vector<uint8_t>> frames;
    std::function<void(std::span<const uint8_t>)> on_frame_hook;

    void on_up() override { ++ups; }
    void on_frame(std::span<const uint8_t> f) override {
        frames.emplace_back(f.begin(), f.end());
        if (on_frame_hook) on_frame_hook(f);
    }
    void on_writable() override { ++writables; }
    void on_down(std::string_view reason) override {
        ++downs;
        down_reasons.emplace_back(reason);
    }
};

const control::Field* field(const control::Report& r, std::string_view key) {
    return r.sections().empty() ? nullptr : r.sections().front().find(key);
}

std::string text(const Rbs& s, std::string_view key) {
    auto r = s.report();
    const auto* f = field(r, key);
    if (!f) return "<missing " + std::string(key) + ">";
    return std::get<control::Scalar>(f->value).text();
}

uint64_t counter(const Rbs& s, std::string_view key) {
    auto r = s.report();
    const auto* f = field(r, "counters");
    if (!f) return ~0ull;
    const auto* c = std::get<control::Record>(f->value).find(key);
    if (!c) return ~0ull;
    return std::stoull(std::get<control::Scalar>(c->value).text());
}

// A TCP port free on 127.0.0.2 right now (the acceptor binds it with SO_REUSEADDR).
uint16_t free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(kB.value);
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
        if (fd >= 0) close(fd);
        return 0;
    }
    close(fd);
    return ntohs(sa.sin_port);
}

// A plain TCP client from `from` to the acceptor (not TLS).
int raw_connect(Ipv4 from, uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in src{}, dst{};
    src.sin_family = dst.sin_family = AF_INET;
    src.sin_addr.s_addr = htonl(from.value);
    dst.sin_addr.s_addr = htonl(kB.value);
    dst.sin_port = htons(port);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
        connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

std::vector<uint8_t> frame(wire::Type t, uint32_t backup_id, uint64_t seq, wire::Body body) {
    std::vector<uint8_t> out;
    wire::encode(wire::Message{t, backup_id, seq, std::move(body)}, out);
    return out;
}

class RbsTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        std::string base = (std::filesystem::temp_directory_path() / "wg-rbs-XXXXXX").string();
        std::vector<char> tmpl(base.begin(), base.end());
        tmpl.push_back('\0');
        if (!mkdtemp(tmpl.data())) return;
        root_ = tmpl.data();
        pki_ = new test::TestPki;
        if (!test::make_test_pki(root_ + "/pki", *pki_, pki_error_)) pki_error_ += " (make_test_pki)";
    }
    static void TearDownTestSuite() {
        std::error_code ec;
        if (!root_.empty()) std::filesystem::remove_all(root_, ec);
        delete pki_;
        pki_ = nullptr;
    }
    void SetUp() override {
        ASSERT_NE(pki_, nullptr) << "no temporary directory";
        ASSERT_EQ(pki_error_, "");
        port_ = free_port();
        ASSERT_NE(port_, 0);
    }

    RbsOptions options(Ipv4 source, Ipv4 peer, const test::CertFiles& me) const {
        RbsOptions o;
        o.name = "service1";
        o.ssl_policy = "policy1";
        o.source = source;
        o.peer = peer;
        o.port = port_;
        o.ca = pki_->ca.cert;
        o.certificate = me.cert;
        o.key = me.key;
        o.reconnect_min_ms = 20;
        o.reconnect_max_ms = 200;
        o.index = 2;
        return o;
    }
    RbsOptions options_a() const { return options(kA, kB, pki_->device_a); }
    RbsOptions options_b() const { return options(kB, kA, pki_->device_b); }

    std::unique_ptr<Rbs> make(const RbsOptions& o, Recorder& rec, uint32_t backup_id = 10) {
        auto s = std::make_unique<Rbs>(loop_, o);
        s->attach(backup_id, &rec);
        std::string error;
        EXPECT_TRUE(s->start(error)) << error;
        return s;
    }

    // One turn: deliver what the sockets hold (both ends are on this loop,
    // so an idle turn means nothing is in flight; the bounded wait catches
    // the kernel finishing a loopback send), else advance time one tick,
    // which fires the timers due by then.
    void step() {
        if (loop_.run_once(0ms) > 0) return;
        if (loop_.run_once(1ms) > 0) return;
        clock_.advance(kTick);
    }
    // Runs the loop until `done`, at most `limit` of manual time (the
    // wall-clock bound is a hang guard only).
    bool run_until(const std::function<bool()>& done, control::Duration limit = 30s) {
        const auto end = clock_.now() + limit;
        const auto wall_end = std::chrono::steady_clock::now() + 60s;
        while (!done()) {
            if (clock_.now() > end || std::chrono::steady_clock::now() > wall_end) return false;
            step();
        }
        return true;
    }
    // Runs `d` of manual time, to see that something does NOT happen in it.
    void run_for(control::Duration d) {
        const auto end = clock_.now() + d;
        while (clock_.now() < end)
            step();
    }

    static constexpr control::Duration kTick = 10ms;
    control::ManualClock clock_;
    control::EventLoop loop_{&clock_};
    uint16_t port_ = 0;
    Recorder ra_, rb_;
    static inline test::TestPki* pki_ = nullptr;
    static inline std::string pki_error_;
    static inline std::string root_;
};

TEST_F(RbsTest, BothComeUpConnectedAndEstablished) {
    auto b = make(options_b(), rb_);
    auto a = make(options_a(), ra_);
    EXPECT_EQ(b->tcp_state(), "Listening");
    EXPECT_EQ(a->ssl_state(), "--");
    ASSERT_TRUE(run_until([&] { return a->up() && b->up(); }));
    EXPECT_EQ(ra_.ups, 1);
    EXPECT_EQ(rb_.ups, 1);
    for (auto* s : {a.get(), b.get()}) {
        EXPECT_EQ(s->tcp_state(), "Connected");
        EXPECT_EQ(s->ssl_state(), "Established");
        EXPECT_EQ(text(*s, "tls_version"), "TLSv1.3");
        EXPECT_EQ(counter(*s, "sessions_up"), 1u);
        EXPECT_GE(counter(*s, "heartbeats_rx"), 1u); // the greeting
    }
    EXPECT_EQ(text(*a, "role"), "connect");
    EXPECT_EQ(text(*b, "role"), "accept");
    EXPECT_EQ(text(*a, "peer_certificate"), "deviceB");
    EXPECT_EQ(text(*b, "peer_certificate"), "deviceA");
    EXPECT_EQ(text(*b, "uptime"), "00:00:00");

    // The seed's layout (label width 17, rule width 58), then our fields.
    std::string out = control::render_text(a->report());
    std::string rule(58, '-');
    std::string seed = rule + "\n" +
                       " Service-Index    : 2\n"
                       " Service-Name     : service1\n"
                       " TCP-State        : Connected\n"
                       " Peer-ip          : 127.0.0.2\n"
                       " Source-ip        : 127.0.0.1\n"
                       " TCP-Port         : " +
                       std::to_string(port_) +
                       "\n"
                       " Track-BFD        : --\n"
                       " SSL-Policy-Name  : policy1\n"
                       " SSL-State        : Established\n"
                       " Role             : connect\n";
    EXPECT_EQ(out.substr(0, seed.size()), seed) << out;
    std::string json = control::render_json(a->report());
    EXPECT_NE(json.find("\"services\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"tls_untrusted_certificate\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"decode_too_long\""), std::string::npos) << json;
}

TEST_F(RbsTest, StartFailsOnMissingCertificate) {
    auto o = options_a();
    o.ca = root_ + "/nope/ca.pem";
    Rbs s(loop_, o);
    std::string error;
    EXPECT_FALSE(s.start(error));
    EXPECT_EQ(error.rfind("service1: ", 0), 0u) << error;
    EXPECT_NE(error.find("nope/ca.pem"), std::string::npos) << error;
    EXPECT_EQ(s.tcp_state(), "Closed");
    EXPECT_FALSE(s.send(frame(wire::Type::ack, 10, 1, wire::Ack{})));
}

TEST_F(RbsTest, FramesFlowBothWaysInOrderWithWatermarks) {
    auto b = make(options_b(), rb_);
    auto a = make(options_a(), ra_);
    ASSERT_TRUE(run_until([&] { return a->up() && b->up(); }));

    // ~12 MB of near-maximal delta frames from A: far above kHighWater.
    std::vector<std::vector<uint8_t>> sent;
    for (uint64_t seq = 1; seq <= 12; ++seq) {
        std::vector<uint8_t> f;
        wire::BatchWriter w(f, wire::Type::delta, 10, seq, seq * 100000);
        for (uint32_t i = 0; i < 70000; ++i) {
            wire::Entry e;
            e.ip = Ipv4{0x0a000000u + i};
            e.mac = Mac{{0x02, 0, 0, uint8_t(seq), uint8_t(i >> 8), uint8_t(i)}};
            e.age_s = uint16_t(i);
            w.add(e);
        }
        w.finish(seq);
        ASSERT_TRUE(a->send(f));
        sent.push_back(std::move(f));
    }
    EXPECT_GT(a->queued_bytes(), Channel::kHighWater);
    // And a few small ones from B at the same time.
    for (uint64_t seq = 1; seq <= 3; ++seq)
        ASSERT_TRUE(b->send(frame(wire::Type::ack, 10, seq, wire::Ack{seq, 7})));

    ASSERT_TRUE(run_until([&] { return rb_.frames.size() >= sent.size() && ra_.frames.size() >= 3; }));
    ASSERT_EQ(rb_.frames.size(), sent.size());
    for (size_t i = 0; i < sent.size(); ++i)
        EXPECT_TRUE(rb_.frames[i] == sent[i]) << "frame " << i;
    for (uint64_t i = 0; i < 3; ++i) {
        wire::Message m;
        ASSERT_EQ(wire::decode(ra_.frames[i], m), wire::DecodeError::ok);
        EXPECT_EQ(m.seq, i + 1);
    }
    ASSERT_TRUE(run_until([&] { return a->queued_bytes() == 0; }));
    EXPECT_GE(ra_.writables, 1); // fell below kLowWater after being above kHighWater
    EXPECT_EQ(rb_.writables, 0);
    EXPECT_GE(counter(*a, "frames_tx"), 12u);
    EXPECT_GE(counter(*b, "bytes_rx"), 12u * 70000 * wire::kEntrySize);
    EXPECT_EQ(counter(*b, "protocol_errors"), 0u);
    EXPECT_TRUE(a->up() && b->up());
}

TEST_F(RbsTest, UnknownBackupIdIsAnsweredCountedAndDropped) {
    Recorder other;
    auto b = make(options_b(), rb_);
    b->attach(11, &other);
    auto a = make(options_a(), ra_);
    ASSERT_TRUE(run_until([&] { return a->up() && b->up(); }));
    ASSERT_TRUE(b->send(frame(wire::Type::ack, 11, 5, wire::Ack{})));
    ASSERT_TRUE(run_until([&] { return !other.frames.empty(); }));
    wire::Message m;
    ASSERT_EQ(wire::decode(other.frames[0], m), wire::DecodeError::ok);
    EXPECT_EQ(m.type, wire::Type::error);
    EXPECT_EQ(m.backup_id, 11u);
    const auto& e = std::get<wire::Error>(m.body);
    EXPECT_EQ(e.code, wire::ErrorCode::backup_id_mismatch);
    EXPECT_EQ(e.text, "backup-id 11 is not configured here (have 10)");
    EXPECT_EQ(counter(*a, "backup_id_mismatch"), 1u);
    EXPECT_TRUE(ra_.frames.empty());
    EXPECT_TRUE(a->up() && b->up()); // dropped, not fatal
}

// Refusals: the verifying side counts the reason; nobody goes up; the
// connector keeps retrying with backoff.
struct Refusal {
    const char* name;
    const char* counter_a; // on the connector (verifies the acceptor's certificate)
    const char* counter_b; // on the acceptor
};

class RbsRefusalTest : public RbsTest, public ::testing::WithParamInterface<Refusal> {};

TEST_P(RbsRefusalTest, RefusedCountedAndRetried) {
    const auto& p = GetParam();
    auto ob = options_b();
    auto oa = options_a();
    std::string name = p.name;
    if (name == "rogue") ob.certificate = pki_->rogue.cert, ob.key = pki_->rogue.key;
    if (name == "expired") ob.certificate = pki_->expired.cert, ob.key = pki_->expired.key;
    if (name == "identity_a") oa.peer_identity = "deviceC";
    if (name == "identity_b") ob.peer_identity = "deviceC"; // B refuses A after A's handshake finished
    auto b = make(ob, rb_);
    auto a = make(oa, ra_);
    bool saw_backoff = false;
    ASSERT_TRUE(run_until([&] {
        saw_backoff |= a->tcp_state() == "Backoff";
        return counter(*a, p.counter_a) >= 3 && counter(*b, p.counter_b) >= 3;
    })) << p.counter_a
        << "=" << counter(*a, p.counter_a) << " " << p.counter_b << "=" << counter(*b, p.counter_b) << "\n"
        << control::render_text(a->report()) << control::render_text(b->report());
    EXPECT_TRUE(saw_backoff);
    EXPECT_EQ(ra_.ups, 0);
    EXPECT_EQ(rb_.ups, 0);
    EXPECT_EQ(counter(*a, "sessions_up"), 0u);
    EXPECT_FALSE(a->up());
    EXPECT_NE(text(*a, "last_down").find(std::string(p.counter_a).substr(4)), std::string::npos)
        << text(*a, "last_down");
    // Shown as a failed handshake between attempts.
    ASSERT_TRUE(run_until([&] { return a->ssl_state() == "Failed"; }));
}

INSTANTIATE_TEST_SUITE_P(Tls, RbsRefusalTest,
                         ::testing::Values(Refusal{"rogue", "tls_untrusted_certificate", "tls_peer_alert"},
                                           Refusal{"expired", "tls_expired_certificate", "tls_peer_alert"},
                                           Refusal{"identity_a", "tls_identity_mismatch", "tls_peer_alert"},
                                           Refusal{"identity_b", "tls_peer_alert", "tls_identity_mismatch"}),
                         [](const ::testing::TestParamInfo<Refusal>& i) {
                             return std::string(i.param.name);
                         });

TEST_F(RbsTest, PlaintextAndStrangersAreRefusedThenThePeerConnects) {
    auto b = make(options_b(), rb_);
    // A stranger's address is refused at accept.
    int s = raw_connect(kStranger, port_);
    ASSERT_GE(s, 0);
    ASSERT_TRUE(run_until([&] { return counter(*b, "refused_not_peer_address") == 1; }));
    close(s);
    // The peer's address, but no TLS.
    int p = raw_connect(kA, port_);
    ASSERT_GE(p, 0);
    const char junk[] = "GET / HTTP/1.0\r\n\r\n";
    ASSERT_EQ(write(p, junk, sizeof junk - 1), ssize_t(sizeof junk - 1));
    ASSERT_TRUE(run_until([&] { return counter(*b, "tls_not_tls") == 1; }));
    EXPECT_EQ(counter(*b, "refused_tls_failed"), 1u);
    EXPECT_EQ(b->tcp_state(), "Listening");
    EXPECT_EQ(b->ssl_state(), "Failed");
    close(p);
    auto a = make(options_a(), ra_);
    ASSERT_TRUE(run_until([&] { return a->up() && b->up(); }));
    EXPECT_EQ(rb_.ups, 1);
    EXPECT_EQ(b->ssl_state(), "Established");
}

TEST_F(RbsTest, StopTellsThePeerAndRestartReconnects) {
    auto b = make(options_b(), rb_);
    auto a = make(options_a(), ra_);
    ASSERT_TRUE(run_until([&] { return a->up() && b->up(); }));
    b->stop();
    EXPECT_EQ(b->tcp_state(), "Closed");
    EXPECT_EQ(rb_.downs, 1);
    EXPECT_EQ(rb_.down_reasons.at(0), "stopped locally");
    EXPECT_FALSE(b->send(frame(wire::Type::ack, 10, 1, wire::Ack{})));
    ASSERT_TRUE(run_until([&] { return ra_.downs == 1; }));
    EXPECT_NE(ra_.down_reasons.at(0).find("service1 stopped"), std::string::npos) << ra_.down_reasons.at(0);
    EXPECT_EQ(counter(*a, "peer_errors"), 1u);
    // A retries (refused: nobody listens) until B is back.
    ASSERT_TRUE(run_until([&] { return counter(*a, "connect_failures") >= 2; }));
    std::string error;
    ASSERT_TRUE(b->start(error)) << error;
    ASSERT_TRUE(run_until([&] { return a->up() && b->up(); }));
    EXPECT_EQ(ra_.ups, 2);
    EXPECT_EQ(rb_.ups, 2);
    EXPECT_EQ(text(*a, "reconnects"), "1");
    EXPECT_EQ(counter(*a, "sessions_down"), 1u);
}

TEST_F(RbsTest, KilledPeerIsDetectedAndARestartedOneReconnects) {
    auto b = make(options_b(), rb_);
    auto a = make(options_a(), ra_);
    ASSERT_TRUE(run_until([&] { return a->up() && b->up(); }));
    // The connector dies (its sockets close without an error frame).
    a.reset();
    ASSERT_TRUE(run_until([&] { return rb_.downs == 1; }));
    EXPECT_EQ(b->tcp_state(), "Listening");
    EXPECT_EQ(ra_.downs, 0); // destruction calls no listener
    Recorder ra2;
    a = make(options_a(), ra2);
    ASSERT_TRUE(run_until([&] { return a->up() && b->up(); }));
    EXPECT_EQ(rb_.ups, 2);
    // Now the acceptor dies.
    b.reset();
    ASSERT_TRUE(run_until([&] { return ra2.downs == 1; }));
    Recorder rb2;
    b = make(options_b(), rb2);
    ASSERT_TRUE(run_until([&] { return a->up() && b->up(); }));
    EXPECT_EQ(ra2.ups, 2);
    EXPECT_EQ(rb2.ups, 1);
}

// A TLS client from the peer's address, driven by hand (the attacker, or a
// restarted peer before its RBS is up): its own certificate, its own bytes.
class HandClient {
  public:
    HandClient(control::EventLoop& loop, const std::string& ca, const test::CertFiles& me, uint16_t port)
        : loop_(loop) {
        std::string error;
        ctx_ = TlsContext::create(TlsConfig{ca, me.cert, me.key, {}}, error);
        EXPECT_TRUE(ctx_) << error;
        fd_ = raw_connect(kA, port);
        EXPECT_GE(fd_, 0);
        if (fd_ >= 0) fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
        if (ctx_ && fd_ >= 0) tls_ = std::make_unique<TlsStream>(*ctx_, fd_, false);
    }
    ~HandClient() {
        tls_.reset();
        if (fd_ >= 0) close(fd_);
    }
    // Runs the loop (the server side) until our side of the handshake is done.
    bool handshake() {
        auto end = std::chrono::steady_clock::now() + 5s;
        while (tls_ && std::chrono::steady_clock::now() < end) {
            auto r = tls_->handshake();
            if (r == TlsStream::Io::ok) return true;
            if (r != TlsStream::Io::want_read && r != TlsStream::Io::want_write) return false;
            loop_.run_once(1ms);
        }
        return false;
    }
    bool send(std::span<const uint8_t> bytes) {
        size_t off = 0;
        auto end = std::chrono::steady_clock::now() + 5s;
        while (off < bytes.size() && std::chrono::steady_clock::now() < end) {
            size_t n = 0;
            auto r = tls_->write(bytes.subspan(off), n);
            if (r == TlsStream::Io::ok) off += n;
            else if (r != TlsStream::Io::want_read && r != TlsStream::Io::want_write) return false;
            else loop_.run_once(1ms);
        }
        return off == bytes.size();
    }
    // Reads what arrived (the server's greeting); false once closed.
    bool drain() {
        uint8_t buf[4096];
        for (;;) {
            size_t n = 0;
            auto r = tls_->read(buf, n);
            if (r == TlsStream::Io::ok) {
                received += n;
                continue;
            }
            return r == TlsStream::Io::want_read || r == TlsStream::Io::want_write;
        }
    }
    size_t received = 0;

  private:
    control::EventLoop& loop_;
    std::unique_ptr<TlsContext> ctx_;
    int fd_ = -1;
    std::unique_ptr<TlsStream> tls_;
};

std::vector<uint8_t> hello_frame(uint32_t backup_id) {
    wire::Hello h;
    h.role = wire::Role::master;
    h.node = "deviceA";
    h.interfaces = {{1, "GigabitEthernet0/1/0"}};
    return frame(wire::Type::hello, backup_id, 7, h);
}

// The established session survives strangers from the peer's own address:
// 50 plain TCP connects, a TLS client with a certificate of another CA, one
// that completes TLS and sends garbage, one with a hello for another
// backup-id, and a slowloris that never finishes its handshake. Each is
// refused for its own reason; no session drop on either side.
TEST_F(RbsTest, StrangersFromThePeerAddressNeverDropTheSession) {
    auto ob = options_b();
    ob.handshake_timeout_ms = 1000; // the slowloris is refused within the test
    auto b = make(ob, rb_);
    auto a = make(options_a(), ra_);
    ASSERT_TRUE(run_until([&] { return a->up() && b->up(); }));
    auto session_untouched = [&] {
        EXPECT_TRUE(a->up() && b->up());
        EXPECT_EQ(rb_.downs, 0);
        EXPECT_EQ(ra_.downs, 0);
        EXPECT_EQ(counter(*b, "sessions_up"), 1u);
        EXPECT_EQ(counter(*b, "sessions_down"), 0u);
        EXPECT_EQ(counter(*b, "replaced"), 0u);
        EXPECT_EQ(counter(*b, "promoted"), 1u);
    };

    // 50 plain connects, kept open: 4 candidates at a time, the rest refused.
    std::vector<int> plain;
    for (int i = 0; i < 50; ++i) {
        const uint64_t seen = counter(*b, "accepted");
        int fd = raw_connect(kA, port_);
        ASSERT_GE(fd, 0) << i;
        plain.push_back(fd);
        ASSERT_TRUE(run_until([&] { return counter(*b, "accepted") == seen + 1; })) << i;
    }
    // Each is a candidate until its deadline, or refused at once when four
    // are authenticating already (no time passed: none has expired yet).
    const uint64_t too_many = counter(*b, "refused_too_many_candidates");
    EXPECT_EQ(too_many, 46u);
    EXPECT_EQ(text(*b, "candidates"), "4");
    EXPECT_EQ(counter(*b, "refused_handshake_timeout"), 0u);
    EXPECT_EQ(too_many + counter(*b, "refused_handshake_timeout") + std::stoull(text(*b, "candidates")), 50u);
    session_untouched();
    // Silent: the rest are refused at their deadline (handshake_timeout_ms).
    const auto silent_from = clock_.now();
    ASSERT_TRUE(run_until([&] { return counter(*b, "refused_handshake_timeout") == 50 - too_many; }));
    EXPECT_GE(clock_.now() - silent_from, 1000ms);
    EXPECT_EQ(text(*b, "candidates"), "0");
    for (int fd : plain)
        close(fd);
    session_untouched();

    // A certificate of another CA.
    {
        HandClient rogue(loop_, pki_->ca.cert, pki_->rogue, port_);
        rogue.handshake(); // TLS 1.3: the client finishes before the server verified it
        ASSERT_TRUE(run_until([&] { return counter(*b, "refused_tls_failed") == 1; }));
        EXPECT_EQ(counter(*b, "tls_untrusted_certificate"), 1u);
    }
    session_untouched();

    // Mutual TLS with the peer's own certificate, then garbage.
    {
        HandClient c(loop_, pki_->ca.cert, pki_->device_a, port_);
        ASSERT_TRUE(c.handshake());
        ASSERT_TRUE(run_until([&] { return c.drain() && c.received > 0; })); // our greeting
        const uint8_t junk[] = {0, 0, 0, 20, 9, 9, 9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        ASSERT_TRUE(c.send(junk));
        ASSERT_TRUE(run_until([&] { return counter(*b, "refused_bad_hello") == 1; }));
        EXPECT_NE(text(*b, "last_refused").find("127.0.0.1"), std::string::npos) << text(*b, "last_refused");
    }
    session_untouched();

    // Its greeting, then a hello for a backup-id not configured here.
    {
        HandClient c(loop_, pki_->ca.cert, pki_->device_a, port_);
        ASSERT_TRUE(c.handshake());
        ASSERT_TRUE(c.send(frame(wire::Type::heartbeat, 0, 1, wire::Heartbeat{})));
        ASSERT_TRUE(c.send(hello_frame(11)));
        ASSERT_TRUE(run_until([&] { return counter(*b, "refused_wrong_backup_id") == 1; }));
    }
    session_untouched();

    // A slowloris: the first byte of a ClientHello, then nothing.
    int slow = raw_connect(kA, port_);
    ASSERT_GE(slow, 0);
    ASSERT_EQ(write(slow, "\x16", 1), 1);
    ASSERT_TRUE(run_until([&] { return counter(*b, "refused_handshake_timeout") == 51 - too_many; }));
    close(slow);
    session_untouched();
    EXPECT_TRUE(rb_.frames.empty()); // nothing a candidate sent reached the profile

    // Counted in the display and the JSON from the one list.
    std::string json = control::render_json(b->report());
    for (const char* key : {"refused_not_peer_address", "refused_too_many_candidates", "refused_tls_failed",
                            "refused_handshake_timeout", "refused_bad_hello", "refused_wrong_backup_id"})
        EXPECT_NE(json.find(std::string("\"") + key + "\""), std::string::npos) << key;
}

// A genuine reconnect (the peer restarted, the old connection went silent
// without a reset): mutual TLS and a valid hello replace the stale session;
// the hello reaches the profile after on_up.
TEST_F(RbsTest, AValidHelloFromTheRestartedPeerReplacesTheStaleSession) {
    auto b = make(options_b(), rb_);
    auto a = make(options_a(), ra_);
    ASSERT_TRUE(run_until([&] { return a->up() && b->up(); }));
    HandClient c(loop_, pki_->ca.cert, pki_->device_a, port_);
    ASSERT_TRUE(c.handshake());
    ASSERT_TRUE(c.send(frame(wire::Type::heartbeat, 0, 1, wire::Heartbeat{})));
    ASSERT_TRUE(run_until([&] { return c.drain() && c.received > 0; }));
    EXPECT_EQ(rb_.downs, 0); // TLS and a greeting are not enough
    const auto hello = hello_frame(10);
    ASSERT_TRUE(c.send(hello));
    ASSERT_TRUE(run_until([&] { return rb_.downs == 1 && rb_.ups == 2 && !rb_.frames.empty(); }));
    a.reset(); // the old process is gone (its reconnects would only be refused)
    EXPECT_EQ(rb_.down_reasons.at(0), "replaced by a new connection from the peer");
    EXPECT_EQ(counter(*b, "replaced"), 1u);
    EXPECT_EQ(counter(*b, "promoted"), 2u);
    ASSERT_EQ(rb_.frames.size(), 1u);
    EXPECT_TRUE(rb_.frames[0] == hello);
    EXPECT_TRUE(b->up());
    EXPECT_EQ(b->ssl_state(), "Established");
    EXPECT_EQ(text(*b, "peer_certificate"), "deviceA");
}

TEST_F(RbsTest, ListenerFailureClosesBothSidesAndTheyReconnect) {
    auto b = make(options_b(), rb_);
    auto a = make(options_a(), ra_);
    ASSERT_TRUE(run_until([&] { return a->up() && b->up(); }));
    // B's profile rejects a frame from inside on_frame: no re-entrant on_down.
    bool inside = false;
    rb_.on_frame_hook = [&](std::span<const uint8_t>) {
        inside = true;
        b->fail("bad frame");
        EXPECT_EQ(rb_.downs, 0);
        EXPECT_FALSE(b->up());
        inside = false;
    };
    ASSERT_TRUE(a->send(frame(wire::Type::ack, 10, 1, wire::Ack{})));
    ASSERT_TRUE(run_until([&] { return rb_.downs == 1 && ra_.downs == 1; }));
    EXPECT_FALSE(inside);
    EXPECT_EQ(counter(*b, "local_failures"), 1u);
    EXPECT_EQ(counter(*a, "peer_errors"), 1u);
    EXPECT_NE(ra_.down_reasons.at(0).find("bad frame"), std::string::npos) << ra_.down_reasons.at(0);
    rb_.on_frame_hook = nullptr;
    ASSERT_TRUE(run_until([&] { return a->up() && b->up(); }));
    EXPECT_EQ(ra_.ups, 2);
}

// Liveness is about bytes, not whole frames: a frame trickling in over a
// slow link for several dead intervals keeps the session (the lab found a
// 57 KB snapshot frame behind a 16 kbit/s shaper taking the session down).
TEST_F(RbsTest, AFrameTricklingInKeepsThePeerAlive) {
    RbsOptions ob = options_b();
    ob.dead_ms = 400;
    ob.heartbeat_ms = 100;
    RbsOptions oa = options_a();
    oa.heartbeat_ms = 5000; // A's own heartbeats must not land inside the split frame
    auto b = make(ob, rb_);
    auto a = make(oa, ra_);
    ASSERT_TRUE(run_until([&] { return a->up() && b->up(); }));
    wire::Batch batch;
    for (uint32_t i = 0; i < 2000; ++i)
        batch.entries.push_back({wire::Op::add, 0, 1, Ipv4{0x0a000001 + i}, Mac{{2, 0, 0, 0, 0, 1}}, 600});
    const std::vector<uint8_t> big = frame(wire::Type::delta, 10, 1, batch);
    ASSERT_GT(big.size(), 20000u);
    const auto t0 = clock_.now();
    for (size_t off = 0; off < big.size(); off += 2048) {
        ASSERT_TRUE(a->send(std::span<const uint8_t>(big).subspan(off, std::min<size_t>(2048, big.size() - off))));
        run_for(150ms); // 11 pieces: ~1.6 s for the frame, four times B's dead interval
    }
    ASSERT_TRUE(run_until([&] { return !rb_.frames.empty(); })) << "the frame never arrived whole";
    EXPECT_GT(clock_.now() - t0, 4 * 400ms);
    EXPECT_EQ(rb_.downs, 0);
    EXPECT_EQ(ra_.downs, 0);
    EXPECT_EQ(counter(*b, "dead_peer"), 0u) << control::render_text(b->report());
    EXPECT_EQ(rb_.frames.size(), 1u);
}

TEST_F(RbsTest, OversizedFrameFailsTheSession) {
    auto b = make(options_b(), rb_);
    auto a = make(options_a(), ra_);
    ASSERT_TRUE(run_until([&] { return a->up() && b->up(); }));
    // A length field above kMaxFrame: the stream cannot be resynchronised.
    std::vector<uint8_t> bad = frame(wire::Type::ack, 10, 1, wire::Ack{});
    bad[0] = 0x7f;
    ASSERT_TRUE(a->send(bad));
    ASSERT_TRUE(run_until([&] { return rb_.downs == 1 && ra_.downs == 1; }));
    EXPECT_EQ(counter(*b, "decode_too_long"), 1u);
    EXPECT_EQ(counter(*b, "protocol_errors"), 1u);
    EXPECT_TRUE(rb_.frames.empty());
}

// A peer speaking another protocol version is refused with an error frame
// that says so (unsupported_version), counted, and the session closes.
TEST_F(RbsTest, OtherProtocolVersionIsRefusedWithUnsupportedVersion) {
    auto b = make(options_b(), rb_);
    auto a = make(options_a(), ra_);
    ASSERT_TRUE(run_until([&] { return a->up() && b->up(); }));
    std::vector<uint8_t> bad = frame(wire::Type::ack, 10, 1, wire::Ack{});
    bad[4] = wire::kVersion + 1;
    ASSERT_TRUE(a->send(bad));
    ASSERT_TRUE(run_until([&] { return rb_.downs == 1 && ra_.downs == 1; }));
    EXPECT_EQ(counter(*b, "decode_bad_version"), 1u);
    EXPECT_EQ(counter(*a, "peer_errors"), 1u) << control::render_text(a->report());
    EXPECT_NE(text(*a, "last_down").find("version 2 is not supported"), std::string::npos) << text(*a, "last_down");
    EXPECT_TRUE(rb_.frames.empty());
}

} // namespace
} // namespace wg::sync
