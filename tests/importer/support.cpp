#include "tests/importer/support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace wg::test {

using namespace wg::config;

std::string source_root() {
    const char* root = std::getenv("WARMGATE_SOURCE_ROOT");
    if (root == nullptr || *root == '\0')
        throw std::runtime_error("WARMGATE_SOURCE_ROOT is not set (run via meson test)");
    return root;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
}

namespace {

struct LabDir {
    std::string path;
    LabDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "wg-importer-XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path = tmpl;
        std::string cmd = "'" + source_root() + "/scripts/gen-certs.sh' '" + path + "/certs' >/dev/null";
        if (std::system(cmd.c_str()) != 0) throw std::runtime_error("gen-certs.sh failed: " + cmd);
    }
    ~LabDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

void expect_group_eq(const VrrpGroup& a, const VrrpGroup& e) {
    SCOPED_TRACE("vrrp vrid " + std::to_string(e.vrid));
    EXPECT_EQ(a.vrid, e.vrid);
    EXPECT_EQ(a.virtual_ips, e.virtual_ips);
    EXPECT_EQ(a.admin, e.admin);
    EXPECT_EQ(a.priority, e.priority);
    EXPECT_EQ(a.preempt.enabled, e.preempt.enabled);
    EXPECT_EQ(a.preempt.delay_s, e.preempt.delay_s);
    EXPECT_EQ(a.recover_delay_s, e.recover_delay_s);
    EXPECT_EQ(a.version, e.version);
    EXPECT_EQ(a.advert_interval_ms, e.advert_interval_ms);
    ASSERT_EQ(a.track_admin.has_value(), e.track_admin.has_value());
    if (e.track_admin) {
        EXPECT_EQ(a.track_admin->interface, e.track_admin->interface);
        EXPECT_EQ(a.track_admin->vrid, e.track_admin->vrid);
    }
    EXPECT_EQ(a.notify.master, e.notify.master);
    EXPECT_EQ(a.notify.backup, e.notify.backup);
    EXPECT_EQ(a.notify.fault, e.notify.fault);
    EXPECT_EQ(a.garp.count, e.garp.count);
    EXPECT_EQ(a.garp.interval_ms, e.garp.interval_ms);
    EXPECT_EQ(a.garp.refresh_s, e.garp.refresh_s);
}

void expect_interface_eq(const Interface& a, const Interface& e) {
    SCOPED_TRACE("interface " + e.name);
    EXPECT_EQ(a.name, e.name);
    EXPECT_EQ(a.port, e.port);
    EXPECT_EQ(a.address, e.address);
    EXPECT_EQ(a.remote_backup_profile, e.remote_backup_profile);
    ASSERT_EQ(a.vrrp.size(), e.vrrp.size());
    for (size_t i = 0; i < e.vrrp.size(); ++i) expect_group_eq(a.vrrp[i], e.vrrp[i]);
}

void expect_profile_eq(const RemoteBackupProfile& a, const RemoteBackupProfile& e) {
    SCOPED_TRACE("remote_backup_profile " + e.name);
    EXPECT_EQ(a.name, e.name);
    EXPECT_EQ(a.service_type, e.service_type);
    EXPECT_EQ(a.backup_id, e.backup_id);
    EXPECT_EQ(a.remote_backup_service, e.remote_backup_service);
    EXPECT_EQ(a.peer_backup, e.peer_backup);
    EXPECT_EQ(a.vrrp.vrid, e.vrrp.vrid);
    EXPECT_EQ(a.vrrp.interface, e.vrrp.interface);
    EXPECT_EQ(a.vrrp.authentication.mode, e.vrrp.authentication.mode);
    EXPECT_EQ(a.vrrp.authentication.key, e.vrrp.authentication.key);
}

} // namespace

const std::string& lab_dir() {
    static const LabDir dir;
    return dir.path;
}

void expect_config_eq(const Config& a, const Config& e) {
    EXPECT_EQ(a.sysname, e.sysname);
    EXPECT_EQ(a.dataplane.workers, e.dataplane.workers);
    EXPECT_EQ(a.dataplane.idle_sleep_us, e.dataplane.idle_sleep_us);
    EXPECT_EQ(a.dataplane.adjacency_capacity, e.dataplane.adjacency_capacity);
    EXPECT_EQ(a.arp.age_s, e.arp.age_s);
    EXPECT_EQ(a.arp.probe_before_s, e.arp.probe_before_s);
    EXPECT_EQ(a.arp.probes, e.arp.probes);
    EXPECT_EQ(a.arp.requests_per_s, e.arp.requests_per_s);
    EXPECT_EQ(a.arp.learning, e.arp.learning);
    EXPECT_EQ(a.arp.mac_move, e.arp.mac_move);
    EXPECT_EQ(a.arp.verify_ms, e.arp.verify_ms);
    EXPECT_EQ(a.arp.max_per_interface, e.arp.max_per_interface);
    EXPECT_EQ(a.arp.learn_per_s, e.arp.learn_per_s);
    EXPECT_EQ(a.arp.learn_per_source_per_s, e.arp.learn_per_source_per_s);
    ASSERT_EQ(a.interfaces.size(), e.interfaces.size());
    for (size_t i = 0; i < e.interfaces.size(); ++i) expect_interface_eq(a.interfaces[i], e.interfaces[i]);
    ASSERT_EQ(a.routes.size(), e.routes.size());
    for (size_t i = 0; i < e.routes.size(); ++i) {
        SCOPED_TRACE("route " + std::to_string(i));
        EXPECT_EQ(a.routes[i].prefix, e.routes[i].prefix);
        EXPECT_EQ(a.routes[i].via, e.routes[i].via);
    }
    ASSERT_EQ(a.arp_static.size(), e.arp_static.size());
    for (size_t i = 0; i < e.arp_static.size(); ++i) {
        SCOPED_TRACE("arp_static " + std::to_string(i));
        EXPECT_EQ(a.arp_static[i].ip, e.arp_static[i].ip);
        EXPECT_EQ(a.arp_static[i].mac, e.arp_static[i].mac);
        EXPECT_EQ(a.arp_static[i].interface, e.arp_static[i].interface);
    }
    ASSERT_EQ(a.pki_domain.size(), e.pki_domain.size());
    for (size_t i = 0; i < e.pki_domain.size(); ++i) {
        SCOPED_TRACE("pki_domain " + e.pki_domain[i].name);
        EXPECT_EQ(a.pki_domain[i].name, e.pki_domain[i].name);
        EXPECT_EQ(a.pki_domain[i].ca, e.pki_domain[i].ca);
        EXPECT_EQ(a.pki_domain[i].certificate, e.pki_domain[i].certificate);
        EXPECT_EQ(a.pki_domain[i].key, e.pki_domain[i].key);
    }
    ASSERT_EQ(a.ssl_policy.size(), e.ssl_policy.size());
    for (size_t i = 0; i < e.ssl_policy.size(); ++i) {
        EXPECT_EQ(a.ssl_policy[i].name, e.ssl_policy[i].name);
        EXPECT_EQ(a.ssl_policy[i].pki_domain, e.ssl_policy[i].pki_domain);
    }
    ASSERT_EQ(a.remote_backup_service.size(), e.remote_backup_service.size());
    for (size_t i = 0; i < e.remote_backup_service.size(); ++i) {
        const auto &x = a.remote_backup_service[i], &y = e.remote_backup_service[i];
        SCOPED_TRACE("remote_backup_service " + y.name);
        EXPECT_EQ(x.name, y.name);
        EXPECT_EQ(x.ssl_policy, y.ssl_policy);
        EXPECT_EQ(x.peer, y.peer);
        EXPECT_EQ(x.source, y.source);
        EXPECT_EQ(x.port, y.port);
        EXPECT_EQ(x.batch_backup, y.batch_backup);
    }
    ASSERT_EQ(a.remote_backup_profile.size(), e.remote_backup_profile.size());
    for (size_t i = 0; i < e.remote_backup_profile.size(); ++i)
        expect_profile_eq(a.remote_backup_profile[i], e.remote_backup_profile[i]);
    EXPECT_EQ(a.control.socket, e.control.socket);
}

} // namespace wg::test
