// The VRRP module's operator command: `display vrrp [verbose]` (groups,
// states, priorities, timers, last changes), as a Report for text, --json
// and telemetry alike.
//
// Thread-safety: registered and served on the control loop's thread.
#pragma once

#include "control/cli_server.hpp"
#include "control/vrrp/service.hpp"

namespace wg::vrrp {

// `service` must outlive the server's use of the command.
void register_commands(control::CliServer& cli, const Service& service);

} // namespace wg::vrrp
