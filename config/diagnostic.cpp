#include "config/diagnostic.hpp"

namespace wg::config {

// Line 0 means the whole file (e.g. it cannot be opened): "FILE: message",
// the form compilers use for file-level errors.
std::string Diagnostic::str() const {
    if (line <= 0) return file + ": " + message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::string shown(std::string_view value) {
    std::string_view head = value;
    if (value.size() > kShownMaxChars) {
        size_t cut = kShownHeadChars;
        // Back up over UTF-8 continuation bytes (10xxxxxx): never half a character.
        while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xc0) == 0x80)
            --cut;
        head = value.substr(0, cut);
    }
    std::string out;
    out.reserve(head.size() + 24);
    for (char c : head) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 && c != '\t') || u == 0x7f ? '?' : c;
    }
    if (head.size() < value.size()) out += "\u2026 (" + std::to_string(value.size()) + " bytes)";
    return out;
}

namespace {
constexpr size_t kOwnTextMaxChars = 1024;
} // namespace

std::string shorten_quoted(std::string_view message) {
    std::string out;
    out.reserve(message.size() < 512 ? message.size() : 512);
    bool inside = false;
    for (;;) {
        const size_t q = message.find('\'');
        const std::string_view part = message.substr(0, q);
        // Outside the quotes is our own text, unless a value held an odd
        // number of quotes: long runs there are values too.
        if (inside || part.size() > kOwnTextMaxChars)
            out += shown(part);
        else
            out += part;
        if (q == std::string_view::npos) break;
        out += '\'';
        message.remove_prefix(q + 1);
        inside = !inside;
    }
    return out;
}

} // namespace wg::config
