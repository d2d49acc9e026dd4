// The operator-output model: one value tree per command, rendered as VRP-style
// text (the seed's `display remote-backup-service` layout), as JSON for
// `warmgatectl --json`, and as DPDK telemetry (main/telemetry.cpp), all from
// the same data: a counter or state name is defined once, in its X-macro list.
//
//   Report ─┬─ Section "version"            text: rule, " Label : value" lines, rule
//           ├─ Section list item "interfaces"[0]   JSON: {"version": {...},
//           ├─ Section list item "interfaces"[1]          "interfaces": [{...}, {...}]}
//           └─ messages ("Info: ...")
//   Section = Record = ordered fields {json key, display label, Value}
//   Value   = Scalar | list of strings | nested Record | Table (list of uniform records)
//
// Keys are snake_case JSON names; labels are the display names ("TCP-State").
// Names declared once as constexpr descriptors, e.g.
//
//   #define RBS_FIELDS(X) X(tcp_state, "TCP-State") X(ssl_state, "SSL-State")
//   inline constexpr wg::control::FieldDesc kRbsFields[] = {RBS_FIELDS(WG_FIELD_DESC)};
//   inline constexpr wg::control::NameDesc kTcpStates[] = {{"idle", "Idle"}, {"connected", "Connected"}};
//   sec.add(kRbsFields[0], kTcpStates[s]);
//
// Thread-safety: plain values; build and render on one thread (control).
#pragma once

#include <concepts>
#include <cstdint>
#include <deque>
#include <memory>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace wg::control {

// A field's JSON key and display label, for lists declared once.
struct FieldDesc {
    std::string_view key;
    std::string_view label;
};
#define WG_FIELD_DESC(key, label) ::wg::control::FieldDesc{#key, label},

// A state's JSON name and display text ({"master", "Master"}), declared once
// per state machine and indexed by its enum.
struct NameDesc {
    std::string_view json;
    std::string_view text;
};

struct Null {}; // absent: text "--" (VRP's convention), JSON null
struct Hex {    // text "0x1001", JSON the number
    uint64_t value;
};
struct Named { // a state name: text for people, json for scripts
    std::string json;
    std::string text;
};

class Scalar {
  public:
    using Variant = std::variant<Null, std::string, int64_t, uint64_t, bool, Hex, Named>;

    Scalar() : v_(Null{}) {}
    Scalar(Null) : v_(Null{}) {}
    Scalar(std::string s) : v_(std::move(s)) {}
    Scalar(std::string_view s) : v_(std::string(s)) {}
    Scalar(const char* s) : v_(std::string(s)) {}
    Scalar(bool b) : v_(b) {}
    template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>) Scalar(T v) {
        if constexpr (std::is_signed_v<T>)
            v_ = static_cast<int64_t>(v);
        else
            v_ = static_cast<uint64_t>(v);
    }
    Scalar(Hex h) : v_(h) {}
    Scalar(const NameDesc& n) : v_(Named{std::string(n.json), std::string(n.text)}) {}
    Scalar(Named n) : v_(std::move(n)) {}

    const Variant& get() const { return v_; }
    // As shown in text output ("--" for Null, "Yes"/"No" for bool).
    std::string text() const;

  private:
    Variant v_;
};

// Rows produced on demand, for a table too large to build at once (`display
// arp` of a million entries): the CLI streams them in chunks between other
// events (ReportStream below, control/cli_server.hpp), telemetry takes the
// first rows only. A source reads its tables when asked for rows, so a
// row may reflect a later state than the one before it.
class RowSource {
  public:
    virtual ~RowSource() = default;
    // Appends up to `max` rows (one Scalar per column) to `out`. False once
    // the source is exhausted (it may have appended rows in that call).
    virtual bool next(std::vector<std::vector<Scalar>>& out, size_t max) = 0;
    // Back to the first row: the text form reads the rows twice (column
    // widths first, then the lines).
    virtual void rewind() = 0;
    // Bytes the source holds (a snapshot of keys), counted in the CLI's
    // reply memory.
    virtual size_t memory() const { return 0; }
};

struct Column {
    std::string key;
    std::string label;
    Column(std::string_view k, std::string_view l) : key(k), label(l) {}
    Column(const FieldDesc& d) : key(d.key), label(d.label) {}
};

// A list of records that share one set of columns (`display arp`): text is a
// column-aligned table, JSON an array of objects.
class Table {
  public:
    Table() = default;
    explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

    // `cells` must have one entry per column (missing ones render as Null).
    Table& row(std::vector<Scalar> cells);
    // Rows come from `source` after the ones added by row(): render_text and
    // render_json read them all, ReportStream a chunk at a time.
    Table& rows_from(std::shared_ptr<RowSource> source) {
        source_ = std::move(source);
        return *this;
    }

    const std::vector<Column>& columns() const { return columns_; }
    // The rows added by row() (not those of source()).
    const std::vector<std::vector<Scalar>>& rows() const { return rows_; }
    const std::shared_ptr<RowSource>& source() const { return source_; }

  private:
    friend class Report; // materialize()
    std::vector<Column> columns_;
    std::vector<std::vector<Scalar>> rows_;
    std::shared_ptr<RowSource> source_;
};

struct Field;

// Display label derived from a snake_case key ("arp_miss" -> "Arp-miss"), for
// descriptor lists that only carry a key (fastpath::kCounterInfo).
std::string label_from_key(std::string_view key);
bool is_snake_case(std::string_view key);

class Record {
  public:
    Record& add(std::string_view key, std::string_view label, Scalar v);
    Record& add(std::string_view key, std::string_view label, std::vector<std::string> list);
    Record& add(std::string_view key, std::string_view label, Record nested);
    Record& add(std::string_view key, std::string_view label, Table table);
    template <class V> Record& add(const FieldDesc& d, V&& v) {
        return add(d.key, d.label, std::forward<V>(v));
    }

    // One field per descriptor, values[i] for descs[i]. A descriptor is any
    // struct with `.key` and optionally `.label` (otherwise the label is
    // derived from the key), so fastpath::kCounterInfo plugs in directly.
    template <std::ranges::forward_range Descs, std::ranges::forward_range Values>
    Record& add_counters(const Descs& descs, const Values& values) {
        auto v = std::ranges::begin(values);
        for (const auto& d : descs) {
            if (v == std::ranges::end(values)) break;
            if constexpr (requires { d.label; })
                add(d.key, d.label, Scalar(*v));
            else
                add(d.key, label_from_key(d.key), Scalar(*v));
            ++v;
        }
        return *this;
    }

    // Labels are padded to `w` columns before the colon (longer labels are
    // not cut). Default: the longest label plus one space. The seed's
    // layouts pin it: 17 for `display remote-backup-service`, 21 (its longest
    // label, flush with the colon) for `display remote-backup-profile`.
    Record& set_label_width(int w) {
        label_width_ = w;
        return *this;
    }
    int label_width() const { return label_width_; }

    const std::vector<Field>& fields() const& { return fields_; }
    // On a temporary, by value: `for (auto &f : make_record().fields())`
    // would otherwise iterate a destroyed vector.
    std::vector<Field> fields() &&; // defined after Field (complete type needed)
    // Moves `other`'s fields after this record's (keys must not collide):
    // flattens a shared sub-record (one worker's counters) into a section.
    Record& append(Record other);
    const Field* find(std::string_view key) const;
    bool empty() const { return fields_.empty(); }

  private:
    friend class Report;        // materialize()
    std::vector<Field> fields_; // vector of an incomplete type: allowed since C++17
    int label_width_ = 0;
};

using Value = std::variant<Scalar, std::vector<std::string>, Record, Table>;

struct Field {
    std::string key;
    std::string label;
    Value value;
};

inline std::vector<Field> Record::fields() && { return std::move(fields_); }

class Section : public Record {
  public:
    Section(std::string key, std::string title, bool list_item)
        : key_(std::move(key)), title_(std::move(title)), list_item_(list_item) {}
    const std::string& key() const { return key_; }
    // Text only (a heading under the rule); put identifying data in fields too.
    const std::string& title() const { return title_; }
    bool list_item() const { return list_item_; }

  private:
    std::string key_;
    std::string title_;
    bool list_item_;
};

class Report {
  public:
    // The singleton section `key` (created on first use): JSON {"key": {...}}.
    Section& section(std::string_view key, std::string_view title = {});
    // A new element of the list `list_key`: JSON {"list_key": [{...}, ...]}.
    Section& add_list_item(std::string_view list_key, std::string_view title = {});
    // Makes `list_key` render as [] in JSON even when it has no items.
    void declare_list(std::string_view list_key);
    // Free text after the sections ("Info: batch backup started."); JSON "messages".
    void add_message(std::string text) { messages_.push_back(std::move(text)); }
    // Width of the dashed rule lines in text (the seed uses 58 for RBS).
    void set_rule_width(int w) { rule_width_ = w; }
    // Reads at most `max_rows` rows of each sourced table into the table and
    // drops its source: the report then holds plain values another thread
    // may read (telemetry). Returns how many tables had more rows.
    size_t materialize(size_t max_rows);

    const std::deque<Section>& sections() const { return sections_; } // text order
    const std::vector<std::string>& messages() const { return messages_; }
    int rule_width() const { return rule_width_; }

    struct Group {
        std::string key;
        bool list;
        std::vector<size_t> sections; // indices into sections()
    };
    const std::vector<Group>& groups() const { return groups_; } // JSON order

  private:
    Group& group(std::string_view key, bool list);

    std::deque<Section> sections_; // deque: references stay valid as it grows
    std::vector<Group> groups_;
    std::vector<std::string> messages_;
    int rule_width_ = 58;
};

// VRP-like text, ending in a newline (empty string for an empty report).
std::string render_text(const Report& r);
// Pretty-printed JSON object, ending in a newline.
std::string render_json(const Report& r);

// Renders a Report a piece at a time, byte-identical to render_text /
// render_json of the same data: the first table of a section with a
// RowSource is read `budget` bytes' worth of rows per call, so a reply of a
// million rows never exists as one string and its producer yields between
// pieces. Other fields (and any further sourced table) are rendered at once.
// Text reads the sourced rows twice: widths first (nothing is output then),
// lines second.
class ReportStream {
  public:
    ReportStream(Report report, bool json);
    // Appends about `budget` bytes (at least one row) to `out`. False once
    // the whole report has been appended.
    bool next(std::string& out, size_t budget);
    // Bytes held: the pending suffix, the widths and the source's snapshot.
    size_t memory() const;
    // Rows read from the source so far (both passes).
    uint64_t rows_read() const { return rows_read_; }
    // False: no sourced table, the report is output in one piece.
    bool streamed() const { return table_ != nullptr; }

  private:
    enum class Phase : uint8_t { widths, prefix, rows, suffix, done };
    void render_skeleton();
    size_t pull(size_t max);

    Report report_;
    bool json_;
    Phase phase_ = Phase::widths;
    const Table* table_ = nullptr; // the sourced table, inside report_
    std::vector<size_t> widths_;
    size_t indent_ = 0;     // text: the table's indent
    size_t depth_ = 0;      // JSON: nesting of the rows
    bool any_row_ = false;  // JSON: a row was written (the array is not empty)
    bool exhausted_ = false;
    std::string prefix_, suffix_;
    std::vector<std::vector<Scalar>> batch_;
    uint64_t rows_read_ = 0;
};

} // namespace wg::control
