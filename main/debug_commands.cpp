// Debug commands for benchmarks and labs: install synthetic adjacencies and
// churn them at a steady rate, through the same single writer (the control
// core) that ARP learning and the sync layer use. Never needed in service.
#include "main/appliance.hpp"

#include <rte_cycles.h>

#include <algorithm>
#include <charconv>
#include <chrono>

namespace wg {
namespace {

using control::CommandContext;
using control::CommandError;
using control::CommandResult;
using control::Report;

// Far above what one control core sustains; keeps the credit arithmetic
// (rate x 50 ms in ns) well inside 64 bits.
constexpr uint64_t kMaxChurnRate = 100000000;

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

    // Every table counter (kAdjCounterInfo: `direct_nomem` included) and
    // the direct-index ranges, for benchmarks and labs.
    cli_.register_command(
        {"debug", "adjacency", "counters"}, ": the adjacency table's counters and direct-index ranges",
        [this](const CommandContext& ctx) -> CommandResult {
            if (!ctx.args.empty()) return CommandError{"usage: debug adjacency counters"};
            const auto& adj = dp_->adjacency();
            const auto c = adj.counters();
            std::vector<uint64_t> values;
            for (const auto& info : fastpath::kAdjCounterInfo) values.push_back(c.*info.field);
            Report report;
            auto& s = report.section("counters", "Adjacency table");
            s.add("entries", "Entries", uint64_t(adj.size()));
            s.add("capacity", "Capacity", uint64_t(adj.capacity()));
            s.add("pending", "Pending", uint64_t(adj.pending()));
            s.add_counters(fastpath::kAdjCounterInfo, values);
            report.declare_list("direct");
            for (const auto& port : ports_.ports()) {
                const auto ifindex = uint16_t(&port - ports_.ports().data());
                const auto& d = adj.direct(ifindex);
                const uint32_t size = d.size.load(std::memory_order_relaxed);
                if (size == 0) continue;
                auto& item = report.add_list_item("direct", port.spec.ifname);
                item.add("interface", "Interface", port.spec.ifname);
                item.add("base", "Base", Ipv4{d.base}.str());
                item.add("addresses", "Addresses", uint64_t(size));
            }
            return report;
        });

    cli_.register_command(
        {"debug", "adjacency", "churn"},
        "RATE [COUNT FIRST-IP INTERFACE]: rewrite RATE entries/s round-robin over the range (0 stops)",
        [this](const CommandContext& ctx) -> CommandResult {
            uint64_t rate = 0, count = 0;
            if ((ctx.args.size() != 1 && ctx.args.size() != 4) || !parse_u64(ctx.args[0], rate))
                return CommandError{"usage: debug adjacency churn RATE [COUNT FIRST-IP INTERFACE]"};
            if (rate > kMaxChurnRate)
                return CommandError{"RATE is at most " + std::to_string(kMaxChurnRate) + " updates/s"};
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
            // A 1 ms timer, but the updates due come from the steady clock:
            // a late tick (busy control loop, shared CPU) catches up, so the
            // asked rate holds; one tick never makes up more than 50 ms, so a
            // long stall does not turn into a burst that starves the loop.
            // Each update alternates the MAC: a real update (new slot,
            // RCU-deferred free), never `unchanged`.
            churn_timer_ = loop_.add_periodic(
                std::chrono::milliseconds(1),
                [this, last = loop_.now(), credit = uint64_t(0)]() mutable {
                    constexpr auto kMaxCatchUp = std::chrono::milliseconds(50);
                    const auto now = loop_.now();
                    const auto elapsed = std::min<std::chrono::nanoseconds>(now - last, kMaxCatchUp);
                    last = now;
                    // credit: updates owed, in units of 1/1e9 update.
                    credit += churn_.rate * uint64_t(std::max<int64_t>(0, elapsed.count()));
                    const uint64_t due = credit / 1000000000;
                    credit %= 1000000000;
                    auto& adj = dp_->adjacency();
                    for (uint64_t i = 0; i < due; ++i) {
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
