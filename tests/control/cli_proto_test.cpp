// The operator channel's wire format, without sockets.
#include "control/cli_proto.hpp"

#include <gtest/gtest.h>

namespace proto = wg::control::proto;
using proto::FrameDecoder;

namespace {

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

std::span<const uint8_t> payload_of(const std::vector<uint8_t>& frame) {
    return std::span<const uint8_t>(frame).subspan(proto::kHeaderSize);
}

} // namespace

TEST(CliProto, RequestLayoutIsLengthFlagsWords) {
    std::vector<uint8_t> frame;
    std::string err;
    ASSERT_TRUE(proto::encode_request({true, {"display", "arp"}}, frame, err)) << err;
    std::vector<uint8_t> want = {0, 0, 0, 12, proto::kFlagJson};
    auto line = bytes("display arp");
    want.insert(want.end(), line.begin(), line.end());
    EXPECT_EQ(frame, want);
}

TEST(CliProto, RequestRoundTrip) {
    std::vector<uint8_t> frame;
    std::string err;
    proto::Request in{false, {"display", "remote-backup-service", "service1"}};
    ASSERT_TRUE(proto::encode_request(in, frame, err)) << err;
    proto::Request out;
    ASSERT_TRUE(proto::decode_request(payload_of(frame), out, err)) << err;
    EXPECT_FALSE(out.json);
    EXPECT_EQ(out.words, in.words);
}

TEST(CliProto, EmptyCommandLineIsValidAndHasNoWords) {
    std::vector<uint8_t> frame;
    std::string err;
    ASSERT_TRUE(proto::encode_request({false, {}}, frame, err));
    EXPECT_EQ(frame, (std::vector<uint8_t>{0, 0, 0, 1, 0}));
    proto::Request out{true, {"x"}};
    ASSERT_TRUE(proto::decode_request(payload_of(frame), out, err));
    EXPECT_TRUE(out.words.empty());
}

TEST(CliProto, EncodeRejectsWordsThatWouldNotRoundTrip) {
    std::vector<uint8_t> frame;
    std::string err;
    EXPECT_FALSE(proto::encode_request({false, {"display", "a b"}}, frame, err));
    EXPECT_NE(err.find("space"), std::string::npos) << err;
    EXPECT_TRUE(frame.empty());
    EXPECT_FALSE(proto::encode_request({false, {"display", ""}}, frame, err));
    EXPECT_FALSE(proto::encode_request({false, {"bad\nword"}}, frame, err));
    EXPECT_FALSE(proto::encode_request({false, {"\xff"}}, frame, err));
    EXPECT_NE(err.find("UTF-8"), std::string::npos) << err;
    EXPECT_TRUE(proto::encode_request({false, {"Gig\xc3\xa4"}}, frame, err)) << err; // UTF-8 is fine
}

TEST(CliProto, DecodeRejectsMalformedLines) {
    proto::Request out;
    std::string err;
    EXPECT_FALSE(proto::decode_request(bytes(std::string("\0display  arp", 13)), out, err));
    EXPECT_FALSE(proto::decode_request(bytes(std::string("\0display ", 9)), out, err));
    EXPECT_FALSE(proto::decode_request(bytes(std::string("\0 display", 9)), out, err));
    EXPECT_FALSE(proto::decode_request(bytes("\x02help"), out, err)); // reserved flag bit
    EXPECT_NE(err.find("flags"), std::string::npos) << err;
    EXPECT_FALSE(proto::decode_request({}, out, err));
    EXPECT_TRUE(proto::decode_request(bytes(std::string("\0help", 5)), out, err)) << err;
}

TEST(CliProto, ResponseRoundTripKeepsStatusAndBody) {
    for (auto st : {proto::Status::ok, proto::Status::error, proto::Status::internal, proto::Status::more}) {
        std::vector<uint8_t> frame;
        std::string err;
        ASSERT_TRUE(proto::encode_response({st, "body\nline 2\n"}, frame, err));
        EXPECT_EQ(proto::read_be32(frame.data()), frame.size() - 4);
        EXPECT_EQ(frame[4], uint8_t(st));
        proto::Response out;
        ASSERT_TRUE(proto::decode_response(payload_of(frame), out, err)) << err;
        EXPECT_EQ(out.status, st);
        EXPECT_EQ(out.body, "body\nline 2\n");
    }
}

TEST(CliProto, BadStatusByteIsRejected) {
    proto::Response out;
    std::string err;
    EXPECT_FALSE(proto::decode_response(bytes("\x04oops"), out, err));
    EXPECT_EQ(err, "bad response status 0x04");
    EXPECT_TRUE(proto::decode_response(bytes("\x03part"), out, err)) << err; // a streamed piece
    EXPECT_EQ(out.status, proto::Status::more);
    EXPECT_FALSE(proto::decode_response({}, out, err));
}

TEST(CliProto, OversizeResponseIsRefusedWhenEncoding) {
    std::vector<uint8_t> frame;
    std::string err;
    proto::Response big{proto::Status::ok, std::string(100, 'x')};
    EXPECT_FALSE(proto::encode_response(big, frame, err, 100)); // 1 + 100 > 100
    EXPECT_EQ(err, "response of 101 bytes exceeds the limit of 100 bytes");
    EXPECT_TRUE(proto::encode_response(big, frame, err, 101)) << err;
}

TEST(CliProto, OversizeRequestIsRefusedWhenEncoding) {
    std::vector<uint8_t> frame;
    std::string err;
    proto::Request r{false, {std::string(proto::kMaxRequestPayload, 'a')}};
    EXPECT_FALSE(proto::encode_request(r, frame, err));
    EXPECT_NE(err.find("exceeds the limit"), std::string::npos) << err;
}

TEST(CliProto, DecoderReassemblesFramesFedByteByByte) {
    std::vector<uint8_t> stream, f;
    std::string err;
    ASSERT_TRUE(proto::encode_request({false, {"display", "version"}}, f, err));
    stream.insert(stream.end(), f.begin(), f.end());
    ASSERT_TRUE(proto::encode_request({true, {"help"}}, f, err));
    stream.insert(stream.end(), f.begin(), f.end());

    FrameDecoder dec(proto::kMaxRequestPayload);
    std::vector<std::vector<uint8_t>> got;
    std::vector<uint8_t> payload;
    for (uint8_t b : stream) {
        dec.feed({&b, 1});
        for (;;) {
            auto r = dec.next(payload);
            ASSERT_NE(r, FrameDecoder::Result::error) << dec.error();
            if (r == FrameDecoder::Result::need_more) break;
            got.push_back(payload);
        }
    }
    ASSERT_EQ(got.size(), 2u);
    proto::Request req;
    ASSERT_TRUE(proto::decode_request(got[0], req, err));
    EXPECT_EQ(req.words, (std::vector<std::string>{"display", "version"}));
    ASSERT_TRUE(proto::decode_request(got[1], req, err));
    EXPECT_TRUE(req.json);
    EXPECT_EQ(dec.buffered(), 0u);
}

TEST(CliProto, DecoderHoldsPartialHeaderAndBody) {
    FrameDecoder dec(100);
    std::vector<uint8_t> payload;
    std::vector<uint8_t> frame = {0, 0, 0, 3, 'a', 'b', 'c'};
    dec.feed(std::span(frame).first(2));
    EXPECT_EQ(dec.next(payload), FrameDecoder::Result::need_more);
    dec.feed(std::span(frame).subspan(2, 3));
    EXPECT_EQ(dec.next(payload), FrameDecoder::Result::need_more);
    EXPECT_EQ(dec.buffered(), 5u);
    dec.feed(std::span(frame).subspan(5));
    ASSERT_EQ(dec.next(payload), FrameDecoder::Result::frame);
    EXPECT_EQ(payload, bytes("abc"));
    EXPECT_EQ(dec.next(payload), FrameDecoder::Result::need_more);
}

TEST(CliProto, DecoderRejectsOversizeAsSoonAsTheHeaderArrives) {
    FrameDecoder dec(1000);
    std::vector<uint8_t> payload;
    std::vector<uint8_t> header = {0, 0, 0x03, 0xe9}; // 1001
    dec.feed(header);
    EXPECT_EQ(dec.next(payload), FrameDecoder::Result::error);
    EXPECT_EQ(dec.error(), "message of 1001 bytes exceeds the limit of 1000 bytes");
    // The stream is dead: later bytes do not revive it.
    std::vector<uint8_t> more = {0, 0, 0, 1, 0};
    dec.feed(more);
    EXPECT_EQ(dec.next(payload), FrameDecoder::Result::error);
}

TEST(CliProto, DecoderRejectsZeroLength) {
    FrameDecoder dec(1000);
    std::vector<uint8_t> payload;
    std::vector<uint8_t> zero = {0, 0, 0, 0};
    dec.feed(zero);
    EXPECT_EQ(dec.next(payload), FrameDecoder::Result::error);
    EXPECT_EQ(dec.error(), "zero-length frame");
}

TEST(CliProto, DecoderAcceptsFullSixteenMebibyteResponse) {
    std::vector<uint8_t> frame;
    std::string err;
    proto::Response big{proto::Status::ok, std::string(proto::kMaxPayload - 1, 'y')};
    ASSERT_TRUE(proto::encode_response(big, frame, err)) << err;
    FrameDecoder dec(proto::kMaxPayload);
    dec.feed(frame);
    std::vector<uint8_t> payload;
    ASSERT_EQ(dec.next(payload), FrameDecoder::Result::frame);
    EXPECT_EQ(payload.size(), proto::kMaxPayload);
}
