// The appliance's implementations of the control plane's I/O interfaces:
// frames leave through the dataplane's inject ring, VRRP transitions switch
// the fast path's interface words, notify hooks run as child processes.
//
// Thread-safety: control lcore only.
#pragma once

#include "control/event_loop.hpp"
#include "control/arp/service.hpp"
#include "control/frame_io.hpp"
#include "control/vrrp/service.hpp"
#include "fastpath/dataplane.hpp"
#include "fastpath/ports.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace wg {

class InjectFrameSink final : public control::FrameSink {
  public:
    InjectFrameSink(fastpath::Dataplane& dp, const fastpath::Ports& ports) : dp_(dp), ports_(ports) {}
    bool send(uint16_t ifindex, std::span<const uint8_t> frame) override;
    uint64_t failures() const { return failures_; }

  private:
    fastpath::Dataplane& dp_;
    const fastpath::Ports& ports_;
    uint64_t failures_ = 0;
};

// The ARP service's view of the fast path's adjacency table (the single
// writer is the control core; workers read it lock-free).
class FastPathAdjacency final : public arp::AdjacencyStore {
  public:
    FastPathAdjacency(fastpath::AdjacencyTable& table, const fastpath::Ports& ports) : table_(table), ports_(ports) {}
    Result upsert(uint16_t ifindex, Ipv4 ip, const Mac& mac, arp::Origin origin, arp::Time now) override;
    bool remove(uint16_t ifindex, Ipv4 ip) override;
    uint32_t size() const override { return table_.size(); }
    uint32_t capacity() const override { return table_.capacity(); }

  private:
    fastpath::AdjacencyTable& table_;
    const fastpath::Ports& ports_;
};

// Master: forward, source MAC = the group's virtual MAC, accept frames for it.
// Backup: forward nothing on that interface, source MAC = the port's own.
class FastPathForwarding final : public vrrp::ForwardingSink {
  public:
    FastPathForwarding(fastpath::Dataplane& dp, const fastpath::Ports& ports) : dp_(dp), ports_(ports) {}
    void set_master(uint16_t ifindex, uint8_t vrid, bool master) override;

  private:
    fastpath::Dataplane& dp_;
    const fastpath::Ports& ports_;
};

// keepalived-style notify scripts: `/bin/sh -c CMD` with WARMGATE_* in the
// environment, never waited for on the control loop; reaped by a periodic
// check and killed after `timeout`.
class ProcessHookRunner final : public vrrp::HookRunner {
  public:
    ProcessHookRunner(control::EventLoop& loop, control::Duration timeout);
    ~ProcessHookRunner() override;
    void run(const std::string& command, const std::vector<std::string>& env) override;

    uint64_t started() const { return started_; }
    uint64_t failed() const { return failed_; }
    uint64_t timed_out() const { return timed_out_; }

  private:
    void reap();

    struct Child {
        pid_t pid;
        control::TimePoint deadline;
        std::string command;
    };
    control::EventLoop& loop_;
    control::Duration timeout_;
    std::vector<Child> children_;
    control::EventLoop::TimerId reaper_ = 0;
    uint64_t started_ = 0, failed_ = 0, timed_out_ = 0;
};

} // namespace wg
