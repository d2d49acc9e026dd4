// The remote-backup profile under faults: link cuts mid-snapshot and
// mid-delta, resume vs snapshot, restarts, lost and corrupted frames,
// missed ARP changes, protocol errors, and a seeded random mix. After every
// fault the Slave's table must end equal to the Master's: nothing lost.
#include "tests/sync/profile_support.hpp"

#include <random>

namespace wg::sync::test {
namespace {

using C = ProfileCounter;

class FaultTest : public PairTest {
  protected:
    // A synced pair with n entries.
    void synced_pair(uint32_t n) {
        start();
        for (uint32_t i = 0; i < n; ++i)
            a.learn(i, now);
        link.connect();
        settle();
        ASSERT_EQ(b.table().size(), n);
    }
    void reconnect() {
        link.cut_at_byte.reset();
        link.cut_after_frame.reset();
        link.tamper = nullptr;
        link.connect();
        settle();
    }
};

TEST_F(FaultTest, CutMidSnapshotThenAFullBatchAgain) {
    a.popts.snapshot_chunk = 1000;
    start();
    for (uint32_t i = 0; i < 20000; ++i)
        a.learn(i, now);
    link.cut_at_byte = 100000; // about 7 of the 20 entry frames
    link.connect();
    settle();
    ASSERT_FALSE(link.is_up());
    const size_t partial = b.table().size();
    EXPECT_GT(partial, 0u);
    EXPECT_LT(partial, 20000u);
    EXPECT_FALSE(b.profile->preempt_hold()); // no session
    a.learn(30000, now);                     // changes while down
    a.forget(5, now);
    reconnect();
    EXPECT_EQ(a.count(C::snapshots_sent), 2u); // an incomplete snapshot cannot be resumed
    EXPECT_EQ(a.count(C::resumes), 0u);
    expect_converged();
    EXPECT_EQ(b.table().size(), 20000u);
    EXPECT_TRUE(b.profile->in_sync());
}

TEST_F(FaultTest, CutMidDeltaStreamThenResume) {
    synced_pair(1000);
    link.cut_after_frame = link.frames + 5; // a few batches and acks get through
    for (uint32_t i = 1000; i < 6000; ++i)
        a.learn(i, now);
    settle();
    ASSERT_FALSE(link.is_up());
    const size_t got = b.table().size();
    EXPECT_GT(got, 1000u);
    EXPECT_LT(got, 6000u);
    // More while down: adds, moves, removals of entries B has.
    for (uint32_t i = 6000; i < 6500; ++i)
        a.learn(i, now);
    for (uint32_t i = 0; i < 200; ++i)
        a.learn(i, now, 2);
    for (uint32_t i = 200; i < 300; ++i)
        a.forget(i, now);
    reconnect();
    EXPECT_EQ(a.count(C::resumes), 1u);
    EXPECT_EQ(b.count(C::resumes), 1u);
    EXPECT_EQ(a.count(C::snapshots_sent), 1u);
    EXPECT_EQ(b.count(C::gaps), 0u);
    expect_converged();
    EXPECT_EQ(b.table().size(), 6500u - 100u);
    EXPECT_TRUE(a.profile->in_sync());
    EXPECT_TRUE(b.profile->in_sync());
}

TEST_F(FaultTest, CutDuringTheResumeItselfResumesAgain) {
    synced_pair(100);
    link.cut();
    link.deliver();
    for (uint32_t i = 100; i < 3100; ++i) // six 512-entry batches to resend
        a.learn(i, now);
    link.cut_after_frame = 5; // hellos + three of them
    link.connect();
    settle();
    ASSERT_FALSE(link.is_up());
    EXPECT_GT(b.table().size(), 100u);
    reconnect();
    EXPECT_EQ(a.count(C::resumes), 2u);
    EXPECT_EQ(a.count(C::snapshots_sent), 1u);
    expect_converged();
}

// Only changes that are not replicated (a static entry) while down: the
// resume has nothing to send, yet the Slave must learn it is current.
TEST_F(FaultTest, ResumeWithNothingToSendStillCompletes) {
    synced_pair(20);
    link.cut();
    link.deliver();
    ASSERT_EQ(a.arp->add_static(0, host_ip(500), host_mac(500), now), arp::Status::ok);
    link.connect();
    settle();
    EXPECT_FALSE(b.profile->preempt_hold());
    EXPECT_EQ(b.holds, (std::vector<bool>{true, false, true, false})); // held again until the resume completed
    EXPECT_EQ(a.count(C::resumes), 1u);
    EXPECT_EQ(b.count(C::resumes), 1u);
    EXPECT_TRUE(a.profile->in_sync());
    EXPECT_TRUE(b.profile->in_sync());
    expect_converged();
}

// The Master's group flaps (Master → Backup → Master) while its snapshot is
// on the way: the snapshot is abandoned, and the Slave, whose held stream
// the snapshot invalidated, must get a new one rather than a resume.
TEST_F(FaultTest, RoleFlapMidSnapshotStartsOver) {
    a.popts.snapshot_chunk = 100;
    synced_pair(1000);
    link.a.extra_queued = Channel::kHighWater + 1; // the snapshot pauses after its begin
    std::string why;
    ASSERT_TRUE(a.profile->batch_backup_now(why));
    link.deliver();
    a.profile->set_role(Role::slave);
    a.profile->set_role(Role::master);
    link.a.extra_queued = 0;
    a.learn(2000, now);
    settle();
    EXPECT_EQ(a.count(C::snapshots_sent), 3u);
    EXPECT_EQ(a.count(C::resumes), 0u);
    expect_converged();
    EXPECT_TRUE(a.profile->in_sync());
    EXPECT_TRUE(b.profile->in_sync());
}

TEST_F(FaultTest, LogTooShortMeansASnapshotWithStaleRemoval) {
    a.popts.log_entries = 16;
    synced_pair(100);
    link.cut();
    link.deliver();
    for (uint32_t i = 0; i < 40; ++i)
        a.forget(i, now); // B holds these: the snapshot's stale sweep must remove them
    for (uint32_t i = 100; i < 120; ++i)
        a.learn(i, now);
    reconnect();
    EXPECT_EQ(a.count(C::resumes), 0u);
    EXPECT_EQ(a.count(C::snapshots_sent), 2u);
    EXPECT_EQ(b.count(C::entries_removed), 40u);
    expect_converged();
    EXPECT_EQ(b.table().size(), 80u);
}

TEST_F(FaultTest, SlaveRestartGetsAFullBatch) {
    synced_pair(500);
    link.cut();
    link.deliver();
    restart(b, Role::slave); // new process: empty ARP table, no held stream
    EXPECT_TRUE(b.table().empty());
    a.learn(900, now);
    reconnect();
    EXPECT_EQ(a.count(C::snapshots_sent), 2u);
    EXPECT_EQ(b.count(C::snapshots_received), 1u);
    EXPECT_EQ(b.count(C::entries_installed), 501u);
    expect_converged();
}

TEST_F(FaultTest, MasterRestartSendsAFullBatchAndStaleEntriesGo) {
    synced_pair(300);
    link.cut();
    link.deliver();
    a.popts.epoch = 0xA2; // a new process: a new stream
    restart(a, Role::master);
    for (uint32_t i = 0; i < 400; ++i) // more changes than B's held seq: only the epoch tells
        a.learn(i + 50, now);
    reconnect();
    EXPECT_EQ(a.count(C::resumes), 0u);
    EXPECT_EQ(a.count(C::snapshots_sent), 1u);
    EXPECT_EQ(b.count(C::entries_removed), 50u); // hosts 0..49 the new Master does not have
    expect_converged();
}

TEST_F(FaultTest, CorruptedEntryIsCaughtByTheDigestAndRepaired) {
    synced_pair(50);
    link.tamper = [](int side, std::vector<uint8_t>& f) {
        wire::Type t{};
        uint32_t id = 0;
        uint64_t seq = 0;
        if (side == 0 && wire::decode_header(f, t, id, seq) == wire::DecodeError::ok &&
            t == wire::Type::delta && f.size() > 43)
            f[43] ^= 0x55; // last MAC byte of the first entry: decodes fine, wrong content
        return true;
    };
    a.learn(3, now, 9);
    settle(10);
    EXPECT_NE(b.arp->find(b.ifindex(kUserIf), host_ip(3))->mac, host_mac(3, 9));
    EXPECT_FALSE(a.profile->in_sync()); // the ack's digest differs
    link.tamper = nullptr;
    advance(1s); // digest check
    settle();
    EXPECT_EQ(b.count(C::digest_mismatches), 1u);
    EXPECT_EQ(b.count(C::resyncs_requested), 1u);
    EXPECT_EQ(a.count(C::snapshots_sent), 2u);
    expect_converged();
    EXPECT_EQ(b.arp->find(b.ifindex(kUserIf), host_ip(3))->mac, host_mac(3, 9));
    EXPECT_TRUE(a.profile->in_sync());
    EXPECT_TRUE(b.profile->in_sync());
}

TEST_F(FaultTest, LostBatchIsAGapAndRepaired) {
    synced_pair(50);
    bool dropped = false;
    link.tamper = [&](int side, std::vector<uint8_t>& f) {
        wire::Type t{};
        uint32_t id = 0;
        uint64_t seq = 0;
        if (side == 0 && !dropped && wire::decode_header(f, t, id, seq) == wire::DecodeError::ok &&
            t == wire::Type::delta)
            return !(dropped = true);
        return true;
    };
    a.learn(60, now);
    advance(2ms);
    a.learn(61, now);
    settle();
    EXPECT_TRUE(dropped);
    EXPECT_EQ(b.count(C::gaps), 1u);
    EXPECT_EQ(b.count(C::resyncs_requested), 1u);
    EXPECT_EQ(a.count(C::snapshots_sent), 2u);
    expect_converged();
    EXPECT_TRUE(b.arp->find(b.ifindex(kUserIf), host_ip(60)));
}

// The digests compare the replication streams (what the Master sent, what the
// Slave received), not the Slave's ARP table, which legitimately drifts (its
// own aging and probing of synced entries, link flushes). Damage to the
// Slave's table is repaired by a batch backup.
TEST_F(FaultTest, SlaveTableDamageIsRepairedByABatchBackup) {
    synced_pair(50);
    ASSERT_TRUE(b.arp->remove_synced(b.ifindex(kUserIf), host_ip(3), now));
    advance(1s);
    settle();
    EXPECT_EQ(b.count(C::digest_mismatches), 0u);
    EXPECT_FALSE(b.arp->find(b.ifindex(kUserIf), host_ip(3)));
    std::string why;
    ASSERT_TRUE(b.profile->batch_backup_now(why));
    settle();
    expect_converged();
    EXPECT_TRUE(b.arp->find(b.ifindex(kUserIf), host_ip(3)));
}

TEST_F(FaultTest, MissedArpChangesForceASnapshot) {
    synced_pair(10);
    a.arp->set_change_listener(nullptr); // the adapter lost one change
    a.learn(100, now);
    a.arp->set_change_listener(a.profile.get());
    a.learn(101, now);
    EXPECT_EQ(a.count(C::changes_missed), 1u);
    settle();
    EXPECT_EQ(a.count(C::snapshots_sent), 2u);
    expect_converged();
    EXPECT_TRUE(b.arp->find(b.ifindex(kUserIf), host_ip(100)));
}

TEST_F(FaultTest, ProtocolErrorsFailTheChannel) {
    start();
    link.connect();
    settle();
    auto frame = [](wire::Type t, uint32_t backup_id, wire::Body body) {
        wire::Message m;
        m.type = t;
        m.backup_id = backup_id;
        m.body = std::move(body);
        std::vector<uint8_t> out;
        wire::encode(m, out);
        return out;
    };
    b.profile->on_frame(frame(wire::Type::ack, 11, wire::Ack{}));
    ASSERT_EQ(link.failures.size(), 1u);
    EXPECT_EQ(link.failures[0],
              "remote-backup-profile profile1: frame for backup-id 11, this profile is backup-id 10");
    settle();
    reconnect();
    auto v2 = frame(wire::Type::ack, 10, wire::Ack{});
    v2[4] = 2; // version
    b.profile->on_frame(v2);
    ASSERT_EQ(link.failures.size(), 2u);
    EXPECT_NE(link.failures[1].find("unsupported protocol version"), std::string::npos) << link.failures[1];
    settle();
    // A fresh session: data before the peer's hello.
    link.connect();
    b.profile->on_frame(frame(wire::Type::snapshot_begin, 10, wire::SnapshotBegin{}));
    ASSERT_EQ(link.failures.size(), 3u);
    EXPECT_NE(link.failures[2].find("before the peer's hello"), std::string::npos) << link.failures[2];
    wire::Hello old;
    old.max_version = 0;
    a.profile->on_frame(frame(wire::Type::hello, 10, old));
    ASSERT_EQ(link.failures.size(), 4u);
    EXPECT_NE(link.failures[3].find("version 0"), std::string::npos) << link.failures[3];
    EXPECT_EQ(b.count(C::protocol_errors), 3u);
    settle();
    reconnect();
    expect_converged();
}

// A seeded mix of changes, cuts at random bytes, Slave restarts and delays;
// after each round the pair converges.
TEST_F(FaultTest, RandomFaultsAlwaysConverge) {
    a.popts.log_entries = 3000;
    a.popts.batch_max_entries = 64;
    a.popts.snapshot_chunk = 200;
    synced_pair(500);
    std::mt19937 rng(12345);
    auto pick = [&](uint32_t n) { return uint32_t(rng() % n); };
    for (int round = 0; round < 40; ++round) {
        if (pick(3) == 0) link.cut_at_byte = link.bytes + 20 + pick(20000);
        const uint32_t changes = 50 + pick(1500);
        for (uint32_t k = 0; k < changes; ++k) {
            const uint32_t host = pick(3000);
            if (pick(5) == 0 && a.arp->find(0, host_ip(host)))
                a.forget(host, now);
            else
                a.learn(host, now, uint8_t(pick(4)));
            if (pick(100) == 0) advance(std::chrono::milliseconds(pick(5)));
            if (pick(50) == 0) link.deliver(pick(8));
        }
        settle();
        if (!link.is_up()) {
            if (pick(4) == 0) restart(b, Role::slave);
            reconnect();
        }
        SCOPED_TRACE("round " + std::to_string(round));
        expect_converged();
        EXPECT_TRUE(b.profile->in_sync() || b.count(C::digest_checks) == 0);
    }
    EXPECT_GT(a.count(C::resumes) + a.count(C::snapshots_sent), 2u);
    EXPECT_EQ(b.count(C::digest_mismatches), 0u);
}

// A resync request that reaches a Master not serving at that moment (its own
// group flapping) is asked again a digest interval later, not forgotten.
TEST_F(FaultTest, UnansweredResyncRequestIsRepeated) {
    synced_pair(20);
    a.profile->set_role(Role::slave); // A's group flaps: Backup for a moment
    std::string why;
    ASSERT_TRUE(b.profile->batch_backup_now(why)) << why; // the Slave asks for a full batch
    link.deliver();
    link.deliver();
    EXPECT_EQ(a.count(C::snapshots_sent), 1u); // not served: A was not Master
    a.profile->set_role(Role::master);
    settle(50);
    const auto requests = b.count(C::resyncs_requested);
    advance(1100ms); // one digest interval
    settle();
    EXPECT_GT(b.count(C::resyncs_requested), requests);
    EXPECT_EQ(a.count(C::snapshots_sent), 2u);
    EXPECT_EQ(b.count(C::snapshots_received), 2u);
    expect_converged();
}

} // namespace
} // namespace wg::sync::test
