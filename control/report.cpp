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

// ---- text ------------------------------------------------------------------

namespace {

void text_table(std::string& out, const Table& t, size_t indent) {
    const auto& cols = t.columns();
    std::vector<size_t> width(cols.size());
    std::vector<std::vector<std::string>> cells;
    for (size_t c = 0; c < cols.size(); ++c) width[c] = cols[c].label.size();
    for (const auto& row : t.rows()) {
        auto& line = cells.emplace_back();
        for (size_t c = 0; c < cols.size(); ++c) {
            line.push_back(row[c].text());
            width[c] = std::max(width[c], line.back().size());
        }
    }
    // Each column starts two spaces after the widest cell of the previous one.
    auto emit = [&](auto cell_of) {
        std::string line(indent, ' ');
        size_t col_start = indent;
        for (size_t c = 0; c < cols.size(); ++c) {
            pad_to(line, col_start);
            line += cell_of(c);
            col_start += width[c] + 2;
        }
        rstrip(line);
        out += line;
        out += '\n';
    };
    emit([&](size_t c) -> const std::string& { return cols[c].label; });
    for (const auto& line : cells) emit([&](size_t c) -> const std::string& { return line[c]; });
}

void text_record(std::string& out, const Record& rec, size_t indent) {
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
                           text_record(out, nested, indent + 2);
                       },
                       [&](const Table& t) {
                           if (f.label.empty()) {
                               text_table(out, t, indent);
                               return;
                           }
                           rstrip(head);
                           out += head + '\n';
                           text_table(out, t, indent + 2);
                       },
                   },
                   f.value);
    }
}

} // namespace

std::string render_text(const Report& r) {
    std::string out;
    const std::string rule(static_cast<size_t>(std::max(r.rule_width(), 1)), '-');
    for (const auto& s : r.sections()) {
        out += rule + '\n';
        if (!s.title().empty()) out += ' ' + s.title() + '\n';
        text_record(out, s, 1);
    }
    if (!r.sections().empty()) out += rule + '\n';
    for (const auto& m : r.messages()) {
        out += m;
        if (m.empty() || m.back() != '\n') out += '\n';
    }
    return out;
}

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

void json_record(JsonWriter& w, const Record& rec) {
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
                       [&](const Record& nested) { json_record(w, nested); },
                       [&](const Table& t) {
                           w.begin_array();
                           for (const auto& row : t.rows()) {
                               w.begin_object();
                               for (size_t c = 0; c < t.columns().size(); ++c) {
                                   w.key(t.columns()[c].key);
                                   json_scalar(w, row[c]);
                               }
                               w.end_object();
                           }
                           w.end_array();
                       },
                   },
                   f.value);
    }
    w.end_object();
}

} // namespace

std::string render_json(const Report& r) {
    JsonWriter w(2);
    w.begin_object();
    for (const auto& g : r.groups()) {
        w.key(g.key);
        if (g.list) {
            w.begin_array();
            for (size_t i : g.sections) json_record(w, r.sections()[i]);
            w.end_array();
        } else {
            json_record(w, r.sections()[g.sections.front()]);
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

} // namespace wg::control
