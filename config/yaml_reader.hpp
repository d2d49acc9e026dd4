// Internal to the loader: typed, located reads of yaml-cpp nodes. Every
// read that fails records one Diagnostic and returns nullopt, so the loader
// can go on and report all of a file's errors in one run.
// Not a public API: included by the loader's files (and its tests) only.
// Thread-safety: a Reader belongs to one load call.
#pragma once

#include "config/diagnostic.hpp"
#include "config/net.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wg::config::detail {

// A 1-based source location; line 0 = unknown / whole file.
struct Loc {
    int line = 0;
    int column = 0;
};

// yaml-cpp marks are 0-based; an absent value (`key:` with nothing) carries
// the mark of the next token, so null values are located at their key.
Loc loc_of(const YAML::Node& node);

// One known key of a map with its value, both kept for locating messages.
struct Field {
    YAML::Node key;
    YAML::Node value;
    std::string name;

    // Where a bad value is reported: the value, or the key when it is empty.
    Loc value_loc() const;
    Loc key_loc() const { return loc_of(key); }
};

class Reader {
public:
    Reader(std::string file, Diagnostics& out) : file_(std::move(file)), out_(out) {}

    void error(Loc at, std::string message);
    const std::string& file() const { return file_; }

    // Walks MAP (already known to be a map) in document order: reports
    // non-scalar keys, unknown keys ("unknown key 'k' CONTEXT (expected
    // one of: ...)") and duplicate keys; returns the first occurrence of each
    // known key. CONTEXT is a phrase: "in vrrp group", "at top level".
    // entries() returns every scalar key (name maps such
    // as interfaces and pki_domain), duplicates still reported.
    std::vector<Field> fields(const YAML::Node& map, std::string_view context,
                              std::initializer_list<std::string_view> known);
    std::vector<Field> fields(const YAML::Node& map, std::string_view context,
                              std::span<const std::string_view> known);
    std::vector<Field> entries(const YAML::Node& map, std::string_view context);

    // Reports "missing required key 'k' CONTEXT" at `at` unless present.
    bool require(const std::vector<Field>& fields, std::string_view key, std::string_view context, Loc at);

    // Type checks: "LABEL must be a map, got a list" etc. Null counts as an
    // empty map/list only where the caller allows it.
    bool expect_map(const Field& f, std::string_view label);
    bool expect_map(const YAML::Node& node, Loc at, std::string_view label);

    std::optional<std::string> string(const Field& f, std::string_view label);
    std::optional<uint64_t> integer(const Field& f, std::string_view label, uint64_t lo, uint64_t hi);
    std::optional<bool> boolean(const Field& f, std::string_view label);
    std::optional<Ipv4> ipv4(const Field& f, std::string_view label);
    std::optional<Ipv4> ipv4(const YAML::Node& node, Loc at, std::string_view label);
    std::optional<Prefix> prefix(const Field& f, std::string_view label);
    std::optional<Mac> mac(const Field& f, std::string_view label);

    // A list of scalars; with `scalar_ok` a single scalar counts as a list of
    // one (virtual_ip: 10.1.1.100). Items come back with their nodes.
    std::optional<std::vector<YAML::Node>> scalar_list(const Field& f, std::string_view label,
                                                       bool scalar_ok);

    std::optional<std::string> scalar_text(const YAML::Node& node, Loc at, std::string_view label);

    // Key comparisons made by fields()/entries() so far: about one per
    // duplicate, not one per pair of keys (tests bound it by the key count).
    uint64_t key_compares() const { return key_compares_; }

private:
    std::string file_;
    Diagnostics& out_;
    uint64_t key_compares_ = 0;
};

// "a map", "a list", "no value", "'text'", "quoted string 'text'".
std::string describe(const YAML::Node& node);

// Plain (untagged, unquoted) scalars are the only ones read as numbers or
// booleans: `priority: "120"` is a string, as YAML says it is.
bool is_plain(const YAML::Node& node);

std::string join(const std::vector<std::string>& items, std::string_view sep);

} // namespace wg::config::detail
