// libFuzzer target for the VRRP receive ladder (every codec has a fuzz
// target: docs/fuzzing.md). Built with -fsanitize=fuzzer when the compiler is
// clang (tests/vrrp/meson.build); with gcc, tests/support/fuzz_replay.cpp
// runs this same entry point over tests/vrrp/corpus/ as a unit test.
//
// Each input is tried twice: as a whole IPv4 packet (decode_ipv4) and as a
// bare VRRP message behind a valid IPv4 header (decode), so that the deeper
// checks are reachable without the fuzzer having to forge IP checksums.
// Invariants (a violation aborts, which both libFuzzer and the replay report):
//   - exactly one verdict counter (accepted or one drop_*) per decode;
//   - an accepted advert names its group, re-encodes with that group's
//     authentication to a message of the same length, and that message decodes
//     to the same advert (fields the receiver ignores, like v3 Rsvd bits or
//     v2 type-0 authentication data, may differ in the bytes);
//   - a decode never reads outside the input (ASan, in the clang build).
#include "control/vrrp/codec.hpp"

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

namespace {

using namespace wg;
using namespace wg::vrrp;

const std::vector<RxGroup>& groups() {
    static const std::vector<RxGroup> g = [] {
        auto make = [](uint8_t vrid, uint8_t version, config::AuthMode mode, const char* key,
                       uint16_t interval) {
            RxGroup r;
            r.vrid = vrid;
            r.version = version;
            r.auth = {mode, key};
            r.addresses = {Ipv4{0x0a010164}}; // 10.1.1.100
            r.interval = interval;
            return r;
        };
        std::vector<RxGroup> v{
            make(1, 2, config::AuthMode::none, "", 1),
            make(2, 2, config::AuthMode::simple, "secret", 1),
            make(3, 2, config::AuthMode::md5, "YsH_2022", 1),
            make(4, 3, config::AuthMode::none, "", 100),
            make(5, 3, config::AuthMode::none, "", 100),
        };
        v[4].strict_address_list = true;
        v[4].local_owner = true;
        return v;
    }();
    return g;
}

void check_one_verdict(const RxStats& s) {
    uint64_t n = 0;
    for (unsigned i = 0; i < kRxCounterCount; ++i)
        if (RxCounter(i) == RxCounter::accepted || is_drop(RxCounter(i))) n += s.v[i];
    if (n != 1) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> in(data, size);
    const auto& gs = groups();

    RxStats s1;
    const RxResult whole = decode_ipv4(in, gs, &s1);
    check_one_verdict(s1);
    if (whole.accepted() && !whole.group) std::abort();

    const IpInfo ip{Ipv4{0x0a010102}, kVrrpMulticast, kVrrpTtl, kIpProtoVrrp};
    RxStats s2;
    const RxResult bare = decode(ip, in, gs, &s2);
    check_one_verdict(s2);
    if (bare.accepted()) {
        if (!bare.group) std::abort();
        const std::vector<uint8_t> again = encode(bare.advert, bare.group->auth, ip.src, ip.dst);
        if (again.size() != size) std::abort();
        const RxResult round = decode(ip, again, gs);
        if (!round.accepted() || round.advert != bare.advert || round.group != bare.group) std::abort();
    }
    return 0;
}
