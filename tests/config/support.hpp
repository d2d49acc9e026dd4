// Helpers for the config loader tests: load YAML text and compare the
// located messages, temporary directories, fake and real PEM files.
#pragma once

#include "config/config.hpp"
#include "config/keys.hpp"
#include "config/loader.hpp"

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace wg {
// gtest printers, so that failures show addresses instead of bytes.
inline void PrintTo(Ipv4 ip, std::ostream* os) { *os << ip.str(); }
inline void PrintTo(Prefix p, std::ostream* os) { *os << p.str(); }
inline void PrintTo(const Mac& m, std::ostream* os) { *os << m.str(); }
} // namespace wg

namespace wg::test {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on
// destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// A section's allow-list as the loader prints it: the key table's names in
// its order, so that a test naming them all needs no edit for a new key.
template <class S>
std::string key_names(std::span<const config::keys::Key<S>> rows) {
    std::string out;
    for (const auto& k : rows)
        out += (out.empty() ? "" : ", ") + std::string(k.name);
    return out;
}

void write_text(const std::string& path, std::string_view text);
std::string read_text(const std::string& path);

// $WARMGATE_SOURCE_ROOT (set by meson's test_env); fails the test if unset.
std::string source_root();

// Writes ca.pem, dev.pem and dev.key into DIR: PEM-looking files, enough for
// the loader, which checks that they open and start like PEM.
void write_fake_pems(const std::string& dir);

// Drops the first character when it is '\n' so raw strings can start on
// their own line: R"(\nsysname: x ...)" has `sysname` on line 1.
std::string_view yaml(std::string_view raw);

// Loads TEXT as file "t.yaml" and returns every diagnostic as
// "LINE:COL: message" (the file name stripped), in the order reported.
std::vector<std::string> errors_of(std::string_view text, const std::string& base_dir = "/nonexistent");

// TEXT with the one occurrence of FROM replaced by TO (fails the test
// unless FROM occurs exactly once).
std::string replace(std::string_view text, std::string_view from, std::string_view to);

using Lines = std::vector<std::string>;

} // namespace wg::test
