// TLS 1.3 with mutual authentication over a non-blocking socket (sync/tls.hpp).
//
// Why a BIO of our own: OpenSSL's socket BIO writes with write(2), which
// raises SIGPIPE when the peer has reset the connection, and the appliance
// must not die because a backup peer went away. Ours sends with MSG_NOSIGNAL
// and otherwise behaves like the socket BIO (retry flags on EAGAIN, EOF
// reported through BIO_CTRL_EOF so OpenSSL can tell a truncated stream).
//
// Why a verify callback: when verification fails, OpenSSL does not keep the
// peer certificate in the session, yet the log line should name it. The
// callback notes the first error and the certificate it concerns.
#include "sync/tls.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace wg::sync {

const char* to_string(TlsFailure f) {
    switch (f) {
#define WG_X(key, help)                                                                                      \
    case TlsFailure::key:                                                                                    \
        return #key;
        WG_SYNC_TLS_FAILURES(WG_X)
#undef WG_X
    }
    return "other";
}

namespace {

const char* help_of(TlsFailure f) {
    switch (f) {
#define WG_X(key, help)                                                                                      \
    case TlsFailure::key:                                                                                    \
        return help;
        WG_SYNC_TLS_FAILURES(WG_X)
#undef WG_X
    }
    return "TLS failure";
}

// ---- socket BIO with MSG_NOSIGNAL -------------------------------------------------------------------

struct SockBio {
    int fd;
    bool eof = false;
};

int sock_write(BIO* b, const char* data, int len) {
    auto* s = static_cast<SockBio*>(BIO_get_data(b));
    BIO_clear_retry_flags(b);
    ssize_t n = ::send(s->fd, data, size_t(len), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(b);
        return -1;
    }
    return int(n);
}

int sock_read(BIO* b, char* data, int len) {
    auto* s = static_cast<SockBio*>(BIO_get_data(b));
    BIO_clear_retry_flags(b);
    ssize_t n = ::recv(s->fd, data, size_t(len), MSG_DONTWAIT);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_read(b);
        return -1;
    }
    if (n == 0) s->eof = true;
    return int(n);
}

int sock_puts(BIO* b, const char* str) {
    return sock_write(b, str, int(std::strlen(str)));
}

long sock_ctrl(BIO* b, int cmd, long, void*) {
    auto* s = static_cast<SockBio*>(BIO_get_data(b));
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_EOF:
        return s && s->eof ? 1 : 0;
    case BIO_C_GET_FD:
        return s ? s->fd : -1;
    default:
        return 0;
    }
}

int sock_create(BIO* b) {
    BIO_set_data(b, nullptr);
    BIO_set_init(b, 0);
    return 1;
}

int sock_destroy(BIO* b) {
    delete static_cast<SockBio*>(BIO_get_data(b));
    BIO_set_data(b, nullptr);
    BIO_set_init(b, 0);
    return 1;
}

// Created once per process, never freed (OpenSSL keeps no reference to it
// beyond the BIOs made from it).
const BIO_METHOD* sock_method() {
    static BIO_METHOD* m = [] {
        BIO_METHOD* meth =
            BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "warmgate socket");
        if (!meth) return meth;
        BIO_meth_set_write(meth, sock_write);
        BIO_meth_set_read(meth, sock_read);
        BIO_meth_set_puts(meth, sock_puts);
        BIO_meth_set_ctrl(meth, sock_ctrl);
        BIO_meth_set_create(meth, sock_create);
        BIO_meth_set_destroy(meth, sock_destroy);
        return meth;
    }();
    return m;
}

BIO* make_sock_bio(int fd) {
    const BIO_METHOD* m = sock_method();
    if (!m) return nullptr;
    BIO* b = BIO_new(m);
    if (!b) return nullptr;
    BIO_set_data(b, new SockBio{fd});
    BIO_set_init(b, 1);
    return b;
}

// ---- certificate names ---------------------------------------------------------------------------

std::string subject_cn(X509* cert) {
    X509_NAME* name = X509_get_subject_name(cert);
    int i = name ? X509_NAME_get_index_by_NID(name, NID_commonName, -1) : -1;
    if (i < 0) return {};
    ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, s);
    if (len < 0) return {};
    std::string out(reinterpret_cast<char*>(utf8), size_t(len));
    OPENSSL_free(utf8);
    return out;
}

std::vector<std::string> dns_sans(X509* cert) {
    std::vector<std::string> out;
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (!names) return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
        if (g->type != GEN_DNS) continue;
        const ASN1_IA5STRING* s = g->d.dNSName;
        out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         size_t(ASN1_STRING_length(s)));
    }
    GENERAL_NAMES_free(names);
    return out;
}

// The names an identity check compares against (RFC 6125 6.4.4: the CN only
// when there is no DNS SAN), joined for the log.
std::string identity_names(X509* cert) {
    std::vector<std::string> sans = dns_sans(cert);
    if (sans.empty()) return subject_cn(cert);
    std::string s;
    for (const std::string& n : sans) {
        if (!s.empty()) s += ", ";
        s += n;
    }
    return s;
}

std::string subject_line(X509* cert) {
    std::string cn = subject_cn(cert);
    if (!cn.empty()) return cn;
    char buf[256];
    X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
    return buf;
}

// What the verify callback saw: the first error, and the certificate it was about.
struct VerifyNote {
    int error = X509_V_OK;
    int depth = -1;
    std::string subject;      // of the failing certificate
    std::string leaf;         // identity names of the peer's own certificate (depth 0)
    std::string leaf_subject; // its CN (or the whole subject)
};

int verify_callback(int preverify_ok, X509_STORE_CTX* store) {
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* note = ssl ? static_cast<VerifyNote*>(SSL_get_app_data(ssl)) : nullptr;
    if (!note) return preverify_ok;
    X509* cert = X509_STORE_CTX_get_current_cert(store);
    int depth = X509_STORE_CTX_get_error_depth(store);
    // The peer's own certificate, whichever link of the chain failed.
    X509* leaf = X509_STORE_CTX_get0_cert(store);
    if (leaf && note->leaf_subject.empty()) {
        note->leaf = identity_names(leaf);
        note->leaf_subject = subject_line(leaf);
    }
    if (!preverify_ok && note->error == X509_V_OK) {
        note->error = X509_STORE_CTX_get_error(store);
        note->depth = depth;
        if (cert) note->subject = subject_line(cert);
    }
    return preverify_ok;
}

TlsFailure failure_of_verify(int v) {
    switch (v) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return TlsFailure::expired_certificate;
    case X509_V_ERR_HOSTNAME_MISMATCH:
        return TlsFailure::identity_mismatch;
    default:
        // Issuer not found, self-signed, bad signature, not a CA, wrong
        // purpose...: in every case the CA does not vouch for this peer.
        return TlsFailure::untrusted_certificate;
    }
}

// The failure an OpenSSL reason code (ERR_GET_REASON) stands for.
TlsFailure failure_of_reason(int lib, int reason) {
    if (lib != ERR_LIB_SSL) return TlsFailure::other;
    switch (reason) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
    case SSL_R_RECORD_LENGTH_MISMATCH:
    case SSL_R_ENCRYPTED_LENGTH_TOO_LONG:
    case SSL_R_UNKNOWN_PROTOCOL:
        return TlsFailure::not_tls;
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_VERSION_TOO_HIGH:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        return TlsFailure::protocol_version;
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
    case SSL_R_NO_CERTIFICATES_RETURNED:
        return TlsFailure::no_peer_certificate;
    case SSL_R_UNEXPECTED_EOF_WHILE_READING:
        return TlsFailure::io_error;
    default:
        break;
    }
    // Reasons SSL_AD_REASON_OFFSET + alert code: the peer sent us that alert.
    if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) return TlsFailure::peer_alert;
    return TlsFailure::other;
}

} // namespace

// ---- TlsContext ----------------------------------------------------------------------------------

std::unique_ptr<TlsContext> TlsContext::create(const TlsConfig& config, std::string& error) {
    // "<path>: <what failed> (<OpenSSL's first reason>)": OpenSSL's reasons
    // alone ("unsupported", "no start line") do not say which step failed.
    auto fail_with = [&error](const std::string& path, const std::string& what) {
        unsigned long e = ERR_peek_error();
        const char* r = e ? ERR_reason_error_string(e) : nullptr;
        error = path + ": " + what + (r ? std::string(" (") + r + ")" : std::string());
        ERR_clear_error();
        return nullptr;
    };
    ERR_clear_error();
    for (const std::string* path : {&config.ca, &config.certificate, &config.key}) {
        if (path->empty()) {
            error = std::string(path == &config.ca    ? "ca"
                                : path == &config.key ? "key"
                                                      : "certificate") +
                    ": no file configured";
            return nullptr;
        }
        if (::access(path->c_str(), R_OK) != 0) {
            error = *path + ": " + std::strerror(errno);
            return nullptr;
        }
    }

    SSL_CTX* ctx = SSL_CTX_new(TLS_method());
    if (!ctx) return fail_with("SSL_CTX_new", "cannot create a TLS context");
    auto ok = [&](bool good, const std::string& path, const char* fallback) {
        if (good) return true;
        fail_with(path, fallback);
        SSL_CTX_free(ctx);
        return false;
    };
    // TLS 1.3 only (docs/sync-protocol.md §1): nothing to negotiate down to.
    if (!ok(SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) == 1 &&
                SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1,
            "TLS context", "cannot restrict to TLS 1.3"))
        return nullptr;
    if (!ok(SSL_CTX_use_certificate_chain_file(ctx, config.certificate.c_str()) == 1, config.certificate,
            "cannot load the certificate"))
        return nullptr;
    bool key_loaded = SSL_CTX_use_PrivateKey_file(ctx, config.key.c_str(), SSL_FILETYPE_PEM) == 1;
    // Loading already compares the key with the certificate; say it plainly.
    bool mismatch = !key_loaded && ERR_GET_LIB(ERR_peek_last_error()) == ERR_LIB_X509 &&
                    ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    if (!mismatch && !ok(key_loaded, config.key, "cannot load the private key")) return nullptr;
    if (mismatch || SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        error = config.key + ": key does not match certificate " + config.certificate;
        SSL_CTX_free(ctx);
        return nullptr;
    }
    // Only the domain's CA: no default verify paths, the system store would
    // let any public certificate in.
    if (!ok(SSL_CTX_load_verify_locations(ctx, config.ca.c_str(), nullptr) == 1, config.ca,
            "cannot load the CA"))
        return nullptr;
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    STACK_OF(X509_OBJECT)* objs = store ? X509_STORE_get0_objects(store) : nullptr;
    if (!objs || sk_X509_OBJECT_num(objs) == 0) {
        error = config.ca + ": no certificate found";
        SSL_CTX_free(ctx);
        return nullptr;
    }

    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_callback);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // One long-lived connection per service: no resumption, so no tickets
    // arriving in the middle of the data stream.
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    ERR_clear_error();
    return std::unique_ptr<TlsContext>(new TlsContext(config, ctx));
}

TlsContext::~TlsContext() {
    SSL_CTX_free(ctx_);
}

// ---- TlsStream -----------------------------------------------------------------------------------

uint64_t TlsStream::bytes_in() const {
    return ssl_ ? BIO_number_read(SSL_get_rbio(ssl_)) : 0;
}

TlsStream::TlsStream(const TlsContext& ctx, int fd, bool server) : ctx_(ctx), server_(server) {
    ERR_clear_error();
    ssl_ = SSL_new(ctx.native());
    BIO* bio = ssl_ ? make_sock_bio(fd) : nullptr;
    if (!ssl_ || !bio) {
        if (ssl_) SSL_free(ssl_);
        ssl_ = nullptr;
        error_ = "cannot create a TLS session";
        ERR_clear_error();
        return;
    }
    SSL_set_bio(ssl_, bio, bio);
    SSL_set_app_data(ssl_, new VerifyNote);
    const std::string& id = ctx.config().peer_identity;
    if (!id.empty()) {
        // The verify param's host check (DNS SAN, CN only without one) runs
        // in chain verification on either side, so a mismatch fails the
        // handshake with an alert like any other bad certificate.
        SSL_set_hostflags(ssl_, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        SSL_set1_host(ssl_, id.c_str());
    }
    if (server_)
        SSL_set_accept_state(ssl_);
    else
        SSL_set_connect_state(ssl_);
}

TlsStream::~TlsStream() {
    if (!ssl_) return;
    delete static_cast<VerifyNote*>(SSL_get_app_data(ssl_));
    SSL_set_app_data(ssl_, nullptr);
    SSL_free(ssl_);
}

TlsStream::Io TlsStream::fail(TlsFailure f, std::string msg) {
    failure_ = f;
    error_ = std::move(msg);
    // Whatever is left on the (per-thread) queue would be read by the next
    // stream's SSL_get_error and misclassify it.
    ERR_clear_error();
    return Io::error;
}

TlsStream::Io TlsStream::classify(int ret, const char* op) {
    int saved_errno = errno;
    int err = SSL_get_error(ssl_, ret);
    // Not SSL_is_init_finished(): after a fatal error OpenSSL leaves the
    // established state, and an EOF on a live session must read as "closed".
    const bool established = established_;
    switch (err) {
    case SSL_ERROR_WANT_READ:
        return Io::want_read;
    case SSL_ERROR_WANT_WRITE:
        return Io::want_write;
    case SSL_ERROR_ZERO_RETURN:
        if (established) {
            error_ = "peer closed the TLS session";
            ERR_clear_error();
            return Io::closed;
        }
        return fail(TlsFailure::io_error,
                    std::string(op) + ": peer closed the connection during the handshake");
    case SSL_ERROR_SYSCALL: {
        std::string why = saved_errno ? std::strerror(saved_errno) : "unexpected end of stream";
        if (established && saved_errno == 0) {
            error_ = "peer closed the connection";
            ERR_clear_error();
            return Io::closed;
        }
        // io_error is the handshake counter's name; an established session
        // that breaks says so in plain words.
        std::string what = established ? "connection lost" : help_of(TlsFailure::io_error);
        return fail(TlsFailure::io_error, std::string(op) + ": " + what + ": " + why);
    }
    case SSL_ERROR_SSL:
        break;
    default:
        return fail(TlsFailure::other, std::string(op) + ": SSL error " + std::to_string(err));
    }

    // A failed certificate verification says more than the queue's
    // "certificate verify failed".
    auto* note = static_cast<VerifyNote*>(SSL_get_app_data(ssl_));
    long v = SSL_get_verify_result(ssl_);
    int verr = note && note->error != X509_V_OK ? note->error : int(v);
    unsigned long e = ERR_peek_error();
    bool verify_failed =
        ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED;
    if (verr != X509_V_OK && (verify_failed || !established)) {
        TlsFailure f = failure_of_verify(verr);
        std::string leaf = note && !note->leaf_subject.empty() ? note->leaf_subject : "?";
        if (f == TlsFailure::identity_mismatch) {
            std::string names = note && !note->leaf.empty() ? note->leaf : leaf;
            return fail(f, "peer certificate names '" + names + "', expected '" +
                               ctx_.config().peer_identity + "'");
        }
        // "peer certificate 'deviceB' does not chain to our CA: <OpenSSL's
        // reason>", plus the certificate up the chain the reason is about.
        std::string help = help_of(f);
        const std::string prefix = "peer certificate";
        if (help.rfind(prefix, 0) == 0) help = help.substr(prefix.size());
        std::string line = prefix + " '" + leaf + "'" + help + ": " + X509_verify_cert_error_string(verr);
        if (note && note->depth > 0 && !note->subject.empty()) line += " (at '" + note->subject + "')";
        return fail(f, line);
    }

    // Otherwise the first error on the queue decides.
    if (e == 0) return fail(TlsFailure::other, std::string(op) + ": TLS failure without a reason");
    TlsFailure f = failure_of_reason(ERR_GET_LIB(e), ERR_GET_REASON(e));
    const char* reason = ERR_reason_error_string(e);
    std::string line = std::string(op) + ": " + help_of(f) + ": " + (reason ? reason : "unknown reason");
    if (established && f == TlsFailure::io_error) {
        // EOF without close_notify on an established session: the peer went
        // away; the framing above us knows whether anything was cut.
        error_ = "peer closed the connection without close_notify";
        ERR_clear_error();
        return Io::closed;
    }
    return fail(f, line);
}

TlsStream::Io TlsStream::handshake() {
    if (!ssl_) return fail(TlsFailure::other, error_.empty() ? "no TLS session" : error_);
    ERR_clear_error();
    errno = 0;
    int r = SSL_do_handshake(ssl_);
    if (r != 1) return classify(r, "handshake");
    // Belt and braces: SSL_VERIFY_FAIL_IF_NO_PEER_CERT already refused these.
    if (!SSL_get0_peer_certificate(ssl_))
        return fail(TlsFailure::no_peer_certificate,
                    "handshake: " + std::string(help_of(TlsFailure::no_peer_certificate)));
    long v = SSL_get_verify_result(ssl_);
    if (v != X509_V_OK) {
        TlsFailure f = failure_of_verify(int(v));
        return fail(f, "handshake: " + std::string(help_of(f)) + ": " + X509_verify_cert_error_string(v));
    }
    established_ = true;
    return Io::ok;
}

TlsStream::Io TlsStream::read(std::span<uint8_t> buf, size_t& n) {
    n = 0;
    if (!ssl_) return fail(TlsFailure::other, "no TLS session");
    if (buf.empty()) return Io::ok;
    ERR_clear_error();
    errno = 0;
    if (SSL_read_ex(ssl_, buf.data(), buf.size(), &n) == 1) return Io::ok;
    n = 0;
    return classify(0, "read");
}

TlsStream::Io TlsStream::write(std::span<const uint8_t> data, size_t& n) {
    n = 0;
    if (!ssl_) return fail(TlsFailure::other, "no TLS session");
    if (data.empty()) return Io::ok;
    ERR_clear_error();
    errno = 0;
    if (SSL_write_ex(ssl_, data.data(), data.size(), &n) == 1) return Io::ok;
    n = 0;
    return classify(0, "write");
}

void TlsStream::shutdown() {
    if (!ssl_) return;
    // After a fatal error OpenSSL refuses to send close_notify; that is fine.
    if (SSL_is_init_finished(ssl_)) SSL_shutdown(ssl_);
    ERR_clear_error();
}

std::string TlsStream::version() const {
    return ssl_ ? SSL_get_version(ssl_) : "";
}

std::string TlsStream::cipher() const {
    const char* c = ssl_ ? SSL_get_cipher_name(ssl_) : nullptr;
    return c && std::strcmp(c, "(NONE)") != 0 ? c : "";
}

std::string TlsStream::peer_name() const {
    X509* cert = ssl_ ? SSL_get0_peer_certificate(ssl_) : nullptr;
    if (!cert) return {};
    std::string cn = subject_cn(cert);
    if (!cn.empty()) return cn;
    std::vector<std::string> sans = dns_sans(cert);
    return sans.empty() ? std::string() : sans.front();
}

} // namespace wg::sync
