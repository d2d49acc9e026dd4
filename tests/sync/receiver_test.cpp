// The Slave side's phase machine (sync/receiver.hpp) alone: events in,
// actions out, no channel; a real ARP service over a map store; time is a
// variable. One table row per (phase, event): the phase after it and the
// actions, in order.
#include "sync/receiver.hpp"

#include "profile_support.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace wg::sync::test {
namespace {

using rx::ActionKind;
using rx::EventKind;
using rx::Phase;

constexpr uint32_t kBackupId = 10;
constexpr uint64_t kEpoch = 0xE;
constexpr uint64_t kSnapSeq = 100; // the Master's snapshot seq
constexpr uint8_t kPeerIf = 0;     // the Master numbers the user side 0; we number it 5
constexpr uint16_t kOurIf = 5;

wire::Message msg(wire::Type t, uint64_t seq) {
    wire::Message m;
    m.type = t;
    m.backup_id = kBackupId;
    m.seq = seq;
    return m;
}

wire::Message hello(uint64_t seq, uint64_t epoch = kEpoch) {
    wire::Message m = msg(wire::Type::hello, seq);
    wire::Hello h;
    h.role = wire::Role::master;
    h.epoch = epoch;
    h.interfaces = {{kPeerIf, kUserIf}};
    m.body = h;
    return m;
}

wire::Entry entry(uint32_t i, wire::Op op = wire::Op::add, uint8_t variant = 0) {
    return {op, uint8_t(arp::Origin::learned), kPeerIf, host_ip(i), host_mac(i, variant), 600};
}

wire::Message batch(wire::Type t, uint64_t seq, uint64_t first_seq, std::vector<wire::Entry> es) {
    wire::Message m = msg(t, seq);
    m.body = wire::Batch{first_seq, std::move(es)};
    return m;
}

wire::Message snapshot_begin(uint32_t n, uint64_t seq = kSnapSeq) {
    wire::Message m = msg(wire::Type::snapshot_begin, seq);
    m.body = wire::SnapshotBegin{kEpoch, n};
    return m;
}

// The Master's digest of hosts [0, n) on the user side.
uint64_t digest_of(uint32_t n, uint8_t variant = 0) {
    Table t;
    t.set_interface(0, kUserIf);
    for (uint32_t i = 0; i < n; ++i)
        t.upsert(0, host_ip(i), host_mac(i, variant));
    return t.digest();
}

wire::Message snapshot_end(uint64_t digest, uint32_t n, uint64_t seq = kSnapSeq) {
    wire::Message m = msg(wire::Type::snapshot_end, seq);
    m.body = wire::SnapshotEnd{digest, n};
    return m;
}

wire::Message digest_check(uint64_t seq, uint64_t digest, uint32_t n) {
    wire::Message m = msg(wire::Type::digest_check, seq);
    m.body = wire::DigestCheck{digest, n};
    return m;
}

class ReceiverTest : public ::testing::Test {
  protected:
    ReceiverTest() {
        arp = std::make_unique<arp::Service>(arp::Options{}, store, sink);
        arp->add_interface({kOurIf, kUserIf, Mac{{0x02, 0xee, 0, 0, 0, 5}}, *Prefix::parse("10.255.255.254/8")});
        opts.backup_id = kBackupId;
        opts.ifnames = {{kOurIf, kUserIf}};
        opts.digest_interval_ms = 1000;
        rx = std::make_unique<rx::Receiver>(opts, *arp, stats);
    }

    rx::Actions step(EventKind k, const wire::Message* m = nullptr) { return rx->handle(rx::Event::of(k, m), now); }
    rx::Actions step(EventKind k, const wire::Message& m) { return step(k, &m); }

    // Brings the receiver to `p` the ordinary way.
    void reach(Phase p) {
        if (p == Phase::idle) return;
        step(EventKind::up);
        if (p == Phase::waiting) return;
        step(EventKind::hello, hello(kSnapSeq));
        step(EventKind::snapshot_begin, snapshot_begin(2));
        if (p == Phase::snapshot_in) return;
        step(EventKind::snapshot_entries, batch(wire::Type::snapshot_entries, kSnapSeq, 0, {entry(0), entry(1)}));
        step(EventKind::snapshot_end, snapshot_end(digest_of(2), 2));
        ASSERT_EQ(rx->phase(), Phase::synced);
        if (p == Phase::synced) return;
        step(EventKind::digest_check, digest_check(kSnapSeq, 0xbad, 2));
        ASSERT_EQ(rx->phase(), Phase::resync_wait);
    }

    Time now = T0;
    MapStore store;
    NullSink sink;
    std::unique_ptr<arp::Service> arp;
    ProfileOptions opts;
    ProfileStats stats;
    std::unique_ptr<rx::Receiver> rx;
};

// What one action is, for comparison: "send ack", "send resync_request", "fail".
std::string kind_of(const rx::Action& a) {
    if (a.kind == ActionKind::fail) return "fail";
    return std::string("send ") + wire::to_string(a.msg.type);
}

struct Row {
    const char* name;
    Phase from;
    std::function<wire::Message()> make; // null: the event carries no message
    EventKind event;
    std::chrono::milliseconds after{0}; // time passed before the event
    Phase to;
    std::vector<std::string> actions;
    bool hello_first = false; // waiting: the Master's hello came
};

TEST_F(ReceiverTest, EveryPhaseAndEvent) {
    const std::vector<Row> rows = {
        {"idle: up", Phase::idle, nullptr, EventKind::up, {}, Phase::waiting, {}},
        {"idle: data is not ours", Phase::idle, [] { return snapshot_begin(1); }, EventKind::snapshot_begin, {},
         Phase::idle, {}},
        {"waiting: data before the hello", Phase::waiting, [] { return snapshot_begin(1); },
         EventKind::snapshot_begin, {}, Phase::waiting, {"fail"}},
        {"waiting: a delta with nothing held is a gap", Phase::waiting,
         [] { return batch(wire::Type::delta, 5, 1, {}); }, EventKind::delta, {}, Phase::resync_wait,
         {"send resync_request"}, true},
        {"waiting: a snapshot begins", Phase::waiting, [] { return snapshot_begin(1); }, EventKind::snapshot_begin,
         {}, Phase::snapshot_in, {}, true},
        {"waiting: turned Master", Phase::waiting, nullptr, EventKind::to_master, {}, Phase::idle, {}},
        {"snapshot_in: entries", Phase::snapshot_in,
         [] { return batch(wire::Type::snapshot_entries, kSnapSeq, 0, {entry(0)}); }, EventKind::snapshot_entries,
         {}, Phase::snapshot_in, {}},
        {"snapshot_in: end of another snapshot", Phase::snapshot_in,
         [] { return snapshot_end(0, 0, kSnapSeq + 1); }, EventKind::snapshot_end, {}, Phase::resync_wait,
         {"send resync_request"}},
        {"snapshot_in: a delta inside it", Phase::snapshot_in,
         [] { return batch(wire::Type::delta, kSnapSeq + 1, kSnapSeq + 1, {}); }, EventKind::delta, {},
         Phase::resync_wait, {"send resync_request"}},
        {"snapshot_in: digest check ignored", Phase::snapshot_in, [] { return digest_check(kSnapSeq, 1, 1); },
         EventKind::digest_check, {}, Phase::snapshot_in, {}},
        {"snapshot_in: a new snapshot restarts it", Phase::snapshot_in, [] { return snapshot_begin(3, 200); },
         EventKind::snapshot_begin, {}, Phase::snapshot_in, {}},
        {"synced: contiguous delta", Phase::synced,
         [] { return batch(wire::Type::delta, kSnapSeq + 3, kSnapSeq + 1, {entry(2)}); }, EventKind::delta, {},
         Phase::synced, {"send ack"}},
        {"synced: a delta past the held seq", Phase::synced,
         [] { return batch(wire::Type::delta, kSnapSeq + 9, kSnapSeq + 5, {entry(2)}); }, EventKind::delta, {},
         Phase::resync_wait, {"send resync_request"}},
        {"synced: digest check matches", Phase::synced, [] { return digest_check(kSnapSeq, digest_of(2), 2); },
         EventKind::digest_check, {}, Phase::synced, {}},
        {"synced: digest check differs", Phase::synced, [] { return digest_check(kSnapSeq, 1, 2); },
         EventKind::digest_check, {}, Phase::resync_wait, {"send resync_request"}},
        {"synced: digest check at another seq", Phase::synced, [] { return digest_check(kSnapSeq + 1, 1, 2); },
         EventKind::digest_check, {}, Phase::synced, {}},
        {"synced: stray snapshot entries", Phase::synced,
         [] { return batch(wire::Type::snapshot_entries, kSnapSeq, 0, {entry(5)}); }, EventKind::snapshot_entries,
         {}, Phase::resync_wait, {"send resync_request"}},
        {"synced: operator", Phase::synced, nullptr, EventKind::resync_now, {}, Phase::resync_wait,
         {"send resync_request"}},
        {"synced: turned Master", Phase::synced, nullptr, EventKind::to_master, {}, Phase::idle, {}},
        {"synced: session down", Phase::synced, nullptr, EventKind::down, {}, Phase::idle, {}},
        {"resync_wait: timer early", Phase::resync_wait, nullptr, EventKind::timer, std::chrono::milliseconds(999),
         Phase::resync_wait, {}},
        {"resync_wait: timer due", Phase::resync_wait, nullptr, EventKind::timer, std::chrono::milliseconds(1000),
         Phase::resync_wait, {"send resync_request"}},
        {"resync_wait: one request until the snapshot", Phase::resync_wait,
         [] { return batch(wire::Type::delta, kSnapSeq + 9, kSnapSeq + 5, {}); }, EventKind::delta, {},
         Phase::resync_wait, {}},
        {"resync_wait: the stream goes on meanwhile", Phase::resync_wait,
         [] { return batch(wire::Type::delta, kSnapSeq + 1, kSnapSeq + 1, {entry(3)}); }, EventKind::delta, {},
         Phase::resync_wait, {"send ack"}},
        {"resync_wait: operator asks again", Phase::resync_wait, nullptr, EventKind::resync_now, {},
         Phase::resync_wait, {"send resync_request"}},
        {"resync_wait: the snapshot begins", Phase::resync_wait, [] { return snapshot_begin(2, 300); },
         EventKind::snapshot_begin, {}, Phase::snapshot_in, {}},
    };
    for (const Row& r : rows) {
        SCOPED_TRACE(r.name);
        now = T0;
        stats = ProfileStats{};
        store.rows.clear();
        arp = std::make_unique<arp::Service>(arp::Options{}, store, sink);
        arp->add_interface({kOurIf, kUserIf, Mac{{0x02, 0xee, 0, 0, 0, 5}}, *Prefix::parse("10.255.255.254/8")});
        rx = std::make_unique<rx::Receiver>(opts, *arp, stats);
        reach(r.from);
        if (r.hello_first) step(EventKind::hello, hello(7));
        ASSERT_EQ(rx->phase(), r.from);
        now += r.after;
        const wire::Message m = r.make ? r.make() : wire::Message{};
        const rx::Actions out = step(r.event, r.make ? &m : nullptr);
        std::vector<std::string> got;
        for (const auto& a : out)
            got.push_back(kind_of(a));
        EXPECT_EQ(rx->phase(), r.to) << rx::name(rx->phase()).json;
        EXPECT_EQ(got, r.actions);
    }
}

TEST_F(ReceiverTest, AnAckCarriesTheHeldSeqAndTheReceivedDigest) {
    reach(Phase::snapshot_in);
    step(EventKind::snapshot_entries, batch(wire::Type::snapshot_entries, kSnapSeq, 0, {entry(0), entry(1)}));
    const rx::Actions out = step(EventKind::snapshot_end, snapshot_end(digest_of(2), 2));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, wire::Type::ack);
    EXPECT_EQ(out[0].msg.seq, kSnapSeq);
    EXPECT_EQ(std::get<wire::Ack>(out[0].msg.body).digest, digest_of(2));
    EXPECT_EQ(std::get<wire::Ack>(out[0].msg.body).entries, 2u);
    EXPECT_TRUE(rx->in_sync());
    ASSERT_TRUE(rx->held());
    EXPECT_EQ(rx->held()->epoch, kEpoch);
    EXPECT_EQ(rx->held()->applied, kSnapSeq);
    EXPECT_EQ(store.rows.size(), 2u);
}

TEST_F(ReceiverTest, SynchronisedOnlyOncePerSessionAndNotAfterTurningMaster) {
    reach(Phase::synced);
    EXPECT_TRUE(rx->synced());
    step(EventKind::to_master);
    EXPECT_FALSE(rx->synced());
    EXPECT_FALSE(rx->held()); // a device that has been Master asks for a full batch
    step(EventKind::to_slave);
    EXPECT_EQ(rx->phase(), Phase::waiting);
    EXPECT_EQ(rx->size(), 2u); // kept for the next snapshot's stale sweep
}

TEST_F(ReceiverTest, AResumeCompletesOnTheHelloWhenNothingIsMissing) {
    reach(Phase::synced);
    step(EventKind::down);
    step(EventKind::up);
    EXPECT_EQ(rx->phase(), Phase::waiting);
    EXPECT_FALSE(rx->synced());
    step(EventKind::hello, hello(kSnapSeq));
    EXPECT_EQ(rx->phase(), Phase::synced);
    EXPECT_TRUE(rx->synced());
    EXPECT_EQ(stats.get(ProfileCounter::resumes), 1u);
}

TEST_F(ReceiverTest, AResumeByDeltasCompletesAtTheHellosSeq) {
    reach(Phase::synced);
    step(EventKind::down);
    step(EventKind::up);
    step(EventKind::hello, hello(kSnapSeq + 5));
    EXPECT_EQ(rx->phase(), Phase::waiting);
    auto out = step(EventKind::delta, batch(wire::Type::delta, kSnapSeq + 2, kSnapSeq + 1, {entry(2)}));
    EXPECT_EQ(rx->phase(), Phase::waiting);
    ASSERT_EQ(out.size(), 1u);
    out = step(EventKind::delta, batch(wire::Type::delta, kSnapSeq + 5, kSnapSeq + 3, {entry(3)}));
    EXPECT_EQ(rx->phase(), Phase::synced);
    EXPECT_EQ(rx->size(), 4u);
}

TEST_F(ReceiverTest, AnotherEpochCannotResume) {
    reach(Phase::synced);
    step(EventKind::down);
    step(EventKind::up);
    step(EventKind::hello, hello(kSnapSeq, kEpoch + 1)); // the Master restarted
    EXPECT_EQ(rx->phase(), Phase::waiting);
    const auto out = step(EventKind::delta, batch(wire::Type::delta, kSnapSeq + 1, kSnapSeq + 1, {}));
    EXPECT_EQ(rx->phase(), Phase::resync_wait);
    EXPECT_EQ(stats.get(ProfileCounter::gaps), 1u);
    ASSERT_EQ(out.size(), 1u);
}

TEST_F(ReceiverTest, TheResyncRetryIsTheOnlyDeadline) {
    reach(Phase::synced);
    EXPECT_FALSE(rx->next_deadline());
    step(EventKind::resync_now);
    ASSERT_TRUE(rx->next_deadline());
    EXPECT_EQ(*rx->next_deadline(), now + std::chrono::seconds(1));
    step(EventKind::snapshot_begin, snapshot_begin(0, 400));
    EXPECT_FALSE(rx->next_deadline());
}


// ---- the received set lives in the ARP service's entries ---------------------

TEST_F(ReceiverTest, InstalledEntriesCostNothingBesideTheArpTable) {
    reach(Phase::snapshot_in);
    std::vector<wire::Entry> es;
    for (uint32_t i = 0; i < 1000; ++i)
        es.push_back(entry(i));
    step(EventKind::snapshot_entries, batch(wire::Type::snapshot_entries, kSnapSeq, 0, es));
    step(EventKind::snapshot_end, snapshot_end(digest_of(1000), 1000));
    EXPECT_TRUE(rx->in_sync());
    EXPECT_EQ(rx->size(), 1000u);
    EXPECT_EQ(rx->held_apart(), 0u);
    EXPECT_EQ(arp->size(), 1000u);
}

TEST_F(ReceiverTest, RefusedInstallsAreStillReceived) {
    reach(Phase::snapshot_in);
    // Outside our /8, and our own interface address: the ARP service refuses both.
    wire::Entry outside{wire::Op::add, 0, kPeerIf, Ipv4{(11u << 24) + 7}, host_mac(7), 600};
    wire::Entry ours{wire::Op::add, 0, kPeerIf, *Ipv4::parse("10.255.255.254"), host_mac(8), 600};
    step(EventKind::snapshot_entries, batch(wire::Type::snapshot_entries, kSnapSeq, 0, {entry(0), outside, ours}));
    Table master;
    master.set_interface(0, kUserIf);
    master.upsert(0, host_ip(0), host_mac(0));
    master.upsert(0, outside.ip, outside.mac);
    master.upsert(0, ours.ip, ours.mac);
    step(EventKind::snapshot_end, snapshot_end(master.digest(), 3));
    EXPECT_TRUE(rx->in_sync());
    EXPECT_EQ(rx->digest(), master.digest());
    EXPECT_EQ(rx->size(), 3u);
    EXPECT_EQ(rx->held_apart(), 2u);
    EXPECT_EQ(stats.get(ProfileCounter::install_refused), 2u);
    // The Master deletes one: it leaves the received set, wherever it was kept.
    step(EventKind::delta, batch(wire::Type::delta, kSnapSeq + 1, kSnapSeq + 1,
                                 {{wire::Op::remove, 0, kPeerIf, outside.ip, Mac{}, 0}}));
    master.remove(0, outside.ip);
    EXPECT_EQ(rx->digest(), master.digest());
    EXPECT_EQ(rx->held_apart(), 1u);
}

TEST_F(ReceiverTest, WhatThisDeviceChangesLocallyStaysReceived) {
    reach(Phase::synced); // hosts 0 and 1
    const uint64_t received = rx->digest();
    // A static entry replaces host 0; host 1 ages out here before the Master says anything.
    ASSERT_EQ(arp->add_static(kOurIf, host_ip(0), host_mac(0, 0x55), now), arp::Status::ok);
    now += std::chrono::hours(1);
    arp->tick(now);
    for (int i = 0; i < 100 && arp->find(kOurIf, host_ip(1)); ++i) {
        now += std::chrono::seconds(10);
        arp->tick(now);
    }
    ASSERT_FALSE(arp->find(kOurIf, host_ip(1)));
    EXPECT_EQ(rx->digest(), received); // what was received did not change
    EXPECT_EQ(rx->size(), 2u);
    EXPECT_EQ(rx->held_apart(), 2u);
    auto out = step(EventKind::digest_check, digest_check(kSnapSeq, digest_of(2), 2));
    EXPECT_TRUE(out.empty());
    EXPECT_TRUE(rx->in_sync());
    // The Master re-sends host 1: back in the ARP service, nothing kept apart for it.
    step(EventKind::delta, batch(wire::Type::delta, kSnapSeq + 1, kSnapSeq + 1, {entry(1)}));
    EXPECT_EQ(rx->digest(), received);
    EXPECT_EQ(rx->held_apart(), 1u);
    EXPECT_TRUE(arp->find(kOurIf, host_ip(1)));
}

TEST_F(ReceiverTest, ASnapshotRemovesWhatItDidNotCarryWhereverItWasKept) {
    reach(Phase::synced); // hosts 0 and 1 installed
    step(EventKind::delta, batch(wire::Type::delta, kSnapSeq + 1, kSnapSeq + 1,
                                 {{wire::Op::add, 0, kPeerIf, Ipv4{(11u << 24) + 7}, host_mac(7), 600}}));
    EXPECT_EQ(rx->held_apart(), 1u);
    // The next snapshot carries host 1 (with a new MAC) and host 2 only.
    step(EventKind::snapshot_begin, snapshot_begin(2, 200));
    step(EventKind::snapshot_entries,
         batch(wire::Type::snapshot_entries, 200, 0, {entry(1, wire::Op::add, 9), entry(2)}));
    step(EventKind::snapshot_end, snapshot_end(0, 2, 200));
    Table master;
    master.set_interface(0, kUserIf);
    master.upsert(0, host_ip(1), host_mac(1, 9));
    master.upsert(0, host_ip(2), host_mac(2));
    EXPECT_EQ(rx->digest(), master.digest());
    EXPECT_EQ(rx->size(), 2u);
    EXPECT_EQ(rx->held_apart(), 0u);
    EXPECT_FALSE(arp->find(kOurIf, host_ip(0)));
    ASSERT_TRUE(arp->find(kOurIf, host_ip(1)));
    EXPECT_EQ(arp->find(kOurIf, host_ip(1))->mac, host_mac(1, 9));
    EXPECT_EQ(stats.get(ProfileCounter::entries_removed), 1u); // host 0 (host 7 was never installed)
}

TEST_F(ReceiverTest, ASecondReceiverOnTheSameServiceKeepsItsSetApart) {
    ProfileStats other_stats;
    ProfileOptions o = opts;
    o.backup_id = kBackupId + 1;
    rx::Receiver other(o, *arp, other_stats);
    reach(Phase::synced);
    EXPECT_EQ(rx->held_apart(), 0u);
    other.handle(rx::Event::of(EventKind::up), now);
    wire::Message h = hello(kSnapSeq);
    h.backup_id = o.backup_id;
    other.handle(rx::Event::of(EventKind::hello, &h), now);
    wire::Message b = snapshot_begin(1);
    b.backup_id = o.backup_id;
    other.handle(rx::Event::of(EventKind::snapshot_begin, &b), now);
    wire::Message es = batch(wire::Type::snapshot_entries, kSnapSeq, 0, {entry(0)});
    other.handle(rx::Event::of(EventKind::snapshot_entries, &es), now);
    wire::Message e = snapshot_end(digest_of(1), 1);
    other.handle(rx::Event::of(EventKind::snapshot_end, &e), now);
    EXPECT_TRUE(other.in_sync());
    EXPECT_EQ(other.held_apart(), 1u);
    EXPECT_EQ(rx->digest(), digest_of(2)); // the first one's set is untouched
}

} // namespace
} // namespace wg::sync::test
