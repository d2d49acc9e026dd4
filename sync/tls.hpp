// The small TLS surface of the remote-backup service (Seastar-style: one
// header, OpenSSL behind it). TLS 1.3 only, mutual authentication: each side
// presents its PKI domain's certificate and verifies the peer's against the
// domain's CA, plus an optional expected peer identity (DNS SAN, else CN).
// Non-blocking: every call returns at once with want_read/want_write when
// the socket is not ready.
//
// Thread-safety: a context may be shared by streams of one thread; a stream
// belongs to one thread (the control lcore).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace wg::sync {

struct TlsConfig {
    std::string ca;          // PEM file: the CA the peer's certificate must chain to
    std::string certificate; // PEM file: our certificate (chain allowed)
    std::string key;         // PEM file: its private key
    std::string peer_identity; // empty: any certificate the CA signed
};

// Why a session could not be established; each is a counter of the RBS.
#define WG_SYNC_TLS_FAILURES(X)                                                          \
    X(not_tls, "peer did not speak TLS (plaintext or garbage)")                          \
    X(protocol_version, "peer offered no TLS 1.3")                                       \
    X(no_peer_certificate, "peer presented no certificate")                              \
    X(untrusted_certificate, "peer certificate does not chain to our CA")                \
    X(expired_certificate, "peer certificate expired or not yet valid")                  \
    X(identity_mismatch, "peer certificate does not name the expected identity")         \
    X(peer_alert, "peer refused us (sent a TLS alert: it did not accept our certificate)") \
    X(io_error, "connection closed or reset during the handshake")                       \
    X(other, "any other TLS failure")

enum class TlsFailure : uint8_t {
#define WG_X(key, help) key,
    WG_SYNC_TLS_FAILURES(WG_X)
#undef WG_X
};
const char* to_string(TlsFailure f);

class TlsContext {
  public:
    // Loads and checks the files (key matches certificate, CA readable).
    // nullptr with `error` = "<file>: <reason>" on failure.
    static std::unique_ptr<TlsContext> create(const TlsConfig& config, std::string& error);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    const TlsConfig& config() const { return config_; }
    SSL_CTX* native() const { return ctx_; }

  private:
    TlsContext(const TlsConfig& c, SSL_CTX* ctx) : config_(c), ctx_(ctx) {}
    TlsConfig config_;
    SSL_CTX* ctx_;
};

class TlsStream {
  public:
    enum class Io : uint8_t { ok, want_read, want_write, closed, error };

    // Takes over nothing: the caller owns and closes `fd` (non-blocking,
    // connected). `server`: the accepting side of the TCP connection.
    TlsStream(const TlsContext& ctx, int fd, bool server);
    ~TlsStream();
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;

    // Drives the handshake; ok once established and the peer verified
    // (identity included). error: failure() and error() say why.
    Io handshake();
    // Reads up to buf.size() bytes into buf; n = bytes read (ok only).
    Io read(std::span<uint8_t> buf, size_t& n);
    // Writes up to data.size() bytes; n = bytes taken (ok only; partial writes happen).
    Io write(std::span<const uint8_t> data, size_t& n);
    // Best-effort close_notify (does not wait for the peer's).
    void shutdown();
    // Bytes taken from the socket so far, TLS framing included: they prove
    // the peer alive before a whole record (up to 16 KB) can be decrypted.
    uint64_t bytes_in() const;

    TlsFailure failure() const { return failure_; }
    const std::string& error() const { return error_; } // one line for the log and display
    // After the handshake: "TLSv1.3", "TLS_AES_256_GCM_SHA384", the peer
    // certificate's subject CN (or first DNS SAN).
    std::string version() const;
    std::string cipher() const;
    std::string peer_name() const;

  private:
    Io fail(TlsFailure f, std::string msg);
    Io classify(int ret, const char* op);

    SSL* ssl_ = nullptr;
    const TlsContext& ctx_;
    bool server_;
    bool established_ = false; // the handshake completed (survives a later fatal error)
    TlsFailure failure_ = TlsFailure::other;
    std::string error_;
};

} // namespace wg::sync
