#include "control/arp/commands.hpp"

#include <algorithm>

namespace wg::arp {

void register_commands(control::CliServer& cli, const Service& service, const control::EventLoop& loop,
                       std::vector<std::string> interfaces) {
    cli.register_command(
        {"display", "arp"}, "ARP entries [interface NAME] | statistics",
        [&service, &loop,
         interfaces = std::move(interfaces)](const control::CommandContext& ctx) -> control::CommandResult {
            if (ctx.args.empty()) return service.report(loop.now());
            if (ctx.args.size() == 2 && ctx.args[0] == "interface") {
                if (std::find(interfaces.begin(), interfaces.end(), ctx.args[1]) == interfaces.end())
                    return control::CommandError{"no DPDK interface named '" + ctx.args[1] + "'"};
                return service.report(loop.now(), ctx.args[1]);
            }
            if (ctx.args.size() == 1 && ctx.args[0] == "statistics") return service.report_statistics();
            return control::CommandError{"usage: display arp [interface NAME | statistics]"};
        });
}

} // namespace wg::arp
