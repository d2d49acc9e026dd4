// The Slave installs what the Master decided (sync/profile.hpp "Role",
// control/arp/service.hpp "Rules"): while a profile is Slave, LAN ARP on
// its replicated interfaces creates and moves nothing, session up or down;
// the Master's entries are installed; set_role(master) learns at once; a
// device without a profile learns as before. Time is injected; nothing sleeps.
#include "tests/sync/profile_support.hpp"

namespace wg::sync::test {
namespace {

using A = arp::Counter;

uint64_t arp_count(const Device& d, A c) {
    return d.arp->stats().get(c);
}

TEST_F(PairTest, TheSlaveMarksItsReplicatedInterfacesOnly) {
    start();
    EXPECT_TRUE(b.arp->slave(b.ifindex(kUserIf)));
    EXPECT_FALSE(b.arp->slave(b.ifindex(kCoreIf)));
    EXPECT_FALSE(b.arp->slave(b.ifindex(kExtraIf)));
    EXPECT_FALSE(a.arp->slave(a.ifindex(kUserIf))); // the Master
    // A profile bound to no interface replicates, and follows, every one.
    b.popts.interfaces.clear();
    restart(b, Role::slave);
    for (const char* n : {kUserIf, kCoreIf, kExtraIf})
        EXPECT_TRUE(b.arp->slave(b.ifindex(n))) << n;
}

TEST_F(PairTest, TheSlaveLearnsNothingFromTheLanAndInstallsTheMastersTable) {
    start();
    link.connect();
    for (uint32_t i = 0; i < 100; ++i) {
        a.learn(i, now);
        b.learn(1000 + i, now); // a host (or a flood) asking B: not learned
        b.learn(i, now, 9);     // the same address from another MAC
    }
    settle();
    EXPECT_EQ(arp_count(b, A::learned), 0u);
    EXPECT_EQ(arp_count(b, A::learn_skipped_slave), 100u + 100u); // before the installs, 9 is new too
    EXPECT_EQ(b.table().size(), 100u);
    expect_converged();
    for (uint32_t i : {0u, 50u, 99u}) {
        ASSERT_TRUE(b.arp->find(b.ifindex(kUserIf), host_ip(i))) << i;
        EXPECT_EQ(b.arp->find(b.ifindex(kUserIf), host_ip(i))->mac, host_mac(i)) << i;
        EXPECT_EQ(b.arp->find(b.ifindex(kUserIf), host_ip(i))->origin, arp::Origin::synced) << i;
    }
    // Once installed, a claim with another MAC is not a move either.
    b.learn(7, now, 9);
    settle();
    EXPECT_EQ(arp_count(b, A::move_skipped_slave), 1u);
    EXPECT_EQ(b.arp->find(b.ifindex(kUserIf), host_ip(7))->mac, host_mac(7));
    // The Master's move is installed.
    a.learn(7, now, 3);
    settle();
    EXPECT_EQ(b.arp->find(b.ifindex(kUserIf), host_ip(7))->mac, host_mac(7, 3));
    expect_converged();
    // An interface the profile does not replicate learns as before.
    b.announce(kCoreIf, *Ipv4::parse("192.0.2.77"), host_mac(77));
    EXPECT_EQ(arp_count(b, A::learned), 1u);
}

// The session down changes nothing: the device is still Backup, another is
// Master, and what B would learn now is what A decides (and replicates once
// the session is back).
TEST_F(PairTest, SessionDownTheSlaveStillLeavesLearningToTheMaster) {
    start();
    link.connect();
    a.learn(1, now);
    settle();
    link.cut();
    settle();
    ASSERT_FALSE(link.is_up());
    b.learn(2, now);
    EXPECT_FALSE(b.arp->find(b.ifindex(kUserIf), host_ip(2)));
    EXPECT_EQ(arp_count(b, A::learn_skipped_slave), 1u);
    a.learn(2, now);
    link.connect();
    settle();
    expect_converged();
    EXPECT_EQ(b.arp->find(b.ifindex(kUserIf), host_ip(2))->origin, arp::Origin::synced);
}

TEST_F(PairTest, PromotedToMasterTheSlaveLearnsAtOnce) {
    start();
    link.connect();
    a.learn(1, now);
    settle();
    b.learn(2, now);
    ASSERT_FALSE(b.arp->find(b.ifindex(kUserIf), host_ip(2)));
    link.cut(); // A dies
    settle();
    b.profile->set_role(Role::master);
    EXPECT_FALSE(b.arp->slave(b.ifindex(kUserIf)));
    b.learn(2, now);
    ASSERT_TRUE(b.arp->find(b.ifindex(kUserIf), host_ip(2)));
    EXPECT_EQ(arp_count(b, A::learned), 1u);
    b.learn(1, now, 4); // a move, now B's own decision (the pair runs mac_move none)
    EXPECT_EQ(b.arp->find(b.ifindex(kUserIf), host_ip(1))->mac, host_mac(1, 4));
    // And back to Slave (A returns with priority): the Master decides again.
    b.profile->set_role(Role::slave);
    EXPECT_TRUE(b.arp->slave(b.ifindex(kUserIf)));
    b.learn(3, now);
    EXPECT_FALSE(b.arp->find(b.ifindex(kUserIf), host_ip(3)));
}

// A profile gone (reconfigured away, or the appliance stopping) leaves no
// mark behind: the ARP service learns as without remote backup.
TEST_F(PairTest, ADestroyedSlaveProfileLeavesLearningAsBefore) {
    start();
    ASSERT_TRUE(b.arp->slave(b.ifindex(kUserIf)));
    b.arp->set_change_listener(nullptr);
    b.profile.reset();
    EXPECT_FALSE(b.arp->slave(b.ifindex(kUserIf)));
    b.learn(5, now);
    EXPECT_TRUE(b.arp->find(b.ifindex(kUserIf), host_ip(5)));
    EXPECT_EQ(arp_count(b, A::learn_skipped_slave), 0u);
}

} // namespace
} // namespace wg::sync::test
