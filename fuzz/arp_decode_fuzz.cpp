// libFuzzer target for the ARP receive ladder and the neighbour service
// behind it (every codec has a fuzz target: docs/fuzzing.md). Built with
// -fsanitize=fuzzer when the compiler is clang (tests/arp/meson.build); with
// gcc, the replay driver runs this same entry point over tests/arp/corpus/
// (and every prefix of each seed) as a unit test.
//
// Invariants (a violation aborts, which both libFuzzer and the replay report):
//   - exactly one verdict counter (accepted or one drop_*) per decode;
//   - an accepted frame re-encodes to the same 42 bytes (every field of an
//     IPv4-over-Ethernet ARP frame is captured), and that decodes equal;
//   - fed to a fresh Service (as received frame, then a miss for its sender,
//     then ticks through resolution and aging), the published changes
//     replayed on a shadow map equal the store's contents, the store equals
//     for_each(), and every frame the service sends decodes as accepted;
//   - nothing reads outside the input (ASan, in the clang build).
#include "control/arp/codec.hpp"
#include "control/arp/service.hpp"

#include <cstdint>
#include <cstdlib>
#include <map>
#include <span>
#include <utility>

namespace {

using namespace wg;
using namespace wg::arp;

using Key = std::pair<uint16_t, uint32_t>;

struct Store final : AdjacencyStore {
    std::map<Key, std::pair<Mac, Origin>> m;
    Result upsert(uint16_t ifindex, Ipv4 ip, const Mac& mac, Origin origin, Time) override {
        auto it = m.find({ifindex, ip.value});
        if (it == m.end()) {
            if (m.size() >= 4) return Result::full;
            m[{ifindex, ip.value}] = {mac, origin};
            return Result::added;
        }
        if (it->second == std::pair{mac, origin}) return Result::unchanged;
        it->second = {mac, origin};
        return Result::updated;
    }
    bool remove(uint16_t ifindex, Ipv4 ip) override { return m.erase({ifindex, ip.value}) != 0; }
    uint32_t size() const override { return uint32_t(m.size()); }
    uint32_t capacity() const override { return 4; }
};

struct Sink final : control::FrameSink {
    bool send(uint16_t, std::span<const uint8_t> frame) override {
        if (!decode(frame).accepted()) std::abort();
        return true;
    }
};

struct Shadow final : ChangeListener {
    std::map<Key, std::pair<Mac, Origin>> m;
    uint64_t last_seq = 0;
    void on_change(const Change& c) override {
        if (c.seq != last_seq + 1) std::abort();
        last_seq = c.seq;
        const Key k{c.ifindex, c.ip.value};
        const bool present = m.count(k) != 0;
        if ((c.kind == Change::Kind::add) == present && c.kind != Change::Kind::remove) std::abort();
        if (c.kind == Change::Kind::remove) {
            if (!present) std::abort();
            m.erase(k);
        } else {
            m[k] = {c.mac, c.origin};
        }
    }
};

struct Vips final : control::VipResolver {
    bool is_vip(uint16_t, Ipv4 ip, bool* answer, Mac* mac) const override {
        if (ip.value != 0x0a010164) return false; // 10.1.1.100, Master
        *answer = true;
        *mac = Mac::vrrp_virtual(1);
        return true;
    }
};

void check_one_verdict(const RxStats& s) {
    uint64_t n = 0;
    for (unsigned i = 0; i < kRxCounterCount; ++i)
        if (RxCounter(i) == RxCounter::accepted || is_drop(RxCounter(i))) n += s.v[i];
    if (n != 1) std::abort();
}

void run_service(std::span<const uint8_t> in, const RxResult& r) {
    Store store;
    Sink sink;
    Shadow shadow;
    Vips vips;
    Options o;
    o.age_s = 100;
    o.probe_before_s = 30;
    Service svc(o, store, sink, &vips);
    svc.set_change_listener(&shadow);
    control::InterfaceInfo i;
    i.ifindex = 0;
    i.name = "GigabitEthernet0/1/0";
    i.mac = Mac{{0x02, 0, 0, 0, 0, 0x01}};
    i.address = Prefix{Ipv4{0x0a010101}, 24};
    svc.add_interface(i);

    const Time t0 = Time{} + std::chrono::seconds(1000);
    svc.on_frame(0, in, t0);
    if (r.accepted()) svc.on_miss(0, r.packet.target_ip, t0);
    for (int s : {1, 2, 3, 4, 80, 90, 100, 101, 200})
        svc.tick(t0 + std::chrono::seconds(s));

    if (shadow.m != store.m) std::abort();
    size_t n = 0;
    svc.for_each([&](const EntryView& v) {
        auto it = store.m.find({v.ifindex, v.ip.value});
        if (it == store.m.end() || it->second != std::pair{v.mac, v.origin}) std::abort();
        ++n;
    });
    if (n != store.m.size()) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> in(data, size);
    RxStats stats;
    const RxResult r = decode(in, &stats);
    check_one_verdict(stats);
    if (r.accepted()) {
        const Frame again = encode(r.packet);
        for (size_t k = 0; k < kArpFrameLen; ++k)
            if (again[k] != data[k]) std::abort();
        for (size_t k = kArpFrameLen; k < kFrameLen; ++k)
            if (again[k] != 0) std::abort();
        const RxResult round = decode(again);
        if (!round.accepted() || round.packet != r.packet) std::abort();
    }
    run_service(in, r);
    return 0;
}
