// wg-failover-report: the demo's summary. Reads wg-trafgen rx's analysis
// (rx.json), the event marks (kill, master_DeviceB) and the devices'
// counters, and writes results/failover.json (keys: docs/lab.md) and a
// gnuplot data file of delivered/lost packets per bucket around the kill.
// With --compare it reads several such files (one per mode of the lab:
// warmgate, warmgate-nosync, linux), prints one table and writes them as a
// JSON list (docs/lab.md). With --sweep it does the same for the runs of
// `demo.sh --sweep` (modes x hosts x ARP latencies) and writes, per mode and
// latency, a gnuplot data file over hosts: DIR/MODE-LATENCY.dat with
// columns hosts, lost_arp_miss, time_to_all_hosts_ms (NaN: not reached).
//
//   wg-failover-report --rx RX.json --events FILE --json OUT.json --series OUT.dat
//                      [--tx TX.json] [--mode NAME] [--hot-backup true|false]
//                      [--digest-a D] [--digest-b D] [--arp-miss-b N] [--entries-a N] [--entries-b N]
//                      [--arp-log FILE [--arp-from IP[,IP...]] [--arp-window-ms MS]]
//                      [--arp-latency NAME]
//                      [--advert-interval-ms MS [--vrrp-version 2|3] [--backup-priority P]]
//   wg-failover-report --compare OUT.json FAILOVER.json...
//   wg-failover-report --sweep OUT.json DIR FAILOVER.json...
//   wg-failover-report --detection OUT.json FAILOVER.json...
//
// --advert-interval-ms: the VRRP advert interval of the run (1000: the
// seed's VRRPv2 timers; 100: `demo.sh --fast`, VRRPv3), with the Backup's
// priority giving the Master_Down_Interval it should have taken
// (RFC 5798 §6.1 / RFC 3768 §6.1). --detection prints the detection of the
// given runs, one row per mode and advert interval, next to each other, and
// writes them as a JSON list (docs/lab.md "Fast detection").
//
// --arp-log is the host emulator's log of every ARP request on the user LAN
// (wg-trafgen hosts): arp_requests_after_takeover counts those sent by
// --arp-from (the new Master's addresses) in the --arp-window-ms (10 s)
// after the new Master's mark.
#include "scripts/tools/trafgen_analysis.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

int usage() {
    std::fprintf(
        stderr,
        "usage: wg-failover-report --rx RX.json --events FILE --json OUT --series OUT.dat\n"
        "       [--tx TX.json] [--mode NAME] [--hot-backup true|false] [--digest-a D] [--digest-b D]\n"
        "       [--arp-miss-b N] [--entries-a N] [--entries-b N]\n"
        "       [--arp-log FILE [--arp-from IP[,IP...]] [--arp-window-ms MS]] [--arp-latency NAME]\n"
        "       wg-failover-report --compare OUT.json FAILOVER.json...\n"
        "       [--advert-interval-ms MS [--vrrp-version 2|3] [--backup-priority P]]\n"
        "       wg-failover-report --sweep OUT.json DIR FAILOVER.json...\n"
        "       wg-failover-report --detection OUT.json FAILOVER.json...\n");
    return 2;
}

template <class T>
T get(const YAML::Node& n, const char* key, T fallback) {
    return n[key] && !n[key].IsNull() ? n[key].as<T>() : fallback;
}

// A value for the JSON text: numbers as they are, anything else quoted
// (digests may come as numbers or as hex strings), "null" when absent.
std::string json_scalar(const std::string& v) {
    if (v.empty()) return "null";
    if (v.find_first_not_of("0123456789") == std::string::npos) return v;
    std::string out = "\"";
    for (const char c : v)
        if (c != '"' && c != '\\' && uint8_t(c) >= 0x20) out += c;
    return out + "\"";
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// One failover report as read back: its text (for the JSON list) and its keys.
struct Report {
    std::string path, text;
    YAML::Node keys;
    std::string cell(const char* k) const {
        return keys[k] && !keys[k].IsNull() ? keys[k].as<std::string>() : std::string("-");
    }
};

bool load_reports(int first, int argc, char** argv, std::vector<Report>& out) {
    for (int i = first; i < argc; ++i) {
        Report r{argv[i], read_text(argv[i]), {}};
        try {
            r.keys = YAML::Load(r.text);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "wg-failover-report: %s: %s\n", argv[i], e.what());
            return false;
        }
        if (!r.keys.IsMap() || !r.keys["lost_before"]) {
            std::fprintf(stderr, "wg-failover-report: %s: not a failover report\n", argv[i]);
            return false;
        }
        out.push_back(std::move(r));
    }
    return true;
}

// The reports as one JSON list (each file is one JSON object already).
bool write_list(const std::string& path, const std::vector<Report>& reports) {
    std::string list = "[\n";
    for (size_t i = 0; i < reports.size(); ++i) {
        const std::string& t = reports[i].text;
        const size_t end = t.find_last_not_of(" \t\r\n");
        list += (i > 0 ? ",\n" : "") + t.substr(0, end == std::string::npos ? 0 : end + 1);
    }
    list += "\n]\n";
    std::ofstream out(path);
    out << list;
    if (!out) {
        std::perror(path.c_str());
        return false;
    }
    return true;
}

// The comparison: one row per failover.json, in the order given.
int compare(int argc, char** argv) {
    if (argc < 4) return usage();
    std::vector<Report> reports;
    if (!load_reports(3, argc, argv, reports)) return 1;
    std::printf(
        "\n| mode | hosts | delivered before kill | lost_detection | lost_arp_miss | hosts_with_loss_after | "
        "arp_requests_after_takeover | time_to_master_ms | time_to_first_forward_ms | "
        "time_to_all_hosts_ms |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (const auto& r : reports)
        std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.cell("mode").c_str(),
                    r.cell("hosts").c_str(), r.cell("delivered_before_kill_ratio").c_str(),
                    r.cell("lost_detection").c_str(), r.cell("lost_arp_miss").c_str(),
                    r.cell("hosts_with_loss_after").c_str(), r.cell("arp_requests_after_takeover").c_str(),
                    r.cell("time_to_master_ms").c_str(), r.cell("time_to_first_forward_ms").c_str(),
                    r.cell("time_to_all_hosts_ms").c_str());
    return write_list(argv[2], reports) ? 0 : 1;
}

// The sweep: one row per run, in the order given, and one data file over
// hosts per mode and ARP latency for the plot.
int sweep(int argc, char** argv) {
    if (argc < 5) return usage();
    std::vector<Report> reports;
    if (!load_reports(4, argc, argv, reports)) return 1;
    std::printf("\n| ARP latency | hosts | offered pps | mode | delivered before kill | lost_detection | "
                "lost_arp_miss | hosts_with_loss_after | arp_requests_after_takeover | "
                "time_to_first_forward_ms | time_to_all_hosts_ms |\n"
                "|---|---|---|---|---|---|---|---|---|---|---|\n");
    // (mode, latency) -> hosts -> "lost time" line, sorted by hosts.
    std::map<std::string, std::map<unsigned long long, std::string>> lines;
    for (const auto& r : reports) {
        std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.cell("host_arp_latency").c_str(),
                    r.cell("hosts").c_str(), r.cell("offered_pps").c_str(), r.cell("mode").c_str(),
                    r.cell("delivered_before_kill_ratio").c_str(), r.cell("lost_detection").c_str(),
                    r.cell("lost_arp_miss").c_str(), r.cell("hosts_with_loss_after").c_str(),
                    r.cell("arp_requests_after_takeover").c_str(), r.cell("time_to_first_forward_ms").c_str(),
                    r.cell("time_to_all_hosts_ms").c_str());
        const std::string all = r.cell("time_to_all_hosts_ms");
        lines[r.cell("mode") + "-" + r.cell("host_arp_latency")][get<unsigned long long>(r.keys, "hosts", 0)] =
            r.cell("lost_arp_miss") + " " + (all == "-" ? "NaN" : all);
    }
    for (const auto& [name, by_hosts] : lines) {
        const std::string path = std::string(argv[3]) + "/" + name + ".dat";
        std::ofstream dat(path);
        dat << "# hosts lost_arp_miss time_to_all_hosts_ms\n";
        for (const auto& [hosts, values] : by_hosts)
            dat << hosts << ' ' << values << '\n';
        if (!dat) {
            std::perror(path.c_str());
            return 1;
        }
    }
    return write_list(argv[2], reports) ? 0 : 1;
}

// The Master_Down_Interval in ms for an advert interval and the Backup's
// priority: 3 x Master_Adver_Interval + Skew_Time, where Skew_Time is
// (256 - Priority) / 256 s in VRRPv2 (RFC 3768 §6.1) and
// (256 - Priority) / 256 x Master_Adver_Interval in VRRPv3 (RFC 5798 §6.1).
double master_down_ms(unsigned version, double interval_ms, unsigned priority) {
    const double skew = (256.0 - priority) / 256.0 * (version == 3 ? interval_ms : 1000.0);
    return 3 * interval_ms + skew;
}

// Detection by advert interval: one row per run, grouped by mode (in the
// order the modes first appear), so that each mode's timer settings stand
// next to each other. lost_detection_ms: the probes lost between the kill
// and the new Master's hook, as time at the offered rate.
int detection(int argc, char** argv) {
    if (argc < 4) return usage();
    std::vector<Report> reports;
    if (!load_reports(3, argc, argv, reports)) return 1;
    std::vector<std::string> modes;
    for (const auto& r : reports)
        if (std::find(modes.begin(), modes.end(), r.cell("mode")) == modes.end())
            modes.push_back(r.cell("mode"));
    std::printf("\n| mode | VRRP | advert_interval_ms | master_down_interval_ms | time_to_master_ms | "
                "lost_detection | lost_detection_ms | lost_arp_miss | master_changes_before_kill | hosts | "
                "offered pps |\n"
                "|---|---|---|---|---|---|---|---|---|---|---|\n");
    std::string list = "[\n";
    bool first = true;
    for (const auto& m : modes)
        for (const auto& r : reports) {
            if (r.cell("mode") != m) continue;
            const double pps = get<double>(r.keys, "offered_pps", 0);
            const auto lost = get<unsigned long long>(r.keys, "lost_detection", 0);
            char lost_ms[32] = "-";
            if (pps > 0) std::snprintf(lost_ms, sizeof lost_ms, "%.0f", double(lost) * 1000.0 / pps);
            const std::string version = r.cell("vrrp_version");
            std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", m.c_str(),
                        version == "-" ? "-" : ("v" + version).c_str(), r.cell("advert_interval_ms").c_str(),
                        r.cell("master_down_interval_ms").c_str(), r.cell("time_to_master_ms").c_str(),
                        r.cell("lost_detection").c_str(), lost_ms, r.cell("lost_arp_miss").c_str(),
                        r.cell("master_changes_before_kill").c_str(), r.cell("hosts").c_str(),
                        r.cell("offered_pps").c_str());
            const auto num = [&](const char* k) {
                const std::string c = r.cell(k);
                return c == "-" ? std::string("null") : c;
            };
            list += std::string(first ? "" : ",\n") + "  {\"mode\": \"" + m +
                    "\", \"vrrp_version\": " + num("vrrp_version") +
                    ", \"advert_interval_ms\": " + num("advert_interval_ms") +
                    ", \"master_down_interval_ms\": " + num("master_down_interval_ms") +
                    ", \"time_to_master_ms\": " + num("time_to_master_ms") +
                    ", \"lost_detection\": " + num("lost_detection") +
                    ", \"lost_detection_ms\": " + (pps > 0 ? lost_ms : "null") +
                    ", \"lost_arp_miss\": " + num("lost_arp_miss") +
                    ", \"master_changes_before_kill\": " + num("master_changes_before_kill") +
                    ", \"hosts\": " + num("hosts") + ", \"offered_pps\": " + num("offered_pps") + "}";
            first = false;
        }
    list += "\n]\n";
    std::ofstream out(argv[2]);
    out << list;
    if (!out) {
        std::perror(argv[2]);
        return 1;
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--compare") return compare(argc, argv);
    if (argc > 1 && std::string(argv[1]) == "--sweep") return sweep(argc, argv);
    if (argc > 1 && std::string(argv[1]) == "--detection") return detection(argc, argv);
    std::map<std::string, std::string> opt;
    for (int i = 1; i + 1 < argc; i += 2)
        opt[argv[i]] = argv[i + 1];
    if (argc % 2 == 0 || !opt.count("--rx") || !opt.count("--events") || !opt.count("--json") ||
        !opt.count("--series"))
        return usage();
    YAML::Node rx;
    try {
        rx = YAML::LoadFile(opt["--rx"]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "wg-failover-report: %s: %s\n", opt["--rx"].c_str(), e.what());
        return 1;
    }
    // The marks, on CLOCK_MONOTONIC: "kill" then the new Master's hook.
    int64_t kill_ns = -1, master_ns = -1;
    // A device's hook fired before the kill: VRRP changed Master while both
    // devices were up (the marks start with the measured traffic), e.g. a
    // Backup whose Master_Down_Timer ran out under load at short adverts.
    unsigned long long masters_before_kill = 0;
    std::ifstream ev(opt["--events"]);
    for (std::string line; std::getline(ev, line);) {
        std::istringstream ls(line);
        int64_t ns = 0;
        std::string name;
        if (!(ls >> ns >> name)) continue;
        if (name == "kill" && kill_ns < 0) kill_ns = ns;
        if (name.rfind("master_", 0) == 0 && kill_ns < 0) ++masters_before_kill;
        if (name.rfind("master_", 0) == 0 && kill_ns >= 0 && ns >= kill_ns && master_ns < 0) master_ns = ns;
    }
    const auto num = [&](const char* k) { return opt.count(k) ? std::stoull(opt[k]) : 0ull; };
    const int64_t first_after = get<int64_t>(rx, "first_rx_after_event_ns", -1);
    const double offered = get<double>(rx, "offered_pps", 0);
    const std::string mode = opt.count("--mode") ? opt["--mode"] : "warmgate";
    // The host emulator's ARP latency profile (demo.sh --arp-latency).
    const std::string latency = opt.count("--arp-latency") ? opt["--arp-latency"] : "";
    // The run's VRRP timers (demo.sh --fast) and the Master_Down_Interval
    // they give the Backup; null when the caller did not say.
    const std::string advert = opt.count("--advert-interval-ms") ? opt["--advert-interval-ms"] : "";
    const std::string version = opt.count("--vrrp-version") ? opt["--vrrp-version"] : "";
    std::string master_down;
    if (!advert.empty()) {
        char text[32];
        std::snprintf(text, sizeof text, "%.1f",
                      master_down_ms(version == "3" ? 3 : 2, std::stod(advert),
                                     opt.count("--backup-priority")
                                         ? unsigned(std::stoul(opt["--backup-priority"]))
                                         : 100u));
        master_down = text;
    }
    const bool hot_backup = opt.count("--hot-backup") && opt["--hot-backup"] == "true";
    // Equal digests say Device B held Device A's table when A died. Unknown
    // (no remote backup, or a device did not answer) is null, not false.
    const std::string da = opt.count("--digest-a") ? opt["--digest-a"] : "";
    const std::string db = opt.count("--digest-b") ? opt["--digest-b"] : "";
    const char* digest_equal = da.empty() || db.empty() ? "null" : da == db ? "true" : "false";
    const std::string to_master =
        master_ns >= 0 && kill_ns >= 0 ? std::to_string((master_ns - kill_ns) / 1000000) : "null";
    const std::string to_forward = first_after >= 0 ? std::to_string(first_after / 1000000) : "null";
    const int64_t all_hosts = get<int64_t>(rx, "time_to_all_hosts_ns", -1);
    const std::string to_all_hosts = all_hosts >= 0 ? std::to_string(all_hosts / 1000000) : "null";
    const std::string ratio = rx["delivered_before_kill_ratio"] && !rx["delivered_before_kill_ratio"].IsNull()
                                  ? rx["delivered_before_kill_ratio"].as<std::string>()
                                  : "null";
    // The new Master's ARP requests in the window after it took over: from
    // the host emulator's log, which sees every request on the user LAN.
    std::string arp_after = "null";
    const int64_t window_ms = opt.count("--arp-window-ms") ? std::stoll(opt["--arp-window-ms"]) : 10000;
    if (opt.count("--arp-log") && master_ns >= 0) {
        std::ifstream in(opt["--arp-log"]);
        if (in) {
            std::ostringstream text;
            text << in.rdbuf();
            std::vector<uint32_t> senders;
            std::istringstream list(opt.count("--arp-from") ? opt["--arp-from"] : "");
            for (std::string ip; std::getline(list, ip, ',');)
                if (const auto a = wg::Ipv4::parse(ip)) senders.push_back(a->value);
            const auto log = wg::trafgen::parse_arp_log(text.str());
            arp_after =
                std::to_string(wg::trafgen::count_arp_requests(log, master_ns, window_ms * 1000000, senders));
        } else {
            std::fprintf(stderr, "wg-failover-report: no ARP log %s\n", opt["--arp-log"].c_str());
        }
    }
    FILE* out = std::fopen(opt["--json"].c_str(), "w");
    if (out == nullptr) {
        std::perror(opt["--json"].c_str());
        return 1;
    }
    std::fprintf(
        out,
        "{\n  \"mode\": \"%s\",\n  \"hosts\": %llu,\n  \"offered_pps\": %.1f,\n  \"received\": %llu,\n"
        "  \"lost_total\": %llu,\n  \"lost_before\": %llu,\n  \"lost_detection\": %llu,\n"
        "  \"lost_arp_miss\": %llu,\n  \"hosts_with_loss_after\": %llu,\n"
        "  \"time_to_master_ms\": %s,\n  \"time_to_first_forward_ms\": %s,\n"
        "  \"sent_before_kill\": %llu,\n  \"delivered_before_kill\": %llu,\n"
        "  \"delivered_before_kill_ratio\": %s,\n"
        "  \"arp_requests_after_takeover\": %s,\n  \"arp_window_ms\": %lld,\n"
        "  \"time_to_all_hosts_ms\": %s,\n  \"hosts_silent_after\": %llu,\n  \"probe_cycle_ms\": %.1f,\n"
        "  \"digest_equal_before_kill\": %s,\n  \"digest_before_kill\": {\"DeviceA\": %s, \"DeviceB\": %s},\n"
        "  \"hot_backup\": %s,\n"
        "  \"adjacency_entries_before_kill\": {\"DeviceA\": %llu, \"DeviceB\": %llu},\n"
        "  \"arp_miss_on_new_master\": %llu,\n  \"host_arp_latency\": %s,\n"
        "  \"advert_interval_ms\": %s,\n  \"vrrp_version\": %s,\n  \"master_down_interval_ms\": %s,\n"
        "  \"master_changes_before_kill\": %llu\n}\n",
        mode.c_str(), get<unsigned long long>(rx, "hosts", 0), offered,
        get<unsigned long long>(rx, "received", 0), get<unsigned long long>(rx, "lost_total", 0),
        get<unsigned long long>(rx, "lost_before", 0), get<unsigned long long>(rx, "lost_detection", 0),
        get<unsigned long long>(rx, "lost_after", 0), get<unsigned long long>(rx, "hosts_with_loss_after", 0),
        to_master.c_str(), to_forward.c_str(), get<unsigned long long>(rx, "sent_before_kill", 0),
        get<unsigned long long>(rx, "delivered_before_kill", 0), ratio.c_str(), arp_after.c_str(),
        static_cast<long long>(window_ms), to_all_hosts.c_str(),
        get<unsigned long long>(rx, "hosts_silent_after", 0), get<double>(rx, "probe_cycle_ms", 0),
        digest_equal, json_scalar(da).c_str(), json_scalar(db).c_str(), hot_backup ? "true" : "false",
        num("--entries-a"), num("--entries-b"), num("--arp-miss-b"), json_scalar(latency).c_str(),
        json_scalar(advert).c_str(), json_scalar(version).c_str(),
        master_down.empty() ? "null" : master_down.c_str(), masters_before_kill);
    std::fclose(out);

    // Series, x = seconds relative to the kill.
    std::ofstream dat(opt["--series"]);
    const YAML::Node s = rx["series"];
    const int64_t start = get<int64_t>(s, "start_ns", 0);
    const double bucket_s = get<double>(s, "bucket_ms", 100) / 1000.0;
    const double t0 = kill_ns >= 0 ? double(kill_ns - start) / 1e9 : 0.0;
    for (size_t i = 0; s["received"] && i < s["received"].size(); ++i) {
        const auto lost = s["lost"] && i < s["lost"].size() ? s["lost"][i].as<uint64_t>() : 0;
        dat << double(i) * bucket_s - t0 << ' ' << s["received"][i].as<uint64_t>() << ' ' << lost << '\n';
    }

    const char* why = hot_backup        ? "(after Device B took over; its table was synced)"
                      : mode == "linux" ? "(after Device B took over: its kernel resolves every host)"
                                        : "(after Device B took over: no hot backup, it relearns every host)";
    std::printf("\n  mode                     %s\n  hosts                    %llu\n  offered                 "
                " %.0f pps\n"
                "  lost before the kill     %llu\n  lost in VRRP detection   %llu\n"
                "  lost to ARP misses       %llu   %s\n"
                "  time to Master           %s ms\n  time to first forward    %s ms\n"
                "  digests equal at kill    %s\n"
                "  delivered before kill    %s (%llu of %llu)\n"
                "  hosts with loss after    %llu\n"
                "  ARP requests after takeover (%lld ms)  %s\n"
                "  time to all hosts        %s ms (probe cycle %.0f ms)\n",
                mode.c_str(), get<unsigned long long>(rx, "hosts", 0), offered,
                get<unsigned long long>(rx, "lost_before", 0),
                get<unsigned long long>(rx, "lost_detection", 0),
                get<unsigned long long>(rx, "lost_after", 0), why, master_ns >= 0 ? to_master.c_str() : "?",
                first_after >= 0 ? to_forward.c_str() : "?", digest_equal, ratio.c_str(),
                get<unsigned long long>(rx, "delivered_before_kill", 0),
                get<unsigned long long>(rx, "sent_before_kill", 0),
                get<unsigned long long>(rx, "hosts_with_loss_after", 0), static_cast<long long>(window_ms),
                arp_after.c_str(), to_all_hosts.c_str(), get<double>(rx, "probe_cycle_ms", 0));
    if (!advert.empty())
        std::printf("  VRRP adverts             every %s ms (VRRPv%s), Master_Down_Interval %s ms\n",
                    advert.c_str(), version.empty() ? "2" : version.c_str(), master_down.c_str());
    if (masters_before_kill > 0)
        std::printf("  Master changes before the kill  %llu (VRRP flapped while both devices were up)\n",
                    masters_before_kill);
    return 0;
}
