// VRRP's forwarding sink over the fast path's interface words.
// Master: forward, source MAC = the group's virtual MAC, accept frames for it.
// Backup: forward nothing on that interface, source MAC = the port's own.
//
// Thread-safety: control lcore only; the workers read the words lock-free.
#pragma once

#include "control/vrrp/service.hpp"
#include "fastpath/dataplane.hpp"
#include "fastpath/ports.hpp"

namespace wg::vrrp {

class FastPathForwarding final : public ForwardingSink {
  public:
    FastPathForwarding(fastpath::Dataplane& dp, const fastpath::Ports& ports) : dp_(dp), ports_(ports) {}
    void set_master(uint16_t ifindex, uint8_t vrid, bool master) override;

  private:
    fastpath::Dataplane& dp_;
    const fastpath::Ports& ports_;
};

} // namespace wg::vrrp
