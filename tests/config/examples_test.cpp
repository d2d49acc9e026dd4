// The two reference configurations (config/examples/device-{a,b}.yaml, the
// seed's Device A and Device B) load into the expected values, and a copy of
// Device A with ten mistakes yields ten located errors in one run.
//
// The examples are copied into a temporary directory and given a fresh PKI
// by scripts/gen-certs.sh, so the test works from a clean clone and never
// depends on the current directory.
#include "support.hpp"

#include "config/emit.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

namespace wg::test {
namespace {

class Examples : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = std::make_unique<TempDir>();
        const std::string root = source_root();
        for (const char* name : {"device-a.yaml", "device-b.yaml"})
            write_text(dir_->path() + "/" + name, read_text(root + "/config/examples/" + name));
        const std::string cmd =
            "bash '" + root + "/scripts/gen-certs.sh' '" + dir_->path() + "/certs' >/dev/null 2>&1";
        certs_ok_ = std::system(cmd.c_str()) == 0;
    }
    static void TearDownTestSuite() { dir_.reset(); }

    void SetUp() override { ASSERT_TRUE(certs_ok_) << "scripts/gen-certs.sh failed"; }

    static config::Config load(const std::string& name) {
        const auto r = config::load_file(dir_->path() + "/" + name);
        for (const auto& e : r.errors) ADD_FAILURE() << e.str();
        return r.config.value_or(config::Config{});
    }

    static std::unique_ptr<TempDir> dir_;
    static bool certs_ok_;
};

std::unique_ptr<TempDir> Examples::dir_;
bool Examples::certs_ok_ = false;

// What both devices share: the seed's topology with per-device addresses.
void expect_common(const config::Config& c) {
    EXPECT_EQ(c.dataplane.workers, 1u);
    EXPECT_EQ(c.dataplane.idle_sleep_us, 50u);
    EXPECT_EQ(c.dataplane.adjacency_capacity, 1048576u);
    ASSERT_EQ(c.interfaces.size(), 3u);
    EXPECT_EQ(c.interfaces[0].name, "GigabitEthernet0/1/0");
    EXPECT_EQ(c.interfaces[1].name, "GigabitEthernet0/2/0");
    EXPECT_EQ(c.interfaces[2].name, "LoopBack1");
    EXPECT_FALSE(c.interfaces[2].is_dpdk());
    ASSERT_EQ(c.interfaces[0].vrrp.size(), 1u);
    const auto& g = c.interfaces[0].vrrp[0];
    EXPECT_EQ(g.vrid, 1);
    EXPECT_EQ(g.virtual_ips, std::vector<Ipv4>{*Ipv4::parse("10.1.1.100")});
    EXPECT_TRUE(g.admin);
    EXPECT_TRUE(g.preempt.enabled);
    EXPECT_EQ(g.preempt.delay_s, 600u);
    EXPECT_EQ(g.recover_delay_s, 20u);
    EXPECT_EQ(g.version, 2);
    EXPECT_EQ(g.advert_interval_ms, 1000u);
    EXPECT_FALSE(g.track_admin);
    EXPECT_FALSE(g.notify.any());
    EXPECT_EQ(g.garp, config::Garp{});
    EXPECT_EQ(c.interfaces[0].remote_backup_profile, "profile1");
    // The network side follows the user side's admin group (seed: admin-vrrp).
    ASSERT_EQ(c.interfaces[1].vrrp.size(), 1u);
    const auto& net = c.interfaces[1].vrrp[0];
    EXPECT_EQ(net.vrid, 2);
    EXPECT_EQ(net.virtual_ips, std::vector<Ipv4>{*Ipv4::parse("192.0.2.100")});
    EXPECT_FALSE(net.admin);
    EXPECT_EQ(net.track_admin, (config::TrackAdmin{"GigabitEthernet0/1/0", 1}));
    EXPECT_EQ(c.arp, arp::Options{});

    ASSERT_EQ(c.routes.size(), 1u);
    EXPECT_EQ(c.routes[0].prefix, Prefix::parse("0.0.0.0/0"));
    EXPECT_EQ(c.routes[0].via, Ipv4::parse("192.0.2.254"));
    ASSERT_EQ(c.arp_static.size(), 1u);
    EXPECT_EQ(c.arp_static[0].ip, Ipv4::parse("10.1.1.50"));
    EXPECT_EQ(c.arp_static[0].mac, Mac::parse("02:00:00:00:00:50"));
    EXPECT_EQ(c.arp_static[0].interface, "GigabitEthernet0/1/0");

    ASSERT_EQ(c.ssl_policy.size(), 1u);
    EXPECT_EQ(c.ssl_policy[0].name, "policy1");
    EXPECT_EQ(c.ssl_policy[0].pki_domain, "domain1");
    ASSERT_EQ(c.remote_backup_service.size(), 1u);
    const auto& s = c.remote_backup_service[0];
    EXPECT_EQ(s.name, "service1");
    EXPECT_EQ(s.ssl_policy, "policy1");
    EXPECT_EQ(s.port, 2046);
    EXPECT_EQ(s.batch_backup, std::vector<std::string>{"arp"});
    ASSERT_EQ(c.remote_backup_profile.size(), 1u);
    const auto& p = c.remote_backup_profile[0];
    EXPECT_EQ(p.name, "profile1");
    EXPECT_EQ(p.service_type, std::vector<std::string>{"arp"});
    EXPECT_EQ(p.backup_id, 10u);
    EXPECT_EQ(p.remote_backup_service, "service1");
    EXPECT_EQ(p.peer_backup, "hot");
    EXPECT_EQ(p.vrrp.vrid, 1);
    EXPECT_EQ(p.vrrp.interface, "GigabitEthernet0/1/0");
    EXPECT_EQ(p.vrrp.authentication.mode, config::AuthMode::md5);
    EXPECT_EQ(p.vrrp.authentication.key, "YsH_2022");
}

TEST_F(Examples, DeviceA) {
    const auto c = load("device-a.yaml");
    EXPECT_EQ(c.sysname, "DeviceA");
    expect_common(c);
    ASSERT_EQ(c.interfaces.size(), 3u);
    EXPECT_EQ(c.interfaces[0].port, "net_af_packet0,iface=a-user");
    EXPECT_EQ(c.interfaces[0].address, Prefix::parse("10.1.1.1/24"));
    EXPECT_EQ(c.interfaces[0].vrrp.at(0).priority, 120); // the Master
    EXPECT_EQ(c.interfaces[1].vrrp.at(0).priority, 120);
    EXPECT_EQ(c.interfaces[1].port, "net_af_packet1,iface=a-core");
    EXPECT_EQ(c.interfaces[1].address, Prefix::parse("192.0.2.1/24"));
    EXPECT_EQ(c.interfaces[2].address, Prefix::parse("1.1.1.1/32"));
    ASSERT_EQ(c.pki_domain.size(), 1u);
    EXPECT_EQ(c.pki_domain[0].name, "domain1");
    // Relative to the config file's directory, stored absolute.
    EXPECT_EQ(c.pki_domain[0].ca, dir_->path() + "/certs/ca.pem");
    EXPECT_EQ(c.pki_domain[0].certificate, dir_->path() + "/certs/deviceA.pem");
    EXPECT_EQ(c.pki_domain[0].key, dir_->path() + "/certs/deviceA.key");
    ASSERT_EQ(c.remote_backup_service.size(), 1u);
    EXPECT_EQ(c.remote_backup_service[0].peer, Ipv4::parse("2.2.2.2"));
    EXPECT_EQ(c.remote_backup_service[0].source, Ipv4::parse("1.1.1.1"));
    EXPECT_EQ(c.control.socket, "/run/warmgate/DeviceA.sock");
}

TEST_F(Examples, DeviceB) {
    const auto c = load("device-b.yaml");
    EXPECT_EQ(c.sysname, "DeviceB");
    expect_common(c);
    ASSERT_EQ(c.interfaces.size(), 3u);
    EXPECT_EQ(c.interfaces[0].port, "net_af_packet0,iface=b-user");
    EXPECT_EQ(c.interfaces[0].address, Prefix::parse("10.1.1.2/24"));
    EXPECT_EQ(c.interfaces[0].vrrp.at(0).priority, 100); // the Backup, default priority
    EXPECT_EQ(c.interfaces[1].vrrp.at(0).priority, 100);
    EXPECT_EQ(c.interfaces[1].address, Prefix::parse("192.0.2.2/24"));
    EXPECT_EQ(c.interfaces[2].address, Prefix::parse("2.2.2.2/32"));
    ASSERT_EQ(c.pki_domain.size(), 1u);
    EXPECT_EQ(c.pki_domain[0].certificate, dir_->path() + "/certs/deviceB.pem");
    EXPECT_EQ(c.pki_domain[0].key, dir_->path() + "/certs/deviceB.key");
    ASSERT_EQ(c.remote_backup_service.size(), 1u);
    EXPECT_EQ(c.remote_backup_service[0].peer, Ipv4::parse("1.1.1.1"));
    EXPECT_EQ(c.remote_backup_service[0].source, Ipv4::parse("2.2.2.2"));
    EXPECT_EQ(c.control.socket, "/run/warmgate/DeviceB.sock");
}

TEST_F(Examples, DefaultSocketFollowsSysname) {
    std::string text = read_text(dir_->path() + "/device-b.yaml");
    text = replace(text, "control:\n  socket: /run/warmgate/DeviceB.sock\n", "");
    const auto r = config::load_string(text, "b.yaml", dir_->path());
    ASSERT_TRUE(r.config);
    EXPECT_EQ(r.config->control.socket, "/run/warmgate/DeviceB.sock");
}

TEST_F(Examples, TenMistakesTenLocatedErrorsInDocumentOrder) {
    std::string text = read_text(dir_->path() + "/device-a.yaml");
    // Applied out of document order on purpose: the output must still be sorted.
    text = replace(text, "remote_backup_service: service1", "remote_backup_service: service2");
    text = replace(text, "port: 2046", "port: 70000");
    text = replace(text, "peer: 2.2.2.2", "peer: 1.1.1.1");
    text = replace(text, "\"02:00:00:00:00:50\"", "\"01:00:00:00:00:50\"");
    text = replace(text, "via: 192.0.2.254", "via: 192.0.3.254");
    text = replace(text, "priority: 120 ", "priorty: 120  ");
    text = replace(text, "admin: true ", "admin: yes  ");
    text = replace(text, "[10.1.1.100]", "[10.2.1.100]");
    text = replace(text, "- vrid: 1\n", "- vrid: 0\n"); // the network side's track_admin is not judged
    text = replace(text, "idle_sleep_us: 50 ", "idle_sleep_us: abc");

    const auto r = config::load_string(text, "device-a.yaml", dir_->path());
    EXPECT_FALSE(r.config);
    Lines got;
    for (const auto& e : r.errors) got.push_back(e.str());
    EXPECT_EQ(
        got,
        (Lines{
            "device-a.yaml:8:18: idle_sleep_us must be an integer, got 'abc'",
            "device-a.yaml:15:15: vrid 0 out of range 1..255",
            "device-a.yaml:16:22: virtual_ip 10.2.1.100 is outside subnet 10.1.1.0/24 of interface "
            "'GigabitEthernet0/1/0'",
            "device-a.yaml:17:16: admin must be true or false, got 'yes'",
            "device-a.yaml:18:9: unknown key 'priorty' in vrrp group (expected one of: " +
                key_names(config::keys::vrrp_group()) + ")",
            "device-a.yaml:35:30: via 192.0.3.254 is not inside a connected subnet of a DPDK interface",
            "device-a.yaml:37:26: mac 01:00:00:00:00:50 is a multicast address (a static ARP entry needs "
            "a unicast MAC)",
            "device-a.yaml:45:11: peer 1.1.1.1 must differ from source",
            "device-a.yaml:47:11: port 70000 out of range 1..65535",
            "device-a.yaml:53:28: remote_backup_service 'service2' is not defined",
        }));
}

// The remote-backup tuning keys (docs/config.md): defaults when absent, the
// values when given, a round trip through to_yaml, and located errors.
TEST_F(Examples, RemoteBackupTuningKeys) {
    const auto d = load("device-a.yaml");
    ASSERT_EQ(d.remote_backup_service.size(), 1u);
    EXPECT_EQ(d.remote_backup_service[0].heartbeat_ms, 1000u);
    EXPECT_EQ(d.remote_backup_service[0].dead_ms, 3500u);
    EXPECT_EQ(d.remote_backup_profile[0].batch_max_entries, 512u);
    EXPECT_TRUE(d.remote_backup_profile[0].hold_preempt_until_synced);
    EXPECT_TRUE(d.ssl_policy[0].peer_identity.empty());

    std::string text = read_text(dir_->path() + "/device-a.yaml");
    text = replace(text, "    batch_backup: [arp]\n",
                   "    batch_backup: [arp]\n    heartbeat_ms: 200\n    dead_ms: 700\n"
                   "    reconnect_min_ms: 50\n    reconnect_max_ms: 800\n"
                   "    connect_timeout_ms: 2500\n    handshake_timeout_ms: 3000\n");
    text = replace(text, "    peer_backup: hot\n",
                   "    peer_backup: hot\n    batch_max_entries: 64\n    batch_max_delay_ms: 0\n"
                   "    log_entries: 4096\n    hold_preempt_until_synced: false\n"
                   "    digest_interval_ms: 250\n    snapshot_chunk: 1024\n");
    text = replace(text, "policy1: {pki_domain: domain1}", "policy1: {pki_domain: domain1, peer_identity: deviceB}");
    const auto r = config::load_string(text, "a.yaml", dir_->path());
    for (const auto& e : r.errors) ADD_FAILURE() << e.str();
    ASSERT_TRUE(r.config);
    const auto& s = r.config->remote_backup_service[0];
    EXPECT_EQ(s.heartbeat_ms, 200u);
    EXPECT_EQ(s.dead_ms, 700u);
    EXPECT_EQ(s.reconnect_min_ms, 50u);
    EXPECT_EQ(s.reconnect_max_ms, 800u);
    EXPECT_EQ(s.connect_timeout_ms, 2500u);
    EXPECT_EQ(s.handshake_timeout_ms, 3000u);
    const auto& p = r.config->remote_backup_profile[0];
    EXPECT_EQ(p.digest_interval_ms, 250u);
    EXPECT_EQ(p.snapshot_chunk, 1024u);
    EXPECT_EQ(p.batch_max_entries, 64u);
    EXPECT_EQ(p.batch_max_delay_ms, 0u);
    EXPECT_EQ(p.log_entries, 4096u);
    EXPECT_FALSE(p.hold_preempt_until_synced);
    EXPECT_EQ(r.config->ssl_policy[0].peer_identity, "deviceB");

    const auto again = config::load_string(config::to_yaml(*r.config), "again.yaml", dir_->path());
    for (const auto& e : again.errors) ADD_FAILURE() << e.str();
    ASSERT_TRUE(again.config);
    EXPECT_EQ(again.config->remote_backup_service[0].dead_ms, 700u);
    EXPECT_EQ(again.config->remote_backup_profile[0].log_entries, 4096u);
    EXPECT_EQ(again.config->remote_backup_service[0].handshake_timeout_ms, 3000u);
    EXPECT_EQ(again.config->remote_backup_profile[0].digest_interval_ms, 250u);
    EXPECT_EQ(again.config->remote_backup_profile[0].snapshot_chunk, 1024u);
    EXPECT_FALSE(again.config->remote_backup_profile[0].hold_preempt_until_synced);
    EXPECT_EQ(again.config->ssl_policy[0].peer_identity, "deviceB");

    std::string bad = read_text(dir_->path() + "/device-a.yaml");
    bad = replace(bad, "    batch_backup: [arp]\n",
                  "    batch_backup: [arp]\n    dead_ms: 1500\n    reconnect_min_ms: 900\n    reconnect_max_ms: 800\n");
    bad = replace(bad, "    peer_backup: hot\n",
                  "    peer_backup: hot\n    batch_max_entries: 0\n    snapshot_chunk: 70000\n"
                  "    digest_interval_ms: 50\n");
    const auto e = config::load_string(bad, "a.yaml", dir_->path());
    EXPECT_FALSE(e.config);
    Lines got;
    for (const auto& x : e.errors) got.push_back(x.str());
    EXPECT_EQ(got, (Lines{
                       "a.yaml:49:14: dead_ms 1500 must be at least twice heartbeat_ms (1000)",
                       "a.yaml:51:23: reconnect_max_ms 800 is below reconnect_min_ms (900)",
                       "a.yaml:58:24: batch_max_entries 0 out of range 1..65536",
                       "a.yaml:59:21: snapshot_chunk 70000 out of range 1..65536",
                       "a.yaml:60:25: digest_interval_ms 50 out of range 100..600000",
                   }));
}

} // namespace
} // namespace wg::test
