// A small streaming JSON writer for operator output (the CLI's --json and
// the strings of the telemetry endpoints, main/telemetry.cpp). Written here rather than pulled in: the output is
// a few kilobytes of objects, arrays, strings and integers, and a dependency
// would be larger than this file.
//
// Thread-safety: none; a writer is used by one thread (the control lcore).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wg::control {

class JsonWriter {
  public:
    // indent > 0: pretty-print with that many spaces per level; 0: compact.
    // `base_depth`: the output is a value nested that deep in a document
    // written elsewhere (a row of a streamed table, control/report.hpp).
    explicit JsonWriter(int indent = 2, size_t base_depth = 0) : indent_(indent), base_depth_(base_depth) {}

    void begin_object();
    void end_object();
    void begin_array();
    void end_array();
    // Inside an object, every value is preceded by exactly one key().
    void key(std::string_view k);

    void value(std::string_view s);
    void value(const char* s) { value(std::string_view(s)); }
    void value(int64_t v);
    void value(uint64_t v);
    void value(bool v);
    void null();

    // The document so far; complete once every begin_* has its end_*.
    const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }

  private:
    struct Level {
        bool is_object;
        bool empty;
    };
    void before_value();
    void newline();

    std::string out_;
    std::vector<Level> stack_;
    bool after_key_ = false;
    int indent_;
    size_t base_depth_;
};

// Appends `s` as a JSON string literal (with quotes) to `out`. Control
// characters, quotes and backslashes are escaped; bytes that are not valid
// UTF-8 become U+FFFD so the result is always valid JSON (command arguments
// echoed back in errors come from the operator and are not trusted).
void json_append_string(std::string& out, std::string_view s);

// True when `s` is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view s);

} // namespace wg::control
