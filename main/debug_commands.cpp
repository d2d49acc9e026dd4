// Debug commands for benchmarks and labs: install synthetic adjacencies and
// churn them at a steady rate, through the same single writer (the control
// core) that ARP learning and the sync layer use. Never needed in service.
#include "main/appliance.hpp"

#include <rte_cycles.h>

#include <charconv>

namespace wg {
namespace {

using control::CommandContext;
using control::CommandError;
using control::CommandResult;
using control::Report;

bool parse_u64(const std::string& s, uint64_t& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size();
}

// A MAC derived from the address: 02:xx + the IPv4 bytes, so entries are
// distinct and checkable.
Mac synthetic_mac(uint32_t ip, uint8_t salt) {
    return Mac{{0x02, salt, uint8_t(ip >> 24), uint8_t(ip >> 16), uint8_t(ip >> 8), uint8_t(ip)}};
}

} // namespace

void Appliance::register_debug_commands() {
    cli_.register_command(
        {"debug", "adjacency", "fill"}, "COUNT FIRST-IP INTERFACE: install COUNT synthetic entries (benchmarks)",
        [this](const CommandContext& ctx) -> CommandResult {
            uint64_t count = 0;
            if (ctx.args.size() != 3 || !parse_u64(ctx.args[0], count))
                return CommandError{"usage: debug adjacency fill COUNT FIRST-IP INTERFACE"};
            const auto first = Ipv4::parse(ctx.args[1]);
            const fastpath::Port* port = ports_.find(ctx.args[2]);
            if (!first) return CommandError{"bad address '" + ctx.args[1] + "'"};
            if (port == nullptr) return CommandError{"no DPDK interface named '" + ctx.args[2] + "'"};
            const auto ifindex = uint16_t(port - ports_.ports().data());
            auto& adj = dp_->adjacency();
            uint64_t added = 0, failed = 0;
            const uint64_t start = rte_rdtsc();
            for (uint64_t i = 0; i < count; ++i) {
                const uint32_t ip = first->value + uint32_t(i);
                const auto r = adj.upsert({ip, ifindex, 0}, synthetic_mac(ip, 0), port->port_id,
                                          fastpath::Origin::static_entry, start);
                if (r == fastpath::AdjacencyTable::Result::added || r == fastpath::AdjacencyTable::Result::updated)
                    ++added;
                else if (r != fastpath::AdjacencyTable::Result::unchanged)
                    ++failed;
                if ((i & 0xffff) == 0xffff) adj.reclaim();
            }
            Report report;
            auto& s = report.section("fill");
            s.add("installed", "Installed", added);
            s.add("failed", "Failed", failed);
            s.add("entries", "Entries", uint64_t(adj.size()));
            s.add("elapsed_ms", "Elapsed (ms)", (rte_rdtsc() - start) * 1000 / rte_get_tsc_hz());
            return report;
        });

    cli_.register_command(
        {"debug", "adjacency", "churn"},
        "RATE [COUNT FIRST-IP INTERFACE]: rewrite RATE entries/s round-robin over the range (0 stops)",
        [this](const CommandContext& ctx) -> CommandResult {
            uint64_t rate = 0, count = 0;
            if ((ctx.args.size() != 1 && ctx.args.size() != 4) || !parse_u64(ctx.args[0], rate))
                return CommandError{"usage: debug adjacency churn RATE [COUNT FIRST-IP INTERFACE]"};
            if (churn_timer_ != 0) loop_.cancel_timer(churn_timer_), churn_timer_ = 0;
            Report report;
            if (rate == 0) {
                report.add_message("Info: churn stopped after " + std::to_string(churn_done_) + " updates.");
                return report;
            }
            if (ctx.args.size() != 4 || !parse_u64(ctx.args[1], count) || count == 0)
                return CommandError{"usage: debug adjacency churn RATE COUNT FIRST-IP INTERFACE"};
            const auto first = Ipv4::parse(ctx.args[2]);
            const fastpath::Port* port = ports_.find(ctx.args[3]);
            if (!first || port == nullptr) return CommandError{"bad address or interface"};
            churn_ = {rate, count, first->value, uint16_t(port - ports_.ports().data()), port->port_id, 0};
            churn_done_ = 0;
            // 1 ms ticks: RATE/1000 updates each, alternating the MAC so every
            // write is a real update (new slot, RCU-deferred free).
            churn_timer_ = loop_.add_periodic(std::chrono::milliseconds(1), [this] {
                auto& adj = dp_->adjacency();
                const uint64_t per_tick = (churn_.rate + 999) / 1000;
                for (uint64_t i = 0; i < per_tick; ++i) {
                    const uint32_t ip = churn_.first + uint32_t(churn_.next % churn_.count);
                    const uint8_t salt = uint8_t((churn_.next / churn_.count) & 1);
                    adj.upsert({ip, churn_.ifindex, 0}, synthetic_mac(ip, salt), churn_.port_id,
                               fastpath::Origin::static_entry, 0);
                    ++churn_.next;
                    ++churn_done_;
                }
                adj.reclaim();
            });
            report.add_message("Info: churning " + std::to_string(rate) + " updates/s.");
            return report;
        });
}

} // namespace wg
