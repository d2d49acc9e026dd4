#include "control/arp/fastpath_store.hpp"

#include <chrono>

namespace wg::arp {

AdjacencyStore::Result FastPathStore::upsert(uint16_t ifindex, Ipv4 ip, const Mac& mac, Origin origin,
                                             Time now) {
    const auto& ports = ports_.ports();
    if (ifindex >= ports.size()) return Result::invalid;
    const auto ns =
        uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
    return table_.upsert({ip.value, ifindex, 0}, mac, ports[ifindex].port_id, origin, ns);
}

bool FastPathStore::remove(uint16_t ifindex, Ipv4 ip) {
    return table_.remove({ip.value, ifindex, 0});
}

} // namespace wg::arp
