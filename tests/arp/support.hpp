// Test support for the ARP service: an AdjacencyStore over a map with result
// injection, a FrameSink that keeps (and decodes) what was sent, a
// VipResolver with switchable mastership, recording listeners, and a fixture
// with one user-side interface (the seed's GigabitEthernet0/1/0). Time is a
// plain variable the tests advance; nothing sleeps.
#pragma once

#include "control/arp/service.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wg::arp {

inline void PrintTo(RxCounter c, std::ostream* os) {
    *os << counter_name(c);
}
inline void PrintTo(Status s, std::ostream* os) {
    *os << to_string(s);
}

namespace test {

using namespace std::chrono_literals;

inline Ipv4 ip(const char* text) {
    return *Ipv4::parse(text);
}
inline Mac mac(const char* text) {
    return *Mac::parse(text);
}

inline const Time T0 = Time{} + std::chrono::seconds(100000);

using Key = std::pair<uint16_t, uint32_t>;

struct MapStore final : AdjacencyStore {
    struct Row {
        Mac mac;
        Origin origin;
        friend bool operator==(const Row&, const Row&) = default;
    };
    std::map<Key, Row> rows;
    uint32_t cap = 1u << 20;
    std::optional<Result> force; // answer this instead (once per call) while set
    unsigned upserts = 0;

    Result upsert(uint16_t ifindex, Ipv4 ip, const Mac& m, Origin origin, Time) override {
        ++upserts;
        if (force) return *force;
        auto it = rows.find({ifindex, ip.value});
        if (it == rows.end()) {
            if (rows.size() >= cap) return Result::full;
            rows[{ifindex, ip.value}] = {m, origin};
            return Result::added;
        }
        if (it->second == Row{m, origin}) return Result::unchanged;
        it->second = {m, origin};
        return Result::updated;
    }
    bool remove(uint16_t ifindex, Ipv4 ip) override { return rows.erase({ifindex, ip.value}) != 0; }
    uint32_t size() const override { return uint32_t(rows.size()); }
    uint32_t capacity() const override { return cap; }

    std::optional<Row> get(uint16_t ifindex, Ipv4 ip) const {
        auto it = rows.find({ifindex, ip.value});
        if (it == rows.end()) return std::nullopt;
        return it->second;
    }
};

struct Sent {
    uint16_t ifindex;
    std::vector<uint8_t> bytes;
    Packet packet; // decoded (every frame the service sends must decode)
};

struct VecSink final : control::FrameSink {
    std::vector<Sent> sent;
    bool fail = false;
    bool send(uint16_t ifindex, std::span<const uint8_t> frame) override {
        if (fail) return false;
        const RxResult r = decode(frame);
        EXPECT_TRUE(r.accepted()) << "the service sent a frame its own decoder rejects";
        sent.push_back({ifindex, {frame.begin(), frame.end()}, r.packet});
        return true;
    }
    std::vector<Sent> take() { return std::exchange(sent, {}); }
};

struct FakeVips final : control::VipResolver {
    struct Vip {
        uint16_t ifindex;
        Ipv4 ip;
        Mac vmac;
        bool master;
    };
    std::vector<Vip> vips;
    bool is_vip(uint16_t ifindex, Ipv4 a, bool* answer, Mac* m) const override {
        for (const auto& v : vips)
            if (v.ifindex == ifindex && v.ip == a) {
                *answer = v.master;
                *m = v.vmac;
                return true;
            }
        return false;
    }
};

struct Changes final : ChangeListener {
    std::vector<Change> log;
    void on_change(const Change& c) override { log.push_back(c); }
};

struct Resolutions final : ResolveListener {
    struct R {
        uint16_t ifindex;
        Ipv4 ip;
        bool ok;
    };
    std::vector<R> log;
    void on_resolved(uint16_t ifindex, Ipv4 a, bool ok) override { log.push_back({ifindex, a, ok}); }
};

// The seed's user side: 10.1.1.1/24 on GigabitEthernet0/1/0, VIP 10.1.1.100
// of VRID 1; and a network side 192.0.2.1/24.
inline const Mac kPortMac = mac("02:00:00:00:00:01");
inline const Mac kCoreMac = mac("02:00:00:00:01:01");
inline const Mac kVmac = Mac::vrrp_virtual(1);
inline const Mac kHostA = mac("02:00:00:00:00:0a");
inline const Mac kHostB = mac("02:00:00:00:00:0b");
inline const Ipv4 kOwn = ip("10.1.1.1");
inline const Ipv4 kVip = ip("10.1.1.100");
inline const Ipv4 kA = ip("10.1.1.10");
constexpr uint16_t kUser = 0, kCore = 1;

// What the service logged (Service::set_logger), for the rate-limit tests.
inline std::vector<std::string>& log_lines() {
    static std::vector<std::string> lines;
    return lines;
}
inline void capture_log(std::string_view line) {
    log_lines().emplace_back(line);
}

// A distinct unicast MAC per number (02:10:00:xx:xx:xx, locally
// administered; clear of the fixture's port and host MACs).
inline Mac host_mac(uint32_t n) {
    return Mac{{0x02, 0x10, 0x00, uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)}};
}

class ArpTest : public ::testing::Test {
  protected:
    explicit ArpTest(Options o = {}) : opts(o) { make(); }

    void make() {
        svc.emplace(opts, store, sink, &vips);
        svc->set_change_listener(&changes);
        svc->set_resolve_listener(&resolutions);
        svc->set_logger(capture_log);
        log_lines().clear();
        svc->add_interface({kUser, "GigabitEthernet0/1/0", kPortMac, Prefix{kOwn, 24}});
        svc->add_interface({kCore, "GigabitEthernet0/2/0", kCoreMac, Prefix{ip("192.0.2.1"), 24}});
        vips.vips = {{kUser, kVip, kVmac, true}};
    }

    uint64_t count(Counter c) const { return svc->stats().get(c); }
    uint64_t rx(RxCounter c) const { return svc->rx_stats().get(c); }

    void deliver(const Packet& p, uint16_t ifindex = kUser) { svc->on_frame(ifindex, encode(p), now); }
    // A host's broadcast request for `target` (the commonest frame on a LAN).
    void host_asks(const Mac& m, Ipv4 sender, Ipv4 target, uint16_t ifindex = kUser) {
        deliver(request(m, sender, target), ifindex);
    }
    // A host asks for the interface's own address: what creates an entry
    // under the default learning rule (RFC 826: we are the target). The
    // reply it gets is dropped from the sink.
    void learn_host(const Mac& m, Ipv4 sender, uint16_t ifindex = kUser) {
        const size_t before = sink.sent.size();
        host_asks(m, sender, ifindex == kUser ? kOwn : ip("192.0.2.1"), ifindex);
        if (sink.sent.size() == before + 1 && sink.sent.back().packet.op == Op::reply) sink.sent.pop_back();
    }
    void tick_to(Time t) {
        now = t;
        svc->tick(now);
    }
    void advance(Duration d) { tick_to(now + d); }
    // Ticks every `step` up to now + d (what the event loop does).
    void run_for(Duration d, Duration step = 100ms) {
        const Time end = now + d;
        while (now + step <= end)
            advance(step);
        tick_to(end);
    }

    Options opts;
    MapStore store;
    VecSink sink;
    FakeVips vips;
    Changes changes;
    Resolutions resolutions;
    std::optional<Service> svc;
    Time now = T0;
};

} // namespace test
} // namespace wg::arp
