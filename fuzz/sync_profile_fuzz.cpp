// libFuzzer target for the stateful receiver of remote backup: a Slave
// profile (sync/profile*.cpp) fed a sequence of frames as the RBS would
// route them, with the time injected (docs/sync-protocol.md §4, §5). Built
// with -fsanitize=fuzzer when the compiler is clang (tests/sync/meson.build);
// with gcc the replay driver runs this entry point over
// tests/sync/profile_fuzz/corpus/ (and every prefix of each seed) as a unit test.
//
// Input: a sequence of records, each one control byte then its operands:
//   c % 8 in 0..3  a frame: u16 big-endian length, then that many bytes. With
//                  bit 7 set the header is repaired first (length field,
//                  version, and with bit 6 the backup-id 10), so the fuzzer
//                  reaches the body checks; the RBS routes only a frame whose
//                  length and header are good and whose backup-id is 10.
//   4              time passes: 1 + u8 ms, then tick
//   5              the session is cut and comes back (on_down, on_up)
//   6              time jumps: u8 * 100 ms, then tick
//   7              the ARP service's own timers run (tick at the same instant)
//
// Invariants (a violation aborts, which both libFuzzer and the replay report):
//   - nothing crashes or reads out of bounds (ASan/UBSan in the clang build);
//   - the Slave's received set holds no more entries than the add/update
//     entries it was sent, and an empty table has digest 0;
//   - the ARP table stays within the store's capacity and only on our
//     interfaces;
//   - what the Slave sends decodes, carries backup-id 10 and is a hello, an
//     ack or a resync request (a Slave never sends data);
//   - counters agree with what was delivered and sent (snapshots, batches,
//     digest checks, installs, acks, resync requests);
//   - in sync or holding preemption only while the session is up (or failed
//     by the profile and its on_down not yet delivered, as with the RBS);
//   - after every record the receiver's phase is a valid one, idle with the
//     session down, synced when in sync, snapshot_in exactly when the hold's
//     reason says a batch backup is in progress, and resync_wait has a
//     deadline (its retry);
//   - after tick(now), no deadline is due already (no busy loop).
#include "control/arp/service.hpp"
#include "control/frame_io.hpp"
#include "sync/channel.hpp"
#include "sync/profile.hpp"
#include "sync/wire.hpp"

#include <cstdint>
#include <cstdlib>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace wg;
using namespace wg::sync;

constexpr uint32_t kBackupId = 10;
constexpr uint32_t kCapacity = 256; // small: a fuzzer reaches "full" quickly

void check(bool ok) {
    if (!ok) std::abort();
}

struct Store final : arp::AdjacencyStore {
    std::map<std::pair<uint16_t, uint32_t>, std::pair<Mac, arp::Origin>> rows;
    Result upsert(uint16_t ifindex, Ipv4 ip, const Mac& m, arp::Origin o, Time) override {
        auto it = rows.find({ifindex, ip.value});
        if (it == rows.end()) {
            if (rows.size() >= kCapacity) return Result::full;
            rows.emplace(std::pair{ifindex, ip.value}, std::pair{m, o});
            return Result::added;
        }
        if (it->second == std::pair{m, o}) return Result::unchanged;
        it->second = {m, o};
        return Result::updated;
    }
    bool remove(uint16_t ifindex, Ipv4 ip) override { return rows.erase({ifindex, ip.value}) != 0; }
    uint32_t size() const override { return uint32_t(rows.size()); }
    uint32_t capacity() const override { return kCapacity; }
};

struct Sink final : control::FrameSink {
    bool send(uint16_t, std::span<const uint8_t>) override { return true; }
};

// The RBS as the profile sees it: up or not, and what it was given to send.
struct Link final : Channel {
    bool is_up = false;
    bool pending_down = false; // fail() was called: on_down comes from the loop
    std::map<wire::Type, uint64_t> sent;
    uint64_t fails = 0;

    bool up() const override { return is_up; }
    bool send(std::span<const uint8_t> frames) override {
        if (!is_up) return false;
        while (!frames.empty()) {
            wire::DecodeError err = wire::DecodeError::ok;
            const size_t n = wire::frame_size(frames, err);
            check(n != 0 && err == wire::DecodeError::ok); // whole frames only
            wire::Message m;
            check(wire::decode(frames.first(n), m) == wire::DecodeError::ok);
            check(m.backup_id == kBackupId);
            check(m.type == wire::Type::hello || m.type == wire::Type::ack ||
                  m.type == wire::Type::resync_request);
            ++sent[m.type];
            frames = frames.subspan(n);
        }
        return true;
    }
    size_t queued_bytes() const override { return 0; }
    void fail(std::string_view) override {
        ++fails;
        is_up = false; // as the RBS: down at once, on_down from the loop
        pending_down = true;
    }
};

// What was delivered to the profile, by type, and the entries it carried.
struct Delivered {
    std::map<wire::Type, uint64_t> frames;
    uint64_t upserts = 0; // add/update entries in snapshots and deltas
};

const std::vector<std::pair<uint16_t, std::string>> kIfaces = {
    {0, "GigabitEthernet0/1/0"}, {1, "GigabitEthernet0/2/0"}, {7, "GigabitEthernet0/3/0"}};

struct Slave {
    Time now = Time{} + std::chrono::hours(1);
    Store store;
    Sink sink;
    Link link;
    std::unique_ptr<arp::Service> arp;
    std::unique_ptr<Profile> profile;
    Delivered in;

    Slave() {
        arp = std::make_unique<arp::Service>(arp::Options{}, store, sink);
        arp->set_logger([](std::string_view) {});
        ProfileOptions o;
        o.name = "profile1";
        o.service = "service1";
        o.backup_id = kBackupId;
        o.vrid = 1;
        o.vrrp_interface = "GigabitEthernet0/1/0";
        o.interfaces = {"GigabitEthernet0/1/0"};
        o.node = "DeviceB";
        o.epoch = 0xB;
        o.log_entries = 1024;
        const Prefix addr[] = {*Prefix::parse("10.0.0.1/8"), *Prefix::parse("192.0.2.1/24"),
                               *Prefix::parse("198.51.100.1/24")};
        for (size_t i = 0; i < kIfaces.size(); ++i) {
            const auto& [ifindex, name] = kIfaces[i];
            arp->add_interface({ifindex, name, Mac{{0x02, 0xee, 0, 0, 0, uint8_t(ifindex)}}, addr[i]});
            o.ifnames.emplace_back(ifindex, name);
        }
        profile = std::make_unique<Profile>(o, *arp, link, [this] { return now; });
        arp->set_change_listener(profile.get());
        profile->set_role(Role::slave);
        link.is_up = true;
        profile->on_up();
    }
    ~Slave() { arp->set_change_listener(nullptr); }

    // The loop's next turn: a session the profile failed ends now.
    void settle() {
        if (!link.pending_down) return;
        link.pending_down = false;
        down("fuzz: failed by the profile");
    }
    void down(std::string_view why) {
        link.is_up = false;
        profile->on_down(why);
        check(!profile->in_sync() && !profile->preempt_hold());
    }
    void reconnect() {
        settle();
        if (link.is_up) down("fuzz: session cut");
        link.is_up = true;
        profile->on_up();
    }
    void tick() {
        profile->tick(now);
        if (auto d = profile->next_deadline()) check(*d > now);
    }

    // The RBS's routing (sync/rbs_stream.cpp): whole frame, good header,
    // this backup-id; then the profile decodes the body itself.
    void deliver(std::span<const uint8_t> f) {
        wire::DecodeError err = wire::DecodeError::ok;
        if (wire::frame_size(f, err) != f.size() || f.empty()) return;
        wire::Type type{};
        uint32_t id = 0;
        uint64_t seq = 0;
        if (wire::decode_header(f, type, id, seq) != wire::DecodeError::ok || id != kBackupId) return;
        if (!link.is_up) reconnect(); // the RBS reconnected after a fail()
        wire::Message m;
        if (wire::decode(f, m) == wire::DecodeError::ok) {
            ++in.frames[m.type];
            if (const auto* b = std::get_if<wire::Batch>(&m.body))
                for (const auto& e : b->entries)
                    in.upserts += e.op != wire::Op::remove;
        }
        profile->on_frame(f);
    }

    void invariants() const {
        const auto& st = profile->stats();
        auto got = [&](ProfileCounter c) { return st.get(c); };
        auto n_in = [&](wire::Type t) {
            auto it = in.frames.find(t);
            return it == in.frames.end() ? uint64_t(0) : it->second;
        };
        auto n_out = [&](wire::Type t) {
            auto it = link.sent.find(t);
            return it == link.sent.end() ? uint64_t(0) : it->second;
        };
        check(profile->entries() <= in.upserts);
        if (profile->entries() == 0) check(profile->digest() == 0);
        check(store.size() <= kCapacity);
        size_t arp_entries = 0;
        arp->for_each([&](const arp::EntryView& e) {
            ++arp_entries;
            bool ours = false;
            for (const auto& [ifindex, name] : kIfaces)
                ours |= e.ifindex == ifindex;
            check(ours);
        });
        check(arp_entries <= kCapacity + arp::Options{}.busy_retry_max);
        check(got(ProfileCounter::snapshots_received) <= n_in(wire::Type::snapshot_end));
        check(got(ProfileCounter::batches_received) <= n_in(wire::Type::delta));
        check(got(ProfileCounter::digest_checks) <= n_in(wire::Type::digest_check));
        check(got(ProfileCounter::entries_installed) <= in.upserts);
        check(got(ProfileCounter::acks) >= n_out(wire::Type::ack));
        check(got(ProfileCounter::resyncs_requested) >= n_out(wire::Type::resync_request));
        check(got(ProfileCounter::snapshots_sent) == 0 && got(ProfileCounter::batches_sent) == 0);
        if (profile->in_sync() || profile->preempt_hold()) check(link.is_up || link.pending_down);
        // The receiver's phase (sync/receiver.hpp) is one it names and agrees
        // with what the profile shows.
        const rx::Phase ph = profile->receiver_phase();
        check(size_t(ph) < std::size(rx::kPhaseNames));
        if (!link.is_up && !link.pending_down) check(ph == rx::Phase::idle);
        if (profile->in_sync()) check(ph == rx::Phase::synced);
        check((ph == rx::Phase::snapshot_in) ==
              (profile->preempt_hold_reason().find("in progress") != std::string::npos) ||
              !profile->preempt_hold());
        if (ph == rx::Phase::resync_wait) check(profile->next_deadline().has_value());
    }
};

// Sets the length field, the version and optionally the backup-id.
void repair(std::vector<uint8_t>& f, bool backup_id) {
    if (f.size() < wire::kHeaderSize) return;
    const uint32_t len = uint32_t(f.size() - 4);
    f[0] = uint8_t(len >> 24);
    f[1] = uint8_t(len >> 16);
    f[2] = uint8_t(len >> 8);
    f[3] = uint8_t(len);
    f[4] = wire::kVersion;
    if (backup_id) {
        f[8] = f[9] = f[10] = 0;
        f[11] = uint8_t(kBackupId);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Slave s;
    size_t i = 0;
    auto byte = [&]() -> uint8_t { return i < size ? data[i++] : 0; };
    // Bounded work per input: at most this many records.
    for (int records = 0; i < size && records < 4096; ++records) {
        s.settle();
        const uint8_t c = byte();
        switch (c % 8) {
        case 0:
        case 1:
        case 2:
        case 3: {
            size_t len = size_t(byte()) << 8;
            len |= byte();
            len = std::min(len, size - i);
            std::vector<uint8_t> f(data + i, data + i + len);
            i += len;
            if (c & 0x80) repair(f, c & 0x40);
            s.deliver(f);
            break;
        }
        case 4:
            s.now += std::chrono::milliseconds(1 + byte());
            s.tick();
            break;
        case 5:
            s.reconnect();
            break;
        case 6:
            s.now += std::chrono::milliseconds(100 * uint32_t(byte()));
            s.tick();
            break;
        case 7:
            s.arp->tick(s.now);
            break;
        }
        s.invariants();
    }
    return 0;
}
