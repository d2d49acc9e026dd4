// Test support for the remote-backup profile: a map-backed AdjacencyStore and
// a frame sink (the minimal bits of tests/arp/support.hpp), an in-memory
// Channel pair with queued delivery and fault injection (cut at byte N or
// after frame K, drop or tamper a frame, artificial backlog), and a two-
// device fixture: device A (Master) and device B (Slave) with different
// ifindex numbering for the same interface names. Time is a variable the
// tests advance; nothing sleeps.
#pragma once

#include "control/arp/codec.hpp"
#include "control/arp/service.hpp"
#include "sync/profile.hpp"
#include "sync/wire.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace wg::sync::test {

using namespace std::chrono_literals;
inline const Time T0 = Time{} + std::chrono::seconds(100000);

struct MapStore final : arp::AdjacencyStore {
    std::map<std::pair<uint16_t, uint32_t>, std::pair<Mac, arp::Origin>> rows;
    Result upsert(uint16_t ifindex, Ipv4 ip, const Mac& m, arp::Origin o, Time) override {
        auto [it, added] = rows.try_emplace({ifindex, ip.value}, m, o);
        if (added) return Result::added;
        if (it->second == std::pair{m, o}) return Result::unchanged;
        it->second = {m, o};
        return Result::updated;
    }
    bool remove(uint16_t ifindex, Ipv4 ip) override { return rows.erase({ifindex, ip.value}) != 0; }
    uint32_t size() const override { return uint32_t(rows.size()); }
    uint32_t capacity() const override { return 1u << 22; }
};

struct NullSink final : control::FrameSink {
    size_t sent = 0;
    bool send(uint16_t, std::span<const uint8_t>) override { return ++sent, true; }
};

// ---- the in-memory link ------------------------------------------------------

class MemLink;

class MemEnd final : public Channel {
  public:
    MemEnd(MemLink& l, int side) : link_(l), side_(side) {}
    bool up() const override;
    bool send(std::span<const uint8_t> frames) override;
    size_t queued_bytes() const override;
    void fail(std::string_view reason) override;

    ChannelListener* listener = nullptr;
    size_t extra_queued = 0; // pretend backlog (backpressure tests)

  private:
    MemLink& link_;
    int side_;
};

// Frames sent by one end are queued and reach the other end's listener only
// in deliver(), in order. A cut keeps the frames written before it, loses
// the rest, and ends the session (on_down on both ends) once those are
// delivered, as a TCP reset after the kernel flushed what it had.
class MemLink {
  public:
    MemEnd a{*this, 0}, b{*this, 1};

    // Faults (count over both directions, from connect()).
    std::optional<uint64_t> cut_at_byte;     // the frame crossing byte N and everything after are lost
    std::optional<uint64_t> cut_after_frame; // frames 1..K pass, the rest are lost
    // Called for every frame sent; false drops it (silently), or mutate it.
    std::function<bool(int side, std::vector<uint8_t>& frame)> tamper;

    std::vector<std::string> failures; // Channel::fail reasons
    uint64_t bytes = 0, frames = 0;    // sent since connect()
    std::map<wire::Type, uint64_t> frames_by_type;
    uint64_t delivered = 0;

    bool is_up() const { return up_; }
    void connect() {
        ASSERT_FALSE(up_);
        up_ = true;
        cutting_ = false;
        bytes = frames = 0;
        a.listener->on_up();
        b.listener->on_up();
    }
    // Cut now: queued frames are lost; on_down at the next deliver().
    void cut(std::string reason = "test cut") {
        if (!up_) return;
        q_[0].clear();
        q_[1].clear();
        qbytes_[0] = qbytes_[1] = 0;
        cutting_ = true;
        reason_ = std::move(reason);
    }

    bool send(int side, std::span<const uint8_t> data) {
        if (!up_) return false;
        while (!data.empty()) {
            wire::DecodeError err{};
            const size_t n = wire::frame_size(data, err);
            EXPECT_NE(n, 0u) << "send() got a partial frame";
            if (n == 0) return false;
            std::vector<uint8_t> f(data.begin(), data.begin() + n);
            data = data.subspan(n);
            if (cutting_) continue; // written into a connection that is going down
            if ((cut_at_byte && bytes + f.size() > *cut_at_byte) ||
                (cut_after_frame && frames >= *cut_after_frame)) {
                cutting_ = true;
                reason_ = "test fault";
                continue;
            }
            bytes += f.size();
            ++frames;
            wire::Type t{};
            uint32_t id = 0;
            uint64_t seq = 0;
            EXPECT_EQ(wire::decode_header(f, t, id, seq), wire::DecodeError::ok);
            ++frames_by_type[t];
            if (tamper && !tamper(side, f)) continue;
            qbytes_[side] += f.size();
            q_[side].push_back(std::move(f));
            if (queued(side) > Channel::kHighWater) above_[side] = true;
        }
        return true;
    }
    size_t queued(int side) const { return qbytes_[side] + end(side).extra_queued; }

    // Delivers up to `max` frames (alternating directions), then, when a cut
    // is pending and nothing is left, ends the session. Returns frames delivered.
    size_t deliver(size_t max = SIZE_MAX) {
        size_t n = 0;
        while (n < max && (!q_[0].empty() || !q_[1].empty())) {
            for (int side = 0; side < 2 && n < max; ++side) {
                if (q_[side].empty()) continue;
                std::vector<uint8_t> f = std::move(q_[side].front());
                q_[side].pop_front();
                qbytes_[side] -= f.size();
                ++n;
                ++delivered;
                end(1 - side).listener->on_frame(f);
                writable(side);
            }
        }
        if (cutting_ && q_[0].empty() && q_[1].empty() && up_) {
            up_ = false;
            cutting_ = false;
            a.listener->on_down(reason_);
            b.listener->on_down(reason_);
        }
        return n;
    }
    // The channel drained below the low-water mark after having been above the high one.
    void writable(int side) {
        if (above_[side] && queued(side) < Channel::kLowWater) {
            above_[side] = false;
            end(side).listener->on_writable();
        }
    }
    void fail(int, std::string_view reason) {
        failures.emplace_back(reason);
        cut(std::string(reason));
    }
    bool cutting() const { return cutting_; }

  private:
    const MemEnd& end(int side) const { return side == 0 ? a : b; }
    MemEnd& end(int side) { return side == 0 ? a : b; }

    bool up_ = false, cutting_ = false;
    std::string reason_;
    std::deque<std::vector<uint8_t>> q_[2];
    size_t qbytes_[2] = {0, 0};
    bool above_[2] = {false, false};
};

inline bool MemEnd::up() const {
    return link_.is_up();
}
inline bool MemEnd::send(std::span<const uint8_t> f) {
    return link_.send(side_, f);
}
inline size_t MemEnd::queued_bytes() const {
    return link_.queued(side_);
}
inline void MemEnd::fail(std::string_view reason) {
    link_.fail(side_, reason);
}

// ---- devices -------------------------------------------------------------------

inline const char* const kUserIf = "GigabitEthernet0/1/0"; // the seed's bound interface
inline const char* const kCoreIf = "GigabitEthernet0/2/0";
inline const char* const kExtraIf = "GigabitEthernet0/3/0";

// The seed's user side, widened to a /8 so a test can hold 1M hosts.
inline Ipv4 host_ip(uint32_t i) {
    return Ipv4{(10u << 24) + 2 + i};
}
inline Mac host_mac(uint32_t i, uint8_t variant = 0) {
    return Mac{{0x02, variant, uint8_t(i >> 24), uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)}};
}

struct Device {
    struct Iface {
        uint16_t ifindex;
        std::string name;
        Prefix address;
    };
    std::vector<Iface> ifaces;
    arp::Options arp_opts;
    ProfileOptions popts;
    MapStore store;
    NullSink sink;
    std::unique_ptr<arp::Service> arp;
    std::unique_ptr<Profile> profile;
    std::vector<bool> holds; // on_preempt_hold_change calls
    const Time* now_ = nullptr;
    Time now_of() const { return *now_; }

    uint16_t ifindex(std::string_view name) const {
        for (const auto& i : ifaces)
            if (i.name == name) return i.ifindex;
        ADD_FAILURE() << "no interface " << name;
        return 0;
    }
    // A fresh ARP service and profile (a restart), attached to `ch`.
    void start(Channel& ch, const Time& now, Role role) {
        profile.reset();
        store.rows.clear();
        arp = std::make_unique<arp::Service>(arp_opts, store, sink);
        popts.ifnames.clear();
        for (const auto& i : ifaces) {
            arp->add_interface(
                {i.ifindex, i.name, Mac{{0x02, 0xee, 0, 0, 0, uint8_t(i.ifindex)}}, i.address});
            popts.ifnames.emplace_back(i.ifindex, i.name);
        }
        now_ = &now;
        profile = std::make_unique<Profile>(popts, *arp, ch, [&now] { return now; });
        arp->set_change_listener(profile.get());
        profile->set_role(role);
        holds.clear();
        profile->on_preempt_hold_change([this](bool h) { holds.push_back(h); });
    }
    Ipv4 address_of(const char* ifname) const {
        for (const auto& i : ifaces)
            if (i.name == ifname) return i.address.addr;
        return Ipv4{};
    }
    // A host asks for our address (RFC 826: we are the target, so the
    // default learning rule takes it): learned, or a MAC move (taken at once:
    // the devices run `mac_move: none`, see PairTest).
    void learn(uint32_t i, Time now, uint8_t variant = 0, const char* ifname = kUserIf) {
        arp->on_frame(ifindex(ifname),
                      arp::encode(arp::request(host_mac(i, variant), host_ip(i), address_of(ifname))), now);
    }
    // This device resolves host i itself (a forwarding miss, then the
    // host's answer): the one way a Slave creates an entry from the LAN
    // (control/arp/service.hpp "Rules").
    void resolve(uint32_t i, Time now, const char* ifname = kUserIf) {
        const uint16_t ifx = ifindex(ifname);
        ASSERT_EQ(arp->on_miss(ifx, host_ip(i), now), arp::MissAction::hold);
        const arp::Packet asked =
            arp::request(Mac{{0x02, 0xee, 0, 0, 0, uint8_t(ifx)}}, address_of(ifname), host_ip(i));
        arp->on_frame(ifx, arp::encode(arp::reply(asked, host_mac(i), host_ip(i))), now);
    }
    void announce(const char* ifname, Ipv4 ip, const Mac& m) {
        arp->on_frame(ifindex(ifname), arp::encode(arp::request(m, ip, address_of(ifname))), now_of());
    }
    // Takes host i out of the replicated set (a static entry replaces it, then goes).
    void forget(uint32_t i, Time now, const char* ifname = kUserIf) {
        ASSERT_EQ(arp->add_static(ifindex(ifname), host_ip(i), host_mac(i, 0xff), now), arp::Status::ok);
        ASSERT_TRUE(arp->remove_static(ifindex(ifname), host_ip(i), now));
    }
    uint64_t count(ProfileCounter c) const { return profile->stats().get(c); }

    // The replicated view of the ARP table: (interface name, ip) → mac of every
    // non-static entry on `only` (empty: any interface).
    std::map<std::pair<std::string, uint32_t>, Mac> table(std::string_view only = kUserIf) const {
        std::map<std::pair<std::string, uint32_t>, Mac> t;
        arp->for_each([&](const arp::EntryView& e) {
            if (e.origin == arp::Origin::static_entry) return;
            for (const auto& i : ifaces)
                if (i.ifindex == e.ifindex && (only.empty() || i.name == only))
                    t[{i.name, e.ip.value}] = e.mac;
        });
        return t;
    }
};

// Device A (Master) numbers its interfaces 0, 1; device B (Slave) has one
// more and numbers the shared names differently.
class PairTest : public ::testing::Test {
  protected:
    PairTest() {
        a.ifaces = {{0, kUserIf, *Prefix::parse("10.0.0.1/8")}, {1, kCoreIf, *Prefix::parse("192.0.2.1/24")}};
        b.ifaces = {{0, kCoreIf, *Prefix::parse("192.0.2.2/24")},
                    {1, kExtraIf, *Prefix::parse("198.51.100.2/24")},
                    {5, kUserIf, *Prefix::parse("10.255.255.254/8")}};
        for (Device* d : {&a, &b}) {
            // Replication is under test, not the learning policy: hosts are
            // learned as fast as the tests announce them, and moves are taken.
            d->arp_opts.learn_per_s = 0;
            d->arp_opts.learn_per_source_per_s = 0;
            d->arp_opts.mac_move = arp::MacMove::none;
            d->popts.name = "profile1";
            d->popts.service = "service1";
            d->popts.backup_id = 10;
            d->popts.vrid = 1;
            d->popts.vrrp_interface = kUserIf;
            d->popts.interfaces = {kUserIf};
        }
        a.popts.node = "DeviceA";
        b.popts.node = "DeviceB";
        a.popts.epoch = 0xA;
        b.popts.epoch = 0xB;
    }
    void start() {
        a.start(link.a, now, Role::master);
        b.start(link.b, now, Role::slave);
        link.a.listener = a.profile.get();
        link.b.listener = b.profile.get();
    }
    void restart(Device& d, Role r) {
        d.start(&d == &a ? static_cast<Channel&>(link.a) : link.b, now, r);
        (&d == &a ? link.a : link.b).listener = d.profile.get();
    }
    void tick() {
        a.profile->tick(now);
        b.profile->tick(now);
    }
    void advance(std::chrono::nanoseconds d) {
        now += d;
        tick();
    }
    // Time passes in 1 ms steps, frames flow, until nothing moves for a
    // batch deadline (bounded).
    void settle(int max_ms = 5000) {
        int quiet = 0;
        for (int ms = 0; ms < max_ms && quiet < 5; ++ms) {
            const size_t n = link.deliver();
            quiet = n == 0 ? quiet + 1 : 0;
            advance(1ms);
        }
        link.deliver();
    }
    void expect_converged() {
        EXPECT_EQ(a.table(), b.table());
        EXPECT_EQ(a.profile->digest(), b.profile->digest());
        EXPECT_EQ(a.profile->entries(), b.profile->entries());
    }

    Time now = T0;
    MemLink link;
    Device a, b;
};

} // namespace wg::sync::test
