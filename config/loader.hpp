// YAML → validated Config. Strict: unknown keys, wrong types, out-of-range
// values, bad addresses, dangling references, duplicates and unreadable
// certificate files are all errors, and all of a file's errors are returned
// in one run (not only the first), in document order.
//
// Thread-safety: reentrant; call from the main thread before EAL init.
#pragma once

#include "config/config.hpp"
#include "config/diagnostic.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace wg::config {

struct LoadResult {
    std::optional<Config> config; // set only when errors is empty
    Diagnostics errors;
};

// Reads and validates FILE. Relative certificate paths are resolved against
// FILE's directory.
LoadResult load_file(const std::string& path);

// Same, from text already in memory; `file` is used in diagnostics and
// `base_dir` to resolve relative certificate paths (a relative base_dir is
// taken from the current directory). Diagnostics come sorted by line and
// column; line 0 (whole file: unreadable, empty) sorts first.
LoadResult load_string(std::string_view text, const std::string& file, const std::string& base_dir);

} // namespace wg::config
