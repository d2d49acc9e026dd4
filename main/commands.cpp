// The operator commands served by the appliance itself (modules register
// their own): display version/interface/statistics. Each builds a Report,
// so text, --json and telemetry show the same data from one definition.
#include "main/appliance.hpp"

#include "control/arp/commands.hpp"
#include "control/vrrp/commands.hpp"

#include <rte_cycles.h>
#include <rte_version.h>

#include <array>
#include <string_view>

namespace wg {
namespace {

using control::CommandContext;
using control::CommandError;
using control::CommandResult;
using control::Record;
using control::Report;
using control::Section;

std::array<uint64_t, fastpath::kCounterCount> values(const fastpath::WorkerStats& s) { return s.v; }

Record worker_record(const fastpath::WorkerStats& s, uint64_t tsc_hz) {
    Record r;
    r.add_counters(fastpath::kCounterInfo, values(s));
    const uint64_t cpp = s.busy_packets ? s.busy_cycles / s.busy_packets : 0;
    r.add("cycles_per_packet", "Cycles/packet", cpp);
    r.add("polls", "Polls", s.polls);
    r.add("idle_polls", "Idle polls", s.idle_polls);
    r.add("busy_ms", "Busy (ms)", tsc_hz ? s.busy_cycles * 1000 / tsc_hz : 0);
    return r;
}

} // namespace

void Appliance::register_commands() {
    cli_.set_version_hook([this](Section& s) {
        s.add("sysname", "Sysname", config_.sysname);
        s.add("dpdk", "DPDK", rte_version());
        s.add("workers", "Workers", uint64_t(config_.dataplane.workers));
        s.add("uptime_s", "Uptime (s)",
              uint64_t(std::chrono::duration_cast<std::chrono::seconds>(loop_.now() - started_).count()));
    });

    cli_.register_command(
        {"display", "interface"}, "DPDK ports: device, MAC, link, addresses, port counters",
        [this](const CommandContext& ctx) -> CommandResult {
            Report report;
            report.declare_list("interfaces");
            const auto& ports = ports_.ports();
            bool found = ctx.args.empty();
            for (uint16_t i = 0; i < ports.size(); ++i) {
                const auto& p = ports[i];
                if (!ctx.args.empty() && ctx.args[0] != p.spec.ifname) continue;
                found = true;
                const auto link = fastpath::Ports::link(p);
                const auto st = fastpath::Ports::stats(p.port_id);
                const uint64_t word = dp_->iface_word(i);
                Section& s = report.add_list_item("interfaces", p.spec.ifname);
                s.set_label_width(17);
                s.add("name", "Interface", p.spec.ifname);
                s.add("port", "Port", p.spec.devargs);
                s.add("port_id", "Port-ID", uint64_t(p.port_id));
                s.add("driver", "Driver", p.driver);
                s.add("mac", "MAC", p.mac.str());
                s.add("address", "Address", p.spec.address.str());
                s.add("link", "Link", link.up ? "up" : "down");
                s.add("speed_mbps", "Speed (Mbit/s)", uint64_t(link.speed_mbps));
                s.add("mtu", "MTU", uint64_t(p.mtu));
                s.add("queues", "Queues", uint64_t(p.rx_queues));
                s.add("promiscuous", "Promiscuous", p.promiscuous);
                s.add("forwarding", "Forwarding", (word & fastpath::IfaceWord::kForward) != 0);
                s.add("source_mac", "Source MAC", fastpath::IfaceWord::mac(word).str());
                s.add("rx_packets", "RX packets", st.ipackets);
                s.add("rx_bytes", "RX bytes", st.ibytes);
                s.add("rx_missed", "RX missed", st.imissed);
                s.add("rx_errors", "RX errors", st.ierrors);
                s.add("rx_nombuf", "RX no mbuf", st.rx_nombuf);
                s.add("tx_packets", "TX packets", st.opackets);
                s.add("tx_bytes", "TX bytes", st.obytes);
                s.add("tx_errors", "TX errors", st.oerrors);
            }
            if (!found) return CommandError{"no DPDK interface named '" + ctx.args[0] + "'"};
            return report;
        });

    vrrp::register_commands(cli_, *vrrp_);
    {
        std::vector<std::string> names;
        for (const auto& p : ports_.ports()) names.push_back(p.spec.ifname);
        arp::register_commands(cli_, arp_->service(), loop_, std::move(names));
    }

    cli_.register_command(
        {"display", "statistics"}, "fast-path counters, summed and per worker, and control punts",
        [this](const CommandContext&) -> CommandResult {
            Report report;
            const uint64_t hz = rte_get_tsc_hz();
            Section& total = report.section("total", "Fast path (all workers)");
            total.set_label_width(24);
            const auto sum = dp_->stats_total();
            total.append(worker_record(sum, hz));
            report.declare_list("workers");
            for (unsigned w = 0; w < workers_.size(); ++w) {
                Section& s = report.add_list_item("workers", "Worker " + std::to_string(w));
                s.set_label_width(24);
                s.add("worker", "Worker", uint64_t(w));
                s.add("lcore", "Lcore", uint64_t(worker_lcores_.empty() ? 0 : worker_lcores_[w]));
                s.append(worker_record(dp_->stats(w), hz));
            }
            punt_->add_statistics(report);
            Section& c = report.section("control");
            const auto ac = dp_->adjacency().counters();
            c.add("adjacency_entries", "Adjacency entries", uint64_t(dp_->adjacency().size()));
            c.add("adjacency_capacity", "Adjacency capacity", uint64_t(dp_->adjacency().capacity()));
            c.add("adjacency_full", "Adjacency full", ac.full);
            c.add("routes", "Routes", uint64_t(dp_->fib().routes()));
            // Every adjacency-table counter, from its one list (full, busy,
            // direct_nomem, ...).
            Section& a = report.section("adjacency", "Adjacency table");
            a.set_label_width(24);
            std::vector<uint64_t> values;
            for (const auto& info : fastpath::kAdjCounterInfo) values.push_back(ac.*info.field);
            a.add_counters(fastpath::kAdjCounterInfo, values);
            return report;
        });
}

} // namespace wg
