// libFuzzer target for the VRP-text importer (config/vrp_import.hpp): bytes
// → import_vrp_with → to_yaml → load_string. Built with -fsanitize=fuzzer
// when the compiler is clang (tests/importer/meson.build, scripts/fuzz.sh);
// with gcc, the replay driver runs this same entry point over
// tests/importer/corpus/ (and every prefix of each seed) as a unit test.
//
// Invariants (a violation aborts, which both libFuzzer and the replay report):
//   - the importer returns, whatever the bytes (no exception, no crash);
//   - every diagnostic names the file, says "warning: " or "error: ", has a
//     line within the text (0: whole file) and comes in line order with the
//     whole-file ones last; at most kImportMaxMessages (+1 summary) of each;
//   - no message is longer than kMaxMessage bytes: echoed text is cut;
//   - whatever was imported emits (to_yaml) as YAML that the loader parses:
//     its errors are about values (ports, certificate files, ...), never a
//     YAML syntax error or a limit, and all are located;
//   - when that YAML loads, it emits the same text again.
#include "config/emit.hpp"
#include "config/loader.hpp"
#include "config/vrp_import.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace wg::config;

constexpr size_t kMaxMessage = 4096;

void check(bool ok, const char* what, const Diagnostics& ds = {}) {
    if (ok) return;
    std::fprintf(stderr, "vrp_import_fuzz: invariant broken: %s\n", what);
    for (const auto& d : ds)
        std::fprintf(stderr, "  %s\n", shown(d.str()).c_str());
    std::abort();
}

void check_list(const Diagnostics& ds, std::string_view prefix, int lines) {
    check(ds.size() <= kImportMaxMessages + 1, "messages are capped", ds);
    int last = 1;
    for (const auto& d : ds) {
        check(d.file == "fuzz.vrp", "diagnostic names the file", ds);
        check(d.message.starts_with(prefix), "diagnostic says warning/error", ds);
        check(d.line >= 0 && d.line <= lines, "line within the text", ds);
        check(d.line == 0 || (d.column > 0 && last != 0 && d.line >= last), "line order, whole file last",
              ds);
        last = d.line;
        check(d.message.size() <= kMaxMessage, "message is short", ds);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    ImportOptions options;
    options.ports["GigabitEthernet0/1/0"] = "net_null0";
    options.ports["GE0/2/0"] = "net_null1";
    ImportResult r;
    try {
        r = import_vrp_with(text, "fuzz.vrp", options);
    } catch (...) {
        check(false, "import_vrp_with does not throw");
    }
    const int lines = int(std::count(text.begin(), text.end(), '\n')) + 1;
    check_list(r.warnings, "warning: ", lines);
    check_list(r.errors, "error: ", lines);

    const std::string yaml = to_yaml(r.config);
    const LoadResult loaded = load_string(yaml, "emitted.yaml", "/nonexistent");
    for (const auto& d : loaded.errors) {
        check(d.line > 0 && d.column > 0, "errors in emitted YAML are located", loaded.errors);
        check(!d.message.starts_with("YAML ") && !d.message.starts_with("nesting") &&
                  !d.message.starts_with("more than"),
              "emitted YAML parses", loaded.errors);
    }
    if (loaded.config) check(to_yaml(*loaded.config) == yaml, "emitted YAML loads and emits the same text");
    return 0;
}
