// DPDK telemetry endpoints (readable with dpdk-telemetry.py) for the same
// reports the CLI serves: /warmgate/statistics, /warmgate/interface, ...
//
// Telemetry callbacks run on DPDK's telemetry thread, but reports must be
// built on the control thread (the single owner of control state). The
// bridge hands each request to the control loop and waits (bounded) for the
// Report, then converts it to rte_tel_data there.
//
// Bounded control-core work (docs/architecture.md "Operator interface"): the
// control loop serves one request per poll() (one loop turn), and a table
// read on demand (`display arp`) gives at most kMaxRows rows, read on the
// control thread; the reply then carries "rows_truncated": the table had
// more (the CLI streams the whole table). DPDK 22.11 keeps no more than
// RTE_TEL_MAX_DICT_ENTRIES items per dict anyway. At most one request per
// DPDK telemetry connection waits; it gives up after 2 s unless the control
// thread is already building its reply.
//
// Thread-safety: attach() on the control thread before run(); the static
// callbacks run on the telemetry thread; poll() runs on the control thread.
#pragma once

#include "control/cli_server.hpp"
#include "control/event_loop.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

struct rte_tel_data;

namespace wg {

class TelemetryBridge {
  public:
    TelemetryBridge(control::EventLoop& loop, control::CliServer& cli);
    ~TelemetryBridge();

    // Registers /warmgate/<name> for each CLI command `display <name>`.
    // DPDK keeps callbacks for the process lifetime: one bridge per process.
    bool attach(const std::vector<std::string>& displays, std::string& error);
    // Serves pending requests (control thread). Returns true if it did work.
    bool poll();

    struct Job;
    // Rows of a table a telemetry reply carries (RTE_TEL_MAX_DICT_ENTRIES).
    static constexpr size_t kMaxRows = 256;

  private:
    static int on_request(const char* cmd, const char* params, rte_tel_data* d);

    control::EventLoop& loop_;
    control::CliServer& cli_;
    std::mutex mutex_;
    std::condition_variable done_;
    std::deque<Job*> pending_;
    bool closed_ = false;
};

} // namespace wg
