// The ARP module's operator commands: `display arp` (entries, one
// interface's, or the service's statistics). Each answers with a Report, so
// text, --json and telemetry show the same data.
//
// Thread-safety: registered and served on the control loop's thread.
#pragma once

#include "control/arp/service.hpp"
#include "control/cli_server.hpp"
#include "control/event_loop.hpp"

#include <string>
#include <vector>

namespace wg::arp {

// `interfaces`: the names `display arp interface NAME` accepts (the DPDK ports).
// `service` and `loop` must outlive the server's use of the commands.
void register_commands(control::CliServer& cli, const Service& service, const control::EventLoop& loop,
                       std::vector<std::string> interfaces);

} // namespace wg::arp
