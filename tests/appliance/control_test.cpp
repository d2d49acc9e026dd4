// Packet-level tests of the control plane (ARP, VRRP, ICMP) against the real
// warmgate process: its port is a net_af_packet device on one end of a veth
// pair (tests/support/lab.hpp builds the two namespaces), and the test plays
// the LAN on the other end with AF_PACKET sockets of its own (wire.hpp):
// hosts that ARP and ping, and a higher-priority VRRP router whose adverts
// hold warmgate in Backup until the test stops them.
//
// Covered: ARP learned from a request, a gratuitous ARP and a reply whose
// Ethernet source differs (RFC 5798 §8.1.2), the MAC change counted; on
// becoming Master, garp.count gratuitous ARPs for the VIP from the virtual
// MAC and adverts to 224.0.0.18 with TTL 255; ARP and ICMP echo for the VIP
// answered from the virtual MAC only while Master.
//
// "Nothing was answered" is decided once the appliance's counter of its
// silent path (vip_backup_silent, echo_vip_not_master, drop_l2_not_for_us)
// shows that the frame was handled, and the wire is then watched a little
// longer. Other waits are polls with
// generous bounds; the only timing check is that the gratuitous ARPs of one
// burst are spaced out, not sent back to back.
//
// Needs root (namespaces, veth, AF_PACKET): otherwise exits 77, meson's skip.
#include "tests/support/harness.hpp"
#include "tests/support/packets.hpp"
#include "tests/support/wire.hpp"
#include "tests/support/peers.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

namespace wg::apptest {
namespace {

using Ms = std::chrono::milliseconds;
using Row = std::map<std::string, std::string>;

// The LAN of every test: 10.1.1.0/24, warmgate at .1, the VIP .100.
const uint32_t kAddress = ipv4(10, 1, 1, 1);
const uint32_t kPeer = ipv4(10, 1, 1, 2); // the other VRRP router
const uint32_t kVip = ipv4(10, 1, 1, 100);
const uint32_t kHost = ipv4(10, 1, 1, 77);
const uint32_t kOtherHost = ipv4(10, 1, 1, 78);
const MacBytes kHostMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x77};
const MacBytes kHostNewMac{0x02, 0x00, 0x00, 0x00, 0x01, 0x77};
const MacBytes kOtherHostMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x78};
constexpr uint8_t kVrid = 7;
const MacBytes kVmac = vrrp_virtual_mac(kVrid);
const MacBytes kOtherVmac = vrrp_virtual_mac(9); // some other router's virtual MAC
constexpr unsigned kPriority = 100, kPeerPriority = 200;
constexpr unsigned kGarpCount = 3, kGarpIntervalMs = 100;
// The peer advertises 500 ms (Master_Down_Interval ≈ 1.5 s + skew) but sends
// every 100 ms, so that a stalled test thread on a busy 2-core machine never
// lets warmgate's Master_Down_Timer expire while the peer is meant to be up.
constexpr uint16_t kPeerIntervalCs = 50;
constexpr Ms kPeerEvery{100};
constexpr Ms kQuiet{300};     // watched for a stray answer once a frame is known handled
constexpr auto kHandled = 5s; // bound for a counter to show that a sent frame was handled

struct RootOnly : testing::Environment {
    void SetUp() override {
        if (geteuid() == 0) return;
        std::printf("appliance-control: needs root (network namespaces, veth pairs, AF_PACKET): skipped\n");
        std::fflush(stdout);
        std::_Exit(77);
    }
};
[[maybe_unused]] testing::Environment* const kRootOnly = testing::AddGlobalTestEnvironment(new RootOnly);

Bytes arp_frame(const MacBytes& eth_dst, const MacBytes& eth_src, uint16_t op, const MacBytes& sender_mac,
                uint32_t sender_ip, const MacBytes& target_mac, uint32_t target_ip) {
    Arp a;
    a.eth_dst = eth_dst, a.eth_src = eth_src, a.op = op;
    a.sender_mac = sender_mac, a.sender_ip = sender_ip;
    a.target_mac = target_mac, a.target_ip = target_ip;
    return build_arp(a);
}
// "Who has `target`? Tell 10.1.1.77", broadcast.
Bytes who_has(uint32_t target) {
    return arp_frame(kBroadcast, kHostMac, 1, kHostMac, kHost, {}, target);
}
Bytes echo_request(const MacBytes& dst_mac, uint32_t dst, uint16_t seq) {
    IcmpEcho e;
    e.dst_mac = dst_mac, e.src_mac = kHostMac;
    e.src = kHost, e.dst = dst;
    e.id = 0x77, e.seq = seq;
    e.data = {'w', 'a', 'r', 'm', 'g', 'a', 't', 'e', uint8_t(seq)};
    return build_icmp_echo(e);
}

Wire::Match arp_reply_from(uint32_t sender_ip) {
    return [=](const Bytes& f) {
        const auto a = parse_arp(f);
        return a && a->op == 2 && a->sender_ip == sender_ip && a->target_ip != sender_ip;
    };
}
Wire::Match gratuitous_for(uint32_t ip) {
    return [=](const Bytes& f) {
        const auto a = parse_arp(f);
        return a && a->sender_ip == ip && a->target_ip == ip;
    };
}
Wire::Match echo_reply(uint16_t seq) {
    return [=](const Bytes& f) {
        const auto e = parse_icmp_echo(f);
        return e && e->type == 0 && e->id == 0x77 && e->seq == seq;
    };
}
Wire::Match advert_from(uint32_t src) {
    return [=](const Bytes& f) {
        const auto v = parse_vrrp(f);
        return v && v->src == src;
    };
}

class ControlOnTheWire : public testing::Test {
  protected:
    void SetUp() override {
        std::string why;
        ASSERT_TRUE(link_.up(why)) << why;
        ASSERT_TRUE(wire_.open(link_.keepalived_ns(), link_.keepalived_if(), true, why)) << why;
    }

    void TearDown() override {
        if (peer_) peer_->stop();
        if (HasFailure()) {
            std::string r = wg_ ? wg_->describe() : std::string("(warmgate not started)\n");
            if (wg_) {
                for (const char* what : {"arp", "statistics"}) {
                    const RunResult out = ctl(dir_, socket_, {"display", what});
                    r += std::string("--- display ") + what + " ---\n" + out.out + out.err;
                }
            }
            r += "--- wire, from the LAN's side ---\n" + wire_.dump(0);
            std::fprintf(stderr, "%s\n", r.c_str());
        }
        peer_.reset();
        wg_.reset();
    }

    // warmgate on its end of the link, `vrrp` (YAML lines) on its interface.
    void start_warmgate(const std::string& vrrp) {
        socket_ = dir_.file("wg.sock");
        const std::string config = dir_.file("wg.yaml");
        write_file(config, "sysname: CtlGate\n"
                           "dataplane: {workers: 1, idle_sleep_us: 100}\n"
                           "interfaces:\n"
                           "  GigabitEthernet0/1/0:\n"
                           "    port: \"net_af_packet0,iface=" +
                               link_.warmgate_if() +
                               "\"\n"
                               "    address: 10.1.1.1/24\n" +
                               vrrp + "control:\n  socket: " + socket_ + "\n");
        wg_ = std::make_unique<interop::Warmgate>(dir_, link_, "warmgate", config, socket_);
        std::string why;
        ASSERT_TRUE(wg_->wait_ready(why)) << why;
        const auto mac = parse_mac(interface()["mac"].as<std::string>());
        ASSERT_TRUE(mac) << interface();
        port_mac_ = *mac;
    }

    // The higher-priority router, sending from the virtual MAC as a Master does.
    void start_peer() {
        if (!peer_) {
            std::string why;
            ASSERT_TRUE(peer_wire_.open(link_.keepalived_ns(), link_.keepalived_if(), false, why)) << why;
            VrrpAdvert a;
            a.src_mac = kVmac, a.src = kPeer;
            a.vrid = kVrid, a.priority = kPeerPriority, a.interval_cs = kPeerIntervalCs;
            a.addresses = {kVip};
            peer_ = std::make_unique<PeerRouter>(peer_wire_, build_vrrp3(a), kPeerEvery);
        }
        peer_->start();
    }

    // VRRPv3 every 100 ms: alone, Master ~0.4 s after start; behind the peer
    // (which advertises 500 ms, learned as a v3 Backup does, RFC 5798 §6.4.2)
    // ~1.8 s after the peer's last advert.
    static std::string vrrp_group() {
        return "    vrrp:\n"
               "      - vrid: " +
               std::to_string(kVrid) +
               "\n"
               "        virtual_ip: [10.1.1.100]\n"
               "        priority: " +
               std::to_string(kPriority) +
               "\n"
               "        preempt: {delay: 0}\n"
               "        recover_delay: 0\n"
               "        version: 3\n"
               "        advert_interval_ms: 100\n"
               "        garp: {count: " +
               std::to_string(kGarpCount) + ", interval_ms: " + std::to_string(kGarpIntervalMs) + "}\n";
    }

    YAML::Node json(const std::vector<std::string>& words) { return ctl_json(dir_, socket_, words); }
    YAML::Node interface() { return json({"display", "interface"})["interfaces"][0]; }
    YAML::Node group() { return json({"display", "vrrp"})["groups"][0]; }
    std::string state() { return wg_->state(); }
    uint64_t arp_counter(const std::string& key) {
        return json({"display", "arp", "statistics"})["arp"]["counters"][key].as<uint64_t>();
    }
    uint64_t arp_rx(const std::string& key) {
        return json({"display", "arp", "statistics"})["arp"]["receive"][key].as<uint64_t>();
    }
    uint64_t vrrp_rx(const std::string& key) {
        return json({"display", "vrrp", "verbose"})["receive"][key].as<uint64_t>();
    }
    uint64_t control_counter(const std::string& key) {
        return json({"display", "statistics"})["control"][key].as<uint64_t>();
    }
    uint64_t total(const std::string& key) { return total_counter(json({"display", "statistics"}), key); }
    // The `display arp` row for `ip`, its scalar fields as text; empty if
    // there is none.
    Row arp_row(uint32_t ip) {
        Row row;
        for (const auto& e : json({"display", "arp"})["arp"]["entries"]) {
            if (!e.IsMap() || !e["ip_address"].IsScalar() || e["ip_address"].as<std::string>() != ip_str(ip))
                continue;
            for (const auto& kv : e)
                if (kv.second.IsScalar()) row[kv.first.as<std::string>()] = kv.second.as<std::string>();
        }
        return row;
    }
    bool grows(const std::function<uint64_t()>& counter, uint64_t before) {
        return wait_until([&] { return counter() > before; }, kHandled);
    }

    // Backup (held there by the peer), then Master once the peer stops:
    // returns the wire mark of the moment the peer went silent.
    size_t backup_then_master() {
        start_peer();
        start_warmgate(vrrp_group());
        if (HasFatalFailure()) return 0;
        EXPECT_TRUE(wait_until(
            [&] { return state() == "backup" && group()["master_ip"].as<std::string>() == ip_str(kPeer); },
            kCommandTimeout))
            << "state " << state() << ", peer adverts sent " << peer_->sent() << ", failed "
            << peer_->failed();
        if (HasFailure()) return 0;
        // It is the peer's adverts that hold it there: they keep arriving.
        const uint64_t accepted = vrrp_rx("accepted");
        EXPECT_TRUE(wait_until([&] { return vrrp_rx("accepted") >= accepted + 3; }, kCommandTimeout))
            << "accepted " << vrrp_rx("accepted") << " adverts; the peer sent " << peer_->sent();
        EXPECT_EQ(state(), "backup");
        peer_->stop();
        const size_t mark = wire_.mark();
        EXPECT_TRUE(wait_until([&] { return state() == "master"; }, kTrafficTimeout)) << state();
        return mark;
    }

    TempDir dir_;
    interop::Link link_{dir_};
    Wire wire_, peer_wire_;
    std::unique_ptr<PeerRouter> peer_;
    std::unique_ptr<interop::Warmgate> wg_;
    std::string socket_;
    MacBytes port_mac_{};
};

// Case 1: a request for the interface address is answered from the port MAC
// and its sender learned; a gratuitous ARP with a new MAC moves the entry
// (counted) once the old MAC, asked by unicast, stayed silent for
// arp.mac_move_verify_ms (nothing answers for it on this wire; docs/config.md
// "Learning policy"); a reply to us whose Ethernet source differs from its
// sender MAC is learned from the ARP body (RFC 5798 §8.1.2: VRRP routers send
// such frames).
TEST_F(ControlOnTheWire, ArpLearnedFromFramesAndMacChangeCounted) {
    ASSERT_NO_FATAL_FAILURE(start_warmgate(""));
    const uint64_t routes = control_counter("routes");

    size_t mark = wire_.mark();
    ASSERT_TRUE(wire_.send(who_has(kAddress)));
    const auto got = wire_.wait_for(mark, arp_reply_from(kAddress), kTrafficTimeout);
    ASSERT_TRUE(got) << "no ARP reply for " << ip_str(kAddress);
    const Arp reply = *parse_arp(got->frame);
    EXPECT_EQ(mac_str(reply.eth_src), mac_str(port_mac_));
    EXPECT_EQ(mac_str(reply.eth_dst), mac_str(kHostMac));
    EXPECT_EQ(mac_str(reply.sender_mac), mac_str(port_mac_));
    EXPECT_EQ(mac_str(reply.target_mac), mac_str(kHostMac));
    EXPECT_EQ(ip_str(reply.target_ip), ip_str(kHost));

    Row e;
    ASSERT_TRUE(wait_until([&] { return !(e = arp_row(kHost)).empty(); }, kCommandTimeout))
        << "10.1.1.77 not learned";
    EXPECT_EQ(e["mac_address"], mac_str(kHostMac));
    EXPECT_EQ(e["type"], "dynamic");
    EXPECT_EQ(e["state"], "reachable");
    EXPECT_EQ(e["interface"], "GigabitEthernet0/1/0");
    EXPECT_EQ(arp_counter("learned"), 1u);
    // A neighbour adds no route (docs/architecture.md "Tables").
    EXPECT_EQ(control_counter("routes"), routes);

    // The host's NIC changes: it announces itself (sender = target).
    const uint64_t moves = arp_counter("mac_moves"), gratuitous = arp_rx("note_gratuitous");
    mark = wire_.mark();
    ASSERT_TRUE(wire_.send(arp_frame(kBroadcast, kHostNewMac, 1, kHostNewMac, kHost, {}, kHost)));
    ASSERT_TRUE(wait_until(
        [&] {
            e = arp_row(kHost);
            return e["mac_address"] == mac_str(kHostNewMac);
        },
        kCommandTimeout))
        << "the gratuitous ARP did not update 10.1.1.77: " << e["mac_address"];
    EXPECT_EQ(e["type"], "dynamic");
    EXPECT_EQ(arp_counter("mac_moves"), moves + 1);
    EXPECT_EQ(arp_rx("note_gratuitous"), gratuitous + 1);
    wire_.watch(kQuiet);
    EXPECT_TRUE(wire_.since(mark, arp_reply_from(kAddress)).empty()) << "a gratuitous ARP was answered\n"
                                                                     << wire_.dump(mark);

    // Another host's reply relayed with a different Ethernet source.
    const uint64_t differs = arp_rx("note_eth_src_differs");
    ASSERT_TRUE(
        wire_.send(arp_frame(port_mac_, kOtherVmac, 2, kOtherHostMac, kOtherHost, port_mac_, kAddress)));
    ASSERT_TRUE(wait_until([&] { return !(e = arp_row(kOtherHost)).empty(); }, kCommandTimeout))
        << "10.1.1.78 not learned from its reply";
    EXPECT_EQ(e["mac_address"], mac_str(kOtherHostMac)) << "from the ARP body, not the Ethernet source";
    EXPECT_EQ(arp_rx("note_eth_src_differs"), differs + 1);

    const YAML::Node table = json({"display", "arp"})["arp"];
    EXPECT_EQ(table["dynamic"].as<uint64_t>(), 2u) << table;
    EXPECT_EQ(arp_counter("learned"), 2u);
}

// Case 3: on becoming Master, garp.count gratuitous ARPs for the VIP from the
// virtual MAC (RFC 5798 §6.4.2), and adverts from the virtual MAC to
// 224.0.0.18 with TTL 255 (§5.1.1.3, §7.3), checksummed with the pseudo-header.
TEST_F(ControlOnTheWire, BecomingMasterSendsGratuitousArpsAndAdverts) {
    const size_t mark = backup_then_master();
    ASSERT_FALSE(HasFailure());
    // Nothing of the Master's before: the peer's adverts held it in Backup
    // from its first moment (the group never was Master).
    EXPECT_TRUE(wire_.since(0, gratuitous_for(kVip)).empty()) << wire_.dump(0, 40);

    EXPECT_EQ(wire_.wait_count(mark, gratuitous_for(kVip), kGarpCount, kTrafficTimeout), kGarpCount);
    wire_.watch(Ms(5 * kGarpIntervalMs)); // a fourth would come within an interval
    const auto garps = wire_.since(mark, gratuitous_for(kVip));
    ASSERT_EQ(garps.size(), kGarpCount) << wire_.dump(mark);
    for (const auto& g : garps) {
        const Arp a = *parse_arp(g.frame);
        EXPECT_EQ(mac_str(a.eth_src), mac_str(kVmac));
        EXPECT_EQ(mac_str(a.eth_dst), mac_str(kBroadcast));
        EXPECT_EQ(mac_str(a.sender_mac), mac_str(kVmac));
        EXPECT_TRUE(a.op == 1 || a.op == 2) << a.op;
    }
    // Spaced by the interval, not sent back to back: the burst spans (count
    // - 1) intervals when sent; half of that on arrival, since the first
    // frame may wait for a busy machine's worker longer than the last.
    const int64_t span_ms = (garps.back().at_ns - garps.front().at_ns) / 1000000;
    EXPECT_GE(span_ms, int64_t((kGarpCount - 1) * kGarpIntervalMs / 2)) << wire_.dump(mark);
    EXPECT_EQ(group()["garps_sent"].as<uint64_t>(), kGarpCount);

    const auto adv = wire_.wait_for(mark, advert_from(kAddress), kTrafficTimeout);
    ASSERT_TRUE(adv) << "no advert from 10.1.1.1\n" << wire_.dump(mark);
    const VrrpAdvert v = *parse_vrrp(adv->frame);
    EXPECT_EQ(mac_str(v.src_mac), mac_str(kVmac));
    EXPECT_EQ(mac_str(v.dst_mac), mac_str(kVrrpMulticastMac));
    EXPECT_EQ(ip_str(v.dst), ip_str(kVrrpGroup));
    EXPECT_EQ(v.ttl, 255);
    EXPECT_TRUE(v.checksums_ok) << summarize(adv->frame);
    EXPECT_EQ(v.version, 3);
    EXPECT_EQ(v.type, 1);
    EXPECT_EQ(v.vrid, kVrid);
    EXPECT_EQ(v.priority, kPriority);
    EXPECT_EQ(v.interval_cs, 10);
    EXPECT_EQ(v.addresses, std::vector<uint32_t>{kVip});
    // Every frame the Master sent about the group came from the virtual MAC.
    for (const auto& s : wire_.since(mark, advert_from(kAddress)))
        EXPECT_EQ(mac_str(parse_vrrp(s.frame)->src_mac), mac_str(kVmac));
}

// Cases 2 and 4: ARP and ICMP echo for the VIP are answered from the virtual
// MAC while Master, and left unanswered while Backup (RFC 5798 §6.4.2, §6.4.3;
// docs/architecture.md "Packet paths"), before and after a spell as Master.
TEST_F(ControlOnTheWire, VipAnsweredOnlyWhileMaster) {
    // A Backup's silence, proven by the counter of each path that saw the frame.
    const auto expect_backup_silent = [&](const std::string& when) {
        SCOPED_TRACE(when);
        EXPECT_FALSE(interface()["forwarding"].as<bool>()) << interface();
        const uint64_t silent = arp_counter("vip_backup_silent");
        const uint64_t not_master = control_counter("echo_vip_not_master");
        const uint64_t not_for_us = total("drop_l2_not_for_us");
        const size_t mark = wire_.mark();
        ASSERT_TRUE(wire_.send(who_has(kVip)));
        // A host that cached the virtual MAC, and one that sends to the port.
        ASSERT_TRUE(wire_.send(echo_request(kVmac, kVip, 1)));
        ASSERT_TRUE(wire_.send(echo_request(port_mac_, kVip, 2)));
        EXPECT_TRUE(grows([&] { return arp_counter("vip_backup_silent"); }, silent));
        EXPECT_TRUE(grows([&] { return control_counter("echo_vip_not_master"); }, not_master));
        EXPECT_TRUE(grows([&] { return total("drop_l2_not_for_us"); }, not_for_us))
            << "a Backup must not accept frames for the virtual MAC";
        wire_.watch(kQuiet);
        EXPECT_TRUE(wire_.since(mark, arp_reply_from(kVip)).empty()) << wire_.dump(mark);
        EXPECT_TRUE(wire_.since(mark, echo_reply(1)).empty()) << wire_.dump(mark);
        EXPECT_TRUE(wire_.since(mark, echo_reply(2)).empty()) << wire_.dump(mark);
    };

    start_peer();
    ASSERT_NO_FATAL_FAILURE(start_warmgate(vrrp_group()));
    ASSERT_TRUE(wait_until(
        [&] { return state() == "backup" && group()["master_ip"].as<std::string>() == ip_str(kPeer); },
        kCommandTimeout))
        << state();
    EXPECT_EQ(group()["master_priority"].as<uint64_t>(), kPeerPriority);
    expect_backup_silent("Backup from the start");

    peer_->stop();
    ASSERT_TRUE(wait_until([&] { return state() == "master"; }, kTrafficTimeout)) << state();
    {
        SCOPED_TRACE("Master");
        const YAML::Node itf = interface();
        EXPECT_TRUE(itf["forwarding"].as<bool>()) << itf;
        EXPECT_EQ(itf["source_mac"].as<std::string>(), mac_str(kVmac)) << itf;

        size_t mark = wire_.mark();
        ASSERT_TRUE(wire_.send(who_has(kVip)));
        const auto got = wire_.wait_for(mark, arp_reply_from(kVip), kTrafficTimeout);
        ASSERT_TRUE(got) << "no ARP reply for the VIP\n" << wire_.dump(mark);
        const Arp a = *parse_arp(got->frame);
        EXPECT_EQ(mac_str(a.eth_src), mac_str(kVmac));
        EXPECT_EQ(mac_str(a.sender_mac), mac_str(kVmac));
        EXPECT_EQ(mac_str(a.eth_dst), mac_str(kHostMac));
        EXPECT_EQ(mac_str(a.target_mac), mac_str(kHostMac));
        EXPECT_EQ(ip_str(a.target_ip), ip_str(kHost));

        mark = wire_.mark();
        const Bytes request = echo_request(kVmac, kVip, 3);
        ASSERT_TRUE(wire_.send(request));
        const auto pong = wire_.wait_for(mark, echo_reply(3), kTrafficTimeout);
        ASSERT_TRUE(pong) << "no echo reply from the VIP\n" << wire_.dump(mark);
        const IcmpEcho r = *parse_icmp_echo(pong->frame);
        EXPECT_EQ(mac_str(r.src_mac), mac_str(kVmac));
        EXPECT_EQ(mac_str(r.dst_mac), mac_str(kHostMac));
        EXPECT_EQ(ip_str(r.src), ip_str(kVip));
        EXPECT_EQ(ip_str(r.dst), ip_str(kHost));
        EXPECT_EQ(r.data, parse_icmp_echo(request)->data);
        EXPECT_TRUE(r.checksums_ok) << summarize(pong->frame);
    }

    // The better router returns: RFC 5798 §6.4.3, a Master hearing a higher
    // priority becomes Backup, and falls silent again.
    start_peer();
    ASSERT_TRUE(wait_until([&] { return state() == "backup"; }, kTrafficTimeout)) << state();
    expect_backup_silent("Backup again after being Master");
}

} // namespace
} // namespace wg::apptest
