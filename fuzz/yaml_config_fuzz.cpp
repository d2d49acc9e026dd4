// libFuzzer target for the YAML configuration loader (config/loader.hpp):
// bytes → load_string → validate, under the default LoadLimits. Built with
// -fsanitize=fuzzer when the compiler is clang (tests/config/meson.build,
// scripts/fuzz.sh); with gcc, the replay driver runs this same entry point
// over tests/config/corpus/ (and every prefix of each seed) as a unit test.
//
// Invariants (a violation aborts, which both libFuzzer and the replay report):
//   - load_string returns, whatever the bytes (no exception, no crash, no
//     stack overflow on deep nesting: ASan in the clang build);
//   - a config comes back iff there is no error;
//   - every diagnostic names the file and a line and column, except the
//     whole-file ones (empty configuration, size limit), and every YAML
//     syntax error is located;
//   - no message is longer than kMaxMessage bytes: echoed values are cut;
//   - an accepted config emitted by to_yaml (config/emit.hpp) loads again
//     without error and emits the same text (load(emit(c)) == c).
#include "config/emit.hpp"
#include "config/loader.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#ifndef WG_FUZZ_BASE_DIR
#define WG_FUZZ_BASE_DIR "."
#endif

namespace {

using namespace wg::config;

constexpr size_t kMaxMessage = 4096;

void check(bool ok, const char* what, const Diagnostics& ds = {}) {
    if (ok) return;
    std::fprintf(stderr, "yaml_config_fuzz: invariant broken: %s\n", what);
    for (const auto& d : ds)
        std::fprintf(stderr, "  %s\n", shown(d.str()).c_str());
    std::abort();
}

bool whole_file(const Diagnostic& d) {
    return d.message.starts_with("configuration is empty") || d.message.starts_with("file is ");
}

void check_diagnostics(const LoadResult& r, const std::string& file) {
    check(r.config.has_value() == r.errors.empty(), "config iff no error", r.errors);
    for (const auto& d : r.errors) {
        check(d.file == file, "diagnostic names the file", r.errors);
        check(d.line > 0 ? d.column > 0 : whole_file(d), "diagnostic has a line and a column", r.errors);
        check(d.message.size() <= kMaxMessage, "message is short", r.errors);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    LoadResult r;
    try {
        r = load_string(text, "fuzz.yaml", WG_FUZZ_BASE_DIR);
    } catch (...) {
        check(false, "load_string does not throw");
    }
    check_diagnostics(r, "fuzz.yaml");
    if (!r.config) return 0;

    const std::string emitted = to_yaml(*r.config);
    const LoadResult again = load_string(emitted, "again.yaml", WG_FUZZ_BASE_DIR);
    check_diagnostics(again, "again.yaml");
    check(again.config.has_value(), "an emitted config loads", again.errors);
    check(to_yaml(*again.config) == emitted, "load(emit(c)) emits the same text");
    return 0;
}
