#include "control/vrrp/commands.hpp"

namespace wg::vrrp {

void register_commands(control::CliServer& cli, const Service& service) {
    cli.register_command({"display", "vrrp"},
                         "VRRP groups: state, priorities, timers, last changes [verbose]",
                         [&service](const control::CommandContext& ctx) -> control::CommandResult {
                             const bool verbose = !ctx.args.empty() && ctx.args[0] == "verbose";
                             if (!ctx.args.empty() && !verbose)
                                 return control::CommandError{"usage: display vrrp [verbose]"};
                             return service.report(verbose);
                         });
}

} // namespace wg::vrrp
