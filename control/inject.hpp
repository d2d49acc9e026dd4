// Frames the control core builds (ARP, VRRP adverts and GARPs, ICMP) leave
// through the dataplane's inject ring; worker 0 sends them.
//
// Thread-safety: control lcore only (the inject ring's single producer).
#pragma once

#include "control/frame_io.hpp"
#include "fastpath/dataplane.hpp"
#include "fastpath/ports.hpp"

namespace wg::control {

class InjectFrameSink final : public FrameSink {
  public:
    InjectFrameSink(fastpath::Dataplane& dp, const fastpath::Ports& ports) : dp_(dp), ports_(ports) {}
    bool send(uint16_t ifindex, std::span<const uint8_t> frame) override;
    uint64_t failures() const { return failures_; }

  private:
    fastpath::Dataplane& dp_;
    const fastpath::Ports& ports_;
    uint64_t failures_ = 0;
};

} // namespace wg::control
