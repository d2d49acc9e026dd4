#include "control/vrrp/from_config.hpp"

namespace wg::vrrp {

std::vector<GroupConfig> groups_from_config(const config::Config& config,
                                            std::span<const control::InterfaceInfo> interfaces) {
    std::vector<GroupConfig> out;
    for (const auto& info : interfaces) {
        const config::Interface* itf = config.find_interface(info.name);
        if (itf == nullptr) continue;
        for (const auto& group : itf->vrrp) {
            GroupConfig g;
            g.ifindex = info.ifindex;
            g.interface = itf->name;
            g.primary = info.address.addr;
            g.group = group;
            if (group.track_admin)
                for (const auto& admin : interfaces)
                    if (admin.name == group.track_admin->interface) {
                        g.admin_ifindex = admin.ifindex;
                        break;
                    }
            for (const auto& rbp : config.remote_backup_profile)
                if (rbp.vrrp.interface == itf->name && rbp.vrrp.vrid == group.vrid)
                    g.auth = rbp.vrrp.authentication;
            out.push_back(std::move(g));
        }
    }
    return out;
}

} // namespace wg::vrrp
