// The neighbour service: learning rules, answering (interface address, VIPs
// only when Master), static entries, synced entries, the table writer's
// outcomes (full, busy), change publication, reports.
#include "control/arp/service.hpp"

#include "tests/arp/support.hpp"

namespace wg::arp {
namespace {

using namespace test;

const Ipv4 kB = ip("10.1.1.11");
const Ipv4 kC = ip("10.1.1.12");

using Learning = ArpTest;

TEST_F(Learning, CreatedOnlyWhenWeAreTheTarget) {
    host_asks(kHostA, kA, kOwn); // request for us
    Packet rep = reply(request(kPortMac, kOwn, kB), kHostB, kB);
    deliver(rep);                                             // reply to us
    deliver(gratuitous(mac("02:00:00:00:00:0c"), kC));        // announcement of an unknown host
    host_asks(mac("02:00:00:00:00:0d"), ip("10.1.1.13"), kA); // overheard, for another host
    host_asks(mac("02:00:00:00:00:0e"), ip("10.1.1.14"), kVip); // for a VIP

    EXPECT_EQ(count(Counter::learned), 3u);
    EXPECT_EQ(count(Counter::learn_not_for_us), 2u);
    EXPECT_EQ(count(Counter::rx_request), 4u);
    EXPECT_EQ(count(Counter::rx_reply), 1u);
    EXPECT_EQ(count(Counter::request_not_for_us), 1u);
    EXPECT_EQ(store.rows.size(), 3u);
    EXPECT_FALSE(svc->find(kUser, kC));
    EXPECT_FALSE(svc->find(kUser, ip("10.1.1.13")));
    ASSERT_TRUE(store.get(kUser, kB));
    EXPECT_EQ(store.get(kUser, kB)->mac, kHostB);
    EXPECT_EQ(store.get(kUser, kB)->origin, Origin::learned);
    const auto e = svc->find(kUser, kA);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->state, State::reachable);
    EXPECT_EQ(e->expires, now + 1200s);
    EXPECT_TRUE(e->in_table);
    // A known host is confirmed by any frame it sends (RFC 826 merge).
    now += 10s;
    host_asks(kHostA, kA, kB);
    EXPECT_EQ(svc->find(kUser, kA)->confirmed, now);
    EXPECT_EQ(count(Counter::refreshed), 1u);
}

TEST_F(Learning, ReplyFromAnotherEthernetSourceLearnsTheSenderMac) {
    Packet rep = reply(request(kPortMac, kOwn, kA), kHostA, kA);
    rep.eth_src = kHostB; // RFC 5798 §8.1.2: allowed, the ARP body counts
    deliver(rep);
    EXPECT_EQ(rx(RxCounter::note_eth_src_differs), 1u);
    ASSERT_TRUE(store.get(kUser, kA));
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostA);
}

TEST_F(Learning, OnlyHostsOfTheInterfaceSubnet) {
    host_asks(kHostA, ip("10.1.2.5"), kOwn);       // another subnet
    host_asks(kHostA, ip("10.1.1.0"), kOwn);       // network address
    host_asks(kHostA, ip("10.1.1.255"), kOwn);     // directed broadcast
    host_asks(kHostA, kA, ip("192.0.2.1"), kCore); // user-side host on the core port
    EXPECT_EQ(count(Counter::not_in_subnet), 4u);
    EXPECT_EQ(count(Counter::learned), 0u);
    EXPECT_TRUE(store.rows.empty());
    host_asks(kHostA, ip("192.0.2.254"), ip("192.0.2.1"), kCore);
    EXPECT_TRUE(store.get(kCore, ip("192.0.2.254")));
}

TEST_F(Learning, NeverOurOwnAddressesNorAnActiveVip) {
    host_asks(kHostA, kOwn, kA);       // someone claims our address
    host_asks(kPortMac, kA, kOwn);     // someone uses our port MAC
    deliver(gratuitous(kHostB, kVip)); // a host claims the VIP we are Master for
    EXPECT_EQ(count(Counter::address_conflict), 3u);
    deliver(gratuitous(kVmac, kVip)); // our own GARP looped back
    vips.vips[0].master = false;
    deliver(gratuitous(kVmac, kVip)); // as Backup: the Master's GARP
    EXPECT_EQ(count(Counter::vip_sender_ignored), 2u);
    EXPECT_EQ(count(Counter::learned), 0u);
    EXPECT_TRUE(store.rows.empty());
    EXPECT_TRUE(changes.log.empty());
}

TEST_F(Learning, ProbesAreAnsweredNeverLearned) {
    deliver(request(kHostA, Ipv4{}, kOwn));
    EXPECT_EQ(rx(RxCounter::note_probe), 1u);
    EXPECT_TRUE(store.rows.empty());
    ASSERT_EQ(sink.sent.size(), 1u);
    const Packet& p = sink.sent[0].packet;
    EXPECT_EQ(p.op, Op::reply);
    EXPECT_EQ(p.sender_ip, kOwn); // RFC 5227 §2.1.1: the prober sees the address in use
    EXPECT_EQ(p.target_ip, Ipv4{});
    EXPECT_EQ(p.eth_dst, kHostA);
}

TEST_F(Learning, MacMoveWithoutVerificationUpdatesAndIsCounted) {
    opts.mac_move = MacMove::none;
    make();
    host_asks(kHostA, kA, kOwn);
    now += 10s;
    host_asks(kHostB, kA, kOwn);
    EXPECT_EQ(count(Counter::mac_moves), 1u);
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostB);
    EXPECT_EQ(svc->find(kUser, kA)->mac, kHostB);
    EXPECT_EQ(svc->find(kUser, kA)->confirmed, now);
    ASSERT_EQ(changes.log.size(), 2u);
    EXPECT_EQ(changes.log[1].kind, Change::Kind::update);
    EXPECT_EQ(changes.log[1].mac, kHostB);
    // The same MAC again is a refresh: counted, no change published.
    host_asks(kHostB, kA, kOwn);
    EXPECT_EQ(count(Counter::refreshed), 1u);
    EXPECT_EQ(changes.log.size(), 2u);
}

TEST_F(Learning, StaticEntriesAreImmuneToLearningAndSync) {
    const Ipv4 s = ip("10.1.1.50");
    const Mac sm = mac("02:00:00:00:00:50");
    ASSERT_EQ(svc->add_static(kUser, s, sm, now), Status::ok);
    host_asks(kHostA, s, ip("10.1.1.99"));
    EXPECT_EQ(count(Counter::static_kept), 1u);
    EXPECT_EQ(svc->install_synced(kUser, s, kHostB, 600, now), Status::refused);
    EXPECT_FALSE(svc->remove_synced(kUser, s, now));
    EXPECT_EQ(count(Counter::static_kept), 3u);
    EXPECT_EQ(store.get(kUser, s)->mac, sm);
    EXPECT_EQ(store.get(kUser, s)->origin, Origin::static_entry);
    host_asks(sm, s, ip("10.1.1.99")); // the right MAC: nothing to do
    EXPECT_EQ(count(Counter::static_kept), 3u);
    run_for(100000s, 50s); // never aged
    EXPECT_EQ(svc->find(kUser, s)->state, State::static_entry);
    EXPECT_FALSE(svc->find(kUser, s)->expires);
    EXPECT_EQ(sink.sent.size(), 0u); // and never probed
}

TEST_F(Learning, StaticReplacesLearnedAndCanBeRemoved) {
    learn_host(kHostA, kA);
    EXPECT_EQ(svc->add_static(kUser, kA, kHostB, now), Status::ok);
    EXPECT_EQ(store.get(kUser, kA)->origin, Origin::static_entry);
    EXPECT_EQ(svc->add_static(kUser, kOwn, kHostB, now), Status::refused);
    EXPECT_EQ(svc->add_static(9, kA, kHostB, now), Status::unknown_interface);
    EXPECT_EQ(svc->add_static(kUser, kB, kBroadcastMac, now), Status::invalid);
    EXPECT_FALSE(svc->remove_static(kUser, kB, now));
    EXPECT_TRUE(svc->remove_static(kUser, kA, now));
    EXPECT_TRUE(store.rows.empty());
    ASSERT_EQ(changes.log.size(), 3u);
    EXPECT_EQ(changes.log[2].kind, Change::Kind::remove);
    EXPECT_EQ(changes.log[2].origin, Origin::static_entry);
}

TEST_F(Learning, FrameFromAnUnknownInterfaceIsCounted) {
    svc->on_frame(7, encode(request(kHostA, kA, kOwn)), now);
    EXPECT_EQ(count(Counter::rx_unknown_interface), 1u);
    EXPECT_TRUE(store.rows.empty());
}

using Answering = ArpTest;

TEST_F(Answering, InterfaceAddressWithThePortMac) {
    host_asks(kHostA, kA, kOwn);
    ASSERT_EQ(sink.sent.size(), 1u);
    const Sent& s = sink.sent[0];
    EXPECT_EQ(s.ifindex, kUser);
    EXPECT_EQ(s.bytes.size(), kFrameLen);
    EXPECT_EQ(s.packet.op, Op::reply);
    EXPECT_EQ(s.packet.eth_src, kPortMac);
    EXPECT_EQ(s.packet.sender_mac, kPortMac);
    EXPECT_EQ(s.packet.sender_ip, kOwn);
    EXPECT_EQ(s.packet.eth_dst, kHostA);
    EXPECT_EQ(s.packet.target_mac, kHostA);
    EXPECT_EQ(s.packet.target_ip, kA);
    EXPECT_EQ(count(Counter::replies_sent), 1u);
}

TEST_F(Answering, VipOnlyWhenMasterFromTheVirtualMac) {
    host_asks(kHostA, kA, kVip);
    ASSERT_EQ(sink.sent.size(), 1u);
    EXPECT_EQ(sink.sent[0].packet.eth_src, kVmac);
    EXPECT_EQ(sink.sent[0].packet.sender_mac, kVmac);
    EXPECT_EQ(sink.sent[0].packet.sender_ip, kVip);
    EXPECT_EQ(count(Counter::vip_replies_sent), 1u);

    vips.vips[0].master = false; // Backup: RFC 5798 §6.4.2
    sink.take();
    host_asks(kHostA, kA, kVip);
    EXPECT_TRUE(sink.sent.empty());
    EXPECT_EQ(count(Counter::vip_backup_silent), 1u);
    // Learning still happens as Backup (the host is real either way).
    EXPECT_TRUE(store.get(kUser, kA));
    // The VIP of another interface is not ours here.
    host_asks(kHostA, ip("192.0.2.9"), kVip, kCore);
    EXPECT_TRUE(sink.sent.empty());
}

TEST_F(Answering, AddressOwnerAnswersItsOwnAddressFromTheVirtualMac) {
    vips.vips.push_back({kUser, kOwn, Mac::vrrp_virtual(2), true}); // priority 255 owner of 10.1.1.1
    host_asks(kHostA, kA, kOwn);
    ASSERT_EQ(sink.sent.size(), 1u);
    EXPECT_EQ(sink.sent[0].packet.sender_mac, Mac::vrrp_virtual(2));
    EXPECT_EQ(count(Counter::vip_replies_sent), 1u);
    EXPECT_EQ(count(Counter::replies_sent), 0u);
}

TEST_F(Answering, NoReplyToGratuitousOrForOthers) {
    deliver(gratuitous(kHostA, kA));
    host_asks(kHostA, kA, kB);
    deliver(reply(request(kHostB, kB, kA), kHostA, kA)); // a reply addressed to B
    EXPECT_TRUE(sink.sent.empty());
    EXPECT_EQ(count(Counter::request_not_for_us), 1u);
}

TEST_F(Answering, SinkFailureIsCounted) {
    sink.fail = true;
    host_asks(kHostA, kA, kOwn);
    EXPECT_EQ(count(Counter::send_failed), 1u);
    EXPECT_EQ(count(Counter::replies_sent), 0u);
}

using Synced = ArpTest;

TEST_F(Synced, InstallRemoveAndFirstHandWins) {
    EXPECT_EQ(svc->install_synced(kUser, kA, kHostA, 900, now), Status::ok);
    EXPECT_EQ(store.get(kUser, kA)->origin, Origin::synced);
    EXPECT_EQ(svc->find(kUser, kA)->state, State::synced);
    ASSERT_EQ(changes.log.size(), 1u);
    EXPECT_EQ(changes.log[0].origin, Origin::synced);
    EXPECT_LE(changes.log[0].age_remaining_s, 900u);
    EXPECT_GE(changes.log[0].age_remaining_s, 450u);

    // A frame from the host: known first-hand now, published as learned.
    host_asks(kHostA, kA, kOwn);
    EXPECT_EQ(store.get(kUser, kA)->origin, Origin::learned);
    ASSERT_EQ(changes.log.size(), 2u);
    EXPECT_EQ(changes.log[1].kind, Change::Kind::update);
    EXPECT_EQ(changes.log[1].origin, Origin::learned);
    // The peer's copy of the same fact, and its delete, leave it alone.
    EXPECT_EQ(svc->install_synced(kUser, kA, kHostA, 900, now), Status::ok);
    EXPECT_FALSE(svc->remove_synced(kUser, kA, now));
    EXPECT_EQ(count(Counter::synced_kept_local), 2u);
    EXPECT_EQ(store.get(kUser, kA)->origin, Origin::learned);
    // A different MAC from the peer replaces it (the Master saw it move).
    EXPECT_EQ(svc->install_synced(kUser, kA, kHostB, 900, now), Status::ok);
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostB);
    EXPECT_EQ(count(Counter::mac_moves), 1u);
    EXPECT_TRUE(svc->remove_synced(kUser, kA, now));
    EXPECT_TRUE(store.rows.empty());
    EXPECT_EQ(count(Counter::synced_removed), 1u);
}

TEST_F(Synced, RefusesWhatLearningWouldRefuse) {
    EXPECT_EQ(svc->install_synced(kUser, kOwn, kHostA, 900, now), Status::refused);
    EXPECT_EQ(svc->install_synced(kUser, ip("10.9.9.9"), kHostA, 900, now), Status::refused);
    EXPECT_EQ(svc->install_synced(kUser, kA, Mac{}, 900, now), Status::invalid);
    EXPECT_EQ(svc->install_synced(5, kA, kHostA, 900, now), Status::unknown_interface);
    EXPECT_TRUE(store.rows.empty());
}

using Writer = ArpTest;

TEST_F(Writer, TableFullIsCountedAndNothingElseChanges) {
    opts.mac_move = MacMove::none; // the update below reaches the table at once
    make();
    store.cap = 1;
    learn_host(kHostA, kA);
    learn_host(kHostB, kB);
    EXPECT_EQ(count(Counter::table_full), 1u);
    EXPECT_FALSE(svc->find(kUser, kB));
    EXPECT_EQ(svc->size(), 1u);
    EXPECT_EQ(changes.log.size(), 1u);
    // An update the table refuses leaves the old entry, in both views.
    store.force = AdjacencyStore::Result::full;
    learn_host(kHostB, kA);
    EXPECT_EQ(svc->find(kUser, kA)->mac, kHostA);
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostA);
    EXPECT_EQ(count(Counter::mac_moves), 0u);
    store.force = AdjacencyStore::Result::invalid;
    EXPECT_EQ(svc->install_synced(kUser, kC, kHostB, 100, now), Status::invalid);
    EXPECT_EQ(count(Counter::table_invalid), 1u);
    EXPECT_EQ(changes.log.size(), 1u);
}

TEST_F(Writer, BusyIsRetriedOnTheNextTickThenPublished) {
    store.force = AdjacencyStore::Result::busy;
    learn_host(kHostA, kA);
    EXPECT_EQ(count(Counter::table_busy), 1u);
    ASSERT_TRUE(svc->find(kUser, kA));
    EXPECT_FALSE(svc->find(kUser, kA)->in_table);
    EXPECT_TRUE(changes.log.empty());
    // Packets for it are held: the table does not have it yet.
    EXPECT_EQ(svc->on_miss(kUser, kA, now), MissAction::hold);
    advance(100ms); // still busy: stays queued
    EXPECT_EQ(count(Counter::table_busy), 2u);
    EXPECT_TRUE(changes.log.empty());
    store.force.reset();
    advance(100ms);
    EXPECT_EQ(count(Counter::busy_retried), 1u);
    ASSERT_EQ(changes.log.size(), 1u);
    EXPECT_EQ(changes.log[0].kind, Change::Kind::add);
    EXPECT_EQ(store.get(kUser, kA)->mac, kHostA);
    ASSERT_EQ(resolutions.log.size(), 1u);
    EXPECT_TRUE(resolutions.log[0].ok);
    int n = 0;
    svc->for_each([&](const EntryView& v) {
        EXPECT_TRUE(v.in_table);
        ++n;
    });
    EXPECT_EQ(n, 1);
}

TEST_F(Writer, BusyQueueOverflowDropsTheWrite) {
    opts.busy_retry_max = 1;
    make();
    store.force = AdjacencyStore::Result::busy;
    learn_host(kHostA, kA);
    learn_host(kHostB, kB);
    EXPECT_EQ(count(Counter::busy_dropped), 1u);
    EXPECT_FALSE(svc->find(kUser, kB));
    EXPECT_TRUE(svc->find(kUser, kA));
    // Retried but the table is full by then: the entry goes, nothing published.
    store.force = AdjacencyStore::Result::full;
    advance(100ms);
    EXPECT_FALSE(svc->find(kUser, kA));
    EXPECT_TRUE(changes.log.empty());
}

TEST_F(Writer, ChangesArePublishedInOrderWithConsecutiveSequenceNumbers) {
    opts.mac_move = MacMove::none;
    make();
    host_asks(kHostA, kA, kOwn);                                        // add learned
    host_asks(kHostB, kA, kOwn);                                        // update (move)
    svc->add_static(kUser, kB, kHostB, now);                            // add static
    svc->install_synced(kUser, kC, mac("02:00:00:00:00:0c"), 600, now); // add synced
    svc->remove_synced(kUser, kC, now);                                 // remove
    svc->add_static(kUser, kA, kHostA, now);                            // update to static
    struct Want {
        Change::Kind kind;
        Ipv4 ip;
        Origin origin;
    };
    const std::vector<Want> want{
        {Change::Kind::add, kA, Origin::learned},      {Change::Kind::update, kA, Origin::learned},
        {Change::Kind::add, kB, Origin::static_entry}, {Change::Kind::add, kC, Origin::synced},
        {Change::Kind::remove, kC, Origin::synced},    {Change::Kind::update, kA, Origin::static_entry},
    };
    ASSERT_EQ(changes.log.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(changes.log[i].seq, i + 1) << i;
        EXPECT_EQ(changes.log[i].kind, want[i].kind) << i;
        EXPECT_EQ(changes.log[i].ip, want[i].ip) << i;
        EXPECT_EQ(changes.log[i].origin, want[i].origin) << i;
    }
    EXPECT_EQ(changes.log[0].age_remaining_s, 1200u);
    EXPECT_EQ(changes.log[2].age_remaining_s, 0u);
    EXPECT_EQ(count(Counter::changes_published), want.size());
    EXPECT_EQ(svc->seq(), want.size());
    // The snapshot equals the table.
    size_t n = 0;
    svc->for_each([&](const EntryView& v) {
        const auto row = store.get(v.ifindex, v.ip);
        ASSERT_TRUE(row);
        EXPECT_EQ(row->mac, v.mac);
        EXPECT_EQ(row->origin, v.origin);
        ++n;
    });
    EXPECT_EQ(n, store.rows.size());
}

TEST_F(Writer, LinkDownFlushesLearnedKeepsStaticAndSynced) {
    host_asks(kHostA, kA, kOwn);
    svc->add_static(kUser, kB, kHostB, now);
    ASSERT_EQ(svc->install_synced(kUser, kC, mac("02:00:00:00:00:0c"), 900, now), Status::ok);
    host_asks(kHostA, ip("192.0.2.7"), ip("192.0.2.1"), kCore);
    const size_t published = changes.log.size();
    svc->flush_interface(kUser, now);
    EXPECT_FALSE(svc->find(kUser, kA));
    EXPECT_FALSE(store.get(kUser, kA));
    EXPECT_EQ(svc->find(kUser, kB)->origin, Origin::static_entry);
    EXPECT_EQ(svc->find(kUser, kC)->origin, Origin::synced);
    EXPECT_TRUE(store.get(kUser, kC));
    EXPECT_TRUE(svc->find(kCore, ip("192.0.2.7"))); // another interface
    EXPECT_EQ(store.rows.size(), 3u);
    ASSERT_EQ(changes.log.size(), published + 1);
    EXPECT_EQ(changes.log.back().kind, Change::Kind::remove);
    EXPECT_EQ(changes.log.back().ip, kA);
    EXPECT_EQ(count(Counter::link_down_flushed), 1u);
    // The per-interface count followed: the host is learned again.
    host_asks(kHostA, kA, kOwn);
    EXPECT_TRUE(store.get(kUser, kA));
}

using Reports = ArpTest;

TEST_F(Reports, DisplayArpLikeVrp) {
    host_asks(kHostA, kA, kOwn);
    svc->add_static(kUser, ip("10.1.1.50"), mac("02:00:00:00:00:50"), now);
    svc->install_synced(kUser, kB, kHostB, 1200, now);
    host_asks(kHostA, ip("192.0.2.7"), ip("192.0.2.1"), kCore);
    now += 61s;
    const std::string text = control::render_text(svc->report(now));
    EXPECT_NE(text.find("IP ADDRESS"), std::string::npos) << text;
    EXPECT_NE(text.find("EXPIRE(M)"), std::string::npos) << text;
    EXPECT_NE(text.find("10.1.1.10   0200-0000-000a  19         D     Reachable  GigabitEthernet0/1/0"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("10.1.1.1    0200-0000-0001  --         I     --         GigabitEthernet0/1/0"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("10.1.1.11   0200-0000-000b  12         B     Synced"), std::string::npos) << text;
    EXPECT_NE(text.find("10.1.1.50   0200-0000-0050  --         S     Static"), std::string::npos) << text;
    // Sorted: 10.1.1.1 (interface), .10, .11, .50, then the core side.
    const size_t a = text.find("10.1.1.1 "), b = text.find("10.1.1.10"), c = text.find("10.1.1.11"),
                 d = text.find("10.1.1.50"), e = text.find("192.0.2.7");
    EXPECT_TRUE(a < b && b < c && c < d && d < e) << text;
    EXPECT_NE(text.find("Total     : 6"), std::string::npos) << text;
    EXPECT_NE(text.find("Dynamic   : 2"), std::string::npos) << text;
    EXPECT_NE(text.find("Interface : 2"), std::string::npos) << text;

    const std::string json = control::render_json(svc->report(now));
    EXPECT_NE(json.find("\"mac_address\": \"02:00:00:00:00:0a\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"type\": \"synced\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"state\": \"reachable\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"expire_m\": null"), std::string::npos) << json;

    const std::string one = control::render_text(svc->report(now, "GigabitEthernet0/2/0"));
    EXPECT_EQ(one.find("10.1.1.10"), std::string::npos) << one;
    EXPECT_NE(one.find("192.0.2.7"), std::string::npos) << one;
    EXPECT_NE(one.find("Total     : 2"), std::string::npos) << one;
    const control::Report none = svc->report(now, "Eth9");
    ASSERT_EQ(none.messages().size(), 1u);
    EXPECT_NE(none.messages()[0].find("Error"), std::string::npos);
}

TEST_F(Reports, StatisticsShowEveryCounter) {
    host_asks(kHostA, kA, kOwn);
    const std::string json = control::render_json(svc->report_statistics());
    for (const auto& c : kCounterInfo)
        EXPECT_NE(json.find("\"" + std::string(c.key) + "\""), std::string::npos);
    for (const auto& c : kRxCounterInfo)
        EXPECT_NE(json.find("\"" + std::string(c.key) + "\""), std::string::npos);
    EXPECT_NE(json.find("\"learned\": 1"), std::string::npos) << json;
    EXPECT_NE(json.find("\"table_size\": 1"), std::string::npos) << json;
}

} // namespace
} // namespace wg::arp
