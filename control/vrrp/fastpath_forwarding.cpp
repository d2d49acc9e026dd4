#include "control/vrrp/fastpath_forwarding.hpp"

namespace wg::vrrp {

void FastPathForwarding::set_master(uint16_t ifindex, uint8_t vrid, bool master) {
    const auto& ports = ports_.ports();
    if (ifindex >= ports.size()) return;
    const Mac src = master ? Mac::vrrp_virtual(vrid) : ports[ifindex].mac;
    dp_.set_forwarding(ifindex, master, src, master);
}

} // namespace wg::vrrp
