// The operator channel's wire format (warmgatectl <-> appliance, SOCK_STREAM
// Unix socket). Pure functions over bytes: no sockets here, so every edge
// (partial frames, oversize, bad status) is unit-tested.
//
//   request  = u32 length (big-endian) | flags (bit0: JSON wanted, others 0)
//                                       | command line: UTF-8 words joined by single spaces
//   response = u32 length (big-endian) | status (0 ok, 1 error, 2 internal,
//                                                3 more) | body
//
// `length` counts the bytes after itself, so it is at least 1. One
// connection may carry several request/response pairs, answered in order,
// one request at a time. A large display is streamed: frames of status
// `more` carry consecutive pieces of the body, and the reply ends with a
// frame of another status (its body the last piece, maybe empty). A client
// concatenates the bodies (docs/architecture.md "Operator interface").
//
// Thread-safety: stateless functions are safe anywhere; a FrameDecoder is
// used by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wg::control::proto {

inline constexpr size_t kHeaderSize = 4;
// Largest payload either side accepts: room for `display arp` of a full
// 1M-entry table would be far more, so big tables must be paged by command
// arguments; 16 MiB bounds the memory one client can make us hold.
inline constexpr uint32_t kMaxPayload = 16u << 20;
// Requests are one command line; the server refuses anything longer early.
inline constexpr uint32_t kMaxRequestPayload = 64u << 10;
inline constexpr uint8_t kFlagJson = 0x01;

enum class Status : uint8_t { ok = 0, error = 1, internal = 2, more = 3 };
const char* status_name(Status s);

struct Request {
    bool json = false;
    std::vector<std::string> words; // non-empty words without spaces
};

struct Response {
    Status status = Status::ok;
    std::string body;
};

// Each returns false and sets `err` (leaving `frame` empty) when a word is
// empty, holds a space or control character or invalid UTF-8, or when the
// payload would exceed `max_payload`.
bool encode_request(const Request& req, std::vector<uint8_t>& frame, std::string& err,
                    uint32_t max_payload = kMaxRequestPayload);
bool encode_response(const Response& resp, std::vector<uint8_t>& frame, std::string& err,
                     uint32_t max_payload = kMaxPayload);

// Decode one payload (a frame without its length header).
bool decode_request(std::span<const uint8_t> payload, Request& out, std::string& err);
bool decode_response(std::span<const uint8_t> payload, Response& out, std::string& err);

// Reassembles frames from a byte stream fed in arbitrary pieces.
class FrameDecoder {
  public:
    enum class Result { need_more, frame, error };

    explicit FrameDecoder(uint32_t max_payload) : max_payload_(max_payload) {}

    void feed(std::span<const uint8_t> bytes);
    // `frame`: the next payload is moved into `payload`. `error`: the stream
    // is unusable (oversize or zero length; see error()), the connection
    // should be answered and closed. An oversize length is reported as soon
    // as the header arrives, before the body is buffered.
    Result next(std::vector<uint8_t>& payload);

    const std::string& error() const { return error_; }
    // True when next() would not return need_more (a whole frame or an error).
    bool ready() const;
    // Bytes held for a frame not complete yet.
    size_t buffered() const { return buf_.size() - pos_; }

  private:
    std::vector<uint8_t> buf_;
    size_t pos_ = 0;
    uint32_t max_payload_;
    std::string error_;
};

uint32_t read_be32(const uint8_t* p);
void append_be32(std::vector<uint8_t>& out, uint32_t v);

} // namespace wg::control::proto
