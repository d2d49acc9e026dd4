// keepalived-style notify scripts: `/bin/sh -c CMD` with WARMGATE_* in the
// environment, never waited for on the control loop; reaped by a periodic
// check and killed after `timeout`.
//
// Thread-safety: control lcore only (the event loop's thread).
#pragma once

#include "control/event_loop.hpp"
#include "control/vrrp/service.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace wg::vrrp {

class ProcessHookRunner final : public HookRunner {
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

} // namespace wg::vrrp
