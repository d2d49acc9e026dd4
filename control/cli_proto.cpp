#include "control/cli_proto.hpp"

#include "control/json_writer.hpp"

#include <algorithm>

namespace wg::control::proto {

const char* status_name(Status s) {
    switch (s) {
        case Status::ok:
            return "ok";
        case Status::error:
            return "error";
        case Status::internal:
            return "internal";
        case Status::more:
            return "more";
    }
    return "?";
}

uint32_t read_be32(const uint8_t* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

void append_be32(std::vector<uint8_t>& out, uint32_t v) {
    out.push_back(uint8_t(v >> 24));
    out.push_back(uint8_t(v >> 16));
    out.push_back(uint8_t(v >> 8));
    out.push_back(uint8_t(v));
}

namespace {

std::string too_big(const char* what, size_t n, uint32_t max) {
    return std::string(what) + " of " + std::to_string(n) + " bytes exceeds the limit of " +
           std::to_string(max) + " bytes";
}

bool word_ok(std::string_view w, std::string& err) {
    if (w.empty()) {
        err = "empty word in command line";
        return false;
    }
    for (unsigned char c : w) {
        if (c < 0x20 || c == 0x7f || c == ' ') {
            err = "command word contains a space or control character";
            return false;
        }
    }
    if (!is_valid_utf8(w)) {
        err = "command word is not valid UTF-8";
        return false;
    }
    return true;
}

} // namespace

bool encode_request(const Request& req, std::vector<uint8_t>& frame, std::string& err, uint32_t max_payload) {
    frame.clear();
    size_t len = 1;
    for (const auto& w : req.words) {
        if (!word_ok(w, err)) return false;
        len += w.size() + 1;
    }
    if (!req.words.empty()) --len; // n words, n-1 separators
    if (len > max_payload) {
        err = too_big("request", len, max_payload);
        return false;
    }
    frame.reserve(kHeaderSize + len);
    append_be32(frame, uint32_t(len));
    frame.push_back(req.json ? kFlagJson : 0);
    for (size_t i = 0; i < req.words.size(); ++i) {
        if (i) frame.push_back(' ');
        frame.insert(frame.end(), req.words[i].begin(), req.words[i].end());
    }
    return true;
}

bool encode_response(const Response& resp, std::vector<uint8_t>& frame, std::string& err,
                     uint32_t max_payload) {
    frame.clear();
    size_t len = 1 + resp.body.size();
    if (len > max_payload) {
        err = too_big("response", len, max_payload);
        return false;
    }
    frame.reserve(kHeaderSize + len);
    append_be32(frame, uint32_t(len));
    frame.push_back(uint8_t(resp.status));
    frame.insert(frame.end(), resp.body.begin(), resp.body.end());
    return true;
}

bool decode_request(std::span<const uint8_t> payload, Request& out, std::string& err) {
    out = Request{};
    if (payload.empty()) {
        err = "empty request";
        return false;
    }
    uint8_t flags = payload[0];
    if (flags & ~kFlagJson) {
        err = "unsupported request flags";
        return false;
    }
    out.json = flags & kFlagJson;
    std::string_view line(reinterpret_cast<const char*>(payload.data() + 1), payload.size() - 1);
    // An empty line is a valid request (the server answers it with help).
    while (!line.empty()) {
        size_t sp = line.find(' ');
        std::string_view w = line.substr(0, sp);
        if (!word_ok(w, err)) return false;
        out.words.emplace_back(w);
        if (sp == std::string_view::npos) break;
        line.remove_prefix(sp + 1);
        if (line.empty()) {
            err = "empty word in command line";
            return false;
        }
    }
    return true;
}

bool decode_response(std::span<const uint8_t> payload, Response& out, std::string& err) {
    out = Response{};
    if (payload.empty()) {
        err = "empty response";
        return false;
    }
    if (payload[0] > uint8_t(Status::more)) {
        static constexpr char kHex[] = "0123456789abcdef";
        err = std::string("bad response status 0x") + kHex[payload[0] >> 4] + kHex[payload[0] & 0xf];
        return false;
    }
    out.status = Status(payload[0]);
    out.body.assign(reinterpret_cast<const char*>(payload.data() + 1), payload.size() - 1);
    return true;
}

void FrameDecoder::feed(std::span<const uint8_t> bytes) {
    // Compact lazily so a long-lived connection does not grow its buffer.
    if (pos_ > 0 && (pos_ == buf_.size() || pos_ >= 4096)) {
        buf_.erase(buf_.begin(), buf_.begin() + std::ptrdiff_t(pos_));
        pos_ = 0;
    }
    buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

bool FrameDecoder::ready() const {
    if (!error_.empty()) return true;
    if (buffered() < kHeaderSize) return false;
    const uint32_t len = read_be32(buf_.data() + pos_);
    return len == 0 || len > max_payload_ || buffered() >= kHeaderSize + len;
}

FrameDecoder::Result FrameDecoder::next(std::vector<uint8_t>& payload) {
    if (!error_.empty()) return Result::error;
    if (buffered() < kHeaderSize) return Result::need_more;
    uint32_t len = read_be32(buf_.data() + pos_);
    if (len == 0) {
        error_ = "zero-length frame";
        return Result::error;
    }
    if (len > max_payload_) {
        error_ = too_big("message", len, max_payload_);
        return Result::error;
    }
    if (buffered() < kHeaderSize + len) return Result::need_more;
    auto first = buf_.begin() + std::ptrdiff_t(pos_ + kHeaderSize);
    payload.assign(first, first + len);
    pos_ += kHeaderSize + len;
    return Result::frame;
}

} // namespace wg::control::proto
