// IPv4 helpers shared by the worker and the control core's held-packet
// release. Header-only, noexcept, allocation-free.
#pragma once

#include <rte_byteorder.h>
#include <rte_ip.h>

#include <cstdint>

namespace wg::fastpath {

// TTL−1 with the checksum updated incrementally, RFC 1624 eqn. 3:
// HC' = ~(~HC + ~m + m'), over the TTL/protocol word.
inline void decrement_ttl(rte_ipv4_hdr* ip) noexcept {
    const uint16_t old_word = rte_cpu_to_be_16(uint16_t(ip->time_to_live << 8 | ip->next_proto_id));
    ip->time_to_live--;
    const uint16_t new_word = rte_cpu_to_be_16(uint16_t(ip->time_to_live << 8 | ip->next_proto_id));
    uint32_t sum = uint32_t(uint16_t(~ip->hdr_checksum)) + uint16_t(~old_word) + new_word;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    ip->hdr_checksum = uint16_t(~sum);
}

} // namespace wg::fastpath
