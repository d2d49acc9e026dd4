#include "control/json_writer.hpp"

#include <cassert>
#include <charconv>

namespace wg::control {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid
// (RFC 3629 section 4: shortest form only, no surrogates, max U+10FFFF).
size_t utf8_seq_len(std::string_view s, size_t i) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; // overlong
        else if (c == 0xED)
            hi = 0x9F; // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90; // overlong
        else if (c == 0xF4)
            hi = 0x8F; // beyond U+10FFFF
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    if (b(i + 1) < lo || b(i + 1) > hi) return 0;
    for (size_t k = 2; k < n; ++k)
        if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
    return n;
}

} // namespace

bool is_valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        size_t n = utf8_seq_len(s, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

void json_append_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            size_t n = utf8_seq_len(s, i);
            if (n == 0) {
                out += "\\ufffd";
                ++i;
            } else {
                out.append(s.substr(i, n));
                i += n;
            }
            continue;
        }
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    out += "\\u00";
                    out.push_back(kHex[c >> 4]);
                    out.push_back(kHex[c & 0xf]);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
        ++i;
    }
    out.push_back('"');
}

void JsonWriter::newline() {
    if (indent_ <= 0) return;
    out_.push_back('\n');
    out_.append((base_depth_ + stack_.size()) * static_cast<size_t>(indent_), ' ');
}

void JsonWriter::before_value() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!stack_.empty()) {
        assert(!stack_.back().is_object && "object member without key()");
        if (!stack_.back().empty) out_.push_back(',');
        stack_.back().empty = false;
        newline();
    }
}

void JsonWriter::key(std::string_view k) {
    assert(!stack_.empty() && stack_.back().is_object && !after_key_);
    if (!stack_.back().empty) out_.push_back(',');
    stack_.back().empty = false;
    newline();
    json_append_string(out_, k);
    out_ += indent_ > 0 ? ": " : ":";
    after_key_ = true;
}

void JsonWriter::begin_object() {
    before_value();
    out_.push_back('{');
    stack_.push_back({true, true});
}

void JsonWriter::begin_array() {
    before_value();
    out_.push_back('[');
    stack_.push_back({false, true});
}

void JsonWriter::end_object() {
    assert(!stack_.empty() && stack_.back().is_object && !after_key_);
    bool empty = stack_.back().empty;
    stack_.pop_back();
    if (!empty) newline();
    out_.push_back('}');
}

void JsonWriter::end_array() {
    assert(!stack_.empty() && !stack_.back().is_object);
    bool empty = stack_.back().empty;
    stack_.pop_back();
    if (!empty) newline();
    out_.push_back(']');
}

void JsonWriter::value(std::string_view s) {
    before_value();
    json_append_string(out_, s);
}

void JsonWriter::value(int64_t v) {
    before_value();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
}

void JsonWriter::value(uint64_t v) {
    before_value();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
}

void JsonWriter::value(bool v) {
    before_value();
    out_ += v ? "true" : "false";
}

void JsonWriter::null() {
    before_value();
    out_ += "null";
}

} // namespace wg::control
