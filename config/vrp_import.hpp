// VRP-style configuration text (the seed's "Configuration Files") → Config.
// Lines that are not understood are reported as warnings with their line
// numbers, never dropped silently. Ports (absent from VRP text) come from a
// caller-supplied map IFNAME → DPDK device spec.
// Thread-safety: reentrant.
#pragma once

#include "config/config.hpp"
#include "config/diagnostic.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace wg::config {

// Diagnostics come in line order (whole-file ones, line 0, last); their
// messages start with "warning: " / "error: " so that str() can be printed as is.
struct ImportResult {
    Config config;        // filled as far as the text allows, even with errors
    Diagnostics warnings; // lines not understood ("warning: ignored: 'ospf 1'"),
                          // a missing --port, a pki domain without CA, ...
    Diagnostics errors;   // lines understood but malformed (bad address, number
                          // out of range, missing or extra words, ...), no sysname
};

// Bounds of one import (docs/config.md "Limits of a configuration file"):
// a bigger text is refused whole; a longer line is an error and skipped;
// past kImportMaxMessages warnings (or errors) the rest are only counted,
// in one last "N more ... not shown" line. Time and memory stay linear in
// the text's size.
inline constexpr size_t kImportMaxBytes = size_t(16) << 20;
inline constexpr size_t kImportMaxLineBytes = 4096;
inline constexpr size_t kImportMaxMessages = 1000;

// The ports-only form; cert_dir and ca take ImportOptions' defaults.
ImportResult import_vrp(std::string_view text, const std::string& file,
                        const std::map<std::string, std::string>& ports);

// What VRP text does not carry, supplied by the caller (warmgate-config
// import-vrp's options).
struct ImportOptions {
    // Interface name (any spelling normalize_interface_name accepts) → DPDK
    // device spec. Interfaces other than LoopBack need one to pass `check`.
    std::map<std::string, std::string> ports;
    // Directory of the device certificate and key: every pki domain gets
    // CERT_DIR/<cert_base_name(sysname)>.pem and .key.
    std::string cert_dir = "certs";
    // Non-empty: every pki domain's CA file, instead of the `filename` of its
    // `pki import-certificate ca` line.
    std::string ca;
};

// import_vrp with every option (a separate name: a braced `{}` argument
// would make an overload of import_vrp ambiguous).
ImportResult import_vrp_with(std::string_view text, const std::string& file, const ImportOptions& options);

// "gigabitethernet 0/1/0", "GE0/1/0", "GigabitEthernet0/1/0" → "GigabitEthernet0/1/0".
// Known VRP interface types get their canonical spelling; other names are kept
// as written (whitespace removed). nullopt: empty, or a known type without a number.
std::optional<std::string> normalize_interface_name(std::string_view name);

// The file name stem of a device's certificate and key: the sysname with its
// first letter lower-cased ("DeviceA" → "deviceA", as scripts/gen-certs.sh names them).
std::string cert_base_name(std::string_view sysname);

} // namespace wg::config
