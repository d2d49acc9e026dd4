// The Master side's phase machine (sync/sender.hpp) alone: events in, frames
// out, no channel (its backlog is a number in each event); a real ARP
// service over a map store; time is a variable. One table row per (phase,
// event): the phase after it and the frame types sent, in order.
#include "sync/sender.hpp"

#include "profile_support.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace wg::sync::test {
namespace {

using tx::EventKind;
using tx::Phase;

constexpr uint32_t kBackupId = 10;
constexpr uint64_t kEpoch = 0xA;
constexpr uint16_t kIf = 0;

wire::Message hello(wire::Role role, uint64_t held_epoch = 0, uint64_t held_seq = 0) {
    wire::Message m;
    m.type = wire::Type::hello;
    m.backup_id = kBackupId;
    wire::Hello h;
    h.role = role;
    h.epoch = 0xB;
    h.held_epoch = held_epoch;
    h.held_seq = held_seq;
    m.body = h;
    return m;
}

wire::Message ack(uint64_t seq, uint64_t digest, uint32_t n) {
    wire::Message m;
    m.type = wire::Type::ack;
    m.backup_id = kBackupId;
    m.seq = seq;
    m.body = wire::Ack{digest, n};
    return m;
}

wire::Message resync() {
    wire::Message m;
    m.type = wire::Type::resync_request;
    m.backup_id = kBackupId;
    m.body = wire::ResyncRequest{wire::ResyncReason::digest_mismatch};
    return m;
}

class SenderTest : public ::testing::Test, public arp::ChangeListener {
  protected:
    SenderTest() { reset(); }

    void reset() {
        now = T0;
        stats = ProfileStats{};
        store.rows.clear();
        tx.reset();
        arp = std::make_unique<arp::Service>(arp::Options{}, store, sink);
        arp->add_interface({kIf, kUserIf, Mac{{0x02, 0xee, 0, 0, 0, 0}}, *Prefix::parse("10.0.0.1/8")});
        arp->set_change_listener(this);
        opts.backup_id = kBackupId;
        opts.ifnames = {{kIf, kUserIf}};
        opts.interfaces = {kUserIf};
        opts.digest_interval_ms = 1000;
        opts.batch_max_delay_ms = 2;
        opts.batch_max_entries = 512;
        tx = std::make_unique<tx::Sender>(opts, kEpoch, *arp, stats, Channel::kHighWater);
        sent.clear();
    }

    // arp::ChangeListener: what the profile does with every change.
    void on_change(const arp::Change& c) override {
        tx::Event ev;
        ev.kind = EventKind::change;
        ev.change = &c;
        record(tx->handle(ev, now));
    }

    void record(const tx::Actions& acts) {
        for (const auto& a : acts) {
            std::span<const uint8_t> rest(a.frames);
            while (!rest.empty()) {
                wire::DecodeError err{};
                const size_t n = wire::frame_size(rest, err);
                ASSERT_NE(n, 0u);
                wire::Message m;
                ASSERT_EQ(wire::decode(rest.first(n), m), wire::DecodeError::ok);
                sent.push_back(wire::to_string(m.type));
                last.push_back(m);
                rest = rest.subspan(n);
            }
        }
    }

    std::vector<std::string> step(EventKind k, const wire::Message* m = nullptr, size_t queued = 0) {
        sent.clear();
        tx::Event ev;
        ev.kind = k;
        ev.msg = m;
        ev.queued = queued;
        record(tx->handle(ev, now));
        return sent;
    }
    std::vector<std::string> step(EventKind k, const wire::Message& m, size_t queued = 0) {
        return step(k, &m, queued);
    }

    void learn(uint32_t i) {
        arp->on_frame(kIf, arp::encode(arp::request(host_mac(i), host_ip(i), *Ipv4::parse("10.0.0.1"))), now);
    }

    // Brings the sender to `p` the ordinary way (two entries in the table).
    void reach(Phase p) {
        learn(0);
        learn(1);
        if (p == Phase::idle) return;
        step(EventKind::to_master);
        step(EventKind::up);
        if (p == Phase::hello_wait) return;
        if (p == Phase::snapshot) { // held by backpressure after snapshot_begin
            step(EventKind::hello, hello(wire::Role::slave), Channel::kHighWater + 1);
            return;
        }
        if (p == Phase::draining) { // a resume with keys to send, held by backpressure
            const uint64_t point = tx->seen_seq();
            learn(2);
            step(EventKind::hello, hello(wire::Role::slave, kEpoch, point), Channel::kHighWater + 1);
            return;
        }
        step(EventKind::hello, hello(wire::Role::slave));
    }

    Time now = T0;
    MapStore store;
    NullSink sink;
    std::unique_ptr<arp::Service> arp;
    ProfileOptions opts;
    ProfileStats stats;
    std::unique_ptr<tx::Sender> tx;
    std::vector<std::string> sent;
    std::vector<wire::Message> last;
};

struct Row {
    const char* name;
    Phase from;
    std::function<wire::Message()> make; // null: no message
    EventKind event;
    std::chrono::milliseconds after{0};
    Phase to;
    std::vector<std::string> frames;
    size_t queued = 0;
};

TEST_F(SenderTest, EveryPhaseAndEvent) {
    using S = std::vector<std::string>;
    const S snapshot = {"snapshot_begin", "snapshot_entries", "snapshot_end"};
    const std::vector<Row> rows = {
        {"idle: up as Slave", Phase::idle, nullptr, EventKind::up, {}, Phase::idle, {}},
        {"idle: Master without a session", Phase::idle, nullptr, EventKind::to_master, {}, Phase::idle, {}},
        {"hello_wait: a Slave that holds nothing", Phase::hello_wait,
         [] { return hello(wire::Role::slave); }, EventKind::hello, {}, Phase::streaming, snapshot},
        {"hello_wait: another Master", Phase::hello_wait, [] { return hello(wire::Role::master); },
         EventKind::hello, {}, Phase::hello_wait, {}},
        {"hello_wait: a Slave that holds our stream", Phase::hello_wait,
         [] { return hello(wire::Role::slave, kEpoch, 2); }, EventKind::hello, {}, Phase::streaming,
         {"delta", "digest_check"}},
        {"hello_wait: a Slave of another epoch", Phase::hello_wait,
         [] { return hello(wire::Role::slave, kEpoch + 1, 2); }, EventKind::hello, {}, Phase::streaming, snapshot},
        {"hello_wait: timer", Phase::hello_wait, nullptr, EventKind::timer, std::chrono::seconds(5),
         Phase::hello_wait, {}},
        {"snapshot: drained", Phase::snapshot, nullptr, EventKind::writable, {}, Phase::streaming,
         {"snapshot_entries", "snapshot_end"}},
        {"snapshot: still above high water", Phase::snapshot, nullptr, EventKind::timer,
         std::chrono::milliseconds(10), Phase::snapshot, {}, Channel::kHighWater + 1},
        {"snapshot: a resync request is answered by it", Phase::snapshot, [] { return resync(); },
         EventKind::resync_request, {}, Phase::snapshot, {}, Channel::kHighWater + 1},
        {"snapshot: the Slave turns Master", Phase::snapshot, [] { return hello(wire::Role::master); },
         EventKind::hello, {}, Phase::hello_wait, {}},
        {"draining: drained", Phase::draining, nullptr, EventKind::writable, {}, Phase::streaming,
         {"delta", "digest_check"}},
        {"draining: session down", Phase::draining, nullptr, EventKind::down, {}, Phase::idle, {}},
        {"streaming: digest interval", Phase::streaming, nullptr, EventKind::timer, std::chrono::milliseconds(1000),
         Phase::streaming, {"digest_check"}},
        {"streaming: nothing due", Phase::streaming, nullptr, EventKind::timer, std::chrono::milliseconds(999),
         Phase::streaming, {}},
        {"streaming: resync request", Phase::streaming, [] { return resync(); }, EventKind::resync_request, {},
         Phase::streaming, snapshot},
        {"streaming: operator", Phase::streaming, nullptr, EventKind::snapshot_now, {}, Phase::streaming, snapshot},
        {"streaming: turned Slave", Phase::streaming, nullptr, EventKind::to_slave, {}, Phase::idle, {}},
        {"streaming: session down", Phase::streaming, nullptr, EventKind::down, {}, Phase::idle, {}},
    };
    for (const Row& r : rows) {
        SCOPED_TRACE(r.name);
        reset();
        reach(r.from);
        ASSERT_EQ(tx->phase(), r.from) << tx::name(tx->phase()).json;
        now += r.after;
        const wire::Message m = r.make ? r.make() : wire::Message{};
        const auto got = step(r.event, r.make ? &m : nullptr, r.queued);
        EXPECT_EQ(tx->phase(), r.to) << tx::name(tx->phase()).json;
        EXPECT_EQ(got, r.frames);
    }
}

TEST_F(SenderTest, ChangesCoalesceIntoABatchAtItsDeadline) {
    reach(Phase::streaming);
    sent.clear();
    learn(5);
    learn(5); // the same host twice: one entry
    learn(6);
    EXPECT_TRUE(sent.empty()); // below batch_max_entries: nothing yet
    now += std::chrono::milliseconds(1);
    EXPECT_TRUE(step(EventKind::timer).empty());
    now += std::chrono::milliseconds(1);
    last.clear();
    EXPECT_EQ(step(EventKind::timer), std::vector<std::string>{"delta"});
    ASSERT_EQ(last.size(), 1u);
    EXPECT_EQ(std::get<wire::Batch>(last[0].body).entries.size(), 2u);
    EXPECT_EQ(last[0].seq, tx->seen_seq());
}

TEST_F(SenderTest, InSyncOnceTheSnapshotIsAckedWithItsDigest) {
    reach(Phase::streaming);
    EXPECT_FALSE(tx->in_sync());
    const uint64_t seq = tx->seen_seq();
    step(EventKind::ack, ack(seq, tx->digest() + 1, 2));
    EXPECT_FALSE(tx->in_sync()); // another digest
    step(EventKind::snapshot_now);
    step(EventKind::ack, ack(seq, tx->digest(), 2));
    EXPECT_TRUE(tx->in_sync());
    EXPECT_EQ(tx->peer_digest(), tx->digest());
}

TEST_F(SenderTest, AFlappingMasterResumesFromWhatTheSlaveAcked) {
    reach(Phase::streaming);
    step(EventKind::ack, ack(tx->seen_seq(), tx->digest(), 2));
    step(EventKind::to_slave);
    EXPECT_EQ(tx->phase(), Phase::idle);
    learn(7); // its own learning while Slave goes into the log
    const auto out = step(EventKind::to_master);
    EXPECT_EQ(out, (std::vector<std::string>{"delta", "digest_check"}));
    EXPECT_EQ(tx->phase(), Phase::streaming);
    EXPECT_EQ(stats.get(ProfileCounter::resumes), 1u);
}

TEST_F(SenderTest, MissedChangesForceASnapshotAtTheNextTick) {
    reach(Phase::streaming);
    arp::Change c;
    c.seq = tx->seen_seq() + 5; // four changes never seen
    c.ifindex = kIf;
    c.ip = host_ip(9);
    c.mac = host_mac(9);
    tx::Event ev;
    ev.kind = EventKind::change;
    ev.change = &c;
    record(tx->handle(ev, now));
    ASSERT_TRUE(tx->next_deadline());
    EXPECT_LE(*tx->next_deadline(), now);
    EXPECT_EQ(step(EventKind::timer), (std::vector<std::string>{"snapshot_begin", "snapshot_entries",
                                                                "snapshot_end"}));
    EXPECT_EQ(stats.get(ProfileCounter::changes_missed), 4u);
}

TEST_F(SenderTest, APauseIsCountedOnceAndRetriedByTheTick) {
    reach(Phase::snapshot);
    EXPECT_EQ(stats.get(ProfileCounter::backpressure_pauses), 1u);
    ASSERT_TRUE(tx->next_deadline());
    EXPECT_EQ(*tx->next_deadline(), now + std::chrono::milliseconds(10));
    now += std::chrono::milliseconds(10);
    EXPECT_EQ(step(EventKind::timer), (std::vector<std::string>{"snapshot_entries", "snapshot_end"}));
    EXPECT_EQ(stats.get(ProfileCounter::backpressure_pauses), 1u);
}

} // namespace
} // namespace wg::sync::test
