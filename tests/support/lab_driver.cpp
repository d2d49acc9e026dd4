#include "tests/support/lab_driver.hpp"

#include "tests/support/lab.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <thread>

namespace wg::labtest {

using apptest::contains;
using apptest::read_file;
using apptest::wait_until;
using namespace std::string_literals;

namespace {

Paths g_paths;

// For the signal handler: lab.sh's path and whether a lab of ours is up.
// LAB_DIR and WARMGATE_BUILD are in the environment the handler's child inherits.
char g_lab_sh[PATH_MAX];
volatile sig_atomic_t g_lab_up = 0;

void emergency_down(int sig) {
    if (g_lab_up) {
        // Its own session: meson kills the test's process group 0.5 s after
        // SIGTERM, and lab.sh down must outlive that.
        const pid_t pid = fork();
        if (pid == 0) {
            setsid();
            char down[] = "down";
            char* argv[] = {g_lab_sh, down, nullptr};
            execv(g_lab_sh, argv);
            _exit(127);
        }
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

std::string lab_sh() {
    return paths().source_root + "/scripts/lab.sh";
}

std::string ip_program() {
    static const std::string ip = interop::find_program("ip");
    return ip;
}

// The trafgen EAL arguments of scripts/demo.sh: one lcore, no hugepages,
// its own file prefix, the port on IFACE through net_af_packet.
std::vector<std::string> trafgen_eal(const std::string& ns, const std::string& lcore,
                                     const std::string& prefix, const std::string& iface) {
    std::vector<std::string> argv{ip_program(), "netns", "exec", ns, paths().trafgen};
    for (const char* a : {"--no-huge", "-m", "256", "--no-pci", "--log-level=*:warning"})
        argv.push_back(a);
    const std::string port = "net_af_packet0,iface=" + iface;
    argv.insert(argv.end(), {"-l"s, lcore, "--file-prefix"s, prefix, "--vdev"s, port, "--"s});
    return argv;
}

void remove_dpdk_dir(const std::string& prefix) {
    std::error_code ec;
    std::filesystem::remove_all(apptest::dpdk_runtime_dir(prefix), ec);
}

std::vector<std::string> lab_namespaces_present(const apptest::TempDir& scratch) {
    std::vector<std::string> present;
    const apptest::RunResult r = apptest::run(scratch, {ip_program(), "netns", "list"}, 20s);
    for (const auto& line : apptest::lines_of(r.out)) {
        const std::string name = line.substr(0, line.find(' '));
        for (const auto& ns : kNamespaces)
            if (name == ns) present.push_back(name);
    }
    return present;
}

bool pid_file_alive(const std::string& path) {
    const long pid = std::atol(read_file(path).c_str());
    return pid > 1 && kill(pid_t(pid), 0) == 0;
}

constexpr const char* kDirPrefix = "wg-labsuite-";
constexpr const char* kDownMarker = "lab-down"; // written once lab.sh down ran for a dir

} // namespace

void set_paths(Paths p) {
    g_paths = std::move(p);
    std::snprintf(g_lab_sh, sizeof g_lab_sh, "%s", lab_sh().c_str());
}
const Paths& paths() {
    return g_paths;
}

std::string host_address(unsigned n) {
    // lab.sh: offset from 10.1.0.0, on through 10.2.x.y past 65 178 hosts (the /14).
    const unsigned a = (10u << 24) + (1u << 16) + 256 + 101 + n;
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
           std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

void install_emergency_down() {
    struct sigaction sa {};
    sa.sa_handler = emergency_down;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
}

// ---------------------------------------------------------------------------- Lab

Lab::Lab() {
    static unsigned seq = 0;
    dir_ = "/tmp/" + std::string(kDirPrefix) + std::to_string(getpid()) + "-" + std::to_string(seq++);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    std::filesystem::create_directories(dir_);
    setenv("LAB_DIR", dir_.c_str(), 1);
    setenv("WARMGATE_BUILD", paths().build_root.c_str(), 1);
    unsetenv("LAB_RECOVER_DELAY"); // lab.sh's default (2 s)
}

Lab::~Lab() {
    if (upped_) {
        std::string why;
        sh({"down"}, why, 60s);
        g_lab_up = 0;
    }
    apptest::write_file(dir_ + "/" + kDownMarker, "");
    for (const char* p : {"wg-labsuite-rx", "wg-labsuite-tx", "wg-labsuite-warm"})
        remove_dpdk_dir(p);
    if (!keep_) {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
}

bool Lab::acquire(std::chrono::seconds timeout, std::string& why) {
    if (ip_program().empty()) {
        why = "iproute2's ip is not installed";
        return false;
    }
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const auto present = lab_namespaces_present(scratch_);
        if (present.empty()) return true;
        // A run of this suite that died (meson timeout, crash) before its
        // lab.sh down: its LAB_DIR names its pid. Only then, and only if its
        // devices are still alive or the namespaces hold no process at all,
        // is the lab ours to take down. Anything else is another lab: wait.
        bool cleaned = false;
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator("/tmp", ec)) {
            const std::string name = entry.path().filename();
            if (name.rfind(kDirPrefix, 0) != 0) continue;
            const std::string d = entry.path();
            const long pid = std::atol(name.c_str() + std::strlen(kDirPrefix));
            if (pid <= 1 || pid == long(getpid()) || apptest::exists(d + "/" + kDownMarker)) continue;
            if (kill(pid_t(pid), 0) == 0 || errno != ESRCH) continue; // its owner lives
            bool empty = true;
            for (const auto& ns : present)
                if (!apptest::run(scratch_, {ip_program(), "netns", "pids", ns}, 20s).out.empty())
                    empty = false;
            if (!(pid_file_alive(d + "/a.pid") || pid_file_alive(d + "/b.pid") || empty)) continue;
            setenv("LAB_DIR", d.c_str(), 1);
            apptest::run(scratch_, {lab_sh(), "down"}, 60s);
            setenv("LAB_DIR", dir_.c_str(), 1);
            apptest::write_file(d + "/" + kDownMarker, "");
            std::printf("[lab] took down the lab a dead run left in %s\n", d.c_str());
            cleaned = true;
        }
        if (cleaned) continue;
        if (Clock::now() >= deadline) {
            why = "another lab is up (namespaces";
            for (const auto& ns : present)
                why += " " + ns;
            why += ") and did not go away: only one lab can run on a machine (fixed namespace names)";
            return false;
        }
        std::this_thread::sleep_for(2s);
    }
}

bool Lab::sh(const std::vector<std::string>& args, std::string& why, Ms timeout) {
    std::vector<std::string> argv{lab_sh()};
    argv.insert(argv.end(), args.begin(), args.end());
    const apptest::RunResult r = apptest::run(scratch_, argv, timeout);
    if (r.code == 0) return true;
    why = "scripts/lab.sh";
    for (const auto& a : args)
        why += " " + a;
    why += ": " + r.describe();
    return false;
}

bool Lab::in_ns(const std::string& ns, const std::vector<std::string>& argv, std::string& why) {
    std::vector<std::string> full{ip_program(), "netns", "exec", ns};
    full.insert(full.end(), argv.begin(), argv.end());
    return interop::run_ok(scratch_, full, why);
}

bool Lab::up(unsigned hosts, unsigned preempt_delay_s, std::string& why,
             const std::vector<std::string>& more) {
    setenv("LAB_PREEMPT_DELAY", std::to_string(preempt_delay_s).c_str(), 1);
    // demo.sh's notify hook: the moment a device becomes Master of the
    // user-side group, on the traffic tools' clock.
    const std::string notify = paths().trafgen + " mark " + events() + " master_";
    setenv("LAB_NOTIFY_MASTER", notify.c_str(), 1);
    upped_ = true;
    g_lab_up = 1;
    std::vector<std::string> args{"up", "--hosts", std::to_string(hosts)};
    args.insert(args.end(), more.begin(), more.end());
    return sh(args, why, 120s);
}

YAML::Node Lab::json(char d, const std::vector<std::string>& words) {
    const std::string socket = dir_ + "/Device" + char(std::toupper(d)) + ".sock";
    if (!apptest::exists(socket)) return YAML::Node();
    const apptest::RunResult r = apptest::ctl(scratch_, socket, words, true);
    if (r.code != 0) return YAML::Node();
    try {
        return YAML::Load(r.out);
    } catch (const YAML::Exception&) {
        return YAML::Node();
    }
}

YAML::Node Lab::first(const YAML::Node& n, const char* list) {
    if (!n.IsMap() || !n[list] || !n[list].IsSequence() || n[list].size() == 0) return YAML::Node();
    return n[list][0];
}

YAML::Node Lab::vrrp_group1(char d) {
    const YAML::Node v = json(d, {"display", "vrrp"});
    if (!v.IsMap() || !v["groups"] || !v["groups"].IsSequence()) return YAML::Node();
    for (const auto& g : v["groups"])
        if (g["vrid"] && g["vrid"].as<unsigned>() == 1) return g;
    return YAML::Node();
}

std::map<std::string, Lab::ArpEntry> Lab::arp_table(char d) {
    std::map<std::string, ArpEntry> table;
    const YAML::Node a = json(d, {"display", "arp"});
    if (!a.IsMap() || !a["arp"] || !a["arp"]["entries"]) return table;
    for (const auto& e : a["arp"]["entries"])
        table[text(e["ip_address"])] = {text(e["type"]), text(e["interface"])};
    return table;
}

std::string Lab::state(char d) {
    return text(vrrp_group1(d)["state"]);
}

bool Lab::wait_state(char d, const std::string& want, Ms timeout, std::string& seen) {
    return wait_until(
        [&] {
            seen = state(d);
            return seen == want;
        },
        timeout);
}

bool Lab::warm(unsigned from, unsigned count, std::string& why) {
    std::vector<std::string> argv = trafgen_eal("wg-core", "0", "wg-labsuite-warm", "gen0");
    const std::vector<std::string> tx = {"tx",
                                         "--dst-mac",
                                         kDownlinkMac,
                                         "--hosts",
                                         std::to_string(count),
                                         "--first",
                                         host_address(from),
                                         "--pps",
                                         std::to_string(count * 2),
                                         "--seconds",
                                         "1",
                                         "--run",
                                         "1"};
    argv.insert(argv.end(), tx.begin(), tx.end());
    const apptest::RunResult r = apptest::run(scratch_, argv, 30s);
    remove_dpdk_dir("wg-labsuite-warm");
    if (r.code == 0) return true;
    why = "warm-up traffic (wg-trafgen tx): " + r.describe();
    return false;
}

bool Lab::warm_until_resolved(char d, unsigned count, unsigned pps, std::chrono::seconds timeout,
                              std::string& why) {
    const std::string dir = dir_;
    std::vector<std::string> argv = trafgen_eal("wg-core", "0", "wg-labsuite-warm", "gen0");
    const std::vector<std::string> tx = {"tx",
                                         "--dst-mac",
                                         kDownlinkMac,
                                         "--hosts",
                                         std::to_string(count),
                                         "--first",
                                         host_address(0),
                                         "--pps",
                                         std::to_string(pps),
                                         "--seconds",
                                         std::to_string(timeout.count()),
                                         "--run",
                                         "1"};
    argv.insert(argv.end(), tx.begin(), tx.end());
    uint64_t seen = 0;
    bool done = false;
    {
        apptest::Process gen(argv, dir + "/warm.out", dir + "/warm.err");
        done = wait_until(
            [&] {
                const YAML::Node st = stats(d);
                const YAML::Node c = st.IsMap() && st["control"].IsMap() ? st["control"] : YAML::Node();
                seen = c.IsMap() && c["adjacency_entries"] ? c["adjacency_entries"].as<uint64_t>(0) : seen;
                // Polled every 0.5 s at most: each poll is a warmgatectl run.
                if (seen < uint64_t(count) + 1) std::this_thread::sleep_for(500ms);
                return seen >= uint64_t(count) + 1 || !gen.running();
            },
            timeout + 5s);
        done = done && seen >= uint64_t(count) + 1;
        gen.signal(SIGTERM);
        gen.wait_exit(15s);
    }
    remove_dpdk_dir("wg-labsuite-warm");
    if (done) return true;
    why = "warm-up: Device" + std::string(1, char(std::toupper(d))) + " holds " + std::to_string(seen) +
          " adjacencies, not " + std::to_string(count + 1) + " (the hosts and the router), after " +
          std::to_string(timeout.count()) + " s of probes at " + std::to_string(pps) +
          " pps; tx: " + read_file(dir + "/warm.err");
    return false;
}

void Lab::clear_events() {
    apptest::write_file(events(), "");
}

int64_t Lab::mark(const std::string& name) {
    const apptest::RunResult r = apptest::run(scratch_, {paths().trafgen, "mark", events(), name}, 10s);
    if (r.code != 0) return -1;
    return std::atoll(r.out.c_str());
}

std::optional<int64_t> Lab::event_ns(const std::string& name) const {
    for (const auto& line : apptest::lines_of(read_file(events()))) {
        std::istringstream in(line);
        int64_t ns = 0;
        std::string n;
        if (in >> ns >> n && n == name) return ns;
    }
    return std::nullopt;
}

std::string Lab::diagnostics() {
    std::string out = "==== lab diagnostics (LAB_DIR " + dir_ + ")\n";
    for (char d : {'a', 'b'}) {
        const std::string name = std::string("Device") + char(std::toupper(d));
        const std::string socket = dir_ + "/" + name + ".sock";
        out += "---- " + name + "\n";
        if (!apptest::exists(socket)) {
            out += "(no control socket: not running)\n";
        } else {
            for (const std::vector<std::string>& w :
                 {std::vector<std::string>{"display", "vrrp"},
                  std::vector<std::string>{"display", "remote-backup-profile", "profile1"}}) {
                const apptest::RunResult r = apptest::ctl(scratch_, socket, w);
                out += r.code == 0 ? r.out : "(warmgatectl failed) " + r.describe();
            }
            out += "service: " + brief_service(service(d)) + "\n";
            const YAML::Node st = stats(d);
            // A device that does not answer gives a null node: no nested [] on it.
            const YAML::Node ctl = st.IsMap() && st["control"].IsMap() ? st["control"] : YAML::Node();
            out += "statistics: forwarded " + std::to_string(total(st, "forwarded")) + ", arp_miss " +
                   std::to_string(total(st, "arp_miss")) + ", drop_not_master " +
                   std::to_string(total(st, "drop_not_master")) + ", held_dropped " +
                   (ctl.IsMap() ? text(ctl["held_dropped"]) : "") + ", adjacency_entries " +
                   (ctl.IsMap() ? text(ctl["adjacency_entries"]) : "") + "\n";
        }
        const auto lines = apptest::lines_of(read_file(dir_ + "/" + std::string(1, d) + ".log"));
        out += "-- tail of " + dir_ + "/" + std::string(1, d) + ".log\n";
        for (size_t i = lines.size() > 30 ? lines.size() - 30 : 0; i < lines.size(); ++i)
            out += lines[i] + "\n";
    }
    out += "---- events\n" + read_file(events());
    return out;
}

// ---------------------------------------------------------------------------- Traffic

Traffic::Traffic(Lab& lab, unsigned hosts, unsigned pps) : lab_(lab), hosts_(hosts), pps_(pps) {}

Traffic::~Traffic() {
    for (auto* p : {&tx_, &rx_proc_})
        if (*p) {
            (*p)->signal(SIGTERM);
            (*p)->wait_exit(10s);
        }
    tx_.reset();
    rx_proc_.reset();
    remove_dpdk_dir("wg-labsuite-rx");
    remove_dpdk_dir("wg-labsuite-tx");
}

bool Traffic::start(std::string& why) {
    const std::string d = lab_.dir();
    lab_.clear_events();
    std::filesystem::remove(d + "/rx.json");
    std::filesystem::remove(d + "/tx.json");
    // demo.sh: rx first, on h0 in wg-hosts (lcore 1), until SIGTERM.
    std::vector<std::string> rx = trafgen_eal("wg-hosts", "1", "wg-labsuite-rx", "h0");
    rx.insert(rx.end(),
              {"rx"s, "--seconds"s, "0"s, "--out"s, d + "/rx.json", "--events"s, lab_.events(), "--tx"s,
               d + "/tx.json", "--hosts"s, std::to_string(hosts_), "--bucket-ms"s, "100"s, "--run"s, "2"s});
    if (per_host_max_ > 0) rx.insert(rx.end(), {"--per-host-max"s, std::to_string(per_host_max_)});
    rx_proc_ = std::make_unique<apptest::Process>(rx, d + "/rx.out", d + "/rx.err");
    if (!wait_until([&] { return contains(rx_proc_->err(), "running") || !rx_proc_->running(); }, 30s) ||
        !rx_proc_->running()) {
        why = "wg-trafgen rx did not start: " + rx_proc_->err();
        return false;
    }
    // Then tx from gen0 in wg-core (lcore 0) to the network-side virtual MAC.
    std::vector<std::string> tx = trafgen_eal("wg-core", "0", "wg-labsuite-tx", "gen0");
    tx.insert(tx.end(),
              {"tx"s, "--dst-mac"s, kDownlinkMac, "--hosts"s, std::to_string(hosts_), "--first"s, kFirstHost,
               "--pps"s, std::to_string(pps_), "--seconds"s, "0"s, "--out"s, d + "/tx.json", "--run"s, "2"s});
    tx_ = std::make_unique<apptest::Process>(tx, d + "/tx.out", d + "/tx.err");
    if (!wait_until([&] { return contains(tx_->err(), "running") || !tx_->running(); }, 30s) ||
        !tx_->running()) {
        why = "wg-trafgen tx did not start: " + tx_->err();
        return false;
    }
    return true;
}

bool Traffic::stop(std::string& why) {
    if (!tx_ || !rx_proc_) {
        why = "traffic was not started";
        return false;
    }
    tx_->signal(SIGTERM);
    if (!tx_->wait_exit(15s)) {
        why = "wg-trafgen tx did not stop on SIGTERM";
        return false;
    }
    // The last probes are still crossing the Master (it sleeps 50 us when
    // idle): give them time to reach h0, or they would count as lost.
    std::this_thread::sleep_for(500ms);
    rx_proc_->signal(SIGTERM);
    if (!rx_proc_->wait_exit(30s)) {
        why = "wg-trafgen rx did not stop on SIGTERM";
        return false;
    }
    tx_.reset();
    rx_proc_.reset();
    remove_dpdk_dir("wg-labsuite-rx");
    remove_dpdk_dir("wg-labsuite-tx");
    try {
        rx_ = YAML::LoadFile(lab_.dir() + "/rx.json");
    } catch (const YAML::Exception& e) {
        why = std::string("rx.json: ") + e.what() + "\n" + read_file(lab_.dir() + "/rx.err");
        return false;
    }
    return true;
}

uint64_t Traffic::num(const char* key) const {
    const YAML::Node v = rx_[key];
    return v && v.IsScalar() ? v.as<uint64_t>() : 0;
}

uint64_t Traffic::lost_after_outage() const {
    const YAML::Node o = rx_["outage"];
    const bool has_outage = o && o.IsMap();
    const uint64_t end = has_outage ? o["to_seq"].as<uint64_t>(0) : 0;
    uint64_t lost = 0;
    for (const auto& h : rx_["per_host"]) {
        const uint64_t index = h["index"].as<uint64_t>(0);
        uint64_t listed = 0;
        for (const auto& g : h["gaps"]) {
            listed += g["lost"].as<uint64_t>(0);
            for (uint64_t s = g["from"].as<uint64_t>(0), to = g["to"].as<uint64_t>(0); s <= to; ++s)
                if (!has_outage || s * hosts_ + index > end) ++lost;
        }
        lost += h["lost"].as<uint64_t>(0) - std::min(listed, h["lost"].as<uint64_t>(0));
    }
    return lost;
}

std::vector<std::string> Traffic::event_names() const {
    std::vector<std::string> names;
    for (const auto& e : rx_["events"])
        names.push_back(text(e["name"]));
    return names;
}

std::string Traffic::summary() const {
    std::ostringstream s;
    s << "sent " << text(rx_["sent"]) << ", received " << num("received") << ", lost before/detection/after "
      << num("lost_before") << "/" << num("lost_detection") << "/" << num("lost_after")
      << ", hosts with loss after " << num("hosts_with_loss_after") << ", lost after the outage "
      << lost_after_outage() << ", rx port imissed " << text(rx_["port"]["imissed"]);
    if (const YAML::Node o = rx_["outage"]; o && o.IsMap()) s << ", outage " << text(o["lost"]) << " probes";
    s << ", events";
    for (const auto& e : rx_["events"])
        s << " " << text(e["name"]) << "@" << text(e["t_ms"]) << "ms";
    unsigned shown = 0;
    for (const auto& h : rx_["per_host"]) {
        if (h["lost_after"].as<uint64_t>(0) == 0) continue;
        if (shown++ == 5) break;
        s << "\n  host " << text(h["host"]) << ": received " << text(h["received"]) << ", lost after "
          << text(h["lost_after"]) << ", gaps";
        for (const auto& g : h["gaps"])
            s << " [" << text(g["phase"]) << " seq " << text(g["from"]) << ".." << text(g["to"]) << " lost "
              << text(g["lost"]) << " first_lost_tx " << text(g["first_lost_tx_ns"]) << " rx_after "
              << text(g["rx_after_ns"]) << "]";
    }
    return s.str();
}

// ---------------------------------------------------------------------------- helpers

uint64_t total(const YAML::Node& stats, const char* key) {
    if (!stats.IsMap() || !stats["total"] || !stats["total"][key]) return 0;
    return stats["total"][key].as<uint64_t>(0);
}

std::string text(const YAML::Node& n) {
    if (!n || n.IsNull()) return "";
    if (n.IsScalar()) return n.Scalar();
    std::ostringstream s;
    s << n;
    return s.str();
}

uint64_t counter(const YAML::Node& profile, const char* key) {
    if (!profile.IsMap() || !profile["counters"] || !profile["counters"][key]) return 0;
    return profile["counters"][key].as<uint64_t>(0);
}

std::string brief_profile(const YAML::Node& p) {
    if (!p.IsMap()) return "(no answer)";
    std::ostringstream s;
    s << "state " << text(p["state"]) << ", peer " << text(p["peer_state"]) << ", in_sync "
      << text(p["in_sync"]) << ", entries " << text(p["entries"]) << ", local_digest "
      << text(p["local_digest"]) << ", peer_digest " << text(p["peer_digest"]) << ", preempt_hold '"
      << text(p["preempt_hold"]) << "'";
    for (const char* c :
         {"snapshots_sent", "snapshots_received", "resumes", "batches_sent", "batches_received",
          "entries_installed", "digest_mismatches", "resyncs_requested", "split_brain_frames"})
        s << ", " << c << " " << counter(p, c);
    return s.str();
}

std::string brief_service(const YAML::Node& sv) {
    if (!sv.IsMap()) return "(no answer)";
    std::ostringstream s;
    s << "tcp_state " << text(sv["tcp_state"]) << ", ssl_state " << text(sv["ssl_state"]) << ", reconnects "
      << text(sv["reconnects"]) << ", last_down '" << text(sv["last_down"]) << "'";
    for (const char* c : {"sessions_up", "sessions_down", "dead_peer", "connect_failures"})
        s << ", " << c << " " << text(sv["counters"][c]);
    return s.str();
}

} // namespace wg::labtest
