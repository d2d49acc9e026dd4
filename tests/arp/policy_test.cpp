// The learning policy (control/arp/service.hpp "Rules"): what creates an
// entry (RFC 826 merge rule, strict mode), MAC moves (verify, fixed-mac),
// defence of our addresses (RFC 5227 §2.4), the per-interface limit and the
// learning rates, synced installs outside the policy, and rate-limited logs.
// Time is injected; nothing sleeps.
#include "control/arp/service.hpp"

#include "tests/arp/support.hpp"

#include <set>

namespace wg::arp {
namespace {

using namespace test;

const Ipv4 kB = ip("10.1.1.11");
const Mac kAttacker = mac("02:66:66:66:66:66");
const Mac kNewNic = mac("02:00:00:00:00:aa");

// Unicast requests for `target` sent to `to` (verification or probe).
size_t unicast_requests(const std::vector<Sent>& sent, Ipv4 target, const Mac& to) {
    size_t n = 0;
    for (const auto& s : sent)
        if (s.packet.op == Op::request && s.packet.target_ip == target && s.packet.eth_dst == to &&
            s.packet.sender_ip == kOwn)
            ++n;
    return n;
}

using Policy = ArpTest;

TEST_F(Policy, RequestsBetweenOtherHostsCreateNothing) {
    for (uint32_t i = 0; i < 1000; ++i)
        host_asks(host_mac(i), Ipv4{ip("10.1.1.2").value + i % 90}, Ipv4{ip("10.1.1.2").value + (i + 7) % 90});
    EXPECT_EQ(svc->size(), 0u);
    EXPECT_TRUE(store.rows.empty());
    EXPECT_EQ(count(Counter::learn_not_for_us), 1000u);
    EXPECT_EQ(count(Counter::learned), 0u);
    EXPECT_TRUE(sink.sent.empty());
}

TEST_F(Policy, RequestsForUsCreate) {
    learn_host(kHostA, kA);
    host_asks(kHostB, kB, kVip);
    vips.vips[0].master = false; // as Backup too: the host is real
    host_asks(mac("02:00:00:00:00:0c"), ip("10.1.1.12"), kVip);
    EXPECT_EQ(count(Counter::learned), 3u);
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostA);
    EXPECT_EQ(store.get(kUser, kB)->mac, kHostB);
}

class Strict : public ArpTest {
  protected:
    Strict() {
        opts.learning = Learning::strict;
        make();
    }
};

TEST_F(Strict, OnlyRepliesToOurOwnRequests) {
    host_asks(kHostA, kA, kOwn);                               // answered, not learned
    deliver(reply(request(kPortMac, kOwn, kB), kHostB, kB));   // a reply we never asked for
    deliver(gratuitous(kHostA, kA));
    EXPECT_EQ(count(Counter::learn_unsolicited), 3u);
    EXPECT_EQ(svc->size(), 0u);
    ASSERT_EQ(sink.sent.size(), 1u); // the reply to the request: answering is not learning
    sink.take();

    ASSERT_EQ(svc->on_miss(kUser, kA, now), MissAction::hold);
    ASSERT_EQ(sink.sent.size(), 1u);
    deliver(reply(sink.sent[0].packet, kHostA, kA));
    ASSERT_TRUE(store.get(kUser, kA));
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostA);
    EXPECT_EQ(count(Counter::learned), 1u);
    ASSERT_EQ(resolutions.log.size(), 1u);
    EXPECT_TRUE(resolutions.log[0].ok);

    // A known host's own frames do not refresh it either; only its answers
    // to our probes do.
    now += 100s;
    host_asks(kHostA, kA, kOwn);
    EXPECT_EQ(svc->find(kUser, kA)->confirmed, now - 100s);
    EXPECT_EQ(count(Counter::refreshed), 0u);
}

TEST_F(Strict, ProbeAnswersRefresh) {
    ASSERT_EQ(svc->on_miss(kUser, kA, now), MissAction::hold);
    deliver(reply(sink.take()[0].packet, kHostA, kA));
    run_for(1141s, 1s); // first refresh probe out (at age - probe_before)
    auto sent = sink.take();
    ASSERT_EQ(unicast_requests(sent, kA, kHostA), 1u);
    deliver(reply(sent[0].packet, kHostA, kA));
    EXPECT_EQ(svc->find(kUser, kA)->state, State::reachable);
    EXPECT_EQ(svc->find(kUser, kA)->confirmed, now);
    EXPECT_EQ(count(Counter::refreshed), 1u);
}

// ---- MAC moves ---------------------------------------------------------------

using Moves = ArpTest;

TEST_F(Moves, SpoofedMoveOfAHostThatAnswersIsRefused) {
    learn_host(kHostA, kA);
    const size_t published = changes.log.size();
    deliver(gratuitous(kAttacker, kA)); // "10.1.1.10 is at the attacker"
    // Not taken: the old MAC is asked, unicast.
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostA);
    auto sent = sink.take();
    ASSERT_EQ(unicast_requests(sent, kA, kHostA), 1u);
    EXPECT_EQ(count(Counter::mac_move_verify), 1u);
    // The attacker insists; the real host answers.
    deliver(gratuitous(kAttacker, kA));
    EXPECT_EQ(count(Counter::mac_move_repeated), 1u);
    advance(100ms);
    deliver(reply(sent[0].packet, kHostA, kA));
    EXPECT_EQ(count(Counter::mac_move_refused), 1u);
    run_for(2s);
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostA);
    EXPECT_EQ(svc->find(kUser, kA)->mac, kHostA);
    EXPECT_EQ(count(Counter::mac_moves), 0u);
    EXPECT_EQ(count(Counter::mac_move_verified), 0u);
    EXPECT_EQ(changes.log.size(), published); // nothing replicated
    EXPECT_TRUE(sink.sent.empty());           // answered: no second request
    ASSERT_FALSE(log_lines().empty());
    EXPECT_NE(log_lines().back().find("refused"), std::string::npos) << log_lines().back();
}

// The attack as the lab ran it: one gratuitous reply per host for 1200
// hosts in ~1.2 s, every real host still answering. Nothing moves.
TEST_F(Moves, SpoofingTwelveHundredLiveHostsMovesNone) {
    constexpr uint32_t kN = 1200;
    auto host_ip = [](uint32_t i) { return Ipv4{ip("10.1.16.1").value + i}; }; // clear of 10.1.1.1 and the VIP
    svc->add_interface({kUser, "GigabitEthernet0/1/0", kPortMac, Prefix{kOwn, 16}});
    for (uint32_t i = 0; i < kN; ++i) {
        learn_host(host_mac(i + 1), host_ip(i));
        now += 1ms; // learn_per_s: 1000 a second
    }
    ASSERT_EQ(store.rows.size(), kN);
    sink.take();
    const size_t published = changes.log.size();
    for (uint32_t i = 0; i < kN; ++i) {
        Packet garp = gratuitous(kAttacker, host_ip(i), Op::reply);
        deliver(garp);
        // The hosts answer what reaches them (the unicast verification).
        for (const auto& s : sink.take())
            if (s.packet.op == Op::request && s.packet.eth_dst != kBroadcastMac)
                deliver(reply(s.packet, s.packet.eth_dst, s.packet.target_ip));
        advance(1ms);
    }
    run_for(5s);
    for (const auto& s : sink.take()) // a second request the budget sent late
        if (s.packet.op == Op::request) deliver(reply(s.packet, s.packet.eth_dst, s.packet.target_ip));
    run_for(5s);
    size_t moved = 0;
    for (const auto& [k, row] : store.rows) moved += row.mac == kAttacker;
    EXPECT_EQ(moved, 0u);
    EXPECT_EQ(count(Counter::mac_moves), 0u);
    EXPECT_EQ(count(Counter::mac_move_verify) + count(Counter::mac_move_unverifiable), kN);
    EXPECT_EQ(count(Counter::mac_move_refused), count(Counter::mac_move_verify));
    EXPECT_EQ(changes.log.size(), published);
    // Logged at a bounded rate: ~one line per second of the attack, not 1200.
    EXPECT_LE(log_lines().size(), 20u);
}

TEST_F(Moves, AHostThatReallyMovedIsUpdatedAfterTheWindow) {
    learn_host(kHostA, kA);
    const Time claimed = now;
    deliver(gratuitous(kNewNic, kA)); // the host's new NIC announces itself
    EXPECT_EQ(unicast_requests(sink.take(), kA, kHostA), 1u);
    advance(249ms);
    EXPECT_TRUE(sink.sent.empty());
    advance(1ms); // half the window: a second request (one lost frame does not move a live host)
    EXPECT_EQ(unicast_requests(sink.take(), kA, kHostA), 1u);
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostA);
    advance(249ms);
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostA);
    advance(1ms); // the old MAC stayed silent for verify_ms
    EXPECT_EQ(now, claimed + 500ms);
    EXPECT_EQ(store.get(kUser, kA)->mac, kNewNic);
    EXPECT_EQ(store.get(kUser, kA)->origin, Origin::learned);
    EXPECT_EQ(count(Counter::mac_move_verified), 1u);
    EXPECT_EQ(count(Counter::mac_moves), 1u);
    ASSERT_FALSE(changes.log.empty());
    EXPECT_EQ(changes.log.back().kind, Change::Kind::update);
    EXPECT_EQ(changes.log.back().mac, kNewNic);
    EXPECT_EQ(svc->find(kUser, kA)->expires, now + 1200s);
}

TEST_F(Moves, TwoClaimantsAndASilentOwnerRemoveTheEntry) {
    learn_host(kHostA, kA);
    deliver(gratuitous(kNewNic, kA));
    deliver(gratuitous(kAttacker, kA));
    run_for(1s);
    EXPECT_FALSE(svc->find(kUser, kA));
    EXPECT_FALSE(store.get(kUser, kA));
    EXPECT_EQ(count(Counter::mac_move_contested), 1u);
    EXPECT_EQ(count(Counter::mac_moves), 0u);
    EXPECT_EQ(changes.log.back().kind, Change::Kind::remove);
}

TEST_F(Moves, NoBudgetNoVerificationNoMove) {
    opts.requests_per_s = 1;
    opts.request_burst = 1;
    make();
    learn_host(kHostA, kA);
    learn_host(kHostB, kB);
    deliver(gratuitous(kNewNic, kA));   // takes the only token
    deliver(gratuitous(kAttacker, kB)); // nothing left to verify with
    EXPECT_EQ(count(Counter::mac_move_verify), 1u);
    EXPECT_EQ(count(Counter::mac_move_unverifiable), 1u);
    run_for(2s);
    EXPECT_EQ(store.get(kUser, kB)->mac, kHostB);
    EXPECT_EQ(store.get(kUser, kA)->mac, kNewNic); // silent owner: moved
}

TEST_F(Moves, StaticEntriesNeverMoveNorAreVerified) {
    ASSERT_EQ(svc->add_static(kUser, kA, kHostA, now), Status::ok);
    deliver(gratuitous(kAttacker, kA));
    run_for(2s);
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostA);
    EXPECT_EQ(count(Counter::static_kept), 1u);
    EXPECT_EQ(count(Counter::mac_move_verify), 0u);
    EXPECT_TRUE(sink.sent.empty());
}

TEST_F(Moves, AStaticEntryCancelsAVerification) {
    learn_host(kHostA, kA);
    deliver(gratuitous(kNewNic, kA));
    ASSERT_EQ(svc->add_static(kUser, kA, kHostB, now), Status::ok);
    run_for(2s);
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostB);
    EXPECT_EQ(count(Counter::mac_moves), 0u);
}

class FixedMac : public ArpTest {
  protected:
    FixedMac() {
        opts.mac_move = MacMove::fixed_mac;
        opts.probes = 0;
        make();
    }
};

TEST_F(FixedMac, ALearnedEntryNeverMovesUntilItAges) {
    learn_host(kHostA, kA);
    deliver(gratuitous(kNewNic, kA));
    learn_host(kNewNic, kA);
    run_for(2s);
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostA);
    EXPECT_EQ(count(Counter::mac_move_fixed), 2u);
    EXPECT_TRUE(sink.sent.empty()); // nothing asked either
    // A synced entry is the Master's decision: it may change it.
    ASSERT_EQ(svc->install_synced(kUser, kB, kHostB, 900, now), Status::ok);
    deliver(gratuitous(kNewNic, kB));
    EXPECT_EQ(store.get(kUser, kB)->mac, kHostB);
    ASSERT_EQ(svc->install_synced(kUser, kB, kNewNic, 900, now), Status::ok);
    EXPECT_EQ(store.get(kUser, kB)->mac, kNewNic);
    // Aging frees the address; the new MAC is then learned.
    run_for(1200s, 10s);
    EXPECT_FALSE(svc->find(kUser, kA));
    learn_host(kNewNic, kA);
    EXPECT_EQ(store.get(kUser, kA)->mac, kNewNic);
}

// ---- synced entries ------------------------------------------------------------

using SyncedPolicy = ArpTest;

TEST_F(SyncedPolicy, InstallsAreOutsideTheLearningPolicy) {
    opts.learning = Learning::strict;
    opts.max_per_interface = 2;
    opts.learn_per_s = 1;
    opts.learn_per_source_per_s = 1;
    make();
    for (uint32_t i = 0; i < 10; ++i)
        EXPECT_EQ(svc->install_synced(kUser, Ipv4{kA.value + i}, kHostA, 900, now), Status::ok) << i;
    EXPECT_EQ(store.rows.size(), 10u);
    // A new MAC from the Master replaces at once: it verified the move.
    EXPECT_EQ(svc->install_synced(kUser, kA, kNewNic, 900, now), Status::ok);
    EXPECT_EQ(store.get(kUser, kA)->mac, kNewNic);
    EXPECT_EQ(count(Counter::mac_move_verify), 0u);
    EXPECT_TRUE(sink.sent.empty());
}

TEST_F(SyncedPolicy, ALocalClaimOnASyncedEntryIsVerifiedAndAMasterInstallEndsIt) {
    ASSERT_EQ(svc->install_synced(kUser, kA, kHostA, 900, now), Status::ok);
    deliver(gratuitous(kAttacker, kA));
    EXPECT_EQ(count(Counter::mac_move_verify), 1u);
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostA);
    EXPECT_EQ(store.get(kUser, kA)->origin, Origin::synced);
    ASSERT_EQ(svc->install_synced(kUser, kA, kNewNic, 900, now), Status::ok); // the Master decided
    run_for(2s);
    EXPECT_EQ(store.get(kUser, kA)->mac, kNewNic);
    EXPECT_EQ(store.get(kUser, kA)->origin, Origin::synced);
    EXPECT_EQ(count(Counter::mac_move_verified), 0u);
}

// ---- defence of our addresses ----------------------------------------------------

using Defence = ArpTest;

TEST_F(Defence, AClaimOnOurAddressIsAnsweredWithOneGratuitousArpPerSecond) {
    host_asks(kAttacker, kOwn, kA); // "10.1.1.1 is at the attacker"
    ASSERT_EQ(sink.sent.size(), 1u);
    const Packet& g = sink.sent[0].packet;
    EXPECT_TRUE(g.is_gratuitous());
    EXPECT_EQ(g.sender_ip, kOwn);
    EXPECT_EQ(g.sender_mac, kPortMac);
    EXPECT_EQ(g.eth_src, kPortMac);
    EXPECT_EQ(g.eth_dst, kBroadcastMac);
    EXPECT_EQ(count(Counter::address_conflict), 1u);
    EXPECT_EQ(count(Counter::conflict_defended), 1u);
    EXPECT_FALSE(svc->find(kUser, kOwn));
    sink.take();
    // A flood of claims: one answer per second.
    for (int i = 0; i < 100; ++i) {
        now += 10ms;
        deliver(gratuitous(kAttacker, kOwn));
    }
    EXPECT_EQ(count(Counter::address_conflict), 101u);
    EXPECT_EQ(count(Counter::conflict_defended), 2u);
    EXPECT_EQ(count(Counter::conflict_defend_limited), 99u);
    EXPECT_EQ(sink.sent.size(), 1u);
    EXPECT_TRUE(store.rows.empty());
    // Logged once per second, the suppressed lines counted.
    ASSERT_EQ(log_lines().size(), 2u);
    EXPECT_NE(log_lines()[0].find("10.1.1.1 claimed by 02:66:66:66:66:66"), std::string::npos) << log_lines()[0];
}

TEST_F(Defence, OnlyTheMasterDefendsAVip) {
    deliver(gratuitous(kAttacker, kVip));
    ASSERT_EQ(sink.sent.size(), 1u);
    EXPECT_EQ(sink.sent[0].packet.sender_mac, kVmac);
    EXPECT_EQ(sink.sent[0].packet.eth_src, kVmac);
    EXPECT_EQ(sink.sent[0].packet.sender_ip, kVip);
    EXPECT_EQ(count(Counter::conflict_defended), 1u);
    sink.take();
    deliver(gratuitous(kVmac, kVip)); // the virtual MAC is ours: no GARP war with the peer
    EXPECT_TRUE(sink.sent.empty());
    vips.vips[0].master = false;
    now += 5s;
    deliver(gratuitous(kAttacker, kVip));
    EXPECT_TRUE(sink.sent.empty());
    EXPECT_EQ(count(Counter::conflict_defended), 1u);
    EXPECT_EQ(count(Counter::vip_sender_ignored), 2u);
    EXPECT_TRUE(store.rows.empty());
}

// ---- limits ------------------------------------------------------------------------

TEST_F(Policy, PerInterfaceLimitCountsEveryOriginAndSparesOtherInterfaces) {
    opts.max_per_interface = 3;
    make();
    ASSERT_EQ(svc->add_static(kUser, ip("10.1.1.50"), host_mac(50), now), Status::ok);
    learn_host(host_mac(1), ip("10.1.1.2"));
    learn_host(host_mac(2), ip("10.1.1.3"));
    learn_host(host_mac(3), ip("10.1.1.4")); // the fourth entry
    EXPECT_EQ(count(Counter::learned), 2u);
    EXPECT_EQ(count(Counter::learn_interface_full), 1u);
    // Answers to our own requests too: the limit is about table space.
    svc->on_miss(kUser, ip("10.1.1.5"), now);
    deliver(reply(sink.take().back().packet, host_mac(4), ip("10.1.1.5")));
    EXPECT_EQ(count(Counter::learn_interface_full), 2u);
    // The other interface is not affected.
    learn_host(host_mac(9), ip("192.0.2.9"), kCore);
    EXPECT_TRUE(store.get(kCore, ip("192.0.2.9")));
    // Removing an entry makes room.
    ASSERT_TRUE(svc->remove_static(kUser, ip("10.1.1.50"), now));
    learn_host(host_mac(3), ip("10.1.1.4"));
    EXPECT_TRUE(store.get(kUser, ip("10.1.1.4")));
    ASSERT_FALSE(log_lines().empty());
    EXPECT_NE(log_lines()[0].find("max_per_interface"), std::string::npos);
}

TEST_F(Policy, GlobalLearnRate) {
    opts.learn_per_s = 10;
    make();
    for (uint32_t i = 0; i < 30; ++i)
        learn_host(host_mac(i), Ipv4{kA.value + i});
    EXPECT_EQ(count(Counter::learned), 10u); // the bucket's depth: one second's worth
    EXPECT_EQ(count(Counter::learn_rate_limited), 20u);
    now += 500ms;
    for (uint32_t i = 10; i < 30; ++i)
        learn_host(host_mac(i), Ipv4{kA.value + i});
    EXPECT_EQ(count(Counter::learned), 15u);
    // Answers to our requests are not counted against it.
    svc->on_miss(kUser, ip("10.1.1.200"), now);
    deliver(reply(sink.take().back().packet, kHostB, ip("10.1.1.200")));
    EXPECT_TRUE(store.get(kUser, ip("10.1.1.200")));
}

TEST_F(Policy, PerSourceLearnRate) {
    opts.learn_per_source_per_s = 5;
    make();
    for (uint32_t i = 0; i < 20; ++i) // one MAC claiming 20 addresses
        learn_host(kAttacker, Ipv4{kA.value + i});
    EXPECT_EQ(count(Counter::learned), 5u);
    EXPECT_EQ(count(Counter::learn_source_limited), 15u);
    learn_host(kHostB, ip("10.1.1.101")); // another sender
    EXPECT_EQ(count(Counter::learned), 6u);
    now += 1s;
    learn_host(kAttacker, Ipv4{kA.value + 19});
    EXPECT_EQ(count(Counter::learned), 7u);
}

TEST_F(Policy, ARandomSenderFloodIsBoundedByTheRates) {
    // 60k requests for our address from random senders in one second.
    std::set<uint32_t> seen;
    svc->add_interface({kUser, "GigabitEthernet0/1/0", kPortMac, Prefix{kOwn, 16}});
    for (uint32_t i = 0; i < 60000; ++i) {
        const uint32_t r = (i * 2654435761u) & 0xfff0;
        deliver(request(host_mac(i), Ipv4{ip("10.1.0.0").value | (r + 2)}, kOwn));
        now += std::chrono::microseconds(16);
    }
    EXPECT_LE(svc->size(), 2000u); // learn_per_s (1000/s) + its burst
    EXPECT_EQ(count(Counter::learned) + count(Counter::learn_rate_limited) + count(Counter::refreshed) +
                  count(Counter::mac_move_verify) + count(Counter::mac_move_repeated) +
                  count(Counter::mac_move_unverifiable),
              60000u);
}

} // namespace
} // namespace wg::arp
