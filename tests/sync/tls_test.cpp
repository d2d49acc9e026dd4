// Real TLS between two ends of a non-blocking socketpair, certificates made
// by tests/sync/test_certs.cpp (docs/sync-protocol.md "1. Connection": right CA ok; wrong CA,
// expired, wrong identity, plaintext, old protocol refused). Both ends run in
// this thread: each loop turn steps both handshakes, then poll() waits (with
// a bound, never a sleep) until one of them can make progress.
#include "sync/tls.hpp"
#include "tests/sync/test_certs.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <gtest/gtest.h>
#include <iterator>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace wg::sync {
namespace {

using Io = TlsStream::Io;

// One end's handshake as the driver sees it.
enum class Step { want_read, want_write, done, failed };

Step step_of(Io io) {
    switch (io) {
    case Io::ok:
        return Step::done;
    case Io::want_read:
        return Step::want_read;
    case Io::want_write:
        return Step::want_write;
    default:
        return Step::failed;
    }
}

struct SocketPair {
    int fd[2] = {-1, -1};
    SocketPair() {
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd) != 0) fd[0] = fd[1] = -1;
    }
    ~SocketPair() {
        for (int f : fd)
            if (f >= 0) close(f);
    }
    SocketPair(const SocketPair&) = delete;
    SocketPair& operator=(const SocketPair&) = delete;
};

// Steps `a` (on fd_a) and `b` (on fd_b) until both are done or failed. A side
// that fails shuts its socket down, as the RBS closes a failed connection,
// so the other side sees the alert and then EOF instead of waiting forever.
std::pair<Step, Step> drive(int fd_a, const std::function<Step()>& a, int fd_b,
                            const std::function<Step()>& b) {
    Step sa = Step::want_read, sb = Step::want_read;
    bool end_a = false, end_b = false;
    for (int turn = 0; turn < 200 && !(end_a && end_b); ++turn) {
        if (!end_a) {
            sa = a();
            end_a = sa == Step::done || sa == Step::failed;
            if (sa == Step::failed) ::shutdown(fd_a, SHUT_RDWR);
        }
        if (!end_b) {
            sb = b();
            end_b = sb == Step::done || sb == Step::failed;
            if (sb == Step::failed) ::shutdown(fd_b, SHUT_RDWR);
        }
        if (end_a && end_b) break;
        pollfd p[2];
        nfds_t n = 0;
        if (!end_a) p[n++] = pollfd{fd_a, short(sa == Step::want_write ? POLLOUT : POLLIN), 0};
        if (!end_b) p[n++] = pollfd{fd_b, short(sb == Step::want_write ? POLLOUT : POLLIN), 0};
        // Bounded: a stuck handshake ends the loop and fails the test.
        if (poll(p, n, 2000) <= 0) break;
    }
    return {sa, sb};
}

std::function<Step()> handshake_of(TlsStream& s) {
    return [&s] { return step_of(s.handshake()); };
}

// Reads until data, an error or EOF arrive; the outcome of the first read that is not want_read.
Io read_outcome(TlsStream& s, int fd, std::vector<uint8_t>& got) {
    uint8_t buf[4096];
    for (int turn = 0; turn < 100; ++turn) {
        size_t n = 0;
        Io io = s.read(buf, n);
        if (io == Io::ok) got.insert(got.end(), buf, buf + n);
        if (io != Io::want_read) return io;
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 2000) <= 0) break;
    }
    return Io::want_read;
}

class TlsTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        std::string base = (std::filesystem::temp_directory_path() / "wg-tls-XXXXXX").string();
        std::vector<char> tmpl(base.begin(), base.end());
        tmpl.push_back('\0');
        if (!mkdtemp(tmpl.data())) return;
        pki_ = new test::TestPki;
        std::string error;
        if (!test::make_test_pki(std::string(tmpl.data()) + "/pki", *pki_, error)) {
            pki_error_ = error;
            pki_->dir = tmpl.data();
        }
        root_ = tmpl.data();
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
        ERR_clear_error();
    }
    void TearDown() override {
        // Each classified failure must leave nothing behind for the next stream.
        EXPECT_EQ(ERR_peek_error(), 0UL);
    }

    std::unique_ptr<TlsContext> context(const test::CertFiles& me, const test::CertFiles& ca,
                                        const std::string& identity = "") {
        TlsConfig c{ca.cert, me.cert, me.key, identity};
        std::string error;
        auto ctx = TlsContext::create(c, error);
        EXPECT_NE(ctx, nullptr) << error;
        return ctx;
    }

    // What one side of a link uses: its certificate, the CA it trusts and
    // the identity it expects of the peer ("" = any).
    struct End {
        const test::CertFiles& cert;
        const test::CertFiles& ca;
        std::string identity = "";
    };
    // A server and a client stream on the two ends of a socketpair.
    struct Link {
        SocketPair sp;
        std::optional<TlsStream> server, client;
        std::unique_ptr<TlsContext> server_ctx, client_ctx;
        std::pair<Step, Step> handshake() {
            return drive(sp.fd[0], handshake_of(*server), sp.fd[1], handshake_of(*client));
        }
    };
    std::unique_ptr<Link> link(const End& server, const End& client) {
        auto l = std::make_unique<Link>();
        l->server_ctx = context(server.cert, server.ca, server.identity);
        l->client_ctx = context(client.cert, client.ca, client.identity);
        if (!l->server_ctx || !l->client_ctx || l->sp.fd[0] < 0) return nullptr;
        l->server.emplace(*l->server_ctx, l->sp.fd[0], true);
        l->client.emplace(*l->client_ctx, l->sp.fd[1], false);
        return l;
    }

    static inline test::TestPki* pki_ = nullptr;
    static inline std::string pki_error_;
    static inline std::string root_;
};

TEST_F(TlsTest, FailureNamesComeFromTheList) {
    EXPECT_STREQ(to_string(TlsFailure::not_tls), "not_tls");
    EXPECT_STREQ(to_string(TlsFailure::identity_mismatch), "identity_mismatch");
    EXPECT_STREQ(to_string(TlsFailure::other), "other");
}

TEST_F(TlsTest, RightCaBothSidesEstablishesAndCarriesData) {
    auto l = link({pki_->device_a, pki_->ca}, {pki_->device_b, pki_->ca});
    ASSERT_TRUE(l);
    SocketPair& sp = l->sp;
    TlsStream& server = *l->server;
    TlsStream& client = *l->client;
    auto [ss, cs] = l->handshake();
    ASSERT_EQ(ss, Step::done) << server.error();
    ASSERT_EQ(cs, Step::done) << client.error();
    EXPECT_EQ(server.version(), "TLSv1.3");
    EXPECT_EQ(client.version(), "TLSv1.3");
    EXPECT_NE(client.cipher(), "");
    EXPECT_EQ(server.peer_name(), "deviceB");
    EXPECT_EQ(client.peer_name(), "deviceA");

    // Small message each way.
    const std::string hi = "hello over TLS";
    size_t n = 0;
    ASSERT_EQ(client.write({reinterpret_cast<const uint8_t*>(hi.data()), hi.size()}, n), Io::ok);
    EXPECT_EQ(n, hi.size());
    std::vector<uint8_t> got;
    ASSERT_EQ(read_outcome(server, sp.fd[0], got), Io::ok);
    EXPECT_EQ(std::string(got.begin(), got.end()), hi);
    const std::string back = "and back";
    ASSERT_EQ(server.write({reinterpret_cast<const uint8_t*>(back.data()), back.size()}, n), Io::ok);
    got.clear();
    ASSERT_EQ(read_outcome(client, sp.fd[1], got), Io::ok);
    EXPECT_EQ(std::string(got.begin(), got.end()), back);

    // 1 MiB from client to server: more than the socket buffer holds, so
    // writes are partial and the writer must wait for the reader.
    std::vector<uint8_t> big(1 << 20);
    for (size_t i = 0; i < big.size(); ++i)
        big[i] = uint8_t(i * 131 + (i >> 12));
    std::vector<uint8_t> recv;
    recv.reserve(big.size());
    size_t sent = 0, partial = 0, blocked = 0;
    uint8_t buf[16384];
    for (int turn = 0; turn < 100000 && recv.size() < big.size(); ++turn) {
        bool progress = false;
        // Write until the socket is full, then drain: the writer must see want_write.
        while (sent < big.size()) {
            size_t w = 0;
            Io io = client.write(std::span<const uint8_t>(big).subspan(sent), w);
            ASSERT_TRUE(io == Io::ok || io == Io::want_write) << client.error();
            if (io == Io::want_write) {
                ++blocked;
                break;
            }
            if (w < big.size() - sent) ++partial;
            sent += w;
            progress |= w > 0;
        }
        for (;;) {
            size_t r = 0;
            Io io = server.read(buf, r);
            ASSERT_TRUE(io == Io::ok || io == Io::want_read) << server.error();
            if (io != Io::ok) break;
            recv.insert(recv.end(), buf, buf + r);
            progress = true;
        }
        if (!progress) {
            pollfd p[2] = {{sp.fd[1], POLLOUT, 0}, {sp.fd[0], POLLIN, 0}};
            ASSERT_GT(poll(p, 2, 2000), 0);
        }
    }
    EXPECT_EQ(sent, big.size());
    EXPECT_GT(partial, 0U);
    EXPECT_GT(blocked, 0U) << "1 MiB never filled the socket buffer";
    ASSERT_EQ(recv.size(), big.size());
    EXPECT_TRUE(recv == big);

    // close_notify reaches the peer as `closed`.
    client.shutdown();
    got.clear();
    EXPECT_EQ(read_outcome(server, sp.fd[0], got), Io::closed);
}

// bytes_in() counts what came off the socket before a record is whole: the
// RBS's liveness on a slow link, where a 16 KB record takes seconds.
TEST_F(TlsTest, BytesInCountsAPartialRecord) {
    auto l = link({pki_->device_a, pki_->ca}, {pki_->device_b, pki_->ca});
    ASSERT_TRUE(l);
    SocketPair& sp = l->sp;
    TlsStream& server = *l->server;
    TlsStream& client = *l->client;
    auto [ss, cs] = l->handshake();
    ASSERT_EQ(ss, Step::done) << server.error();
    ASSERT_EQ(cs, Step::done) << client.error();
    uint8_t buf[16384];
    size_t r = 0;
    while (server.read(buf, r) == Io::ok) {
    } // session tickets and the like
    // A small send buffer: the client's 16 KB record leaves in pieces.
    const int small = 4096;
    ASSERT_EQ(setsockopt(sp.fd[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
    std::vector<uint8_t> record(16000, 0x5a);
    size_t w = 0;
    const Io first = client.write(record, w);
    ASSERT_TRUE(first == Io::ok || first == Io::want_write) << client.error();
    const uint64_t before = server.bytes_in();
    EXPECT_EQ(server.read(buf, r), Io::want_read) << "a whole record arrived: the send buffer was not small";
    EXPECT_GT(server.bytes_in(), before) << "the partial record's bytes were not counted";
    // The rest follows and decrypts whole.
    std::vector<uint8_t> got;
    size_t taken = first == Io::ok ? w : 0;
    for (int turn = 0; turn < 1000 && got.size() < record.size(); ++turn) {
        if (taken < record.size()) {
            const Io io = client.write(std::span<const uint8_t>(record).subspan(taken), w);
            ASSERT_TRUE(io == Io::ok || io == Io::want_write) << client.error();
            if (io == Io::ok) taken += w;
        }
        while (server.read(buf, r) == Io::ok) got.insert(got.end(), buf, buf + r);
    }
    EXPECT_TRUE(got == record);
}

// A peer process that dies (no close_notify: kill -9) on an established
// session reads as `closed`, not as a handshake failure: the RBS reports
// "peer closed" and reconnects.
TEST_F(TlsTest, EofWithoutCloseNotifyOnLiveSessionIsClosed) {
    auto l = link({pki_->device_a, pki_->ca}, {pki_->device_b, pki_->ca});
    ASSERT_TRUE(l);
    SocketPair& sp = l->sp;
    TlsStream& server = *l->server;
    auto [ss, cs] = l->handshake();
    ASSERT_EQ(ss, Step::done) << server.error();
    ASSERT_EQ(cs, Step::done) << l->client->error();
    l->client.reset();
    close(sp.fd[1]); // no shutdown(): the process died
    sp.fd[1] = -1;
    std::vector<uint8_t> got;
    EXPECT_EQ(read_outcome(server, sp.fd[0], got), Io::closed) << server.error();
    EXPECT_NE(server.error().find("without close_notify"), std::string::npos) << server.error();
}

// The peer vanishing must not raise SIGPIPE (the appliance does not ignore
// it): the write fails with io_error and the process lives on.
TEST_F(TlsTest, WriteAfterPeerClosedIsAnErrorNotASignal) {
    auto l = link({pki_->device_a, pki_->ca}, {pki_->device_b, pki_->ca});
    ASSERT_TRUE(l);
    SocketPair& sp = l->sp;
    TlsStream& client = *l->client;
    auto [ss, cs] = l->handshake();
    ASSERT_EQ(ss, Step::done) << l->server->error();
    ASSERT_EQ(cs, Step::done) << client.error();
    l->server.reset();
    close(sp.fd[0]);
    sp.fd[0] = -1;
    std::vector<uint8_t> data(4096, 0x5a);
    Io io = Io::ok;
    for (int turn = 0; turn < 100 && io == Io::ok; ++turn) {
        size_t n = 0;
        io = client.write(data, n);
    }
    ASSERT_EQ(io, Io::error);
    EXPECT_EQ(client.failure(), TlsFailure::io_error) << client.error();
    EXPECT_NE(client.error().find("Broken pipe"), std::string::npos) << client.error();
}

TEST_F(TlsTest, ServerRefusesClientCertificateFromAnotherCa) {
    auto l = link({pki_->device_a, pki_->ca}, {pki_->rogue, pki_->ca});
    ASSERT_TRUE(l);
    SocketPair& sp = l->sp;
    TlsStream& server = *l->server;
    TlsStream& client = *l->client;
    auto [ss, cs] = l->handshake();
    ASSERT_EQ(ss, Step::failed);
    EXPECT_EQ(server.failure(), TlsFailure::untrusted_certificate) << server.error();
    EXPECT_NE(server.error().find("deviceB"), std::string::npos) << server.error();
    EXPECT_NE(server.error().find("unable to get local issuer certificate"), std::string::npos)
        << server.error();
    // TLS 1.3: the client finishes before the server has judged its
    // certificate; it learns of the refusal from the alert on its next read.
    if (cs == Step::done) {
        std::vector<uint8_t> got;
        EXPECT_EQ(read_outcome(client, sp.fd[1], got), Io::error);
    }
    EXPECT_TRUE(client.failure() == TlsFailure::peer_alert || client.failure() == TlsFailure::io_error)
        << to_string(client.failure()) << ": " << client.error();
}

TEST_F(TlsTest, ClientRefusesServerCertificateFromAnotherCa) {
    auto l = link({pki_->rogue, pki_->other_ca}, {pki_->device_a, pki_->ca});
    ASSERT_TRUE(l);
    TlsStream& server = *l->server;
    TlsStream& client = *l->client;
    auto [ss, cs] = l->handshake();
    ASSERT_EQ(cs, Step::failed);
    EXPECT_EQ(client.failure(), TlsFailure::untrusted_certificate) << client.error();
    ASSERT_EQ(ss, Step::failed);
    EXPECT_TRUE(server.failure() == TlsFailure::peer_alert || server.failure() == TlsFailure::io_error)
        << server.error();
}

TEST_F(TlsTest, ExpiredClientCertificateIsRefusedByServer) {
    auto l = link({pki_->device_a, pki_->ca}, {pki_->expired, pki_->ca});
    ASSERT_TRUE(l);
    TlsStream& server = *l->server;
    auto [ss, cs] = l->handshake();
    ASSERT_EQ(ss, Step::failed);
    EXPECT_EQ(server.failure(), TlsFailure::expired_certificate) << server.error();
    EXPECT_NE(server.error().find("certificate has expired"), std::string::npos) << server.error();
    (void)cs;
}

TEST_F(TlsTest, ExpiredServerCertificateIsRefusedByClient) {
    auto l = link({pki_->expired, pki_->ca}, {pki_->device_a, pki_->ca});
    ASSERT_TRUE(l);
    TlsStream& server = *l->server;
    TlsStream& client = *l->client;
    auto [ss, cs] = l->handshake();
    ASSERT_EQ(cs, Step::failed);
    EXPECT_EQ(client.failure(), TlsFailure::expired_certificate) << client.error();
    ASSERT_EQ(ss, Step::failed);
    EXPECT_EQ(server.failure(), TlsFailure::peer_alert) << server.error();
}

TEST_F(TlsTest, ClientChecksServerIdentity) {
    auto l = link({pki_->device_b, pki_->ca}, {pki_->device_a, pki_->ca, "deviceA"});
    ASSERT_TRUE(l);
    TlsStream& client = *l->client;
    auto [ss, cs] = l->handshake();
    ASSERT_EQ(cs, Step::failed);
    EXPECT_EQ(client.failure(), TlsFailure::identity_mismatch) << client.error();
    EXPECT_EQ(client.error(), "peer certificate names 'deviceB', expected 'deviceA'");
    EXPECT_EQ(ss, Step::failed);
}

TEST_F(TlsTest, ServerChecksClientIdentity) {
    auto l = link({pki_->device_a, pki_->ca, "deviceA"}, {pki_->device_b, pki_->ca});
    ASSERT_TRUE(l);
    SocketPair& sp = l->sp;
    TlsStream& server = *l->server;
    TlsStream& client = *l->client;
    auto [ss, cs] = l->handshake();
    ASSERT_EQ(ss, Step::failed);
    EXPECT_EQ(server.failure(), TlsFailure::identity_mismatch) << server.error();
    EXPECT_EQ(server.error(), "peer certificate names 'deviceB', expected 'deviceA'");
    if (cs == Step::done) {
        std::vector<uint8_t> got;
        EXPECT_EQ(read_outcome(client, sp.fd[1], got), Io::error);
    }
    EXPECT_EQ(client.failure(), TlsFailure::peer_alert) << client.error();
}

TEST_F(TlsTest, MatchingIdentityOnBothSidesEstablishes) {
    auto l = link({pki_->device_a, pki_->ca, "deviceB"}, {pki_->device_b, pki_->ca, "deviceA"});
    ASSERT_TRUE(l);
    TlsStream& server = *l->server;
    TlsStream& client = *l->client;
    auto [ss, cs] = l->handshake();
    EXPECT_EQ(ss, Step::done) << server.error();
    EXPECT_EQ(cs, Step::done) << client.error();
}

class PlaintextTest : public TlsTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(PlaintextTest, ServerSaysNotTls) {
    auto server_ctx = context(pki_->device_a, pki_->ca);
    ASSERT_TRUE(server_ctx);
    SocketPair sp;
    TlsStream server(*server_ctx, sp.fd[0], true);
    const std::string text = GetParam();
    ASSERT_EQ(::write(sp.fd[1], text.data(), text.size()), ssize_t(text.size()));
    auto plain = [] { return Step::done; };
    auto [ss, cs] = drive(sp.fd[0], handshake_of(server), sp.fd[1], plain);
    ASSERT_EQ(ss, Step::failed);
    EXPECT_EQ(server.failure(), TlsFailure::not_tls) << server.error();
    EXPECT_NE(server.error().find("did not speak TLS"), std::string::npos) << server.error();
    (void)cs;
}

INSTANTIATE_TEST_SUITE_P(Tls, PlaintextTest,
                         ::testing::Values(std::string("GET / HTTP/1.0\r\n\r\n"), std::string("hello"),
                                           std::string("SSH-2.0-OpenSSH_9.2\r\n")));

// A client built by hand with OpenSSL directly, for peers our TlsContext
// refuses to be: an older protocol, or no certificate. It verifies nothing.
struct RawClient {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL* ssl = nullptr;
    explicit RawClient(int fd, int max_version) {
        if (!ctx) return;
        SSL_CTX_set_max_proto_version(ctx, max_version);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
        ssl = SSL_new(ctx);
        if (!ssl) return;
        SSL_set_fd(ssl, fd);
        SSL_set_connect_state(ssl);
    }
    ~RawClient() {
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        ERR_clear_error(); // its own errors are not the stream's
    }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;
    std::function<Step()> handshake() {
        return [this] {
            int r = SSL_do_handshake(ssl);
            if (r == 1) return Step::done;
            int e = SSL_get_error(ssl, r);
            ERR_clear_error();
            if (e == SSL_ERROR_WANT_READ) return Step::want_read;
            if (e == SSL_ERROR_WANT_WRITE) return Step::want_write;
            return Step::failed;
        };
    }
};

TEST_F(TlsTest, PeerWithoutTls13GetsProtocolVersion) {
    auto server_ctx = context(pki_->device_a, pki_->ca);
    ASSERT_TRUE(server_ctx);
    SocketPair sp;
    RawClient old(sp.fd[1], TLS1_2_VERSION);
    ASSERT_NE(old.ssl, nullptr);
    TlsStream server(*server_ctx, sp.fd[0], true);
    auto [ss, cs] = drive(sp.fd[0], handshake_of(server), sp.fd[1], old.handshake());
    EXPECT_EQ(cs, Step::failed);
    ASSERT_EQ(ss, Step::failed);
    EXPECT_EQ(server.failure(), TlsFailure::protocol_version) << server.error();
    EXPECT_NE(server.error().find("unsupported protocol"), std::string::npos) << server.error();
}

TEST_F(TlsTest, ClientWithoutCertificateIsRefused) {
    auto server_ctx = context(pki_->device_a, pki_->ca);
    ASSERT_TRUE(server_ctx);
    SocketPair sp;
    RawClient anonymous(sp.fd[1], TLS1_3_VERSION);
    ASSERT_NE(anonymous.ssl, nullptr);
    TlsStream server(*server_ctx, sp.fd[0], true);
    auto [ss, cs] = drive(sp.fd[0], handshake_of(server), sp.fd[1], anonymous.handshake());
    (void)cs; // TLS 1.3: the client may believe it is done
    ASSERT_EQ(ss, Step::failed);
    EXPECT_EQ(server.failure(), TlsFailure::no_peer_certificate) << server.error();
}

TEST_F(TlsTest, PeerClosingDuringHandshakeIsIoError) {
    auto client_ctx = context(pki_->device_a, pki_->ca);
    ASSERT_TRUE(client_ctx);
    SocketPair sp;
    TlsStream client(*client_ctx, sp.fd[1], false);
    ASSERT_EQ(client.handshake(), Io::want_read); // ClientHello sent
    ::shutdown(sp.fd[0], SHUT_RDWR);
    std::vector<uint8_t> got;
    Io io = Io::want_read;
    for (int turn = 0; turn < 10 && io == Io::want_read; ++turn)
        io = client.handshake();
    ASSERT_EQ(io, Io::error);
    EXPECT_EQ(client.failure(), TlsFailure::io_error) << client.error();
}

TEST_F(TlsTest, CreateReportsMissingFile) {
    TlsConfig c{pki_->ca.cert, pki_->dir + "/missing.pem", pki_->device_a.key, ""};
    std::string error;
    EXPECT_EQ(TlsContext::create(c, error), nullptr);
    EXPECT_EQ(error, pki_->dir + "/missing.pem: No such file or directory");

    c = TlsConfig{pki_->dir + "/no-ca.pem", pki_->device_a.cert, pki_->device_a.key, ""};
    EXPECT_EQ(TlsContext::create(c, error), nullptr);
    EXPECT_EQ(error, pki_->dir + "/no-ca.pem: No such file or directory");
}

TEST_F(TlsTest, CreateReportsKeyNotMatchingCertificate) {
    TlsConfig c{pki_->ca.cert, pki_->device_a.cert, pki_->device_b.key, ""};
    std::string error;
    EXPECT_EQ(TlsContext::create(c, error), nullptr);
    EXPECT_EQ(error.rfind(pki_->device_b.key + ": ", 0), 0U) << error;
    EXPECT_NE(error.find("does not match"), std::string::npos) << error;
}

TEST_F(TlsTest, CreateReportsFilesThatAreNotPem) {
    // A key where the CA belongs: readable, but holds no certificate.
    TlsConfig c{pki_->device_a.key, pki_->device_a.cert, pki_->device_a.key, ""};
    std::string error;
    EXPECT_EQ(TlsContext::create(c, error), nullptr);
    EXPECT_EQ(error.rfind(pki_->device_a.key + ": cannot load the CA (", 0), 0U) << error;

    // A certificate where the key belongs.
    c = TlsConfig{pki_->ca.cert, pki_->device_a.cert, pki_->device_a.cert, ""};
    EXPECT_EQ(TlsContext::create(c, error), nullptr);
    EXPECT_EQ(error.rfind(pki_->device_a.cert + ": cannot load the private key", 0), 0U) << error;

    // A key where the certificate belongs.
    c = TlsConfig{pki_->ca.cert, pki_->device_a.key, pki_->device_a.key, ""};
    EXPECT_EQ(TlsContext::create(c, error), nullptr);
    EXPECT_EQ(error.rfind(pki_->device_a.key + ": cannot load the certificate", 0), 0U) << error;
}

X509* load_cert(const std::string& path) {
    FILE* fp = fopen(path.c_str(), "r");
    if (!fp) return nullptr;
    X509* x = PEM_read_X509(fp, nullptr, nullptr, nullptr);
    fclose(fp);
    return x;
}

std::string cn_of(X509* x) {
    char buf[256] = "";
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, sizeof buf);
    return buf;
}

TEST_F(TlsTest, PkiHasDistinctSerialsAndTheDocumentedNames) {
    const test::CertFiles* files[] = {&pki_->ca,       &pki_->other_ca, &pki_->device_a,
                                      &pki_->device_b, &pki_->expired,  &pki_->rogue};
    const char* cns[] = {nullptr, nullptr, "deviceA", "deviceB", "deviceB", "deviceB"};
    std::vector<X509*> certs;
    std::vector<std::string> serials;
    for (size_t i = 0; i < std::size(files); ++i) {
        X509* x = load_cert(files[i]->cert);
        ASSERT_NE(x, nullptr) << files[i]->cert;
        certs.push_back(x);
        if (cns[i]) {
            EXPECT_EQ(cn_of(x), cns[i]) << files[i]->cert;
        }
        BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr);
        char* hex = BN_bn2hex(bn);
        serials.emplace_back(hex);
        OPENSSL_free(hex);
        BN_free(bn);
    }
    X509 *ca = certs[0], *other = certs[1], *expired = certs[4], *rogue = certs[5];
    EXPECT_EQ(X509_check_ca(ca), 1);
    EXPECT_EQ(X509_check_host(certs[2], "deviceA", 0, 0, nullptr), 1); // the DNS SAN
    EXPECT_EQ(X509_check_issued(ca, certs[3]), X509_V_OK);
    EXPECT_EQ(X509_check_issued(other, rogue), X509_V_OK);
    EXPECT_NE(X509_check_issued(ca, rogue), X509_V_OK);
    EXPECT_LT(X509_cmp_current_time(X509_get0_notAfter(expired)), 0);
    EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(certs[3])), 0);
    for (X509* x : certs)
        X509_free(x);
    std::sort(serials.begin(), serials.end());
    EXPECT_EQ(std::unique(serials.begin(), serials.end()), serials.end());
}

} // namespace
} // namespace wg::sync
