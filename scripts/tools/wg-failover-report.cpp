// wg-failover-report: the demo's summary. Reads wg-trafgen rx's analysis
// (rx.json), the event marks (kill, master_DeviceB) and the devices'
// counters, and writes results/failover.json (the keys of issue 6) and a
// gnuplot data file of delivered/lost packets per bucket around the kill.
//
//   wg-failover-report --rx RX.json --events FILE --json OUT.json --series OUT.dat
//                      [--tx TX.json] [--arp-miss-b N] [--entries-a N] [--entries-b N]
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace {

int usage() {
    std::fprintf(stderr, "usage: wg-failover-report --rx RX.json --events FILE --json OUT --series OUT.dat\n"
                         "       [--tx TX.json] [--arp-miss-b N] [--entries-a N] [--entries-b N]\n");
    return 2;
}

template <class T>
T get(const YAML::Node& n, const char* key, T fallback) {
    return n[key] && !n[key].IsNull() ? n[key].as<T>() : fallback;
}

} // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> opt;
    for (int i = 1; i + 1 < argc; i += 2) opt[argv[i]] = argv[i + 1];
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

    FILE* out = std::fopen(opt["--json"].c_str(), "w");
    if (out == nullptr) {
        std::perror(opt["--json"].c_str());
        return 1;
    }
    // No remote backup yet: the devices' tables are not compared by digest;
    // digest_equal_before_kill stays null rather than claim anything.
    std::fprintf(out,
                 "{\n  \"hosts\": %llu,\n  \"offered_pps\": %.1f,\n  \"received\": %llu,\n  \"lost_total\": %llu,\n"
                 "  \"lost_before\": %llu,\n  \"lost_detection\": %llu,\n  \"lost_arp_miss\": %llu,\n"
                 "  \"time_to_master_ms\": %s,\n  \"time_to_first_forward_ms\": %s,\n"
                 "  \"digest_equal_before_kill\": null,\n  \"hot_backup\": false,\n"
                 "  \"adjacency_entries_before_kill\": {\"DeviceA\": %llu, \"DeviceB\": %llu},\n"
                 "  \"arp_miss_on_new_master\": %llu\n}\n",
                 get<unsigned long long>(rx, "hosts", 0), offered, get<unsigned long long>(rx, "received", 0),
                 get<unsigned long long>(rx, "lost_total", 0), get<unsigned long long>(rx, "lost_before", 0),
                 get<unsigned long long>(rx, "lost_detection", 0), get<unsigned long long>(rx, "lost_after", 0),
                 master_ns >= 0 && kill_ns >= 0 ? std::to_string((master_ns - kill_ns) / 1000000).c_str() : "null",
                 first_after >= 0 ? std::to_string(first_after / 1000000).c_str() : "null", num("--entries-a"),
                 num("--entries-b"), num("--arp-miss-b"));
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

    std::printf("\n  hosts                    %llu\n  offered                  %.0f pps\n"
                "  lost before the kill     %llu\n  lost in VRRP detection   %llu\n"
                "  lost to ARP misses       %llu   (after Device B took over: no hot backup yet)\n"
                "  time to Master           %s ms\n  time to first forward    %s ms\n",
                get<unsigned long long>(rx, "hosts", 0), offered, get<unsigned long long>(rx, "lost_before", 0),
                get<unsigned long long>(rx, "lost_detection", 0), get<unsigned long long>(rx, "lost_after", 0),
                master_ns >= 0 && kill_ns >= 0 ? std::to_string((master_ns - kill_ns) / 1000000).c_str() : "?",
                first_after >= 0 ? std::to_string(first_after / 1000000).c_str() : "?");
    return 0;
}
