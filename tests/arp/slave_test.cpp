// A remote-backup Slave's interfaces (control/arp/service.hpp "Rules",
// docs/config.md "arp"): the Master decides their entries. LAN ARP creates
// nothing there but answers to our own requests, moves nothing, refreshes
// without taking an entry first-hand; synced installs go in; becoming
// Master (set_slave false) restores learning at once; without set_slave
// (no remote backup) learning is as before. Time is injected; nothing sleeps.
#include "control/arp/service.hpp"

#include "tests/arp/support.hpp"

namespace wg::arp {
namespace {

using namespace test;

const Ipv4 kB = ip("10.1.1.11");
const Mac kAttacker = mac("02:66:66:66:66:66");
const Mac kNewNic = mac("02:00:00:00:00:aa");

class Slave : public ArpTest {
  protected:
    Slave() { svc->set_slave(kUser, true); }
    // Requests for our address, the VIP, and from a host for another: what
    // a Master learns from, a flood included.
    void lan_chatter() {
        host_asks(kHostA, kA, kOwn);
        host_asks(kHostB, kB, kVip);
        deliver(gratuitous(kAttacker, ip("10.1.1.12")));
        deliver(reply(request(kPortMac, kOwn, ip("10.1.1.13")), kAttacker, ip("10.1.1.13"))); // never asked
    }
};

TEST_F(Slave, LanArpCreatesNothingButIsStillAnswered) {
    ASSERT_TRUE(svc->slave(kUser));
    EXPECT_FALSE(svc->slave(kCore));
    lan_chatter();
    EXPECT_EQ(svc->size(), 0u);
    EXPECT_TRUE(store.rows.empty());
    EXPECT_TRUE(changes.log.empty());
    EXPECT_EQ(count(Counter::learned), 0u);
    // The three frames a Master would have learned from (we are their
    // target); the gratuitous ARP of an unknown host, not even by a Master.
    EXPECT_EQ(count(Counter::learn_skipped_slave), 3u);
    EXPECT_EQ(count(Counter::learn_not_for_us), 1u);
    // Our own address is still answered (the VIP by its Master only: the
    // fake says Master here, as the service does not tie the two together).
    EXPECT_EQ(count(Counter::replies_sent), 1u);
    // Another interface learns as before.
    learn_host(kHostA, ip("192.0.2.10"), kCore);
    EXPECT_EQ(count(Counter::learned), 1u);
    EXPECT_TRUE(store.get(kCore, ip("192.0.2.10")));
}

TEST_F(Slave, NoMoveFromTheLanNotEvenVerified) {
    ASSERT_EQ(svc->install_synced(kUser, kA, kHostA, 900, now), Status::ok);
    ASSERT_EQ(svc->on_miss(kUser, kB, now), MissAction::hold); // one of our own, below
    deliver(reply(sink.take()[0].packet, kHostB, kB));
    ASSERT_EQ(store.get(kUser, kB)->origin, Origin::learned);
    const size_t published = changes.log.size();
    deliver(gratuitous(kAttacker, kA));
    deliver(gratuitous(kAttacker, kB, Op::reply));
    host_asks(kNewNic, kA, kOwn);
    run_for(2s);
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostA);
    EXPECT_EQ(store.get(kUser, kA)->origin, Origin::synced);
    EXPECT_EQ(store.get(kUser, kB)->mac, kHostB);
    EXPECT_EQ(count(Counter::move_skipped_slave), 3u);
    EXPECT_EQ(count(Counter::mac_move_verify), 0u);
    EXPECT_EQ(count(Counter::mac_moves), 0u);
    EXPECT_EQ(changes.log.size(), published);
    // Only the reply to kNewNic's request went out: no verification request.
    auto sent = sink.take();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].packet.op, Op::reply);
    // The Master's decision arrives as an install, and is taken.
    ASSERT_EQ(svc->install_synced(kUser, kA, kNewNic, 900, now), Status::ok);
    EXPECT_EQ(store.get(kUser, kA)->mac, kNewNic);
    ASSERT_EQ(svc->install_synced(kUser, kB, kNewNic, 900, now), Status::ok); // over our own entry too
    EXPECT_EQ(store.get(kUser, kB)->mac, kNewNic);
    EXPECT_EQ(store.get(kUser, kB)->origin, Origin::synced);
}

TEST_F(Slave, SyncedInstallsAndRemovalsAreTaken) {
    for (uint32_t i = 0; i < 50; ++i)
        ASSERT_EQ(svc->install_synced(kUser, Ipv4{ip("10.1.1.20").value + i}, host_mac(i), 600, now),
                  Status::ok);
    EXPECT_EQ(store.rows.size(), 50u);
    EXPECT_EQ(count(Counter::synced_installed), 50u);
    EXPECT_TRUE(svc->remove_synced(kUser, ip("10.1.1.20"), now));
    EXPECT_FALSE(store.get(kUser, ip("10.1.1.20")));
    EXPECT_EQ(count(Counter::learn_skipped_slave), 0u);
}

// Same MAC: the host is alive, the entry's deadline moves on, and it stays
// the Master's: its delete still removes it (a Master would have made it
// first-hand and kept it, synced_kept_local).
TEST_F(Slave, ARefreshKeepsTheEntrySynced) {
    ASSERT_EQ(svc->install_synced(kUser, kA, kHostA, 600, now), Status::ok);
    const size_t published = changes.log.size();
    now += 100s;
    host_asks(kHostA, kA, kOwn);
    const auto e = svc->find(kUser, kA);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->confirmed, now);
    EXPECT_EQ(e->expires, now + 1200s);
    EXPECT_EQ(e->origin, Origin::synced);
    EXPECT_EQ(store.get(kUser, kA)->origin, Origin::synced);
    EXPECT_EQ(count(Counter::refreshed), 1u);
    EXPECT_EQ(changes.log.size(), published);
    EXPECT_TRUE(svc->remove_synced(kUser, kA, now));
    EXPECT_FALSE(store.get(kUser, kA));
}

// Answers to our own requests (a forwarding miss, a next hop) still create:
// nobody else resolves for this device, and its request budget bounds them.
TEST_F(Slave, AnswersToOurOwnRequestsCreate) {
    ASSERT_EQ(svc->on_miss(kUser, kA, now), MissAction::hold);
    auto sent = sink.take();
    ASSERT_EQ(sent.size(), 1u);
    deliver(reply(sent[0].packet, kHostA, kA));
    ASSERT_TRUE(store.get(kUser, kA));
    EXPECT_EQ(store.get(kUser, kA)->origin, Origin::learned);
    ASSERT_EQ(resolutions.log.size(), 1u);
    EXPECT_TRUE(resolutions.log[0].ok);
    EXPECT_EQ(count(Counter::learned), 1u);
    EXPECT_EQ(count(Counter::learn_skipped_slave), 0u);
}

TEST_F(Slave, TurningSlaveEndsAVerificationUndecided) {
    svc->set_slave(kUser, false);
    learn_host(kHostA, kA);
    deliver(gratuitous(kNewNic, kA));
    ASSERT_EQ(count(Counter::mac_move_verify), 1u);
    svc->set_slave(kUser, true); // the group went Backup meanwhile
    run_for(2s);                 // the old MAC stays silent: a Master would move
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostA);
    EXPECT_EQ(count(Counter::mac_move_verified), 0u);
    EXPECT_EQ(count(Counter::mac_moves), 0u);
}

TEST_F(Slave, BecomingMasterLearnsAtOnceWithItsBudgetsIntact) {
    opts.learn_per_s = 10;
    opts.learn_per_source_per_s = 0;
    make();
    svc->set_slave(kUser, true);
    // A flood while Slave: nothing learned, no budget spent.
    for (uint32_t i = 0; i < 100; ++i)
        host_asks(host_mac(i), Ipv4{ip("10.1.1.140").value + i}, kOwn);
    EXPECT_EQ(count(Counter::learn_skipped_slave), 100u);
    EXPECT_EQ(svc->size(), 0u);
    ASSERT_EQ(svc->install_synced(kUser, kA, kHostA, 600, now), Status::ok);
    svc->set_slave(kUser, false); // Master now, at the same instant
    EXPECT_FALSE(svc->slave(kUser));
    for (uint32_t i = 0; i < 100; ++i)
        host_asks(host_mac(i), Ipv4{ip("10.1.1.140").value + i}, kOwn);
    EXPECT_EQ(count(Counter::learned), 10u); // the whole learn_per_s burst
    EXPECT_EQ(count(Counter::learn_rate_limited), 90u);
    // Moves are verified again, and a refresh makes a synced entry first-hand.
    deliver(gratuitous(kNewNic, kA));
    EXPECT_EQ(count(Counter::mac_move_verify), 1u);
    host_asks(kHostA, kA, kOwn); // the old MAC answers: refused, and confirmed
    EXPECT_EQ(count(Counter::mac_move_refused), 1u);
    EXPECT_EQ(svc->find(kUser, kA)->origin, Origin::learned);
    EXPECT_EQ(count(Counter::learn_skipped_slave), 100u);
}

// One mark per profile: the interface stays a Slave's while any holds.
TEST_F(Slave, MarksAreCounted) {
    svc->set_slave(kUser, true);
    svc->set_slave(kUser, false);
    EXPECT_TRUE(svc->slave(kUser));
    svc->set_slave(kUser, false);
    EXPECT_FALSE(svc->slave(kUser));
    svc->set_slave(kUser, false); // one too many: harmless
    EXPECT_FALSE(svc->slave(kUser));
    host_asks(kHostA, kA, kOwn);
    EXPECT_EQ(count(Counter::learned), 1u);
}

TEST_F(Slave, DisplayStatisticsNamesTheInterfaces) {
    const std::string json = control::render_json(svc->report_statistics());
    EXPECT_NE(json.find("\"learn_skipped_slave\""), std::string::npos) << json;
    const size_t at = json.find("\"slave_interfaces\"");
    ASSERT_NE(at, std::string::npos) << json;
    EXPECT_EQ(json.find("GigabitEthernet0/1/0", at), json.find("\"GigabitEthernet0/1/0\"", at) + 1) << json;
    EXPECT_NE(json.find("GigabitEthernet0/1/0", at), std::string::npos) << json;
    EXPECT_EQ(json.find("GigabitEthernet0/2/0"), std::string::npos) << json;
    svc->set_slave(kUser, false);
    EXPECT_EQ(control::render_json(svc->report_statistics()).find("GigabitEthernet0/1/0"), std::string::npos);
}

// No remote backup (warmgate-nosync): nothing marks an interface, and a
// Backup learns as it always did.
TEST_F(ArpTest, WithoutAProfileLearningIsAsBefore) {
    EXPECT_FALSE(svc->slave(kUser));
    vips.vips[0].master = false;
    host_asks(kHostA, kA, kOwn);
    host_asks(kHostB, kB, kVip);
    EXPECT_EQ(count(Counter::learned), 2u);
    EXPECT_EQ(count(Counter::learn_skipped_slave), 0u);
    learn_host(kNewNic, kA);
    EXPECT_EQ(count(Counter::mac_move_verify), 1u);
    EXPECT_EQ(count(Counter::move_skipped_slave), 0u);
}

} // namespace
} // namespace wg::arp
