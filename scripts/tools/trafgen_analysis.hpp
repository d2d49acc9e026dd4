// wg-trafgen's receiver side, without DPDK: what arrived (Recorder), the
// demo's event marks, and the loss analysis written as JSON at the end.
//
// Every probe carries a global sequence number (trafgen_wire.hpp), so a lost
// packet is a hole in the sequence. Its send time is interpolated from the TX
// timestamps of the received packets on either side of the hole (or from the
// tx summary's first/last stamps at the ends), and that time decides its
// phase: before the first event (normally `kill`), in the detection window
// between the first and the second event (`master`: the new Master took
// over), or after the second (for warmgate's demo: ARP-miss loss;
// docs/traffic.md "How a lost packet is attributed").
//
// Thread-safety: a Recorder belongs to the one thread that receives; the
// free functions are reentrant.
#pragma once

#include "config/net.hpp"
#include "scripts/tools/trafgen_wire.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wg::trafgen {

// One line "<CLOCK_MONOTONIC ns> <name>" of the events file.
struct Event {
    int64_t ns = 0;
    std::string name;
};

// Lines that are not "<integer> <name>" are skipped (a half-written line, a
// comment). Sorted by time; equal times keep file order.
std::vector<Event> parse_events(std::string_view text);

// The tx side's JSON summary, as much of it as the analysis uses.
struct TxInfo {
    uint16_t run = 0;
    uint64_t sent = 0;
    uint32_t hosts = 0;
    int64_t first_tx_ns = 0; // stamp of seq 0
    int64_t last_tx_ns = 0;  // stamp of seq sent-1
};
// nullopt when a key is missing: the caller says so and goes on without it.
std::optional<TxInfo> parse_tx_summary(std::string_view json);

class Recorder {
  public:
    // 2^25 sequence numbers (11 minutes at 50 kpps); 16 bytes each, allocated
    // in 1 MiB chunks as the sequence reaches them.
    static constexpr uint32_t kMaxSeq = 1u << 25;
    static constexpr uint32_t kChunk = 1u << 16;

    struct Slot {
        int64_t tx_ns = 0;
        int64_t rx_ns = -1; // < 0: not received
    };
    struct HostSeen {
        uint64_t received = 0;
        uint32_t first_seq = 0, last_seq = 0; // per-host sequence, from the payload
        uint32_t ip = 0;
    };
    enum class Outcome { counted, duplicate, other_run, out_of_range };

    // `run`: accept only that run id; without it, the first probe's run is
    // locked in (start the receiver before the generator). `hosts` > 0: a
    // probe's host index is its seq % hosts (round robin; the wire's 16-bit
    // host field holds only its low bits beyond 65536 hosts); 0: the field.
    explicit Recorder(std::optional<uint16_t> run = std::nullopt, uint32_t hosts = 0);

    Outcome add(const Probe& p, int64_t rx_ns);

    // nullptr when nothing at or near `seq` arrived (its chunk is absent).
    const Slot* slot(uint32_t seq) const;
    bool received(uint32_t seq) const {
        const Slot* s = slot(seq);
        return s != nullptr && s->rx_ns >= 0;
    }

    std::optional<uint16_t> run() const { return run_; }
    uint64_t counted() const { return counted_; }
    uint64_t duplicates() const { return duplicates_; }
    uint64_t other_run() const { return other_run_; }
    uint64_t out_of_range() const { return out_of_range_; }
    // One past the highest sequence received (0: none).
    uint32_t seq_end() const { return seq_end_; }
    const std::vector<HostSeen>& hosts() const { return hosts_; }

  private:
    std::optional<uint16_t> run_;
    uint32_t nhosts_ = 0;
    std::vector<std::unique_ptr<Slot[]>> chunks_;
    std::vector<HostSeen> hosts_;
    uint64_t counted_ = 0, duplicates_ = 0, other_run_ = 0, out_of_range_ = 0;
    uint32_t seq_end_ = 0;
};

enum class Phase : uint8_t { before = 0, detection = 1, after = 2 };
const char* phase_name(Phase p);

struct AnalysisOptions {
    uint32_t hosts = 0;               // 0: from the tx summary, else the highest host index seen + 1
    std::optional<TxInfo> tx;         // bounds the sequence (tail loss) and anchors the ends
    std::vector<Event> events;        // sorted (parse_events)
    int64_t start_ns = 0, end_ns = 0; // the receiver's run: the time series' span
    uint32_t bucket_ms = 100;
    uint32_t max_gaps_per_host = 32; // listed; all are counted
    uint32_t max_per_host = 0;       // per_host entries written; 0: all (see to_json)
};

// A run of consecutive lost per-host sequence numbers, with the packets of
// that host around it (-1: none: the run starts or ends the flow).
struct Gap {
    uint32_t from = 0, to = 0; // per-host sequence numbers, inclusive
    uint64_t lost = 0;
    int64_t first_lost_tx_ns = 0; // interpolated
    Phase phase = Phase::before;  // of the first lost packet
    int64_t tx_before_ns = -1, rx_before_ns = -1, tx_after_ns = -1, rx_after_ns = -1;
};

struct HostReport {
    uint32_t index = 0;
    uint32_t ip = 0; // from the first probe seen; 0 if none arrived
    uint64_t received = 0;
    uint32_t first_seq = 0, last_seq = 0;
    uint64_t lost = 0;
    std::array<uint64_t, 3> lost_by_phase{};
    uint64_t gaps_total = 0;
    std::vector<Gap> gaps;
};

// The longest run of lost global sequence numbers that ends (or, never
// resumed, is still open) after the first event: the failover's outage.
struct Outage {
    uint32_t from_seq = 0, to_seq = 0;
    uint64_t lost = 0;
    int64_t last_rx_before_ns = -1; // -1: no packet before it
    int64_t first_rx_after_ns = -1; // -1: traffic never resumed
};

struct Report {
    uint32_t hosts = 0;
    std::optional<uint16_t> run;
    std::optional<uint64_t> sent;
    uint64_t expected = 0; // sequence numbers examined: sent, or the highest received + 1
    uint64_t received = 0, duplicates = 0, other_run = 0, out_of_range = 0;
    double offered_pps = 0;
    uint64_t lost_total = 0;
    std::array<uint64_t, 3> lost_by_phase{};
    uint64_t hosts_with_loss = 0, hosts_with_loss_after = 0;
    std::optional<int64_t> first_rx_after_event_ns;
    // Before the first event (the kill): probes sent, and how many of those
    // arrived (the lab's own delivery, before anything failed).
    uint64_t sent_before_kill = 0, delivered_before_kill = 0;
    // From the takeover (the second event; the first when there is one only)
    // until every host has received a probe again; nullopt when some host
    // received none after it (hosts_silent_after of them).
    std::optional<int64_t> time_to_all_hosts_ns;
    uint64_t hosts_silent_after = 0;
    // hosts / offered_pps: one round of the probes, the floor of time_to_all_hosts.
    double probe_cycle_ms = 0;
    std::optional<Outage> outage;
    int64_t latency_min_ns = 0, latency_max_ns = 0;
    double latency_avg_ns = 0;
    std::vector<Event> events;
    int64_t start_ns = 0;
    uint32_t bucket_ms = 100;
    std::vector<uint64_t> rx_series, lost_series; // lost: by interpolated send time
    std::vector<HostReport> per_host;
    uint32_t max_per_host = 0; // to_json: beyond it, only hosts with loss are listed
    // The receiving port's own counters (rte_eth_stats: imissed means the
    // receiver itself fell behind, not the network), written as "port".
    std::vector<std::pair<std::string, uint64_t>> port_stats;
};

// The ARP log of the host emulator (wg-trafgen hosts --arp-log): one line per
// ARP request seen on the user LAN, "<CLOCK_MONOTONIC ns> <sender IP>
// <sender MAC> <target IP>". Lines that do not parse are skipped.
struct ArpLogEntry {
    int64_t ns = 0;
    uint32_t sender_ip = 0, target_ip = 0;
};
std::string arp_log_line(int64_t ns, uint32_t sender_ip, const Mac& sender_mac, uint32_t target_ip);
std::vector<ArpLogEntry> parse_arp_log(std::string_view text);
// Requests in [from_ns, from_ns + window_ns) whose sender IP is one of
// `senders` (empty: any sender), gratuitous ARPs (sender IP = target IP, a
// new Master's announcements) not counted.
uint64_t count_arp_requests(const std::vector<ArpLogEntry>& log, int64_t from_ns, int64_t window_ns,
                            const std::vector<uint32_t>& senders);

Phase phase_of(const std::vector<Event>& events, int64_t t);
Report analyze(const Recorder& rec, const AnalysisOptions& opt);
std::string to_json(const Report& r);

} // namespace wg::trafgen
