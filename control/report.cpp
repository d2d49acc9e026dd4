#include "control/report.hpp"

#include "control/json_writer.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>

namespace wg::control {

namespace {

template <class... Ts> struct Overloaded : Ts... { using Ts::operator()...; };
template <class... Ts> Overloaded(Ts...) -> Overloaded<Ts...>;

std::string to_dec(auto v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

void rstrip(std::string& s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
}

void pad_to(std::string& s, size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
}

} // namespace

std::string Scalar::text() const {
    return std::visit(Overloaded{
                          [](const Null&) { return std::string("--"); },
                          [](const std::string& s) { return s; },
                          [](int64_t v) { return to_dec(v); },
                          [](uint64_t v) { return to_dec(v); },
                          [](bool b) { return std::string(b ? "Yes" : "No"); },
                          [](const Hex& h) {
                              char buf[24];
                              auto r = std::to_chars(buf, buf + sizeof buf, h.value, 16);
                              return "0x" + std::string(buf, r.ptr);
                          },
                          [](const Named& n) { return n.text; },
                      },
                      v_);
}

Table& Table::row(std::vector<Scalar> cells) {
    cells.resize(columns_.size());
    rows_.push_back(std::move(cells));
    return *this;
}

std::string label_from_key(std::string_view key) {
    std::string out(key);
    bool first = true;
    for (auto& c : out) {
        if (c == '_')
            c = '-';
        else if (first && c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 'a' + 'A');
        first = false;
    }
    return out;
}

bool is_snake_case(std::string_view key) {
    if (key.empty() || key.front() == '_' || (key.front() >= '0' && key.front() <= '9')) return false;
    return std::all_of(key.begin(), key.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

Record& Record::add(std::string_view key, std::string_view label, Scalar v) {
    assert(is_snake_case(key) && !find(key));
    fields_.push_back(Field{std::string(key), std::string(label), Value(std::move(v))});
    return *this;
}

Record& Record::add(std::string_view key, std::string_view label, std::vector<std::string> list) {
    assert(is_snake_case(key) && !find(key));
    fields_.push_back(Field{std::string(key), std::string(label), Value(std::move(list))});
    return *this;
}

Record& Record::add(std::string_view key, std::string_view label, Record nested) {
    assert(is_snake_case(key) && !find(key));
    fields_.push_back(Field{std::string(key), std::string(label), Value(std::move(nested))});
    return *this;
}

Record& Record::add(std::string_view key, std::string_view label, Table table) {
    assert(is_snake_case(key) && !find(key));
    fields_.push_back(Field{std::string(key), std::string(label), Value(std::move(table))});
    return *this;
}

Record& Record::append(Record other) {
    for (auto& f : other.fields_) {
        assert(!find(f.key));
        fields_.push_back(std::move(f));
    }
    return *this;
}

const Field* Record::find(std::string_view key) const {
    for (const auto& f : fields_)
        if (f.key == key) return &f;
    return nullptr;
}

Report::Group& Report::group(std::string_view key, bool list) {
    assert(is_snake_case(key));
    for (auto& g : groups_)
        if (g.key == key) {
            assert(g.list == list && "a key is either a section or a list, not both");
            return g;
        }
    groups_.push_back(Group{std::string(key), list, {}});
    return groups_.back();
}

Section& Report::section(std::string_view key, std::string_view title) {
    Group& g = group(key, false);
    if (!g.sections.empty()) return sections_[g.sections.front()];
    g.sections.push_back(sections_.size());
    return sections_.emplace_back(std::string(key), std::string(title), false);
}

Section& Report::add_list_item(std::string_view list_key, std::string_view title) {
    Group& g = group(list_key, true);
    g.sections.push_back(sections_.size());
    return sections_.emplace_back(std::string(list_key), std::string(title), true);
}

void Report::declare_list(std::string_view list_key) { group(list_key, true); }

size_t Report::materialize(size_t max_rows) {
    // A lambda in a member: it has Report's friendship with Record and Table.
    auto table = [max_rows](Table& t) -> size_t {
        if (!t.source_) return 0;
        t.source_->rewind();
        bool more = true;
        while (more && t.rows_.size() < max_rows) more = t.source_->next(t.rows_, max_rows - t.rows_.size());
        if (more) {
            // Exactly at the cap: one more row tells "cut short" from "complete".
            std::vector<std::vector<Scalar>> probe;
            more = t.source_->next(probe, 1) || !probe.empty();
        }
        t.source_.reset();
        return more ? 1 : 0;
    };
    auto record = [&table](Record& rec, auto& self) -> size_t {
        size_t cut = 0;
        for (auto& f : rec.fields_) {
            if (auto* t = std::get_if<Table>(&f.value)) cut += table(*t);
            if (auto* r = std::get_if<Record>(&f.value)) cut += self(*r, self);
        }
        return cut;
    };
    size_t cut = 0;
    for (auto& s : sections_) cut += record(s, record);
    return cut;
}

// ---- text ------------------------------------------------------------------

namespace {

// Where a ReportStream cuts the skeleton: the sourced table's rows go at
// `split`, rendered with `widths` at `indent` (text) or `depth` (JSON).
struct Cut {
    const Table* table = nullptr;
    std::vector<size_t> widths;
    size_t split = std::string::npos;
    size_t indent = 0;
    size_t depth = 0;
};

constexpr size_t kSourceBatch = 256;

// Every row of `t`: its own, then its source's (read from the start).
std::vector<std::vector<Scalar>> all_rows(const Table& t) {
    std::vector<std::vector<Scalar>> rows = t.rows();
    if (const auto& src = t.source()) {
        src->rewind();
        while (src->next(rows, kSourceBatch)) {
        }
        src->rewind();
    }
    return rows;
}

void grow_widths(std::vector<size_t>& width, const std::vector<Scalar>& row) {
    for (size_t c = 0; c < width.size() && c < row.size(); ++c) width[c] = std::max(width[c], row[c].text().size());
}

std::vector<size_t> label_widths(const Table& t) {
    std::vector<size_t> width;
    for (const auto& col : t.columns()) width.push_back(col.label.size());
    return width;
}

// Each column starts two spaces after the widest cell of the previous one.
template <class CellOf>
void text_line(std::string& out, const std::vector<size_t>& width, size_t indent, CellOf cell_of) {
    std::string line(indent, ' ');
    size_t col_start = indent;
    for (size_t c = 0; c < width.size(); ++c) {
        pad_to(line, col_start);
        line += cell_of(c);
        col_start += width[c] + 2;
    }
    rstrip(line);
    out += line;
    out += '\n';
}

void text_row(std::string& out, const std::vector<size_t>& width, size_t indent, const std::vector<Scalar>& row) {
    text_line(out, width, indent, [&](size_t c) { return c < row.size() ? row[c].text() : std::string("--"); });
}

void text_table(std::string& out, const Table& t, size_t indent, Cut* cut) {
    const auto& cols = t.columns();
    auto header = [&](const std::vector<size_t>& width) {
        text_line(out, width, indent, [&](size_t c) -> const std::string& { return cols[c].label; });
    };
    if (cut && cut->table == &t) {
        header(cut->widths);
        for (const auto& row : t.rows()) text_row(out, cut->widths, indent, row);
        cut->split = out.size();
        cut->indent = indent;
        return;
    }
    const auto rows = all_rows(t);
    std::vector<size_t> width = label_widths(t);
    for (const auto& row : rows) grow_widths(width, row);
    header(width);
    for (const auto& row : rows) text_row(out, width, indent, row);
}

void text_record(std::string& out, const Record& rec, size_t indent, Cut* cut) {
    // Default: one space between the longest label and the colon. A record
    // that pins its width (the seed's layouts) gets exactly that, unless a
    // label is longer.
    size_t longest = 0;
    for (const auto& f : rec.fields()) longest = std::max(longest, f.label.size());
    size_t w = rec.label_width() > 0 ? std::max(size_t(rec.label_width()), longest) : longest + 1;
    const size_t value_col = indent + w + 2;

    for (const auto& f : rec.fields()) {
        std::string head(indent, ' ');
        head += f.label;
        pad_to(head, indent + w);
        head += ": ";
        std::visit(Overloaded{
                       [&](const Scalar& s) {
                           head += s.text();
                           rstrip(head);
                           out += head + '\n';
                       },
                       // The seed's RBP "Interface :" puts each item on its own
                       // continuation line, aligned under the values.
                       [&](const std::vector<std::string>& list) {
                           if (list.empty()) head += "--";
                           rstrip(head);
                           out += head + '\n';
                           for (const auto& item : list) out += std::string(value_col, ' ') + item + '\n';
                       },
                       [&](const Record& nested) {
                           if (nested.empty()) head += "--";
                           rstrip(head);
                           out += head + '\n';
                           text_record(out, nested, indent + 2, cut);
                       },
                       [&](const Table& t) {
                           if (f.label.empty()) {
                               text_table(out, t, indent, cut);
                               return;
                           }
                           rstrip(head);
                           out += head + '\n';
                           text_table(out, t, indent + 2, cut);
                       },
                   },
                   f.value);
    }
}

std::string text_report(const Report& r, Cut* cut) {
    std::string out;
    const std::string rule(static_cast<size_t>(std::max(r.rule_width(), 1)), '-');
    for (const auto& s : r.sections()) {
        out += rule + '\n';
        if (!s.title().empty()) out += ' ' + s.title() + '\n';
        text_record(out, s, 1, cut);
    }
    if (!r.sections().empty()) out += rule + '\n';
    for (const auto& m : r.messages()) {
        out += m;
        if (m.empty() || m.back() != '\n') out += '\n';
    }
    return out;
}

} // namespace

std::string render_text(const Report& r) { return text_report(r, nullptr); }

// ---- JSON ------------------------------------------------------------------

namespace {

void json_scalar(JsonWriter& w, const Scalar& s) {
    std::visit(Overloaded{
                   [&](const Null&) { w.null(); },
                   [&](const std::string& v) { w.value(std::string_view(v)); },
                   [&](int64_t v) { w.value(v); },
                   [&](uint64_t v) { w.value(v); },
                   [&](bool v) { w.value(v); },
                   [&](const Hex& h) { w.value(h.value); },
                   [&](const Named& n) { w.value(std::string_view(n.json)); },
               },
               s.get());
}

void json_row(JsonWriter& w, const Table& t, const std::vector<Scalar>& row) {
    w.begin_object();
    for (size_t c = 0; c < t.columns().size(); ++c) {
        w.key(t.columns()[c].key);
        if (c < row.size())
            json_scalar(w, row[c]);
        else
            w.null();
    }
    w.end_object();
}

void json_record(JsonWriter& w, const Record& rec, Cut* cut, size_t depth) {
    w.begin_object();
    for (const auto& f : rec.fields()) {
        w.key(f.key);
        std::visit(Overloaded{
                       [&](const Scalar& s) { json_scalar(w, s); },
                       [&](const std::vector<std::string>& list) {
                           w.begin_array();
                           for (const auto& item : list) w.value(std::string_view(item));
                           w.end_array();
                       },
                       [&](const Record& nested) { json_record(w, nested, cut, depth + 1); },
                       [&](const Table& t) {
                           w.begin_array();
                           if (cut && cut->table == &t) {
                               for (const auto& row : t.rows()) json_row(w, t, row);
                               cut->split = w.str().size();
                               cut->depth = depth + 2; // the record's object, then the array
                               w.end_array();
                               return;
                           }
                           for (const auto& row : all_rows(t)) json_row(w, t, row);
                           w.end_array();
                       },
                   },
                   f.value);
    }
    w.end_object();
}

std::string json_report(const Report& r, Cut* cut) {
    JsonWriter w(2);
    w.begin_object();
    for (const auto& g : r.groups()) {
        w.key(g.key);
        if (g.list) {
            w.begin_array();
            for (size_t i : g.sections) json_record(w, r.sections()[i], cut, 2);
            w.end_array();
        } else {
            json_record(w, r.sections()[g.sections.front()], cut, 1);
        }
    }
    if (!r.messages().empty()) {
        w.key("messages");
        w.begin_array();
        for (const auto& m : r.messages()) w.value(std::string_view(m));
        w.end_array();
    }
    w.end_object();
    std::string out = w.take();
    out += '\n';
    return out;
}

} // namespace

std::string render_json(const Report& r) { return json_report(r, nullptr); }

// ---- streaming -------------------------------------------------------------

ReportStream::ReportStream(Report report, bool json) : report_(std::move(report)), json_(json) {
    for (const auto& sec : report_.sections()) {
        for (const auto& f : sec.fields())
            if (const auto* t = std::get_if<Table>(&f.value); t && t->source()) {
                table_ = t;
                break;
            }
        if (table_) break;
    }
    if (!table_) {
        // Nothing to stream: one piece.
        prefix_ = json_ ? render_json(report_) : render_text(report_);
        phase_ = Phase::prefix;
        return;
    }
    table_->source()->rewind();
    if (json_) {
        render_skeleton();
        phase_ = Phase::prefix;
    } else {
        widths_ = label_widths(*table_);
        for (const auto& row : table_->rows()) grow_widths(widths_, row);
    }
}

size_t ReportStream::pull(size_t max) {
    batch_.clear();
    if (exhausted_) return 0;
    exhausted_ = !table_->source()->next(batch_, max);
    rows_read_ += batch_.size();
    return batch_.size();
}

void ReportStream::render_skeleton() {
    Cut cut;
    cut.table = table_;
    cut.widths = widths_;
    std::string all = json_ ? json_report(report_, &cut) : text_report(report_, &cut);
    indent_ = cut.indent;
    depth_ = cut.depth;
    prefix_ = all.substr(0, cut.split);
    suffix_ = all.substr(cut.split);
    // JSON: the array closes on its own line once it holds rows.
    any_row_ = json_ && !table_->rows().empty();
}

bool ReportStream::next(std::string& out, size_t budget) {
    // Rows per pull: a row is some tens of bytes; at least one.
    const size_t rows = std::max<size_t>(1, budget / 64);
    const size_t start = out.size();
    switch (phase_) {
        case Phase::widths:
            // Nothing is output until every row was measured.
            pull(rows);
            for (const auto& row : batch_) grow_widths(widths_, row);
            batch_.clear();
            if (exhausted_) {
                table_->source()->rewind();
                exhausted_ = false;
                render_skeleton();
                phase_ = Phase::prefix;
            }
            return true;
        case Phase::prefix:
            out += prefix_;
            prefix_.clear();
            prefix_.shrink_to_fit();
            phase_ = table_ ? Phase::rows : Phase::done;
            return phase_ != Phase::done;
        case Phase::rows:
            // A row is some tens of bytes: pull what the rest of the budget
            // should take, so a piece overshoots by about one row.
            while (out.size() - start < budget && !exhausted_) {
                pull(std::max<size_t>(1, (budget - (out.size() - start)) / 64));
                for (const auto& row : batch_) {
                    if (!json_) {
                        text_row(out, widths_, indent_, row);
                        continue;
                    }
                    if (any_row_) out += ',';
                    any_row_ = true;
                    out += '\n';
                    out.append(depth_ * 2, ' ');
                    JsonWriter w(2, depth_);
                    json_row(w, *table_, row);
                    out += w.str();
                }
            }
            batch_.clear(); // the rows are text now: hold none between calls
            if (exhausted_) phase_ = Phase::suffix;
            return true;
        case Phase::suffix:
            // The skeleton closed an empty array ("]"); with rows streamed
            // into it the bracket goes on its own line (JsonWriter::end_array).
            if (json_ && any_row_ && table_->rows().empty()) {
                out += '\n';
                out.append((depth_ - 1) * 2, ' ');
            }
            out += suffix_;
            suffix_.clear();
            phase_ = Phase::done;
            return false;
        case Phase::done:
            return false;
    }
    return false;
}

size_t ReportStream::memory() const {
    size_t n = prefix_.capacity() + suffix_.capacity() + widths_.capacity() * sizeof(size_t);
    for (const auto& row : batch_) n += row.capacity() * sizeof(Scalar) + 32 * row.size();
    if (table_) n += table_->source()->memory();
    return n;
}

} // namespace wg::control
