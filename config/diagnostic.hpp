// A located message about a configuration file: "FILE:LINE:COL: message".
// Thread-safety: plain value.
#pragma once

#include <string>
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

} // namespace wg::config
