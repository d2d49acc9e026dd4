#include "control/inject.hpp"

#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

namespace wg::control {

bool InjectFrameSink::send(uint16_t ifindex, std::span<const uint8_t> frame) {
    const auto& ports = ports_.ports();
    if (ifindex >= ports.size() || frame.size() > RTE_MBUF_DEFAULT_DATAROOM) {
        ++failures_;
        return false;
    }
    rte_mbuf* m = rte_pktmbuf_alloc(ports_.pool());
    if (m == nullptr) {
        ++failures_;
        return false;
    }
    // Ethernet minimum: pad short frames (ARP) to 60 bytes without FCS.
    const size_t len = std::max<size_t>(frame.size(), 60);
    auto* p = rte_pktmbuf_append(m, uint16_t(len));
    if (p == nullptr) {
        rte_pktmbuf_free(m);
        ++failures_;
        return false;
    }
    std::memcpy(p, frame.data(), frame.size());
    std::memset(p + frame.size(), 0, len - frame.size());
    if (!dp_.inject(m, ports[ifindex].port_id)) {
        ++failures_;
        return false;
    }
    return true;
}

} // namespace wg::control
