// The nesting pre-scan of yaml_bounds.hpp. It follows the YAML 1.2 rules
// for indicators only as far as needed to count levels: a bracket or a
// quote starts something only where a node may start (after ": ", "- ",
// "? ", ",", "[", "{" or at the start of a line's content); elsewhere it is
// part of a plain scalar ("it's", "a[1]").
#include "config/yaml_bounds.hpp"

#include <yaml-cpp/eventhandler.h>

#include <sstream>
#include <vector>

namespace wg::config::detail {

namespace {

bool blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

// Where a node may start, given the last significant character before it
// ('\0': none on this line yet).
bool node_may_start(char prev) {
    return prev == '\0' || prev == ':' || prev == '-' || prev == '?' || prev == ',' || prev == '[' ||
           prev == '{';
}

class Scan {
  public:
    explicit Scan(unsigned max_depth) : max_(max_depth) {}

    std::optional<Loc> run(std::string_view text) {
        int lineno = 0;
        size_t pos = 0;
        while (pos <= text.size() && !found_) {
            size_t nl = text.find('\n', pos);
            if (nl == std::string_view::npos) nl = text.size();
            ++lineno;
            line(text.substr(pos, nl - pos), lineno);
            pos = nl + 1;
        }
        return found_;
    }

  private:
    void line(std::string_view s, int lineno) {
        size_t indent = 0;
        while (indent < s.size() && s[indent] == ' ')
            ++indent;
        size_t content = indent;
        while (content < s.size() && blank(s[content]))
            ++content;
        const bool empty = content == s.size() || s[content] == '#';

        if (block_scalar_ >= 0) {
            // A block scalar's lines are those more indented than its parent (and blank ones).
            if (empty || int(indent) > block_scalar_) return;
            block_scalar_ = -1;
        }
        size_t i = 0;
        char prev = '\0';
        bool plain = false; // inside a plain scalar: indicators are text
        if (quote_ == 0 && flow_ == 0) {
            if (empty) return;
            while (!indents_.empty() && indents_.back() > indent)
                indents_.pop_back();
            if (indents_.empty() || indents_.back() < indent)
                if (!push_block(indent, lineno)) return;
            // Compact nesting on one line: "- - - x", "- ? x".
            i = indent;
            while (i < s.size() && (s[i] == '-' || s[i] == '?') && (i + 1 == s.size() || blank(s[i + 1]))) {
                prev = s[i];
                ++i;
                while (i < s.size() && blank(s[i]))
                    ++i;
                if (i == s.size() || s[i] == '#') return;
                if (!push_block(i, lineno)) return;
            }
        }
        for (; i < s.size(); ++i) {
            const char c = s[i];
            if (quote_ == '\'') {
                if (c == '\'') {
                    if (i + 1 < s.size() && s[i + 1] == '\'')
                        ++i; // '' is an escaped quote
                    else
                        quote_ = 0, prev = c;
                }
                continue;
            }
            if (quote_ == '"') {
                if (c == '\\')
                    ++i;
                else if (c == '"')
                    quote_ = 0, prev = c;
                continue;
            }
            if (blank(c)) continue;
            if (c == '#' && (i == 0 || blank(s[i - 1]))) return; // comment
            if (plain) {
                // A plain scalar ends at ": " (and in flow context at , [ ] { }).
                if (c == ':' && (flow_ > 0 || i + 1 == s.size() || blank(s[i + 1]))) {
                    plain = false;
                    prev = c;
                    continue;
                }
                if (flow_ == 0 || (c != ',' && c != '[' && c != ']' && c != '{' && c != '}')) continue;
                plain = false;
            }
            if ((c == '\'' || c == '"') && node_may_start(prev)) {
                quote_ = c;
                continue;
            }
            if ((c == '[' || c == '{') && (flow_ > 0 || node_may_start(prev))) {
                ++flow_;
                if (depth() > max_) {
                    found_ = Loc{lineno, int(i) + 1};
                    return;
                }
            } else if ((c == ']' || c == '}') && flow_ > 0) {
                --flow_;
            } else if ((c == '|' || c == '>') && flow_ == 0 && node_may_start(prev)) {
                block_scalar_ = int(indent);
                return; // the rest is indicators and a comment
            } else if (c != ',' && c != ':' &&
                       !((c == '-' || c == '?') && (i + 1 == s.size() || blank(s[i + 1])))) {
                plain = true;
            }
            prev = c;
        }
    }

    bool push_block(size_t column, int lineno) {
        indents_.push_back(column);
        if (depth() <= max_) return true;
        found_ = Loc{lineno, int(column) + 1};
        return false;
    }

    unsigned depth() const { return unsigned(indents_.size()) + flow_; }

    unsigned max_;
    std::vector<size_t> indents_; // open block collections' columns; at most max_ + 1
    unsigned flow_ = 0;           // open '[' and '{'
    char quote_ = 0;              // inside a quoted scalar: its quote character
    int block_scalar_ = -1;       // inside a block scalar: its parent line's indentation
    std::optional<Loc> found_;
};

Loc loc_of_mark(const YAML::Mark& m) {
    return m.is_null() ? Loc{} : Loc{m.line + 1, m.column + 1};
}

// Thrown by Events to stop the parse at the node that breaks a limit.
struct Refused {
    YAML::Mark mark;
    std::string message;
};

// The events of the whole stream, nothing built: counts the nodes, refuses
// aliases and notes where each document starts.
// Aliases: yaml-cpp shares an aliased node instead of copying it, but the
// loader walks (and copies into the Config) each use, so N aliases of a
// list of N groups would cost N² with 2N nodes; a configuration has no need
// for them.
// yaml-cpp 0.7's parser never returns on a stray ',' at the start of a
// document: it hands out empty documents forever without consuming it. A
// document starting where the previous one did is that state; we stop and
// report the character instead of allocating until the process dies.
struct Events final : YAML::EventHandler {
    explicit Events(size_t max_nodes) : max(max_nodes) {}

    size_t max;
    size_t nodes = 0;
    YAML::Mark last; // of the last event: where an unlocated exception is reported
    std::vector<YAML::Mark> starts;
    bool stuck = false;

    void node(const YAML::Mark& mark) {
        last = mark;
        if (++nodes > max)
            throw Refused{mark, "more than " + std::to_string(max) +
                                    " YAML nodes (keys, values, lists and maps; the limit bounds the "
                                    "memory of a load)"};
    }
    void OnDocumentStart(const YAML::Mark& mark) override {
        stuck |= !starts.empty() && starts.back().pos == mark.pos;
        starts.push_back(mark);
        last = mark;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
        throw Refused{mark, "YAML aliases (*name) are not supported in a configuration"};
    }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
        node(mark);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        node(mark);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {
        node(mark);
    }
    void OnMapEnd() override {}
};

// yaml-cpp's parser exceptions carry a mark; its depth guard says only "bad file".
void syntax_error(Reader& reader, const YAML::Exception& e, const Events& events) {
    Loc at = loc_of_mark(e.mark);
    if (at.line == 0) at = loc_of_mark(events.last);
    if (at.line == 0) at = Loc{1, 1};
    const std::string what = e.msg == "bad file" ? "nesting too deep for the YAML parser" : e.msg;
    reader.error(at, "YAML syntax error: " + what);
}

} // namespace

std::optional<Loc> nesting_exceeds(std::string_view text, unsigned max_depth) {
    return Scan(max_depth).run(text);
}

std::optional<YAML::Node> parse_document(std::string_view text, const LoadLimits& limits, Reader& reader) {
    if (text.size() > limits.max_bytes) {
        reader.error(Loc{}, "file is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                                std::to_string(limits.max_bytes) + " bytes");
        return std::nullopt;
    }
    if (auto at = nesting_exceeds(text, limits.max_depth)) {
        reader.error(*at, "nesting deeper than " + std::to_string(limits.max_depth) +
                              " levels (indentation, lists and maps)");
        return std::nullopt;
    }
    const std::string input(text);
    Events events(limits.max_nodes);
    YAML::Node root;
    try {
        // Pass 0: events only (see Events), at most 64 documents looked at.
        std::istringstream stream(input);
        YAML::Parser parser(stream);
        for (int i = 0; i < 64 && !events.stuck && parser.HandleNextDocument(events); ++i) {
        }
        if (events.stuck) {
            const auto& m = events.starts.back();
            const std::string what = size_t(m.pos) < input.size()
                                         ? "'" + std::string(1, input[size_t(m.pos)]) + "'"
                                         : std::string("end of input");
            reader.error(loc_of_mark(m), "YAML syntax error: unexpected " + what);
            return std::nullopt;
        }
        root = YAML::Load(input);
    } catch (const Refused& r) {
        reader.error(loc_of_mark(r.mark), r.message);
        return std::nullopt;
    } catch (const YAML::Exception& e) {
        syntax_error(reader, e, events);
        return std::nullopt;
    }
    if (!root.IsDefined() || root.IsNull()) {
        reader.error(Loc{}, "configuration is empty (expected a map with sysname and interfaces)");
        return std::nullopt;
    }
    if (events.starts.size() > 1)
        reader.error(loc_of_mark(events.starts[1]), "only one YAML document is allowed per file");
    return root;
}

} // namespace wg::config::detail
