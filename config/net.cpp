// Strict text forms of Ipv4/Prefix/Mac. Strict on purpose: a config value
// that some other tool would read differently must be rejected, not guessed.
//   - IPv4: exactly four decimal octets 0..255. Leading zeros are rejected
//     ("01.2.3.4"): inet_aton() reads them as octal, so "010.0.0.1" would
//     mean 8.0.0.1 to one tool and 10.0.0.1 to another.
//   - Prefix length: decimal 0..32, no leading zeros, no sign.
//   - MAC: six groups of exactly two hex digits, all ':' or all '-'.
#include "config/net.hpp"

#include <cstdio>

namespace wg {

namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Parses a decimal number of 1..max_digits digits without leading zeros.
// Advances `pos`; returns nullopt on any deviation.
std::optional<unsigned> parse_decimal(std::string_view text, size_t& pos, size_t max_digits) {
    size_t start = pos;
    unsigned value = 0;
    while (pos < text.size() && is_digit(text[pos]) && pos - start < max_digits) {
        value = value * 10 + unsigned(text[pos] - '0');
        ++pos;
    }
    size_t n = pos - start;
    if (n == 0) return std::nullopt;
    if (pos < text.size() && is_digit(text[pos])) return std::nullopt; // too many digits
    if (n > 1 && text[start] == '0') return std::nullopt;              // leading zero
    return value;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

std::optional<Ipv4> Ipv4::parse(std::string_view text) {
    uint32_t value = 0;
    size_t pos = 0;
    for (int i = 0; i < 4; ++i) {
        if (i > 0) {
            if (pos >= text.size() || text[pos] != '.') return std::nullopt;
            ++pos;
        }
        auto octet = parse_decimal(text, pos, 3);
        if (!octet || *octet > 255) return std::nullopt;
        value = (value << 8) | *octet;
    }
    if (pos != text.size()) return std::nullopt;
    return Ipv4{value};
}

std::string Ipv4::str() const {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", (value >> 24) & 0xff, (value >> 16) & 0xff,
                  (value >> 8) & 0xff, value & 0xff);
    return buf;
}

std::optional<Prefix> Prefix::parse(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto addr = Ipv4::parse(text.substr(0, slash));
    if (!addr) return std::nullopt;
    size_t pos = slash + 1;
    auto len = parse_decimal(text, pos, 2);
    if (!len || *len > 32 || pos != text.size()) return std::nullopt;
    return Prefix{*addr, uint8_t(*len)};
}

std::string Prefix::str() const { return addr.str() + "/" + std::to_string(unsigned(len)); }

std::optional<Mac> Mac::parse(std::string_view text) {
    if (text.size() != 17) return std::nullopt;
    const char sep = text[2];
    if (sep != ':' && sep != '-') return std::nullopt;
    Mac mac;
    for (size_t i = 0; i < 6; ++i) {
        size_t at = i * 3;
        if (i > 0 && text[at - 1] != sep) return std::nullopt;
        int hi = hex_value(text[at]), lo = hex_value(text[at + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        mac.bytes[i] = uint8_t(hi << 4 | lo);
    }
    return mac;
}

std::string Mac::str() const {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2], bytes[3],
                  bytes[4], bytes[5]);
    return buf;
}

} // namespace wg
