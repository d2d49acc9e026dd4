// wg-trafgen: paced downlink probes to every user host (tx), a receiver that
// attributes every lost probe to a phase of the failover (rx), and event
// marks on the same clock (mark). docs/traffic.md has the usage and the lab
// wiring; trafgen_wire.hpp the frame; trafgen_analysis.hpp the attribution.
//
//   wg-trafgen [EAL] -- tx --dst-mac MAC [--src-mac MAC] [--src IP] [--hosts N] [--first IP]
//                          [--pps RATE] [--seconds S] [--size BYTES] [--ttl N] [--out FILE] [--port N]
//                          [--run ID]
//   wg-trafgen [EAL] -- rx --out FILE [--seconds S] [--events FILE] [--tx FILE] [--hosts N]
//                          [--bucket-ms MS] [--run ID] [--port N]
//   wg-trafgen [EAL] -- hosts [--hosts N] [--first IP] [--arp-latency MS|LO-HI] [--late-share F]
//                          [--late-ms LO-HI] [--move-share F] [--move-after S | --move-on-event NAME
//                          --events FILE] [--arp-log FILE] [--out FILE] [--seconds S] [--bench N]
//   wg-trafgen mark FILE NAME
//
// hosts is the user LAN's host emulator (trafgen_hosts.hpp): it answers ARP
// for every host itself, so the lab's hosts need no kernel addresses.
// Everything runs on the main lcore; both loops sleep instead of spinning,
// because the lab shares 2 cores with two appliances (docs/lab.md).
#include "common/hash.hpp"
#include "config/net.hpp"
#include "scripts/tools/trafgen_analysis.hpp"
#include "scripts/tools/trafgen_hosts.hpp"
#include "scripts/tools/trafgen_wire.hpp"

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace wg::trafgen;

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}

constexpr uint16_t kBurst = 32;

int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void sleep_until(int64_t ns) {
    timespec ts{};
    ts.tv_sec = time_t(ns / 1000000000), ts.tv_nsec = long(ns % 1000000000);
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr); // EINTR: the loop looks at g_stop
}

int fail(const std::string& why) {
    std::fprintf(stderr, "wg-trafgen: %s\n", why.c_str());
    return 2;
}

int usage() {
    std::fprintf(
        stderr,
        "usage: wg-trafgen [EAL] -- tx --dst-mac MAC [--src-mac MAC] [--src IP] [--hosts N] [--first IP]\n"
        "                              [--pps RATE] [--seconds S] [--size BYTES] [--ttl N] [--out FILE]\n"
        "                              [--port N] [--run ID]\n"
        "       wg-trafgen [EAL] -- rx --out FILE [--seconds S] [--events FILE] [--tx FILE] [--hosts N]\n"
        "                              [--bucket-ms MS] [--run ID] [--port N]\n"
        "       wg-trafgen [EAL] -- hosts [--hosts N] [--first IP] [--arp-latency MS|LO-HI]\n"
        "                              [--late-share F] [--late-ms LO-HI] [--move-share F]\n"
        "                              [--move-after S | --move-on-event NAME --events FILE]\n"
        "                              [--arp-log FILE] [--out FILE] [--seconds S] [--port N]\n"
        "                              [--max-pending N] [--seed N] [--bench REQUESTS]\n"
        "       wg-trafgen mark FILE NAME\n"
        "--seconds 0 runs until SIGINT/SIGTERM.\n");
    return 2;
}

// Writes `text` to `path` through a temporary file and rename(), so a reader
// polling for the file never sees half of it.
bool write_atomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::trunc);
        f << text;
        if (!f.flush()) return false;
    }
    return std::rename(tmp.c_str(), path.c_str()) == 0;
}

std::optional<std::string> read_whole(const std::string& path) {
    std::ifstream f(path);
    if (!f) return std::nullopt;
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

// `wg-trafgen mark FILE NAME`: one "<CLOCK_MONOTONIC ns> NAME" line, appended
// in a single write so that concurrent markers never interleave.
int mark(const std::string& file, const std::string& name) {
    if (name.empty() || name.size() > 64) return fail("mark: NAME must be 1..64 characters");
    for (const char c : name)
        if (!(std::isalnum(uint8_t(c)) || c == '_' || c == '-' || c == '.' || c == ':'))
            return fail(std::string("mark: NAME may hold letters, digits and _-.: only: ") + name);
    const int64_t ns = now_ns();
    const std::string line = std::to_string(ns) + " " + name + "\n";
    const int fd = open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return fail(std::string("mark: cannot open ") + file + ": " + std::strerror(errno));
    const bool ok = write(fd, line.data(), line.size()) == ssize_t(line.size());
    close(fd);
    if (!ok) return fail(std::string("mark: cannot write ") + file);
    std::printf("%" PRId64 "\n", ns);
    return 0;
}

struct Port {
    uint16_t id = 0;
    rte_mempool* pool = nullptr;
};

// The first ethdev (or --port), one RX and one TX queue, started.
std::optional<Port> open_port(int want, bool promisc) {
    Port p;
    if (want >= 0) {
        if (!rte_eth_dev_is_valid_port(uint16_t(want)))
            return fail(std::string("no port ") + std::to_string(want)), std::nullopt;
        p.id = uint16_t(want);
    } else {
        const uint64_t id = rte_eth_find_next_owned_by(0, RTE_ETH_DEV_NO_OWNER);
        if (id == RTE_MAX_ETHPORTS)
            return fail("no port: pass one with --vdev (docs/traffic.md)"), std::nullopt;
        p.id = uint16_t(id);
    }
    p.pool =
        rte_pktmbuf_pool_create("trafgen", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, int(rte_socket_id()));
    if (p.pool == nullptr) return fail(std::string("mbuf pool: ") + rte_strerror(rte_errno)), std::nullopt;
    rte_eth_conf conf{};
    uint16_t nb_rx = 1024, nb_tx = 1024;
    int rc = rte_eth_dev_configure(p.id, 1, 1, &conf);
    if (rc == 0) rc = rte_eth_dev_adjust_nb_rx_tx_desc(p.id, &nb_rx, &nb_tx);
    const int socket = rte_eth_dev_socket_id(p.id);
    const unsigned sock = socket < 0 ? 0 : unsigned(socket);
    if (rc == 0) rc = rte_eth_rx_queue_setup(p.id, 0, nb_rx, sock, nullptr, p.pool);
    if (rc == 0) rc = rte_eth_tx_queue_setup(p.id, 0, nb_tx, sock, nullptr);
    if (rc == 0) rc = rte_eth_dev_start(p.id);
    if (rc != 0) return fail(std::string("port setup: ") + rte_strerror(-rc)), std::nullopt;
    if (promisc) rte_eth_promiscuous_enable(p.id); // a tap sees all anyway; not every PMD supports it
    return p;
}

// Scripts and tests wait for this line before they start the other side.
void say_ready(const char* mode, const Port& p) {
    char name[RTE_ETH_NAME_MAX_LEN] = "?";
    rte_eth_dev_get_name_by_port(p.id, name);
    std::fprintf(stderr, "wg-trafgen: %s: running on port %u (%s)\n", mode, unsigned(p.id), name);
    std::fflush(stderr);
}

void close_port(const Port& p) {
    rte_eth_dev_stop(p.id);
    rte_eth_dev_close(p.id);
}

// Parses "--key value" pairs; `set` returns false for an unknown key or a
// bad value.
template <class Set>
bool parse_pairs(int argc, char** argv, Set set) {
    for (int i = 0; i < argc; i += 2) {
        if (i + 1 >= argc) return fail(std::string(argv[i]) + " needs a value"), false;
        if (!set(std::string(argv[i]), std::string(argv[i + 1])))
            return fail(std::string("bad option or value: ") + argv[i] + " " + argv[i + 1]), false;
    }
    return true;
}

template <class T>
bool num(const std::string& v, T& out, double lo, double hi) {
    char* end = nullptr;
    errno = 0;
    const double d = std::strtod(v.c_str(), &end);
    if (errno != 0 || end == v.c_str() || *end != '\0' || d < lo || d > hi) return false;
    out = T(d);
    return true;
}

// ---- tx ---------------------------------------------------------------------

struct TxOptions {
    std::optional<wg::Mac> dst_mac, src_mac;
    wg::Ipv4 src = *wg::Ipv4::parse("198.51.100.1"); // a server beyond the network-side router
    wg::Ipv4 first = *wg::Ipv4::parse("10.1.1.10");
    uint32_t hosts = 200, size = 64, ttl = 64;
    double pps = 1000, seconds = 10;
    std::string out;
    int port = -1;
    uint16_t run = 0; // 0: random
};

int run_tx(int argc, char** argv) {
    TxOptions o;
    const bool ok = parse_pairs(argc, argv, [&](const std::string& k, const std::string& v) {
        if (k == "--dst-mac") return bool(o.dst_mac = wg::Mac::parse(v));
        if (k == "--src-mac") return bool(o.src_mac = wg::Mac::parse(v));
        if (k == "--src") return wg::Ipv4::parse(v) ? (o.src = *wg::Ipv4::parse(v), true) : false;
        if (k == "--first") return wg::Ipv4::parse(v) ? (o.first = *wg::Ipv4::parse(v), true) : false;
        if (k == "--hosts") return num(v, o.hosts, 1, 16777216);
        if (k == "--size") return num(v, o.size, double(kMinFrame), double(kMaxFrame));
        if (k == "--ttl") return num(v, o.ttl, 1, 255);
        if (k == "--pps") return num(v, o.pps, 1, 10e6);
        if (k == "--seconds") return num(v, o.seconds, 0, 86400);
        if (k == "--port") return num(v, o.port, 0, RTE_MAX_ETHPORTS - 1);
        if (k == "--out") return o.out = v, true;
        if (k == "--run") return num(v, o.run, 1, 65535);
        return false;
    });
    if (!ok) return usage();
    if (!o.dst_mac) return fail("tx: --dst-mac is required (the lab: the VIP's 00:00:5e:00:01:02)");
    if (uint64_t(o.first.value) + o.hosts - 1 > UINT32_MAX) return fail("tx: --first + --hosts overflows");

    const auto port = open_port(o.port, false);
    if (!port) return 1;
    if (!o.src_mac) {
        rte_ether_addr a{};
        rte_eth_macaddr_get(port->id, &a);
        o.src_mac = wg::Mac{};
        std::memcpy(o.src_mac->bytes.data(), a.addr_bytes, 6);
    }
    const uint16_t run = o.run ? o.run : uint16_t(1024 + uint32_t(now_ns() ^ getpid()) % (65536 - 1024));
    std::vector<uint8_t> tmpl(o.size);
    build_template(tmpl.data(), o.size, o.dst_mac->bytes.data(), o.src_mac->bytes.data(), o.src.value, run,
                   uint8_t(o.ttl));

    // Pacing: packet k is due at origin + (k - base) / pps. The loop sends
    // what is due in bursts, then sleeps until about 1 ms worth is due again
    // (at least one packet): ~1000 wake-ups a second at any rate.
    const double ns_per_pkt = 1e9 / o.pps;
    const uint64_t batch = std::max<uint64_t>(1, uint64_t(o.pps / 1000));
    const uint64_t max_backlog =
        std::max<uint64_t>(64, uint64_t(o.pps / 100)); // 10 ms: beyond, give up on catching up
    say_ready("tx", *port);
    const int64_t start = now_ns();
    const int64_t deadline = o.seconds > 0 ? start + int64_t(o.seconds * 1e9) : INT64_MAX;
    int64_t origin = start;
    uint64_t base = 0, sent = 0, late = 0, ring_full = 0, no_mbuf = 0;
    uint32_t next_seq = 0; // seq of the next frame built; frames [sent, next_seq) are pending
    int64_t first_tx = -1, last_tx = -1;
    rte_mbuf* pending[kBurst];
    uint16_t npending = 0;

    while (!g_stop) {
        int64_t now = now_ns();
        if (now >= deadline) break;
        uint64_t due = base + uint64_t(double(now - origin) / ns_per_pkt) + 1;
        if (due > sent + max_backlog) { // descheduled for long: restart the schedule from now
            ++late;
            origin = now, base = sent, due = sent + 1;
        }
        bool full = false;
        while (sent < due && !full && !g_stop) {
            const uint16_t want = uint16_t(std::min<uint64_t>(kBurst, due - sent + 0));
            if (want > npending) {
                const uint16_t add = uint16_t(want - npending);
                if (rte_pktmbuf_alloc_bulk(port->pool, pending + npending, add) != 0) {
                    ++no_mbuf, full = true;
                    break;
                }
                for (uint16_t i = npending; i < want; ++i, ++next_seq) {
                    // A fresh mbuf's room (2 KiB) always holds --size (at most 1514).
                    pending[i]->data_len = uint16_t(o.size);
                    pending[i]->pkt_len = o.size;
                    auto* f = rte_pktmbuf_mtod(pending[i], uint8_t*);
                    std::memcpy(f, tmpl.data(), o.size);
                    const uint32_t host = next_seq % o.hosts;
                    stamp(f, o.first.value + host, next_seq, next_seq / o.hosts, uint16_t(host));
                }
                npending = want;
            }
            const int64_t ts = now_ns();
            for (uint16_t i = 0; i < npending; ++i)
                restamp(rte_pktmbuf_mtod(pending[i], uint8_t*), ts);
            const uint16_t n = rte_eth_tx_burst(port->id, 0, pending, npending);
            if (n > 0) {
                if (sent == 0) first_tx = ts;
                last_tx = ts;
                sent += n;
                std::memmove(pending, pending + n, sizeof(pending[0]) * (npending - n));
                npending = uint16_t(npending - n);
            }
            if (npending > 0) ++ring_full, full = true; // the port took less: let it drain
        }
        now = now_ns();
        int64_t wake = full ? now + 100000 : origin + int64_t(double(sent + batch - 1 - base) * ns_per_pkt);
        sleep_until(std::min(wake, deadline));
    }
    const int64_t end = now_ns();
    // Frames built but never taken are not sent: their seqs are >= sent, so
    // the receiver (bounded by "sent") does not count them as lost.
    rte_pktmbuf_free_bulk(pending, npending);
    rte_eth_stats st{};
    rte_eth_stats_get(port->id, &st);
    close_port(*port);

    const double secs = double(end - start) / 1e9;
    char buf[1024];
    std::snprintf(
        buf, sizeof buf,
        "{\"tool\": \"wg-trafgen tx\", \"run\": %u, \"hosts\": %u, \"first\": \"%s\", \"src\": \"%s\", "
        "\"dst_mac\": \"%s\", \"size\": %u, \"pps_target\": %.1f, \"sent\": %" PRIu64
        ", \"seconds\": %.3f, \"pps\": %.1f, \"first_tx_ns\": %" PRId64 ", \"last_tx_ns\": %" PRId64
        ", \"start_ns\": %" PRId64 ", \"end_ns\": %" PRId64 ", \"late_restarts\": %" PRIu64
        ", \"port_full\": %" PRIu64 ", \"no_mbuf\": %" PRIu64 ", \"port_oerrors\": %" PRIu64 "}\n",
        unsigned(run), o.hosts, o.first.str().c_str(), o.src.str().c_str(), o.dst_mac->str().c_str(), o.size,
        o.pps, sent, secs, secs > 0 ? double(sent) / secs : 0.0, first_tx, last_tx, start, end, late,
        ring_full, no_mbuf, uint64_t(st.oerrors));
    std::fputs(buf, stdout);
    if (!o.out.empty() && !write_atomically(o.out, buf))
        return fail(std::string("tx: cannot write ") + o.out), 1;
    return 0;
}

// ---- rx ---------------------------------------------------------------------

struct RxOptions {
    std::string out, events, tx;
    double seconds = 10;
    uint32_t hosts = 0, bucket_ms = 100, per_host_max = 0;
    std::optional<uint16_t> run;
    int port = -1;
};

int run_rx(int argc, char** argv) {
    RxOptions o;
    uint32_t run = 0;
    const bool ok = parse_pairs(argc, argv, [&](const std::string& k, const std::string& v) {
        if (k == "--out") return o.out = v, true;
        if (k == "--events") return o.events = v, true;
        if (k == "--tx") return o.tx = v, true;
        if (k == "--seconds") return num(v, o.seconds, 0, 86400);
        if (k == "--hosts") return num(v, o.hosts, 1, 16777216);
        if (k == "--per-host-max") return num(v, o.per_host_max, 0, 16777216);
        if (k == "--bucket-ms") return num(v, o.bucket_ms, 1, 60000);
        if (k == "--run") return num(v, run, 1, 65535) ? (o.run = uint16_t(run), true) : false;
        if (k == "--port") return num(v, o.port, 0, RTE_MAX_ETHPORTS - 1);
        return false;
    });
    if (!ok) return usage();
    if (o.out.empty()) return fail("rx: --out FILE.json is required");

    const auto port = open_port(o.port, true);
    if (!port) return 1;
    Recorder rec(o.run, o.hosts);
    uint64_t other_frames = 0;
    say_ready("rx", *port);
    const int64_t start = now_ns();
    const int64_t deadline = o.seconds > 0 ? start + int64_t(o.seconds * 1e9) : INT64_MAX;
    rte_mbuf* pkts[kBurst];
    auto take = [&](uint16_t n, int64_t now) {
        for (uint16_t i = 0; i < n; ++i) {
            const auto probe =
                decode(rte_pktmbuf_mtod(pkts[i], const uint8_t*), rte_pktmbuf_data_len(pkts[i]));
            if (probe)
                rec.add(*probe, now);
            else
                ++other_frames;
        }
        rte_pktmbuf_free_bulk(pkts, n);
    };
    while (!g_stop) {
        const uint16_t n = rte_eth_rx_burst(port->id, 0, pkts, kBurst);
        const int64_t now = now_ns();
        take(n, now);
        if (now >= deadline) break;
        // Idle: 200 us asleep keeps well inside af_packet's ring at 50 kpps.
        if (n == 0) sleep_until(std::min(now + 200000, deadline));
    }
    // What already arrived counts: a script stops the receiver right after
    // the generator exits, with the last frames still in the port's ring.
    for (uint32_t drained = 0; drained < 65536;) {
        const uint16_t n = rte_eth_rx_burst(port->id, 0, pkts, kBurst);
        if (n == 0) break;
        take(n, now_ns());
        drained += n;
    }
    const int64_t end = now_ns();
    rte_eth_stats st{};
    rte_eth_stats_get(port->id, &st);
    close_port(*port);

    // The events and the tx summary are read only now: the demo appends its
    // marks while traffic runs, and the generator finishes before us.
    AnalysisOptions a;
    a.hosts = o.hosts, a.start_ns = start, a.end_ns = end, a.bucket_ms = o.bucket_ms;
    a.max_per_host = o.per_host_max;
    if (!o.events.empty()) {
        if (const auto text = read_whole(o.events))
            a.events = parse_events(*text);
        else
            std::fprintf(stderr, "wg-trafgen: rx: no events file %s: every loss counts as before\n",
                         o.events.c_str());
    }
    if (!o.tx.empty()) {
        const auto text = read_whole(o.tx);
        if (text) a.tx = parse_tx_summary(*text);
        if (!a.tx)
            std::fprintf(stderr, "wg-trafgen: rx: no tx summary in %s: tail loss is not seen\n",
                         o.tx.c_str());
        else if (rec.run() && *rec.run() != a.tx->run)
            std::fprintf(stderr, "wg-trafgen: rx: received run %u, the tx summary is of run %u\n",
                         unsigned(*rec.run()), unsigned(a.tx->run));
    }
    Report r = analyze(rec, a);
    r.port_stats = {{"ipackets", st.ipackets},
                    {"imissed", st.imissed},
                    {"ierrors", st.ierrors},
                    {"rx_nombuf", st.rx_nombuf},
                    {"other_frames", other_frames}};
    if (!write_atomically(o.out, to_json(r))) return fail(std::string("rx: cannot write ") + o.out), 1;
    std::printf("{\"tool\": \"wg-trafgen rx\", \"received\": %" PRIu64 ", \"lost_total\": %" PRIu64
                ", \"lost_before\": %" PRIu64 ", \"lost_detection\": %" PRIu64 ", \"lost_after\": %" PRIu64
                ", \"offered_pps\": %.1f, \"out\": \"%s\"}\n",
                r.received, r.lost_total, r.lost_by_phase[0], r.lost_by_phase[1], r.lost_by_phase[2],
                r.offered_pps, o.out.c_str());
    return 0;
}

// ---- hosts ------------------------------------------------------------------

struct HostsCli {
    HostsOptions h;
    std::string arp_log, out, events, move_event;
    double seconds = 0, move_after_s = -1;
    int port = -1;
    uint64_t bench = 0;
};

// Sends what the emulator has due at `now` (bursts of kBurst); returns the
// replies the port did not take (dropped, counted by the caller).
uint64_t send_due(HostEmulator& emu, const Port& port, int64_t now, uint64_t& sent) {
    uint64_t dropped = 0;
    rte_mbuf* burst[kBurst];
    for (int rounds = 0; rounds < 64; ++rounds) { // at most 2048 replies a turn: then receive again
        uint16_t n = 0;
        bool no_mbuf = false;
        emu.take_due(now, kBurst, [&](const uint8_t* f, size_t len) {
            rte_mbuf* m = no_mbuf ? nullptr : rte_pktmbuf_alloc(port.pool);
            if (m == nullptr) {
                no_mbuf = true, ++dropped;
                return;
            }
            std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), f, len);
            m->data_len = uint16_t(len), m->pkt_len = uint32_t(len);
            burst[n++] = m;
        });
        if (n == 0) break;
        const uint16_t taken = rte_eth_tx_burst(port.id, 0, burst, n);
        sent += taken;
        if (taken < n) {
            dropped += n - taken;
            rte_pktmbuf_free_bulk(burst + taken, n - taken);
        }
        if (n < kBurst) break;
    }
    return dropped;
}

// --bench N: N broadcast requests for random hosts, answered and sent over
// the port (net_null in docs/traffic.md), against the same number of
// prebuilt replies sent without the emulator in the same run: answers/s and
// the ratio of the two.
int bench_hosts(const HostsCli& o, const Port& port) {
    constexpr size_t kFrames = 4096;
    std::vector<std::array<uint8_t, kArpFrameLen>> req(kFrames);
    uint64_t x = o.h.seed;
    const wg::Mac asker{{0x02, 0, 0, 0, 0, 1}};
    for (auto& f : req) {
        x = wg::splitmix_finalize(x + 0x9e3779b97f4a7c15ull);
        const uint32_t target = o.h.first_ip + uint32_t(x % o.h.hosts);
        f.fill(0);
        std::memset(f.data(), 0xff, 6);
        std::memcpy(f.data() + 6, asker.bytes.data(), 6);
        const uint8_t hdr[] = {0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1};
        std::memcpy(f.data() + 12, hdr, sizeof hdr);
        std::memcpy(f.data() + 22, asker.bytes.data(), 6);
        const uint32_t sender = 0x0a010101, t = target;
        const uint8_t ips[] = {
            uint8_t(sender >> 24), uint8_t(sender >> 16), uint8_t(sender >> 8), uint8_t(sender),
            uint8_t(t >> 24),      uint8_t(t >> 16),      uint8_t(t >> 8),      uint8_t(t)};
        std::memcpy(f.data() + 28, ips, 4);
        std::memcpy(f.data() + 38, ips + 4, 4);
    }
    HostEmulator emu(o.h);
    uint64_t sent = 0, dropped = 0;
    const int64_t t0 = now_ns();
    for (uint64_t i = 0; i < o.bench && !g_stop; i += kBurst) {
        const int64_t now = now_ns();
        for (uint64_t k = i; k < std::min<uint64_t>(o.bench, i + kBurst); ++k)
            emu.on_frame(req[k % kFrames].data(), kArpFrameLen, now);
        dropped += send_due(emu, port, now, sent);
    }
    dropped += send_due(emu, port, INT64_MAX, sent);
    const int64_t t1 = now_ns();
    // The same count of replies, prebuilt, through the same port.
    uint64_t base_sent = 0;
    rte_mbuf* burst[kBurst];
    for (uint64_t i = 0; i < o.bench && !g_stop; i += kBurst) {
        const uint16_t n = uint16_t(std::min<uint64_t>(kBurst, o.bench - i));
        if (rte_pktmbuf_alloc_bulk(port.pool, burst, n) != 0) break;
        for (uint16_t k = 0; k < n; ++k) {
            std::memcpy(rte_pktmbuf_mtod(burst[k], uint8_t*), req[(i + k) % kFrames].data(), kArpFrameLen);
            burst[k]->data_len = uint16_t(kArpFrameLen), burst[k]->pkt_len = uint32_t(kArpFrameLen);
        }
        const uint16_t taken = rte_eth_tx_burst(port.id, 0, burst, n);
        base_sent += taken;
        if (taken < n) rte_pktmbuf_free_bulk(burst + taken, uint16_t(n - taken));
    }
    const int64_t t2 = now_ns();
    const double emu_rate = double(sent) * 1e9 / double(std::max<int64_t>(1, t1 - t0));
    const double base_rate = double(base_sent) * 1e9 / double(std::max<int64_t>(1, t2 - t1));
    std::printf("{\"tool\": \"wg-trafgen hosts --bench\", \"hosts\": %u, \"requests\": %" PRIu64
                ", \"answered\": %" PRIu64 ", \"dropped\": %" PRIu64
                ", \"answers_per_s\": %.0f, \"prebuilt_tx_per_s\": %.0f, \"ratio\": %.3f, "
                "\"counters\": %s}\n",
                o.h.hosts, o.bench, sent, dropped, emu_rate, base_rate,
                base_rate > 0 ? emu_rate / base_rate : 0.0, to_json(emu.counters()).c_str());
    return sent == o.bench ? 0 : 1;
}

int run_hosts(int argc, char** argv) {
    HostsCli o;
    o.h.first_ip = wg::Ipv4::parse("10.1.1.101")->value;
    o.h.hosts = 200;
    const bool ok = parse_pairs(argc, argv, [&](const std::string& k, const std::string& v) {
        if (k == "--hosts") return num(v, o.h.hosts, 1, 16777216);
        if (k == "--first")
            return wg::Ipv4::parse(v) ? (o.h.first_ip = wg::Ipv4::parse(v)->value, true) : false;
        if (k == "--arp-latency" || k == "--late-ms") {
            const auto r = parse_ms_range(v);
            if (!r) return false;
            (k == "--late-ms" ? o.h.late : o.h.normal) = *r;
            return true;
        }
        if (k == "--late-share") return num(v, o.h.late_share, 0, 1);
        if (k == "--move-share") return num(v, o.h.move_share, 0, 1);
        if (k == "--move-after") return num(v, o.move_after_s, 0, 86400);
        if (k == "--move-on-event") return o.move_event = v, !v.empty();
        if (k == "--events") return o.events = v, true;
        if (k == "--arp-log") return o.arp_log = v, true;
        if (k == "--out") return o.out = v, true;
        if (k == "--seconds") return num(v, o.seconds, 0, 86400);
        if (k == "--port") return num(v, o.port, 0, RTE_MAX_ETHPORTS - 1);
        if (k == "--max-pending") return num(v, o.h.max_pending, 1, 1 << 24);
        if (k == "--seed") return num(v, o.h.seed, 0, 9e15);
        if (k == "--bench") return num(v, o.bench, 1, 1e10);
        return false;
    });
    if (!ok) return usage();
    if (uint64_t(o.h.first_ip) + o.h.hosts - 1 > UINT32_MAX)
        return fail("hosts: --first + --hosts overflows");
    if (!o.move_event.empty() && o.events.empty()) return fail("hosts: --move-on-event needs --events FILE");

    const auto port = open_port(o.port, true);
    if (!port) return 1;
    if (o.bench > 0) {
        const int rc = bench_hosts(o, *port);
        close_port(*port);
        return rc;
    }
    FILE* log = nullptr;
    if (!o.arp_log.empty()) {
        log = std::fopen(o.arp_log.c_str(), "w");
        if (log == nullptr) return fail(std::string("hosts: cannot write ") + o.arp_log), 1;
        std::setvbuf(log, nullptr, _IOFBF, 1 << 20);
    }
    HostEmulator emu(o.h);
    say_ready("hosts", *port);
    const int64_t start = now_ns();
    const int64_t deadline = o.seconds > 0 ? start + int64_t(o.seconds * 1e9) : INT64_MAX;
    uint64_t replies_sent = 0, replies_dropped = 0, log_lines = 0;
    int64_t moved_at = -1, next_event_check = start, last_flush = start, last_rx = start;
    bool log_dirty = false;
    rte_mbuf* pkts[kBurst];
    while (!g_stop) {
        const uint16_t n = rte_eth_rx_burst(port->id, 0, pkts, kBurst);
        const int64_t now = now_ns();
        for (uint16_t i = 0; i < n; ++i) {
            const auto seen =
                emu.on_frame(rte_pktmbuf_mtod(pkts[i], const uint8_t*), rte_pktmbuf_data_len(pkts[i]), now);
            if (seen && log != nullptr) {
                const std::string line =
                    arp_log_line(seen->ns, seen->sender_ip, seen->sender_mac, seen->target_ip);
                std::fputs(line.c_str(), log);
                ++log_lines, log_dirty = true;
            }
        }
        if (n > 0) rte_pktmbuf_free_bulk(pkts, n);
        // Moves: at a time since start, or once the events file names the event.
        if (moved_at < 0 && o.move_after_s >= 0 && now >= start + int64_t(o.move_after_s * 1e9))
            moved_at = now;
        if (moved_at < 0 && !o.move_event.empty() && now >= next_event_check) {
            next_event_check = now + 50000000; // 50 ms
            if (const auto text = read_whole(o.events))
                for (const Event& e : parse_events(*text))
                    if (e.name == o.move_event) moved_at = now;
        }
        if (moved_at >= 0 && !emu.moved()) emu.set_moved(true);
        replies_dropped += send_due(emu, *port, now, replies_sent);
        // The ARP log reaches the file within ~100 ms: the demo reads it while we run.
        if (log_dirty && now - last_flush >= 100000000) {
            std::fflush(log);
            last_flush = now, log_dirty = false;
        }
        if (now >= deadline) break;
        if (n > 0) last_rx = now;
        if (n == 0) { // idle: asleep until the next reply is due, at most 200 us (1 ms after 10 ms quiet)
            const int64_t nap = now - last_rx > 10000000 ? 1000000 : 200000;
            int64_t wake = std::min(now + nap, deadline);
            if (const auto due = emu.next_due()) wake = std::min(wake, std::max(*due, now));
            sleep_until(wake);
        }
    }
    if (log != nullptr) std::fclose(log);
    rte_eth_stats st{};
    rte_eth_stats_get(port->id, &st);
    close_port(*port);
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "{\"tool\": \"wg-trafgen hosts\", \"hosts\": %u, \"replies_sent\": %" PRIu64
                  ", \"replies_dropped\": %" PRIu64 ", \"pending_at_end\": %zu, \"arp_log_lines\": %" PRIu64
                  ", \"moved_at_ns\": %" PRId64 ", \"port_imissed\": %" PRIu64 ", \"counters\": ",
                  o.h.hosts, replies_sent, replies_dropped, emu.pending(), log_lines, moved_at,
                  uint64_t(st.imissed));
    const std::string out = std::string(buf) + to_json(emu.counters()) + "}\n";
    std::fputs(out.c_str(), stdout);
    if (!o.out.empty() && !write_atomically(o.out, out))
        return fail(std::string("hosts: cannot write ") + o.out), 1;
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    // `mark` needs no EAL: shell scripts call it between other commands.
    int app = 1;
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--") == 0) {
            app = i + 1;
            break;
        }
    if (app < argc && std::strcmp(argv[app], "mark") == 0)
        return argc - app == 3 ? mark(argv[app + 1], argv[app + 2]) : usage();
    if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) return usage();

    // Before EAL, so that a stop request during its start is not lost: the
    // loop then ends at once and the output is still written. No SA_RESTART:
    // a signal cuts the sleep short.
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    const int eal = rte_eal_init(argc, argv);
    if (eal < 0) return fail(std::string("EAL: ") + rte_strerror(rte_errno)), 1;
    argc -= eal, argv += eal; // argv[0] is the program name again
    int rc = 2;
    if (argc >= 2 && std::strcmp(argv[1], "tx") == 0)
        rc = run_tx(argc - 2, argv + 2);
    else if (argc >= 2 && std::strcmp(argv[1], "rx") == 0)
        rc = run_rx(argc - 2, argv + 2);
    else if (argc >= 2 && std::strcmp(argv[1], "hosts") == 0)
        rc = run_hosts(argc - 2, argv + 2);
    else
        usage();
    rte_eal_cleanup();
    return rc;
}
