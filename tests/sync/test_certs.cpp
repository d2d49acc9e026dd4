// The tests' own PKI (tests/sync/test_certs.hpp): EC P-256 keys, a CA with
// basicConstraints CA:TRUE and keyUsage keyCertSign, leaves with a DNS SAN
// equal to their CN and both TLS purposes, so one certificate serves the
// connecting and the accepting side (RBS decides the role by address).
#include "tests/sync/test_certs.hpp"

#include <cerrno>
#include <cstring>
#include <memory>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <sys/types.h>

namespace wg::sync::test {

namespace {

struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
    void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

struct Issued {
    Key key;
    Cert cert;
};

std::string openssl_error(const std::string& what) {
    unsigned long e = ERR_get_error();
    char buf[256] = "unknown error";
    if (e) ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return what + ": " + buf;
}

bool add_ext(X509* cert, X509* issuer, int nid, const char* value, std::string& error) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) {
        error = openssl_error(std::string("extension ") + OBJ_nid2sn(nid) + "=" + value);
        return false;
    }
    bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    if (!ok) error = openssl_error("X509_add_ext");
    return ok;
}

// A random positive 64-bit serial: distinct across certificates (and across
// runs, so a stale PEM in the directory never collides).
bool set_serial(X509* cert, std::string& error) {
    unsigned char raw[8];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        error = openssl_error("RAND_bytes");
        return false;
    }
    raw[0] &= 0x7f;
    raw[0] |= 0x01; // never zero, never negative
    BIGNUM* bn = BN_bin2bn(raw, sizeof raw, nullptr);
    bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
    BN_free(bn);
    if (!ok) error = openssl_error("serial");
    return ok;
}

// `issuer` null: self-signed CA. Validity [now + from_s, now + to_s].
bool issue(const std::string& cn, bool is_ca, const Issued* issuer, long from_s, long to_s, Issued& out,
           std::string& error) {
    out.key.reset(EVP_EC_gen("P-256"));
    if (!out.key) {
        error = openssl_error("EC key for " + cn);
        return false;
    }
    out.cert.reset(X509_new());
    X509* c = out.cert.get();
    if (!c || X509_set_version(c, 2) != 1 || !set_serial(c, error)) {
        if (error.empty()) error = openssl_error("X509_new");
        return false;
    }
    if (!X509_gmtime_adj(X509_getm_notBefore(c), from_s) || !X509_gmtime_adj(X509_getm_notAfter(c), to_s)) {
        error = openssl_error("validity of " + cn);
        return false;
    }
    X509_NAME* name = X509_get_subject_name(c);
    if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("warmgate test"), -1, -1, 0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) != 1) {
        error = openssl_error("subject of " + cn);
        return false;
    }
    X509* issuer_cert = issuer ? issuer->cert.get() : c;
    EVP_PKEY* signer = issuer ? issuer->key.get() : out.key.get();
    if (X509_set_issuer_name(c, X509_get_subject_name(issuer_cert)) != 1 ||
        X509_set_pubkey(c, out.key.get()) != 1) {
        error = openssl_error("issuer/key of " + cn);
        return false;
    }
    if (!add_ext(c, issuer_cert, NID_subject_key_identifier, "hash", error)) return false;
    if (issuer && !add_ext(c, issuer_cert, NID_authority_key_identifier, "keyid:always", error)) return false;
    if (is_ca) {
        if (!add_ext(c, issuer_cert, NID_basic_constraints, "critical,CA:TRUE", error) ||
            !add_ext(c, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature", error))
            return false;
    } else {
        std::string san = "DNS:" + cn;
        if (!add_ext(c, issuer_cert, NID_basic_constraints, "critical,CA:FALSE", error) ||
            !add_ext(c, issuer_cert, NID_key_usage, "critical,digitalSignature", error) ||
            !add_ext(c, issuer_cert, NID_ext_key_usage, "serverAuth,clientAuth", error) ||
            !add_ext(c, issuer_cert, NID_subject_alt_name, san.c_str(), error))
            return false;
    }
    if (X509_sign(c, signer, EVP_sha256()) <= 0) {
        error = openssl_error("signing " + cn);
        return false;
    }
    return true;
}

bool write_pem(const Issued& it, const std::string& dir, const std::string& base, CertFiles& files,
               std::string& error) {
    files.cert = dir + "/" + base + ".pem";
    files.key = dir + "/" + base + ".key";
    BIO* b = BIO_new_file(files.cert.c_str(), "w");
    bool ok = b && PEM_write_bio_X509(b, it.cert.get()) == 1;
    BIO_free(b);
    if (!ok) {
        error = openssl_error(files.cert);
        return false;
    }
    // Private keys readable by the owner only, as a real deployment would keep them.
    mode_t old = umask(077);
    b = BIO_new_file(files.key.c_str(), "w");
    umask(old);
    ok = b && PEM_write_bio_PrivateKey(b, it.key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
    BIO_free(b);
    if (!ok) error = openssl_error(files.key);
    return ok;
}

bool make_dirs(const std::string& dir, std::string& error) {
    for (size_t pos = 1; pos <= dir.size(); ++pos) {
        if (pos != dir.size() && dir[pos] != '/') continue;
        std::string part = dir.substr(0, pos);
        if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
            error = part + ": " + std::strerror(errno);
            return false;
        }
    }
    struct stat st;
    if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        error = dir + ": not a directory";
        return false;
    }
    return true;
}

constexpr long kHour = 3600;
constexpr long kDay = 24 * kHour;

} // namespace

bool make_test_pki(const std::string& dir, TestPki& out, std::string& error) {
    error.clear();
    ERR_clear_error();
    if (dir.empty()) {
        error = "make_test_pki: empty directory";
        return false;
    }
    if (!make_dirs(dir, error)) return false;
    out = TestPki{};
    out.dir = dir;

    // Valid from an hour ago so clock skew between the writer and the test is harmless.
    Issued ca, other_ca, a, b, expired, rogue;
    if (!issue("warmgate test CA", true, nullptr, -kHour, 30 * kDay, ca, error) ||
        !issue("untrusted test CA", true, nullptr, -kHour, 30 * kDay, other_ca, error) ||
        !issue("deviceA", false, &ca, -kHour, kDay, a, error) ||
        !issue("deviceB", false, &ca, -kHour, kDay, b, error) ||
        !issue("deviceB", false, &ca, -2 * kDay, -kDay, expired, error) ||
        !issue("deviceB", false, &other_ca, -kHour, kDay, rogue, error))
        return false;
    return write_pem(ca, dir, "ca", out.ca, error) &&
           write_pem(other_ca, dir, "other_ca", out.other_ca, error) &&
           write_pem(a, dir, "deviceA", out.device_a, error) &&
           write_pem(b, dir, "deviceB", out.device_b, error) &&
           write_pem(expired, dir, "expired", out.expired, error) &&
           write_pem(rogue, dir, "rogue", out.rogue, error);
}

} // namespace wg::sync::test
