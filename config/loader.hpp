// YAML → validated Config. Strict: unknown keys, wrong types, out-of-range
// values, bad addresses, dangling references, duplicates and unreadable
// certificate files are all errors, and all of a file's errors are returned
// in one run (not only the first), in document order.
//
// Thread-safety: reentrant; call from the main thread before EAL init.
#pragma once

#include "config/config.hpp"
#include "config/diagnostic.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace wg::config {

struct LoadResult {
    std::optional<Config> config; // set only when errors is empty
    Diagnostics errors;
};

// What one load may cost, so that a hostile or broken file is refused in
// bounded time and memory with a located error (docs/config.md "Limits of a
// configuration file"). yaml-cpp holds about 0.5 KB per node: the node bound
// is what bounds the memory.
inline constexpr size_t kLoadMaxBytesDefault = size_t(16) << 20;
inline constexpr unsigned kLoadMaxDepthDefault = 64;
inline constexpr size_t kLoadMaxNodesDefault = 500000;

struct LoadLimits {
    size_t max_bytes = kLoadMaxBytesDefault;   // file size; checked before reading further
    unsigned max_depth = kLoadMaxDepthDefault; // nesting levels (indentation and [ { )
    size_t max_nodes = kLoadMaxNodesDefault;   // scalars, lists and maps, keys included
};

// Reads and validates FILE. Relative certificate paths are resolved against
// FILE's directory. A file bigger than limits.max_bytes is refused without
// being read whole (also a pipe or device that never ends).
LoadResult load_file(const std::string& path, const LoadLimits& limits = {});

// Same, from text already in memory; `file` is used in diagnostics and
// `base_dir` to resolve relative certificate paths (a relative base_dir is
// taken from the current directory). Diagnostics come sorted by line and
// column; line 0 (whole file: unreadable, empty) sorts first.
LoadResult load_string(std::string_view text, const std::string& file, const std::string& base_dir,
                       const LoadLimits& limits = {});

} // namespace wg::config
