// Certificates made by the tests themselves (docs/sync-protocol.md "1. Connection"): a CA, leaf
// certificates it signs (valid, expired, for another name), and a second,
// unrelated CA, written as PEM files into a directory. OpenSSL's X509 API,
// no shell: the test path needs no openssl binary.
#pragma once

#include <string>

namespace wg::sync::test {

struct CertFiles {
    std::string cert; // PEM path
    std::string key;  // PEM path
};

// Everything a TLS test needs, under `dir` (created if missing).
//   ca            the CA both devices trust
//   other_ca      a CA nobody trusts
//   device_a/b    leaves signed by ca, CN and DNS SAN "deviceA"/"deviceB"
//   expired       signed by ca, CN "deviceB", validity ended yesterday
//   rogue         signed by other_ca, CN "deviceB"
// Returns false with `error` on any OpenSSL failure.
struct TestPki {
    std::string dir;
    CertFiles ca, other_ca, device_a, device_b, expired, rogue;
};
bool make_test_pki(const std::string& dir, TestPki& out, std::string& error);

} // namespace wg::sync::test
