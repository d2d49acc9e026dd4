// Shared by the importer, emitter and warmgate-config tests: file helpers, a
// throw-away lab PKI, and a field-by-field Config comparison that names the
// field that differs.
#pragma once

#include "config/config.hpp"

#include <ostream>
#include <string>

namespace wg {
// gtest printers, so that failures show addresses instead of bytes.
inline void PrintTo(Ipv4 ip, std::ostream* os) { *os << ip.str(); }
inline void PrintTo(Prefix p, std::ostream* os) { *os << p.str(); }
inline void PrintTo(const Mac& m, std::ostream* os) { *os << m.str(); }
} // namespace wg

namespace wg::test {

// $WARMGATE_SOURCE_ROOT (set by meson's test_env).
std::string source_root();
std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);

// A temporary directory, created once per process and removed at exit,
// holding certs/{ca,deviceA,deviceB}.{pem,key} made by scripts/gen-certs.sh.
// Load the examples with it as base_dir: their `certs/...` paths resolve there.
const std::string& lab_dir();

// EXPECT_EQ on every field of every object, with the object's name in the trace.
void expect_config_eq(const config::Config& actual, const config::Config& expected);

} // namespace wg::test
