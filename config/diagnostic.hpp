// A located message about a configuration file: "FILE:LINE:COL: message".
// Thread-safety: plain value.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wg::config {

struct Diagnostic {
    std::string file;
    int line = 0;   // 1-based; 0 when the whole file is concerned
    int column = 0; // 1-based
    std::string message;

    // The one format every tool prints: "FILE:LINE:COL: message".
    std::string str() const;
};

using Diagnostics = std::vector<Diagnostic>;

// How much of a value a message repeats: a message names the value, it does
// not carry it (a 50 MB scalar must not become a 50 MB log line).
inline constexpr size_t kShownMaxChars = 80;  // shown whole up to this
inline constexpr size_t kShownHeadChars = 60; // else this much of it

// VALUE as a message shows it: unchanged up to kShownMaxChars bytes, else
// its first kShownHeadChars bytes (cut on a UTF-8 character boundary) and
// "… (N bytes)". Control characters other than tab are shown as '?', so a
// message stays one printable line.
std::string shown(std::string_view value);

// MESSAGE with every single-quoted part ('...') passed through shown(): the
// safety net of the loaders, whose messages quote the values they echo.
std::string shorten_quoted(std::string_view message);

} // namespace wg::config
