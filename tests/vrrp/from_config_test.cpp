// vrrp::groups_from_config (control/vrrp/from_config.hpp): the groups of the
// config interfaces that are ports, in port order, the admin group's port
// resolved, and the authentication taken from the remote-backup profile
// that tracks the group (the seed keeps it there), none otherwise.
#include "control/vrrp/from_config.hpp"

#include <gtest/gtest.h>

namespace wg::vrrp {
namespace {

config::VrrpGroup group(uint8_t vrid) {
    config::VrrpGroup g;
    g.vrid = vrid;
    g.virtual_ips = {*Ipv4::parse("10.1.1.254")};
    return g;
}

TEST(GroupsFromConfig, AuthenticationComesFromTheProfileThatTracksTheGroup) {
    config::Config c;
    config::Interface user;
    user.name = "GigabitEthernet0/1/0";
    user.port = "net_null0";
    user.vrrp = {group(1), group(2)};
    config::Interface core;
    core.name = "GigabitEthernet0/2/0";
    core.port = "net_null1";
    core.vrrp = {group(1)};
    core.vrrp[0].track_admin = config::TrackAdmin{"GigabitEthernet0/1/0", 1};
    config::Interface absent; // not a port of this process: its groups are not built
    absent.name = "GigabitEthernet0/3/0";
    absent.port = "net_null2";
    absent.vrrp = {group(7)};
    c.interfaces = {user, core, absent};
    config::RemoteBackupProfile rbp;
    rbp.name = "profile1";
    rbp.vrrp.interface = "GigabitEthernet0/1/0";
    rbp.vrrp.vrid = 1;
    rbp.vrrp.authentication = {config::AuthMode::md5, "secret"};
    c.remote_backup_profile = {rbp};

    const std::vector<control::InterfaceInfo> infos{
        {0, "GigabitEthernet0/2/0", Mac{}, *Prefix::parse("192.0.2.1/24")},
        {1, "GigabitEthernet0/1/0", Mac{}, *Prefix::parse("10.1.1.1/24")},
    };
    const auto groups = groups_from_config(c, infos);
    ASSERT_EQ(groups.size(), 3u);
    // Port order: the core port (ifindex 0) first.
    EXPECT_EQ(groups[0].ifindex, 0);
    EXPECT_EQ(groups[0].interface, "GigabitEthernet0/2/0");
    EXPECT_EQ(groups[0].primary, *Ipv4::parse("192.0.2.1"));
    EXPECT_EQ(groups[0].admin_ifindex, 1); // the admin group's port
    EXPECT_EQ(groups[0].auth.mode, config::AuthMode::none);
    EXPECT_EQ(groups[1].ifindex, 1);
    EXPECT_EQ(groups[1].group.vrid, 1);
    EXPECT_EQ(groups[1].auth.mode, config::AuthMode::md5);
    EXPECT_EQ(groups[1].auth.key, "secret");
    EXPECT_EQ(groups[2].group.vrid, 2); // no profile tracks it
    EXPECT_EQ(groups[2].auth.mode, config::AuthMode::none);
    EXPECT_TRUE(groups[2].auth.key.empty());
}

} // namespace
} // namespace wg::vrrp
