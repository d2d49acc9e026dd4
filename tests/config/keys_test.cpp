// The key tables (config/keys.hpp): every row reads back what the emitter
// writes, at both ends of its range and through the whole loader; range and
// type errors are located at the value; defaults (loaded, emitted, documented)
// are those of the default-constructed structs; a new key is a member and a
// row; docs/config.md's tables are the generated ones.
#include "config/emit.hpp"
#include "config/keys.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace wg::test {
namespace {

using config::keys::Key;
using config::keys::Kind;
using config::keys::Value;

std::string show(const Value& v) {
    if (auto* n = std::get_if<uint64_t>(&v)) return std::to_string(*n);
    if (auto* s = std::get_if<std::string>(&v)) return "'" + *s + "'";
    if (auto* ip = std::get_if<Ipv4>(&v)) return ip->str();
    if (auto* l = std::get_if<std::vector<std::string>>(&v)) {
        std::string out = "[";
        for (const auto& x : *l)
            out += x + ",";
        return out + "]";
    }
    return "none";
}

// Values of ROW other than its default, for a round trip: both ends of an
// integer range, the other boolean, every other choice, the list of every
// choice; a string and an address that no default holds.
template <class S>
std::vector<Value> away(const Key<S>& row) {
    const Value d = row.default_value();
    std::vector<Value> out;
    switch (row.kind) {
    case Kind::integer:
        out = {Value{row.max}, Value{row.min}};
        break;
    case Kind::boolean:
        out = {Value{uint64_t(std::get<uint64_t>(d) ? 0 : 1)}};
        break;
    case Kind::choice:
        for (auto c : row.choices)
            out.emplace_back(std::string(c));
        break;
    case Kind::choice_list:
        out = {Value{std::vector<std::string>(row.choices.begin(), row.choices.end())}};
        break;
    case Kind::string:
        out = {Value{std::string("name-1")}};
        break;
    case Kind::ipv4:
        out = {Value{*Ipv4::parse("192.0.2.7")}};
        break;
    case Kind::custom:
        break;
    }
    // A key with one value (peer_backup: hot) can only be set to its default.
    if (out.size() > 1) std::erase_if(out, [&](const Value& v) { return v == d; });
    return out;
}

// Reads TEXT (a map of one section's keys) with the table alone: no
// validation across keys or sections.
template <class S>
S read_section(std::span<const Key<S>> rows, const std::string& text, Lines& errors) {
    config::Diagnostics diags;
    config::detail::Reader reader("t.yaml", diags);
    S out{};
    const YAML::Node node = YAML::Load(text);
    config::keys::read(reader, node, "in section", rows, out, config::detail::Loc{1, 1});
    for (const auto& d : diags)
        errors.push_back(std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message);
    return out;
}

template <class S>
std::string emit_section(std::span<const Key<S>> rows, const S& s, bool all) {
    std::ostringstream os;
    // A custom key is written by its section's code; here it is an empty map.
    config::keys::emit(os, 0, rows, s, all, [&](std::string_view name) { os << name << ": {}\n"; });
    return os.str();
}

template <class S>
void every_row_round_trips(std::span<const Key<S>> rows) {
    for (const auto& row : rows) {
        for (const Value& v : away(row)) {
            // The required keys (a required key's default, port 0, is not a
            // value) and the strings at valid values, this one at V.
            S s{};
            for (const auto& other : rows)
                if (other.kind != Kind::custom &&
                    (other.required || other.kind == Kind::string || other.kind == Kind::ipv4))
                    other.set(s, away(other).front());
            row.set(s, v);
            ASSERT_EQ(row.value(s), v) << row.name << " cannot hold " << show(v);
            for (bool all : {false, true}) {
                const std::string text = emit_section(rows, s, all);
                if (all || row.emit == config::keys::Emit::always || v != row.default_value()) {
                    EXPECT_NE(text.find(std::string(row.name) + ": "), std::string::npos) << text;
                }
                Lines errors;
                const S back = read_section(rows, text, errors);
                EXPECT_EQ(errors, Lines{}) << text;
                EXPECT_EQ(row.value(back), v) << row.name << " = " << show(v) << " did not come back:\n"
                                              << text;
            }
        }
    }
}

TEST(KeyTable, EveryRowRoundTripsThroughEmitAndRead) {
    every_row_round_trips(config::keys::dataplane());
    every_row_round_trips(config::keys::arp());
    every_row_round_trips(config::keys::remote_backup_service());
    every_row_round_trips(config::keys::remote_backup_profile());
}

// Defaults: read from the struct, never restated. A row's default is the
// value of a default-constructed struct; a section written from one carries
// only the rows shown always; the doc table shows the same default.
template <class S>
void defaults_are_the_structs(std::span<const Key<S>> rows) {
    const S fresh{};
    const std::string table = config::keys::doc_table(rows);
    const std::string emitted = emit_section(rows, fresh, false);
    for (const auto& row : rows) {
        if (row.kind == Kind::custom) continue;
        EXPECT_EQ(row.default_value(), row.value(fresh)) << row.name;
        const bool shown = emitted.find("\n" + std::string(row.name) + ": ") != std::string::npos ||
                           emitted.starts_with(std::string(row.name) + ": ");
        EXPECT_EQ(shown, row.emit == config::keys::Emit::always) << row.name << "\n" << emitted;
        if (row.kind == Kind::integer && !row.required) {
            EXPECT_NE(table.find("| `" + std::string(row.name) + "` | integer | " +
                                 std::to_string(std::get<uint64_t>(row.value(fresh))) + " | "),
                      std::string::npos)
                << row.name << "\n"
                << table;
        }
    }
}

TEST(KeyTable, DefaultsComeFromTheStructs) {
    defaults_are_the_structs(config::keys::dataplane());
    defaults_are_the_structs(config::keys::arp());
    defaults_are_the_structs(config::keys::remote_backup_service());
    defaults_are_the_structs(config::keys::remote_backup_profile());
}

// Out of range and of the wrong type, each at its value: "1:COL: ...".
template <class S>
void errors_are_located(std::span<const Key<S>> rows) {
    for (const auto& row : rows) {
        const std::string name(row.name), at = "1:" + std::to_string(name.size() + 3) + ": ";
        auto errors_of_line = [&](const std::string& value) {
            Lines errors;
            read_section(rows, name + ": " + value + "\n", errors);
            std::erase_if(errors,
                          [](const std::string& e) { return e.find("missing required key") != e.npos; });
            return errors;
        };
        switch (row.kind) {
        case Kind::integer: {
            const std::string range = std::to_string(row.min) + ".." + std::to_string(row.max);
            EXPECT_EQ(errors_of_line(std::to_string(row.max + 1)),
                      Lines{at + name + " " + std::to_string(row.max + 1) + " out of range " + range});
            if (row.min > 0) {
                EXPECT_EQ(errors_of_line(std::to_string(row.min - 1)),
                          Lines{at + name + " " + std::to_string(row.min - 1) + " out of range " + range});
            }
            EXPECT_EQ(errors_of_line("\"1\""),
                      Lines{at + name + " must be an integer, got quoted string '1'"});
            EXPECT_EQ(errors_of_line("[1]"), Lines{at + name + " must be an integer, got a list"});
            break;
        }
        case Kind::boolean:
            EXPECT_EQ(errors_of_line("yes"), Lines{at + name + " must be true or false, got 'yes'"});
            break;
        case Kind::choice: {
            std::string expected;
            for (auto c : row.choices)
                expected += (expected.empty() ? "" : ", ") + std::string(c);
            EXPECT_EQ(errors_of_line("bogus"),
                      Lines{at + name + " 'bogus' is not supported (expected one of: " + expected + ")"});
            EXPECT_EQ(errors_of_line("{}"), Lines{at + name + " must be a string, got a map"});
            break;
        }
        case Kind::choice_list:
            EXPECT_EQ(errors_of_line("[arp, bogus]"),
                      Lines{"1:" + std::to_string(name.size() + 9) + ": " + name +
                            " 'bogus' is not supported (expected one of: arp)"});
            EXPECT_EQ(errors_of_line("{}"), Lines{at + name + " must be a list, got a map"});
            break;
        case Kind::string:
            EXPECT_EQ(errors_of_line("[a]"), Lines{at + name + " must be a string, got a list"});
            break;
        case Kind::ipv4:
            EXPECT_EQ(errors_of_line("1.2.3"), Lines{at + name + " '1.2.3' is not a valid IPv4 address"});
            break;
        case Kind::custom:
            break;
        }
    }
}

TEST(KeyTable, RangeAndTypeErrorsAreLocated) {
    errors_are_located(config::keys::dataplane());
    errors_are_located(config::keys::arp());
    errors_are_located(config::keys::remote_backup_service());
    errors_are_located(config::keys::remote_backup_profile());
}

TEST(KeyTable, UnknownAndMissingKeysNameTheRows) {
    Lines errors;
    read_section(config::keys::remote_backup_profile(), "backup_id: 7\nservice_typ: arp\n", errors);
    EXPECT_EQ(errors,
              (Lines{"2:1: unknown key 'service_typ' in section (expected one of: " +
                         key_names(config::keys::remote_backup_profile()) + ")",
                     "1:1: missing required key 'service_type' in section",
                     "1:1: missing required key 'remote_backup_service' in section",
                     "1:1: missing required key 'vrrp' in section"}));
}

// Keys accepted for the seed's sake: exactly the values that describe what
// warmgate does, anything else refused at its value.
TEST(KeyTable, KeysThatOnlyDescribeWhatWarmgateDoes) {
    Lines errors;
    const auto rbs = config::keys::remote_backup_service();
    EXPECT_EQ(read_section(rbs, "batch_backup: arp\n", errors).batch_backup, std::vector<std::string>{"arp"});
    EXPECT_EQ(read_section(rbs, "heartbeat_ms: 100\n", errors).batch_backup, std::vector<std::string>{"arp"});
    std::erase_if(errors, [](const std::string& e) { return e.find("missing required key") != e.npos; });
    EXPECT_EQ(errors, Lines{});
    read_section(rbs, "batch_backup: []\n", errors);
    std::erase_if(errors, [](const std::string& e) { return e.find("missing required key") != e.npos; });
    EXPECT_EQ(errors,
              Lines{"1:15: batch_backup: [] would turn off the batch backup on connect, which warmgate "
                    "always does (remove the key)"});
    errors.clear();
    const auto rbp = config::keys::remote_backup_profile();
    read_section(rbp, "peer_backup: warm\n", errors);
    std::erase_if(errors, [](const std::string& e) { return e.find("missing required key") != e.npos; });
    EXPECT_EQ(errors, Lines{"1:14: peer_backup 'warm' is not supported (expected one of: hot)"});
}

// What adding a key takes: a member with its default, and one row. The row
// alone gives the allow-list, the typed read with located errors, the
// emitter and the doc line.
struct Widget {
    uint32_t spin_ms = 250;
    bool loud = false;
    enum class Mode : uint8_t { slow, fast } mode = Mode::fast;
};
constexpr std::string_view kWidgetModes[] = {"slow", "fast"};

TEST(KeyTable, AKeyIsAMemberAndARow) {
    const Key<Widget> rows[] = {
        config::keys::integer<&Widget::spin_ms>("spin_ms", 10, 1000, "how long it spins"),
        config::keys::boolean<&Widget::loud>("loud", "whether it beeps"),
        config::keys::choice<&Widget::mode, kWidgetModes>("mode", "how it spins"),
    };
    const std::span<const Key<Widget>> table(rows);
    Lines errors;
    Widget w = read_section(table, "spin_ms: 40\nmode: slow\n", errors);
    EXPECT_EQ(errors, Lines{});
    EXPECT_EQ(w.spin_ms, 40u);
    EXPECT_FALSE(w.loud); // the member's default
    EXPECT_EQ(w.mode, Widget::Mode::slow);
    EXPECT_EQ(emit_section(table, w, false), "spin_ms: 40\nmode: slow\n");
    read_section(table, "spin_ms: 5\nspeed: 1\n", errors);
    EXPECT_EQ(errors, (Lines{"2:1: unknown key 'speed' in section (expected one of: spin_ms, loud, mode)",
                             "1:10: spin_ms 5 out of range 10..1000"}));
    EXPECT_EQ(config::keys::doc_table(table), "| key | type | default | range | what |\n"
                                              "|---|---|---|---|---|\n"
                                              "| `spin_ms` | integer | 250 | 10..1000 | how long it spins |\n"
                                              "| `loud` | bool | false |  | whether it beeps |\n"
                                              "| `mode` | `slow` \\| `fast` | `fast` |  | how it spins |\n");
    every_row_round_trips(table);
}

// Through the whole loader (validation included): for every scalar row, a
// value away from its default (the top of its range, or the bottom where
// the top breaks a rule between keys) is loaded, emitted and loaded again.
constexpr std::string_view kBase = R"(sysname: D
interfaces:
  ge0:
    port: p0
    address: 10.1.1.1/24
    vrrp:
      - {vrid: 1, virtual_ip: [10.1.1.100]}
    remote_backup_profile: profile1
  lo1:
    address: 1.1.1.1/32
pki_domain:
  domain1: {ca: ca.pem, certificate: dev.pem, key: dev.key}
ssl_policy:
  policy1: {pki_domain: domain1}
remote_backup_service:
  service1: {ssl_policy: policy1, peer: 2.2.2.2, source: 1.1.1.1, port: 2046}
remote_backup_profile:
  profile1: {service_type: arp, backup_id: 10, remote_backup_service: service1, vrrp: {vrid: 1, interface: ge0}}
)";

template <class S, class Section>
void rows_through_the_loader(std::span<const Key<S>> rows, Section section) {
    TempDir dir;
    write_fake_pems(dir.path());
    auto load = [&](const std::string& text) { return config::load_string(text, "t.yaml", dir.path()); };
    const auto base = load(std::string(kBase));
    ASSERT_TRUE(base.config) << (base.errors.empty() ? "" : base.errors[0].str());
    for (const auto& row : rows) {
        if (row.kind == Kind::custom || row.kind == Kind::string || row.kind == Kind::ipv4) continue;
        bool done = false;
        for (const Value& v : away(row)) {
            config::Config c = *base.config;
            row.set(section(c), v);
            auto first = load(config::to_yaml(c));
            if (!first.config) continue; // a rule between keys: try the other end
            EXPECT_EQ(row.value(section(*first.config)), v) << row.name;
            auto second = load(config::to_yaml(*first.config));
            ASSERT_TRUE(second.config) << row.name;
            EXPECT_EQ(row.value(section(*second.config)), v) << row.name;
            done = true;
            break;
        }
        EXPECT_TRUE(done) << row.name << ": no value away from the default loads";
    }
}

TEST(KeyTable, EveryRowRoundTripsThroughTheLoader) {
    rows_through_the_loader(
        config::keys::dataplane(), [](config::Config & c) -> auto& { return c.dataplane; });
    rows_through_the_loader(
        config::keys::arp(), [](config::Config & c) -> auto& { return c.arp; });
    rows_through_the_loader(
        config::keys::remote_backup_service(),
        [](config::Config & c) -> auto& { return c.remote_backup_service.at(0); });
    rows_through_the_loader(
        config::keys::remote_backup_profile(),
        [](config::Config & c) -> auto& { return c.remote_backup_profile.at(0); });
}

// docs/config.md: the committed tables are the generated ones (the
// config-doc test checks the file with the program); a hand edit of a
// table is undone by regeneration, the prose is kept, markers are required.
TEST(KeyDocs, GeneratedTablesReplaceHandEdits) {
    const std::string doc = read_text(source_root() + "/docs/config.md");
    std::string error;
    EXPECT_EQ(config::keys::regenerate(doc, error), doc)
        << "run warmgate-config doc-keys --write docs/config.md";
    EXPECT_EQ(error, "");
    const std::string edited = replace(doc, "| `age_s` | integer | 1200 |", "| `age_s` | integer | 600 |");
    EXPECT_NE(edited, doc);
    EXPECT_EQ(config::keys::regenerate(edited, error), doc);
    const std::string prose = replace(doc, "Static entries never age.", "Static entries never expire.");
    EXPECT_EQ(config::keys::regenerate(prose, error), prose);
    EXPECT_EQ(error, "");
    config::keys::regenerate(replace(doc, "<!-- keys:arp end -->", ""), error);
    EXPECT_NE(error.find("keys:arp"), std::string::npos) << error;
}

} // namespace
} // namespace wg::test
