// wg-failover-report: the demo's summary. Reads wg-trafgen rx's analysis
// (rx.json), the event marks (kill, master_DeviceB) and the devices'
// counters, and writes results/failover.json (the keys of issue 6) and a
// gnuplot data file of delivered/lost packets per bucket around the kill.
// With --compare it reads several such files (one per mode of the lab:
// warmgate, warmgate-nosync, linux), prints one table and writes them as a
// JSON list (issue 6 item 4, docs/lab.md).
//
//   wg-failover-report --rx RX.json --events FILE --json OUT.json --series OUT.dat
//                      [--tx TX.json] [--mode NAME] [--hot-backup true|false]
//                      [--digest-a D] [--digest-b D] [--arp-miss-b N] [--entries-a N] [--entries-b N]
//                      [--arp-log FILE [--arp-from IP[,IP...]] [--arp-window-ms MS]]
//   wg-failover-report --compare OUT.json FAILOVER.json...
//
// --arp-log is the host emulator's log of every ARP request on the user LAN
// (wg-trafgen hosts): arp_requests_after_takeover counts those sent by
// --arp-from (the new Master's addresses) in the --arp-window-ms (10 s)
// after the new Master's mark.
#include "scripts/tools/trafgen_analysis.hpp"

#include <yaml-cpp/yaml.h>

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
        "       [--arp-log FILE [--arp-from IP[,IP...]] [--arp-window-ms MS]]\n"
        "       wg-failover-report --compare OUT.json FAILOVER.json...\n");
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

// The comparison: one row per failover.json, in the order given.
int compare(int argc, char** argv) {
    if (argc < 4) return usage();
    const std::string out_path = argv[2];
    std::string list = "[\n";
    std::printf(
        "\n| mode | hosts | delivered before kill | lost_detection | lost_arp_miss | hosts_with_loss_after | "
        "arp_requests_after_takeover | time_to_master_ms | time_to_first_forward_ms | "
        "time_to_all_hosts_ms |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 3; i < argc; ++i) {
        const std::string text = read_text(argv[i]);
        YAML::Node n;
        try {
            n = YAML::Load(text);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "wg-failover-report: %s: %s\n", argv[i], e.what());
            return 1;
        }
        if (!n.IsMap() || !n["lost_before"]) {
            std::fprintf(stderr, "wg-failover-report: %s: not a failover report\n", argv[i]);
            return 1;
        }
        const auto cell = [&](const char* k) {
            return n[k] && !n[k].IsNull() ? n[k].as<std::string>() : std::string("-");
        };
        std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", cell("mode").c_str(),
                    cell("hosts").c_str(), cell("delivered_before_kill_ratio").c_str(),
                    cell("lost_detection").c_str(), cell("lost_arp_miss").c_str(),
                    cell("hosts_with_loss_after").c_str(), cell("arp_requests_after_takeover").c_str(),
                    cell("time_to_master_ms").c_str(), cell("time_to_first_forward_ms").c_str(),
                    cell("time_to_all_hosts_ms").c_str());
        // Each file is one JSON object already: the list holds them as written.
        size_t end = text.find_last_not_of(" \t\r\n");
        list += (i > 3 ? ",\n" : "") + text.substr(0, end == std::string::npos ? 0 : end + 1);
    }
    list += "\n]\n";
    std::ofstream out(out_path);
    out << list;
    if (!out) {
        std::perror(out_path.c_str());
        return 1;
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--compare") return compare(argc, argv);
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
    std::ifstream ev(opt["--events"]);
    for (std::string line; std::getline(ev, line);) {
        std::istringstream ls(line);
        int64_t ns = 0;
        std::string name;
        if (!(ls >> ns >> name)) continue;
        if (name == "kill" && kill_ns < 0) kill_ns = ns;
        if (name.rfind("master_", 0) == 0 && kill_ns >= 0 && ns >= kill_ns && master_ns < 0) master_ns = ns;
    }
    const auto num = [&](const char* k) { return opt.count(k) ? std::stoull(opt[k]) : 0ull; };
    const int64_t first_after = get<int64_t>(rx, "first_rx_after_event_ns", -1);
    const double offered = get<double>(rx, "offered_pps", 0);
    const std::string mode = opt.count("--mode") ? opt["--mode"] : "warmgate";
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
        "  \"arp_miss_on_new_master\": %llu\n}\n",
        mode.c_str(), get<unsigned long long>(rx, "hosts", 0), offered,
        get<unsigned long long>(rx, "received", 0), get<unsigned long long>(rx, "lost_total", 0),
        get<unsigned long long>(rx, "lost_before", 0), get<unsigned long long>(rx, "lost_detection", 0),
        get<unsigned long long>(rx, "lost_after", 0), get<unsigned long long>(rx, "hosts_with_loss_after", 0),
        to_master.c_str(), to_forward.c_str(), get<unsigned long long>(rx, "sent_before_kill", 0),
        get<unsigned long long>(rx, "delivered_before_kill", 0), ratio.c_str(), arp_after.c_str(),
        static_cast<long long>(window_ms), to_all_hosts.c_str(),
        get<unsigned long long>(rx, "hosts_silent_after", 0), get<double>(rx, "probe_cycle_ms", 0),
        digest_equal, json_scalar(da).c_str(), json_scalar(db).c_str(), hot_backup ? "true" : "false",
        num("--entries-a"), num("--entries-b"), num("--arp-miss-b"));
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
    return 0;
}
