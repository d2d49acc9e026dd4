// VRRP advert authentication (RFC 2338 §5.3.6; docs/vrrp-auth.md) as the
// config names it: set in a remote-backup profile's `vrrp` map for the
// group it tracks (sync/options.hpp), read by control/vrrp.
//
// Thread-safety: plain values.
#pragma once

#include <string>

namespace wg::config {

enum class AuthMode { none, simple, md5 };

struct VrrpAuth {
    AuthMode mode = AuthMode::none;
    std::string key;
};

} // namespace wg::config
