#include "config/diagnostic.hpp"

namespace wg::config {

// Line 0 means the whole file (e.g. it cannot be opened): "FILE: message",
// the form compilers use for file-level errors.
std::string Diagnostic::str() const {
    if (line <= 0) return file + ": " + message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

} // namespace wg::config
