// Typed, located reads of yaml-cpp nodes for the config loader. Message
// texts are part of the user interface (scripts and tests match them):
// change them only on purpose.
#include "config/yaml_reader.hpp"

#include <algorithm>
#include <functional>
#include <unordered_map>

namespace wg::config::detail {

Loc loc_of(const YAML::Node& node) {
    if (!node.IsDefined()) return {};
    const YAML::Mark m = node.Mark();
    if (m.is_null() || m.line < 0) return {};
    return {m.line + 1, m.column + 1};
}

Loc Field::value_loc() const {
    if (!value.IsDefined() || value.IsNull()) return key_loc();
    Loc at = loc_of(value);
    return at.line == 0 ? key_loc() : at;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += sep;
        out += items[i];
    }
    return out;
}

bool is_plain(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "?"; }

std::string describe(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return "no value";
    if (node.IsMap()) return "a map";
    if (node.IsSequence()) return "a list";
    if (is_plain(node)) return "'" + shown(node.Scalar()) + "'";
    return "quoted string '" + shown(node.Scalar()) + "'";
}

// Every message goes through shorten_quoted(): the values it quotes are
// cut to kShownMaxChars, whichever check echoed them.
void Reader::error(Loc at, std::string message) {
    out_.push_back(Diagnostic{file_, at.line, at.column, shorten_quoted(message)});
}

namespace {

std::string loc_text(Loc at) { return std::to_string(at.line) + ":" + std::to_string(at.column); }

// Key equality that counts its calls, so that tests can bound the work of
// duplicate detection by a count instead of a clock.
struct CountingEqual {
    uint64_t* calls;
    bool operator()(std::string_view a, std::string_view b) const {
        ++*calls;
        return a == b;
    }
};

} // namespace

std::vector<Field> Reader::fields(const YAML::Node& map, std::string_view context,
                                  std::initializer_list<std::string_view> known) {
    return fields(map, context, std::span<const std::string_view>(known.begin(), known.size()));
}

std::vector<Field> Reader::fields(const YAML::Node& map, std::string_view context,
                                  std::span<const std::string_view> known) {
    std::vector<Field> out;
    // Keys seen so far → where: one hash lookup per key, so a map of n keys
    // costs O(n) (a list searched per key made 160k keys take 40 s). The
    // views point into the YAML tree, which outlives this call.
    std::unordered_map<std::string_view, Loc, std::hash<std::string_view>, CountingEqual> seen(
        map.size(), std::hash<std::string_view>{}, CountingEqual{&key_compares_});
    for (auto it = map.begin(); it != map.end(); ++it) {
        const YAML::Node key = it->first;
        if (!key.IsScalar()) {
            error(loc_of(key), "keys " + std::string(context) + " must be scalars, got " + describe(key));
            continue;
        }
        const std::string& name = key.Scalar();
        const auto [first, fresh] = seen.try_emplace(name, loc_of(key));
        if (!fresh) {
            error(loc_of(key), "duplicate key '" + name + "' " + std::string(context) + " (first at " +
                                   loc_text(first->second) + ")");
            continue;
        }
        if (known.size() != 0 && std::find(known.begin(), known.end(), name) == known.end()) {
            std::vector<std::string> names(known.begin(), known.end());
            error(loc_of(key), "unknown key '" + name + "' " + std::string(context) +
                                   " (expected one of: " + join(names, ", ") + ")");
            continue;
        }
        out.push_back(Field{key, it->second, name});
    }
    return out;
}

std::vector<Field> Reader::entries(const YAML::Node& map, std::string_view context) {
    return fields(map, context, std::span<const std::string_view>{});
}

bool Reader::require(const std::vector<Field>& fields, std::string_view key, std::string_view context,
                     Loc at) {
    for (const auto& f : fields)
        if (f.name == key) return true;
    error(at, "missing required key '" + std::string(key) + "' " + std::string(context));
    return false;
}

bool Reader::expect_map(const YAML::Node& node, Loc at, std::string_view label) {
    if (node.IsMap()) return true;
    error(at, std::string(label) + " must be a map, got " + describe(node));
    return false;
}

bool Reader::expect_map(const Field& f, std::string_view label) {
    return expect_map(f.value, f.value_loc(), label);
}

std::optional<std::string> Reader::scalar_text(const YAML::Node& node, Loc at, std::string_view label) {
    if (!node.IsScalar()) {
        error(at, std::string(label) + " must be a string, got " + describe(node));
        return std::nullopt;
    }
    if (node.Scalar().empty()) {
        error(at, std::string(label) + " must not be empty");
        return std::nullopt;
    }
    return node.Scalar();
}

std::optional<std::string> Reader::string(const Field& f, std::string_view label) {
    return scalar_text(f.value, f.value_loc(), label);
}

std::optional<uint64_t> Reader::integer(const Field& f, std::string_view label, uint64_t lo, uint64_t hi) {
    const Loc at = f.value_loc();
    const std::string what = std::string(label) + " must be an integer, got ";
    if (!is_plain(f.value)) {
        error(at, what + describe(f.value));
        return std::nullopt;
    }
    const std::string& text = f.value.Scalar();
    const bool negative = !text.empty() && text[0] == '-';
    const std::string digits = negative ? text.substr(1) : text;
    if (digits.empty() ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        error(at, what + describe(f.value));
        return std::nullopt;
    }
    // YAML 1.1 reads 0120 as octal 80: refuse to guess.
    if (digits.size() > 1 && digits[0] == '0') {
        error(at, std::string(label) + " must be an integer without leading zeros, got '" + text + "'");
        return std::nullopt;
    }
    const std::string range = " out of range " + std::to_string(lo) + ".." + std::to_string(hi);
    if (negative || digits.size() > 19) {
        error(at, std::string(label) + " " + shown(text) + range);
        return std::nullopt;
    }
    const uint64_t value = std::stoull(digits);
    if (value < lo || value > hi) {
        error(at, std::string(label) + " " + text + range);
        return std::nullopt;
    }
    return value;
}

std::optional<bool> Reader::boolean(const Field& f, std::string_view label) {
    if (is_plain(f.value)) {
        const std::string& t = f.value.Scalar();
        // YAML 1.2 core schema only: yes/no/on/off are YAML 1.1 and mean
        // different things to different tools.
        if (t == "true" || t == "True" || t == "TRUE") return true;
        if (t == "false" || t == "False" || t == "FALSE") return false;
    }
    error(f.value_loc(), std::string(label) + " must be true or false, got " + describe(f.value));
    return std::nullopt;
}

std::optional<Ipv4> Reader::ipv4(const YAML::Node& node, Loc at, std::string_view label) {
    if (!node.IsScalar()) {
        error(at, std::string(label) + " must be an IPv4 address, got " + describe(node));
        return std::nullopt;
    }
    auto ip = Ipv4::parse(node.Scalar());
    if (!ip) error(at, std::string(label) + " '" + node.Scalar() + "' is not a valid IPv4 address");
    return ip;
}

std::optional<Ipv4> Reader::ipv4(const Field& f, std::string_view label) {
    return ipv4(f.value, f.value_loc(), label);
}

std::optional<Prefix> Reader::prefix(const Field& f, std::string_view label) {
    if (!f.value.IsScalar()) {
        error(f.value_loc(), std::string(label) + " must be a prefix a.b.c.d/len, got " + describe(f.value));
        return std::nullopt;
    }
    auto p = Prefix::parse(f.value.Scalar());
    if (!p)
        error(f.value_loc(), std::string(label) + " '" + f.value.Scalar() +
                                 "' is not a valid prefix (expected a.b.c.d/len)");
    return p;
}

std::optional<Mac> Reader::mac(const Field& f, std::string_view label) {
    if (!f.value.IsScalar()) {
        error(f.value_loc(), std::string(label) + " must be a MAC address, got " + describe(f.value));
        return std::nullopt;
    }
    auto m = Mac::parse(f.value.Scalar());
    if (!m)
        error(f.value_loc(), std::string(label) + " '" + f.value.Scalar() +
                                 "' is not a valid MAC address (expected xx:xx:xx:xx:xx:xx)");
    return m;
}

std::optional<std::vector<YAML::Node>> Reader::scalar_list(const Field& f, std::string_view label,
                                                           bool scalar_ok) {
    if (f.value.IsSequence()) {
        std::vector<YAML::Node> items;
        for (const auto& item : f.value) items.push_back(item);
        if (items.empty()) {
            error(f.value_loc(), std::string(label) + " must not be empty");
            return std::nullopt;
        }
        return items;
    }
    if (scalar_ok && f.value.IsScalar()) return std::vector<YAML::Node>{f.value};
    error(f.value_loc(), std::string(label) + " must be a list, got " + describe(f.value));
    return std::nullopt;
}

} // namespace wg::config::detail
