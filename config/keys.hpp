// The key tables of the configuration: one row per scalar key (name, the
// member it fills, type, range, doc line) drives the loader, the emitter and
// the key tables of docs/config.md. Defaults are never written in a row: they
// are read from a default-constructed section struct (config/config.hpp).
//
// Adding a key: the member (with its default) in config.hpp and one row in
// config/keys.cpp; `warmgate-config doc-keys --write docs/config.md` then
// updates the documentation (the config-doc test fails until it is done).
//
// Keys whose value is an object or a list of objects (a profile's `vrrp`,
// `dataplane.punt`) are rows of kind `custom`: they take their place in the
// allow-list, the emitted order and the doc table, and the section's
// hand-written code reads and writes them.
//
// Thread-safety: the tables are immutable after static initialisation; the
// walkers touch only their arguments.
#pragma once

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace wg::config::keys {

enum class Kind : uint8_t {
    integer,     // decimal, within [min, max]
    boolean,     // true / false (YAML 1.2)
    choice,      // one of `choices` (an enum member, or a string member)
    choice_list, // one of `choices` or a list of them, each at most once
    string,      // non-empty
    ipv4,        // dotted quad
    custom,      // read and written by the section's own code
};

// Emitted value of a row: always (what the examples show, required keys), or
// only when it differs from the default.
enum class Emit : uint8_t { changed, always };

using Value = std::variant<std::monostate, uint64_t, std::string, Ipv4, std::vector<std::string>>;

template <class S>
struct Key {
    std::string_view name;
    Kind kind = Kind::custom;
    bool required = false;
    Emit emit = Emit::changed;
    uint64_t min = 0, max = 0;                 // integer
    std::span<const std::string_view> choices; // choice, choice_list: spellings (enum value = index)
    std::string_view doc;                      // the "what" column of docs/config.md (markdown)
    std::string_view type_doc;                 // overrides the type column
    std::string_view range_doc;                // overrides the range column
    std::string_view default_doc;              // overrides the default column (custom rows)
    std::string_view empty_error;              // choice_list: the message for `[]`
    Value (*get)(const S&) = nullptr;
    void (*set)(S&, const Value&) = nullptr;

    Key with_required() const {
        Key k = *this;
        k.required = true;
        k.emit = Emit::always;
        return k;
    }
    Key with_always() const {
        Key k = *this;
        k.emit = Emit::always;
        return k;
    }
    Key with_type(std::string_view t) const {
        Key k = *this;
        k.type_doc = t;
        return k;
    }
    Key with_range(std::string_view r) const {
        Key k = *this;
        k.range_doc = r;
        return k;
    }
    Key with_default(std::string_view d) const {
        Key k = *this;
        k.default_doc = d;
        return k;
    }
    Key with_empty_error(std::string_view e) const {
        Key k = *this;
        k.empty_error = e;
        return k;
    }

    Value value(const S& s) const { return get ? get(s) : Value{}; }
    Value default_value() const { return value(S{}); }
};

namespace detail_ {
template <auto M>
struct Member;
template <class S, class T, T S::*M>
struct Member<M> {
    using Owner = S;
    using Type = T;
};
} // namespace detail_

template <auto M>
using Owner = typename detail_::Member<M>::Owner;
template <auto M>
using MemberType = typename detail_::Member<M>::Type;

// Row factories: the member pointer is a template argument so that the
// accessors are plain functions (no captures, no allocation in the table).
template <auto M>
Key<Owner<M>> integer(std::string_view name, uint64_t lo, uint64_t hi, std::string_view doc) {
    using S = Owner<M>;
    using T = MemberType<M>;
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
    Key<S> k;
    k.name = name, k.kind = Kind::integer, k.min = lo, k.max = hi, k.doc = doc;
    k.get = [](const S& s) -> Value { return uint64_t(s.*M); };
    k.set = [](S& s, const Value& v) { s.*M = static_cast<T>(std::get<uint64_t>(v)); };
    return k;
}

template <auto M>
Key<Owner<M>> boolean(std::string_view name, std::string_view doc) {
    using S = Owner<M>;
    static_assert(std::is_same_v<MemberType<M>, bool>);
    Key<S> k;
    k.name = name, k.kind = Kind::boolean, k.doc = doc;
    k.get = [](const S& s) -> Value { return uint64_t(s.*M ? 1 : 0); };
    k.set = [](S& s, const Value& v) { s.*M = std::get<uint64_t>(v) != 0; };
    return k;
}

// An enum member (its values 0..n-1 spelled by NAMES, a static array), or a
// string member that may hold only one of NAMES.
template <auto M, const auto& Names>
Key<Owner<M>> choice(std::string_view name, std::string_view doc) {
    using S = Owner<M>;
    using T = MemberType<M>;
    Key<S> k;
    k.name = name, k.kind = Kind::choice, k.choices = Names, k.doc = doc;
    if constexpr (std::is_same_v<T, std::string>) {
        k.get = [](const S& s) -> Value { return s.*M; };
        k.set = [](S& s, const Value& v) { s.*M = std::get<std::string>(v); };
    } else {
        static_assert(std::is_enum_v<T>);
        k.get = [](const S& s) -> Value { return std::string(Names[size_t(s.*M)]); };
        k.set = [](S& s, const Value& v) {
            const auto it = std::find(std::begin(Names), std::end(Names), std::get<std::string>(v));
            s.*M = static_cast<T>(it - std::begin(Names));
        };
    }
    return k;
}

// A std::vector<std::string> member holding distinct values of `names`.
template <auto M, const auto& Names>
Key<Owner<M>> choice_list(std::string_view name, std::string_view doc) {
    using S = Owner<M>;
    static_assert(std::is_same_v<MemberType<M>, std::vector<std::string>>);
    Key<S> k;
    k.name = name, k.kind = Kind::choice_list, k.choices = Names, k.doc = doc;
    k.get = [](const S& s) -> Value { return s.*M; };
    k.set = [](S& s, const Value& v) { s.*M = std::get<std::vector<std::string>>(v); };
    return k;
}

template <auto M>
Key<Owner<M>> string(std::string_view name, std::string_view doc) {
    using S = Owner<M>;
    static_assert(std::is_same_v<MemberType<M>, std::string>);
    Key<S> k;
    k.name = name, k.kind = Kind::string, k.doc = doc;
    k.get = [](const S& s) -> Value { return s.*M; };
    k.set = [](S& s, const Value& v) { s.*M = std::get<std::string>(v); };
    return k;
}

template <auto M>
Key<Owner<M>> ipv4(std::string_view name, std::string_view doc) {
    using S = Owner<M>;
    static_assert(std::is_same_v<MemberType<M>, Ipv4>);
    Key<S> k;
    k.name = name, k.kind = Kind::ipv4, k.doc = doc;
    k.get = [](const S& s) -> Value { return s.*M; };
    k.set = [](S& s, const Value& v) { s.*M = std::get<Ipv4>(v); };
    return k;
}

template <class S>
Key<S> custom(std::string_view name, std::string_view type_doc, std::string_view doc) {
    Key<S> k;
    k.name = name, k.kind = Kind::custom, k.type_doc = type_doc, k.doc = doc;
    return k;
}

// The tables (config/keys.cpp), in the order of the allow-list, the emitter
// and the docs.
std::span<const Key<Dataplane>> dataplane();
std::span<const Key<ArpOptions>> arp();
std::span<const Key<RemoteBackupService>> remote_backup_service();
std::span<const Key<RemoteBackupProfile>> remote_backup_profile();
std::span<const Key<VrrpGroup>> vrrp_group(); // each item of interfaces.NAME.vrrp
// The protocol keys a group with track_admin may not set (it runs no VRRP
// of its own): refused by the loader, not written by the emitter.
std::span<const std::string_view> vrrp_follower_refused();

// ---- Loading --------------------------------------------------------------

// One key of the map as read: `ok` when its value parsed (or it is custom).
struct Read {
    config::detail::Field field;
    bool custom = false;
    bool ok = false;
};

// Parses one value of a non-custom row into `out`; false (with one located
// message) when it is invalid. Messages and locations are those of
// yaml_reader.hpp: "NAME V out of range LO..HI" at the value, etc.
bool parse_value(config::detail::Reader& r, const config::detail::Field& f, Kind kind, std::string_view name,
                 uint64_t min, uint64_t max, std::span<const std::string_view> choices,
                 std::string_view empty_error, Value& out);

// Reads MAP (a map) under CONTEXT ("in arp", "in remote_backup_service 'x'"):
// unknown and duplicate keys per Reader::fields, missing required rows
// ("missing required key 'k' CONTEXT") at `required_at`, then every known
// key's value into `out`. Returns the keys in document order; custom ones are
// for the caller to read.
template <class S>
std::vector<Read> read(config::detail::Reader& r, const YAML::Node& map, std::string_view context,
                       std::span<const Key<S>> rows, S& out, config::detail::Loc required_at = {}) {
    std::vector<std::string_view> names;
    names.reserve(rows.size());
    for (const auto& k : rows)
        names.push_back(k.name);
    const auto fields = r.fields(map, context, names);
    for (const auto& k : rows)
        if (k.required) r.require(fields, k.name, context, required_at);
    std::vector<Read> got;
    got.reserve(fields.size());
    for (const auto& f : fields) {
        const auto row =
            std::find_if(rows.begin(), rows.end(), [&](const Key<S>& k) { return k.name == f.name; });
        Read one{f, row->kind == Kind::custom, true};
        if (!one.custom) {
            Value v;
            one.ok = parse_value(r, f, row->kind, row->name, row->min, row->max, row->choices,
                                 row->empty_error, v);
            if (one.ok) row->set(out, v);
        }
        got.push_back(std::move(one));
    }
    return got;
}

// ---- Writing --------------------------------------------------------------

// The YAML text of a value ("1200", "[arp]", "\"0000:01:00.1\"").
std::string yaml_value(const Value& v, Kind kind);

template <class S>
bool any_changed(std::span<const Key<S>> rows, const S& s) {
    return std::any_of(rows.begin(), rows.end(),
                       [&](const Key<S>& k) { return k.get && k.value(s) != k.default_value(); });
}

// Writes "PAD name: value" per row: every row with `all`, otherwise the rows
// that are Emit::always or differ from the default; a custom row calls
// `custom(name)`, which writes its own lines.
template <class S, class F>
void emit(std::ostream& os, int indent, std::span<const Key<S>> rows, const S& s, bool all, F&& custom) {
    const std::string pad(size_t(indent), ' ');
    for (const auto& k : rows) {
        if (k.kind == Kind::custom) {
            custom(k.name);
            continue;
        }
        const Value v = k.value(s);
        if (!all && k.emit != Emit::always && v == k.default_value()) continue;
        os << pad << k.name << ": " << yaml_value(v, k.kind) << '\n';
    }
}

// ---- Documentation --------------------------------------------------------

namespace detail_ {

inline std::string code(std::string_view s) {
    return "`" + std::string(s) + "`";
}

template <class S>
std::string doc_type(const Key<S>& k) {
    if (!k.type_doc.empty()) return std::string(k.type_doc);
    std::string names;
    for (size_t i = 0; i < k.choices.size(); ++i)
        names += (i ? " \\| " : "") + code(k.choices[i]);
    switch (k.kind) {
    case Kind::integer:
        return "integer";
    case Kind::boolean:
        return "bool";
    case Kind::choice:
        return names;
    case Kind::choice_list:
        return names + " or a list of " + (k.choices.size() == 1 ? "it" : "them");
    case Kind::string:
        return "string";
    case Kind::ipv4:
        return "IPv4";
    case Kind::custom:
        break;
    }
    return {};
}

template <class S>
std::string doc_default(const Key<S>& k) {
    if (k.required) return "required";
    if (!k.default_doc.empty()) return std::string(k.default_doc);
    const Value v = k.default_value();
    switch (k.kind) {
    case Kind::integer:
    case Kind::boolean:
    case Kind::ipv4:
        return yaml_value(v, k.kind);
    case Kind::choice:
    case Kind::choice_list:
        return code(yaml_value(v, k.kind));
    case Kind::string:
        return std::get<std::string>(v).empty() ? "" : code(std::get<std::string>(v));
    case Kind::custom:
        break;
    }
    return {};
}

template <class S>
std::string doc_range(const Key<S>& k) {
    if (!k.range_doc.empty()) return std::string(k.range_doc);
    if (k.kind == Kind::integer) return std::to_string(k.min) + ".." + std::to_string(k.max);
    return {};
}

} // namespace detail_

// The markdown table of one section: | key | type | default | range | what |.
template <class S>
std::string doc_table(std::span<const Key<S>> rows) {
    std::string out = "| key | type | default | range | what |\n|---|---|---|---|---|\n";
    for (const auto& k : rows)
        out += "| " + detail_::code(k.name) + " | " + detail_::doc_type(k) + " | " + detail_::doc_default(k) +
               " | " + detail_::doc_range(k) + " | " + std::string(k.doc) + " |\n";
    return out;
}

// Every section's table between its markers, in docs/config.md order:
//   <!-- keys:SECTION begin --> ... <!-- keys:SECTION end -->
struct DocSection {
    std::string name;  // dataplane, vrrp_group, arp, remote_backup_service, remote_backup_profile
    std::string table; // doc_table(), ending in a newline
};
std::vector<DocSection> doc_sections();

// `text` (docs/config.md) with every marked block replaced by its generated
// table. `error` is set (and the text returned unchanged) when a section's
// markers are missing or out of order.
std::string regenerate(const std::string& text, std::string& error);

} // namespace wg::config::keys
