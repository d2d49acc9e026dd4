// The remote-backup profile (sync/profile.hpp) between two real ARP services
// over an in-memory channel: batch backup, deltas, coalescing, batching,
// preempt hold, interface names, roles, display. Faults: profile_faults_test.cpp.
#include "sync/table.hpp"
#include "tests/sync/profile_support.hpp"

#include "control/report.hpp"

namespace wg::sync::test {
namespace {

using C = ProfileCounter;

// (seq, first_seq) of every delta A sends, in order.
struct DeltaLog {
    std::vector<std::pair<uint64_t, uint64_t>> deltas;
    uint64_t snapshot_seq = 0;
    std::vector<wire::Entry> entries; // of every delta
    void attach(MemLink& link) {
        link.tamper = [this](int side, std::vector<uint8_t>& f) {
            wire::Message m;
            if (side != 0 || wire::decode(f, m) != wire::DecodeError::ok) return true;
            if (m.type == wire::Type::snapshot_begin) snapshot_seq = m.seq;
            if (m.type == wire::Type::delta) {
                const auto& b = std::get<wire::Batch>(m.body);
                deltas.emplace_back(m.seq, b.first_seq);
                entries.insert(entries.end(), b.entries.begin(), b.entries.end());
            }
            return true;
        };
    }
};

const control::Scalar& field(const control::Report& r, std::string_view key) {
    const control::Field* f = r.sections().at(0).find(key);
    EXPECT_NE(f, nullptr) << key;
    static const control::Scalar kNone;
    return f ? std::get<control::Scalar>(f->value) : kNone;
}

TEST_F(PairTest, BatchBackupOf100kThenDeltasCompleteAndInOrder) {
    start();
    constexpr uint32_t kN = 100000;
    for (uint32_t i = 0; i < kN; ++i)
        a.learn(i, now);
    ASSERT_EQ(a.profile->entries(), kN);
    DeltaLog log;
    log.attach(link);
    link.connect();
    settle();
    EXPECT_EQ(a.count(C::snapshots_sent), 1u);
    EXPECT_EQ(b.count(C::snapshots_received), 1u);
    EXPECT_EQ(b.count(C::entries_installed), kN);
    EXPECT_EQ(link.frames_by_type[wire::Type::snapshot_entries], (kN + 4095) / 4096);
    // docs/benchmarks.md target: <= 24 bytes per entry on the wire (all frames both ways).
    EXPECT_LE(double(link.bytes) / kN, 24.0);
    expect_converged();
    EXPECT_EQ(b.table().size(), kN);
    // Installed as synced on B's own ifindex for the same name.
    auto e = b.arp->find(b.ifindex(kUserIf), host_ip(7));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->origin, arp::Origin::synced);
    EXPECT_EQ(e->mac, host_mac(7));
    EXPECT_TRUE(a.profile->in_sync());
    EXPECT_TRUE(b.profile->in_sync());

    // Real time: adds, MAC moves and removals.
    for (uint32_t i = kN; i < kN + 1000; ++i)
        a.learn(i, now);
    for (uint32_t i = 0; i < 500; ++i)
        a.learn(i, now, 1);
    for (uint32_t i = 500; i < 800; ++i)
        a.forget(i, now);
    settle();
    expect_converged();
    EXPECT_EQ(b.table().size(), kN + 1000 - 300);
    EXPECT_EQ(b.arp->find(b.ifindex(kUserIf), host_ip(3))->mac, host_mac(3, 1));
    EXPECT_FALSE(b.arp->find(b.ifindex(kUserIf), host_ip(600)));
    EXPECT_EQ(b.count(C::gaps), 0u);
    EXPECT_EQ(b.count(C::entries_removed), 300u);
    EXPECT_EQ(a.count(C::batches_sent), b.count(C::batches_received));
    EXPECT_GE(a.count(C::batches_sent), 1800u / 512);
    // Every batch starts right after the previous one (the first after the snapshot).
    ASSERT_FALSE(log.deltas.empty());
    uint64_t last = log.snapshot_seq;
    for (const auto& [seq, first] : log.deltas) {
        EXPECT_EQ(first, last + 1);
        EXPECT_GE(seq, last);
        last = seq;
    }
    EXPECT_EQ(last, a.arp->seq());
    EXPECT_EQ(log.entries.size(), 1800u);
}

TEST_F(PairTest, ChangesOfOneKeyCoalesceIntoOneEntry) {
    start();
    for (uint32_t i = 0; i < 10; ++i)
        a.learn(i, now);
    link.connect();
    settle();
    DeltaLog log;
    log.attach(link);
    const uint64_t batches = a.count(C::batches_sent), entries = a.count(C::entries_sent);
    for (uint8_t v = 1; v <= 50; ++v)
        a.learn(3, now, v); // 50 MAC moves
    a.learn(20, now);       // added then removed within the batch: the Slave never hears of it
    a.forget(20, now);
    a.forget(4, now); // removed then added again: one update
    a.learn(4, now, 7);
    advance(2ms);
    EXPECT_EQ(a.count(C::batches_sent), batches + 1);
    EXPECT_EQ(a.count(C::entries_sent), entries + 2);
    settle();
    ASSERT_EQ(log.entries.size(), 2u);
    for (const auto& e : log.entries)
        EXPECT_EQ(e.op, wire::Op::update);
    EXPECT_EQ(b.arp->find(b.ifindex(kUserIf), host_ip(3))->mac, host_mac(3, 50));
    EXPECT_EQ(b.arp->find(b.ifindex(kUserIf), host_ip(4))->mac, host_mac(4, 7));
    EXPECT_FALSE(b.arp->find(b.ifindex(kUserIf), host_ip(20)));
    expect_converged();
}

TEST_F(PairTest, BatchesCloseBySizeAndByDeadline) {
    a.popts.batch_max_entries = 8;
    start();
    link.connect();
    settle();
    const uint64_t b0 = a.count(C::batches_sent);
    for (uint32_t i = 0; i < 8; ++i)
        a.learn(i, now);
    EXPECT_EQ(a.count(C::batches_sent), b0 + 1); // full: sent without waiting for a tick
    const Time first = now;
    for (uint32_t i = 8; i < 11; ++i)
        a.learn(i, now);
    EXPECT_EQ(a.count(C::batches_sent), b0 + 1);
    ASSERT_TRUE(a.profile->next_deadline());
    EXPECT_EQ(*a.profile->next_deadline(), first + 2ms);
    advance(1ms);
    EXPECT_EQ(a.count(C::batches_sent), b0 + 1);
    advance(1ms); // batch_max_delay_ms after its first change
    EXPECT_EQ(a.count(C::batches_sent), b0 + 2);
    settle();
    expect_converged();
    EXPECT_EQ(b.table().size(), 11u);
}

TEST_F(PairTest, PreemptHoldWhileTheBatchBackupIsIncomplete) {
    a.popts.snapshot_chunk = 10;
    start();
    for (uint32_t i = 0; i < 100; ++i)
        a.learn(i, now);
    EXPECT_FALSE(b.profile->preempt_hold()); // no session: nothing to wait for
    EXPECT_EQ(b.profile->preempt_hold_reason(), "");
    link.connect();
    // Up but no hello from the peer's profile yet: a peer without a profile
    // of this backup-id never says hello, and must not block Mastership.
    EXPECT_FALSE(b.profile->preempt_hold());
    EXPECT_TRUE(b.holds.empty());
    link.deliver(5); // hellos, snapshot_begin, a few entry frames
    EXPECT_FALSE(a.profile->preempt_hold()); // the Master holds nothing
    EXPECT_EQ(b.holds, std::vector<bool>{true});
    EXPECT_TRUE(b.profile->preempt_hold());
    EXPECT_NE(b.profile->preempt_hold_reason().find("in progress"), std::string::npos)
        << b.profile->preempt_hold_reason();
    settle();
    EXPECT_FALSE(b.profile->preempt_hold());
    EXPECT_EQ(b.holds, (std::vector<bool>{true, false}));
    link.cut();
    link.deliver();
    EXPECT_FALSE(b.profile->preempt_hold());
    EXPECT_EQ(b.holds.size(), 2u); // changes only
    link.connect(); // resumed with nothing to send: complete right after the hello
    settle();
    EXPECT_FALSE(b.profile->preempt_hold());
    // Held at most between the hello and the (empty) resume delta.
    ASSERT_FALSE(b.holds.empty());
    EXPECT_FALSE(b.holds.back());
    EXPECT_EQ(b.count(C::resumes), 1u);
}

TEST_F(PairTest, NoPreemptHoldWhenDisabled) {
    b.popts.hold_preempt_until_synced = false;
    start();
    link.connect();
    EXPECT_FALSE(b.profile->preempt_hold());
    settle();
    EXPECT_TRUE(b.holds.empty());
}

TEST_F(PairTest, InterfacesMapByNameAndUnknownNamesAreCounted) {
    a.ifaces.push_back({2, "GigabitEthernet0/9/0", *Prefix::parse("172.16.0.1/24")}); // B lacks it
    a.popts.interfaces.clear(); // every interface is replicated
    start();
    for (uint32_t i = 0; i < 20; ++i)
        a.learn(i, now);
    const Ipv4 core = *Ipv4::parse("192.0.2.77"), far = *Ipv4::parse("172.16.0.9");
    a.announce(kCoreIf, core, host_mac(77));
    a.announce("GigabitEthernet0/9/0", far, host_mac(9));
    link.connect();
    settle();
    // Same names, other numbering: B's user side is ifindex 5, its core side 0.
    EXPECT_EQ(a.table(kUserIf), b.table(kUserIf));
    EXPECT_EQ(a.table(kCoreIf), b.table(kCoreIf));
    ASSERT_TRUE(b.arp->find(0, core));
    EXPECT_EQ(b.arp->find(0, core)->mac, host_mac(77));
    EXPECT_EQ(b.count(C::unknown_interface), 1u);
    // Digested but not installed: the digests still agree (no resync loop).
    EXPECT_EQ(a.profile->digest(), b.profile->digest());
    EXPECT_EQ(b.profile->entries(), 22u);
    EXPECT_EQ(b.table("").size(), 21u);
    advance(1s);
    settle();
    EXPECT_EQ(b.count(C::digest_mismatches), 0u);
    EXPECT_TRUE(b.profile->in_sync());
}

TEST_F(PairTest, OnlyBoundInterfacesAreReplicated) {
    start();
    a.learn(1, now);
    a.announce(kCoreIf, *Ipv4::parse("192.0.2.77"), host_mac(77));
    link.connect();
    settle();
    EXPECT_EQ(a.profile->entries(), 1u);
    EXPECT_EQ(b.table("").size(), 1u);
    EXPECT_FALSE(b.arp->find(0, *Ipv4::parse("192.0.2.77")));
}

TEST_F(PairTest, RoleSwapTheNewMasterSendsItsWholeTable) {
    start();
    for (uint32_t i = 0; i < 1000; ++i)
        a.learn(i, now);
    link.connect();
    settle();
    for (uint32_t i = 5000; i < 5010; ++i)
        b.resolve(i, now); // B's own first-hand entries, recorded while Slave
    a.profile->set_role(Role::slave);
    b.profile->set_role(Role::master);
    settle();
    EXPECT_EQ(b.count(C::snapshots_sent), 1u);
    EXPECT_EQ(a.count(C::snapshots_received), 1u);
    EXPECT_EQ(b.count(C::split_brain_frames), 0u);
    expect_converged(); // incl. the 1000 entries B had received
    EXPECT_EQ(a.table().size(), 1010u);
    EXPECT_EQ(a.arp->find(0, host_ip(5003))->origin, arp::Origin::synced);
    EXPECT_EQ(a.arp->find(0, host_ip(3))->origin, arp::Origin::learned); // first-hand kept
    // The new Master's changes flow the other way now.
    b.learn(6000, now);
    b.learn(5001, now, 3);
    settle();
    expect_converged();
    EXPECT_EQ(a.arp->find(0, host_ip(5001))->mac, host_mac(5001, 3));
    EXPECT_TRUE(a.profile->in_sync());
    EXPECT_TRUE(b.profile->in_sync());
    EXPECT_FALSE(a.profile->preempt_hold());
}

TEST_F(PairTest, RoleSwapWhenTheSlaveTurnsMasterFirst) {
    start();
    for (uint32_t i = 0; i < 100; ++i)
        a.learn(i, now);
    link.connect();
    settle();
    b.profile->set_role(Role::master); // both Master for a moment
    link.deliver();
    a.profile->set_role(Role::slave);
    settle();
    EXPECT_EQ(b.count(C::snapshots_sent), 1u);
    expect_converged();
    EXPECT_TRUE(a.profile->in_sync());
}

// A Slave does not keep its own stream for the peer's installs (they would
// only cost a cold batch time); once Master it shows and digests its whole
// table at once, before any peer asks for it.
TEST_F(PairTest, SlaveTurnedMasterShowsItsWholeTableAtOnce) {
    start();
    for (uint32_t i = 0; i < 100; ++i)
        a.learn(i, now);
    link.connect();
    settle();
    ASSERT_EQ(b.arp->size(), 100u);
    link.cut(); // the Master dies
    settle();
    b.resolve(500, now); // B's own resolutions while Slave still go in
    b.profile->set_role(Role::master);
    EXPECT_EQ(b.profile->entries(), 101u);
    sync::Table expected;
    expected.set_interface(b.ifindex(kUserIf), kUserIf);
    b.arp->for_each([&](const arp::EntryView& e) { expected.upsert(e.ifindex, e.ip, e.mac); });
    EXPECT_EQ(b.profile->digest(), expected.digest());
    // A returns as Slave: a full batch (nothing of B's stream to resume).
    a.profile->set_role(Role::slave);
    link.connect();
    settle();
    EXPECT_EQ(b.count(C::snapshots_sent), 1u);
    EXPECT_EQ(b.count(C::resumes), 0u);
    expect_converged();
}

// The Master's group flaps (Master → Backup → Master) while the Slave stays:
// the Slave's stream is still ours, so the Master resumes from its acks.
TEST_F(PairTest, MasterFlapResumesFromTheAckedPoint) {
    start();
    for (uint32_t i = 0; i < 100; ++i)
        a.learn(i, now);
    link.connect();
    settle();
    a.profile->set_role(Role::slave);
    a.learn(200, now);
    settle();
    EXPECT_FALSE(b.arp->find(b.ifindex(kUserIf), host_ip(200))); // nobody sends
    a.profile->set_role(Role::master);
    settle();
    EXPECT_EQ(a.count(C::resumes), 1u);
    EXPECT_EQ(a.count(C::snapshots_sent), 1u);
    expect_converged();
    EXPECT_FALSE(b.profile->preempt_hold());
    EXPECT_EQ(b.holds, (std::vector<bool>{true, false})); // the Slave's data stayed good
}

TEST_F(PairTest, SplitBrainFramesAreIgnoredAndCounted) {
    start();
    for (uint32_t i = 0; i < 10; ++i)
        a.learn(i, now);
    link.connect();
    settle();
    a.learn(100, now);
    advance(2ms);                      // a batch is in flight...
    b.profile->set_role(Role::master); // ...when B's group becomes Master too
    link.deliver();
    EXPECT_EQ(b.count(C::split_brain_frames), 1u);
    EXPECT_FALSE(b.arp->find(b.ifindex(kUserIf), host_ip(100)));
    const uint64_t sent = a.count(C::batches_sent);
    a.learn(101, now);
    advance(5ms);
    EXPECT_EQ(a.count(C::batches_sent), sent); // A stopped sending to a Master
    std::string why;
    EXPECT_FALSE(a.profile->batch_backup_now(why));
    EXPECT_EQ(why, "the peer is Master too");
    b.profile->set_role(Role::slave); // VRRP settled
    settle();
    EXPECT_EQ(a.count(C::snapshots_sent), 2u); // B was Master: a full batch, not a resume
    expect_converged();
    EXPECT_TRUE(b.arp->find(b.ifindex(kUserIf), host_ip(101)));
}

TEST_F(PairTest, PeriodicDigestChecksMatch) {
    start();
    for (uint32_t i = 0; i < 50; ++i)
        a.learn(i, now);
    link.connect();
    settle();
    const uint64_t checks = b.count(C::digest_checks);
    advance(1s);
    link.deliver();
    EXPECT_EQ(b.count(C::digest_checks), checks + 1);
    EXPECT_EQ(a.count(C::digest_checks), b.count(C::digest_checks));
    EXPECT_EQ(b.count(C::digest_mismatches), 0u);
    EXPECT_EQ(b.profile->peer_digest(), a.profile->digest());
    EXPECT_EQ(a.profile->peer_digest(), b.profile->digest());
    EXPECT_TRUE(b.profile->in_sync());
}

TEST_F(PairTest, BatchBackupNow) {
    start();
    for (uint32_t i = 0; i < 30; ++i)
        a.learn(i, now);
    std::string why;
    EXPECT_FALSE(a.profile->batch_backup_now(why));
    EXPECT_EQ(why, "the remote-backup service service1 is not connected");
    link.connect();
    settle();
    EXPECT_TRUE(a.profile->batch_backup_now(why)); // Master: sends one
    settle();
    EXPECT_EQ(b.count(C::snapshots_received), 2u);
    EXPECT_TRUE(b.profile->batch_backup_now(why)); // Slave: asks for one
    settle();
    EXPECT_EQ(b.count(C::resyncs_requested), 1u);
    EXPECT_EQ(a.count(C::resyncs_requested), 1u);
    EXPECT_EQ(b.count(C::snapshots_received), 3u);
    expect_converged();
    EXPECT_FALSE(b.profile->preempt_hold()); // a repair does not bring the hold back
    EXPECT_EQ(b.holds, (std::vector<bool>{true, false}));
}

TEST_F(PairTest, BackpressurePausesTheSnapshot) {
    a.popts.snapshot_chunk = 100;
    start();
    for (uint32_t i = 0; i < 1000; ++i)
        a.learn(i, now);
    link.a.extra_queued = Channel::kHighWater + 1;
    link.connect();
    link.deliver();
    EXPECT_EQ(link.frames_by_type[wire::Type::snapshot_begin], 1u);
    EXPECT_EQ(link.frames_by_type[wire::Type::snapshot_entries], 0u);
    EXPECT_EQ(a.count(C::backpressure_pauses), 1u);
    EXPECT_TRUE(b.profile->preempt_hold());
    EXPECT_EQ(b.profile->preempt_hold_reason(), "batch backup in progress (0 of 1000 entries)");
    ASSERT_TRUE(a.profile->next_deadline());
    EXPECT_EQ(*a.profile->next_deadline(), now + 10ms); // fallback if on_writable never comes
    advance(10ms);
    EXPECT_EQ(link.frames_by_type[wire::Type::snapshot_entries], 0u); // still above
    link.a.extra_queued = 0;
    link.writable(0); // drained: on_writable
    EXPECT_EQ(link.frames_by_type[wire::Type::snapshot_entries], 10u);
    settle();
    expect_converged();
    EXPECT_FALSE(b.profile->preempt_hold());
}

TEST_F(PairTest, LatencyFromChangeToAck) {
    start();
    link.connect();
    settle();
    a.learn(1, now);
    advance(2ms);   // the batch deadline
    link.deliver(); // delta to B, ack back
    control::Report r;
    a.profile->add_to(r, now);
    EXPECT_EQ(std::get<uint64_t>(field(r, "last_batch_latency_us").get()), 2000u);
    control::Report rb;
    b.profile->add_to(rb, now);
    EXPECT_TRUE(std::holds_alternative<control::Null>(field(rb, "last_batch_latency_us").get()));
}

TEST_F(PairTest, DisplayFollowsTheSeedLayout) {
    start();
    control::Report r;
    a.profile->add_to(r, now);
    const std::string text = control::render_text(r);
    const std::string seed = "-----------------------------------------------\n"
                             " Profile-Index        : 0x1001\n"
                             " Profile-Name         : profile1\n"
                             " Service              : arp\n"
                             " Remote-backup-service: service1\n"
                             " Backup-ID            : 10\n"
                             " track protocol       : VRRP\n"
                             " VRRP-ID              : 1\n"
                             " VRRP-Interface       : GigabitEthernet0/1/0\n"
                             " Access-Control       : --\n"
                             " State                : Master\n"
                             " Peer State           : --\n"
                             " Interface            :\n"
                             "                        GigabitEthernet0/1/0\n"
                             " Backup mode          : hot\n";
    EXPECT_EQ(text.substr(0, seed.size()), seed) << text;
    EXPECT_NE(text.find(" In-Sync              : No\n"), std::string::npos) << text;
    EXPECT_NE(text.find(" Preempt-Hold         : --\n"), std::string::npos) << text;

    for (uint32_t i = 0; i < 5; ++i)
        a.learn(i, now);
    link.connect();
    settle();
    control::Report rb;
    b.profile->add_to(rb, now);
    const std::string tb = control::render_text(rb);
    EXPECT_NE(tb.find(" State                : Slave\n Peer State           : Master\n"), std::string::npos)
        << tb;
    EXPECT_NE(tb.find(" Peer-Node            : DeviceA\n"), std::string::npos) << tb;
    EXPECT_NE(tb.find(" In-Sync              : Yes\n"), std::string::npos) << tb;
    EXPECT_NE(tb.find(" Entries              : 5\n"), std::string::npos) << tb;
    EXPECT_NE(tb.find("Snapshots-received"), std::string::npos) << tb;
    const std::string json = control::render_json(rb);
    EXPECT_NE(json.find("\"profiles\": ["), std::string::npos) << json;
    EXPECT_NE(json.find("\"profile_index\": 4097"), std::string::npos) << json;
    EXPECT_NE(json.find("\"peer_state\": \"master\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"snapshots_received\": 1"), std::string::npos) << json;
}

} // namespace
} // namespace wg::sync::test
