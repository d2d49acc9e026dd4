// The ARP service's adjacency store over the fast path's table: every entry
// the service keeps (learned, synced, static) is written here, and the
// workers read it lock-free (fastpath/adjacency.hpp).
//
// Thread-safety: control lcore only (the table's single writer).
#pragma once

#include "control/arp/service.hpp"
#include "fastpath/adjacency.hpp"
#include "fastpath/ports.hpp"

namespace wg::arp {

class FastPathStore final : public AdjacencyStore {
  public:
    FastPathStore(fastpath::AdjacencyTable& table, const fastpath::Ports& ports)
        : table_(table), ports_(ports) {}
    Result upsert(uint16_t ifindex, Ipv4 ip, const Mac& mac, Origin origin, Time now) override;
    bool remove(uint16_t ifindex, Ipv4 ip) override;
    uint32_t size() const override { return table_.size(); }
    uint32_t capacity() const override { return table_.capacity(); }

  private:
    fastpath::AdjacencyTable& table_;
    const fastpath::Ports& ports_;
};

} // namespace wg::arp
