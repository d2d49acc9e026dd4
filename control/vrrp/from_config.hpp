// The VRRP groups of a config, placed on the interfaces as the fast path
// numbers them. Pure: no DPDK, no event loop.
//
// Thread-safety: a function of its arguments only.
#pragma once

#include "config/config.hpp"
#include "control/frame_io.hpp"
#include "control/vrrp/service.hpp"

#include <span>
#include <vector>

namespace wg::vrrp {

// One GroupConfig per `vrrp` group of every config interface present in
// `interfaces`, in interface order. The authentication is the one of the
// remote-backup profile that tracks the group: the seed keeps it there
// (`vrrp vrid 1 authentication-mode md5 ...` in profile1), none otherwise.
std::vector<GroupConfig> groups_from_config(const config::Config& config,
                                            std::span<const control::InterfaceInfo> interfaces);

} // namespace wg::vrrp
