#include "tests/support/peers.hpp"

#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <sstream>

namespace wg::interop {

using apptest::ctl;
using apptest::read_file;
using apptest::write_file;

std::string warmgate_config(const Link& link, const GroupOptions& g, const std::string& socket,
                            const std::string& certs) {
    std::ostringstream y;
    y << "sysname: InteropWarmgate\n"
         "dataplane:\n"
         "  workers: 1\n"
         "  idle_sleep_us: 100   # keepalived, tcpdump and the test share a 2-core machine\n"
         "interfaces:\n"
         "  GigabitEthernet0/1/0:\n"
      << "    port: \"net_af_packet0,iface=" << link.warmgate_if() << "\"\n"
      << "    address: " << kWarmgateAddress << "/" << kPrefixLength << "\n"
      << "    vrrp:\n"
      << "      - vrid: " << kVrid << "\n"
      << "        virtual_ip: [" << kVirtualIp << "]\n"
      << "        priority: " << g.priority << "\n"
      << "        preempt: {delay: " << g.preempt_delay_s << "}\n"
      << "        recover_delay: " << g.recover_delay_s << "\n"
      << "        version: " << g.version << "\n"
      << "        advert_interval_ms: 1000\n";
    if (!g.auth_key.empty()) {
        y << "    remote_backup_profile: profile1\n"
             "  LoopBack1:\n"
             "    address: 1.1.1.1/32   # the RBS source; its peer never answers here\n"
             "pki_domain:\n"
          << "  domain1: {ca: " << certs << "/ca.pem, certificate: " << certs
          << "/deviceA.pem, key: " << certs << "/deviceA.key}\n"
          << "ssl_policy:\n"
             "  policy1: {pki_domain: domain1}\n"
             "remote_backup_service:\n"
             "  service1: {ssl_policy: policy1, peer: 2.2.2.2, source: 1.1.1.1, port: 2046}\n"
             "remote_backup_profile:\n"
             "  profile1:\n"
             "    service_type: [arp]\n"
             "    backup_id: 10\n"
             "    remote_backup_service: service1\n"
          << "    vrrp: {vrid: " << kVrid << ", interface: GigabitEthernet0/1/0,\n"
          << "           authentication: {mode: simple, key: \"" << g.auth_key << "\"}}\n";
    }
    y << "control:\n"
      << "  socket: " << socket << "\n";
    return y.str();
}

// ---- warmgate ---------------------------------------------------------------

namespace {

std::vector<std::string> warmgate_argv(const Link& link, const std::string& prefix,
                                       const std::string& config) {
    std::vector<std::string> argv{apptest::programs().warmgate};
    for (const auto& a : apptest::eal_args(prefix))
        argv.push_back(a);
    argv.insert(argv.end(), {"--", "--config", config});
    return link.in_ns(link.warmgate_ns(), argv);
}

std::string scalar(const YAML::Node& n) {
    if (!n) return {};
    if (n.IsScalar()) return n.as<std::string>();
    // A {json, text} pair, should the report ever render states that way.
    if (n.IsMap() && n["json"]) return n["json"].as<std::string>();
    return {};
}

} // namespace

Warmgate::Warmgate(const TempDir& dir, const Link& link, const std::string& name, const std::string& config,
                   std::string socket)
    : dir_(dir), name_(name), socket_(std::move(socket)), prefix_(apptest::new_file_prefix()) {
    proc_ = std::make_unique<apptest::Process>(warmgate_argv(link, prefix_, config), dir.file(name + ".out"),
                                               dir.file(name + ".err"));
}

Warmgate::~Warmgate() {
    if (proc_->running()) {
        proc_->signal(SIGKILL);
        proc_->wait_exit(apptest::kStopTimeout);
    }
    // Only ever our own, uniquely named directory.
    std::error_code ec;
    if (prefix_.rfind("wgtest-", 0) == 0) std::filesystem::remove_all(apptest::dpdk_runtime_dir(prefix_), ec);
}

bool Warmgate::wait_ready(std::string& why) {
    bool ready = false;
    const bool done = apptest::wait_until(
        [&] {
            if (!proc_->running()) return true;
            if (!apptest::exists(socket_)) return false;
            ready = ctl(dir_, socket_, {"display", "version"}).code == 0;
            return ready;
        },
        apptest::kStartTimeout);
    if (ready) return true;
    why =
        (done ? "warmgate exited before serving " : "warmgate did not serve ") + socket_ + "\n" + describe();
    return false;
}

std::optional<VrrpView> Warmgate::view() const {
    const apptest::RunResult r = ctl(dir_, socket_, {"display", "vrrp", "verbose"}, true);
    if (r.code != 0) return std::nullopt;
    VrrpView v;
    v.raw = r.out;
    try {
        const YAML::Node root = YAML::Load(r.out);
        const YAML::Node groups = root["groups"];
        if (!groups || !groups.IsSequence() || groups.size() == 0) return std::nullopt;
        const YAML::Node g = groups[0];
        v.state = scalar(g["state"]);
        v.master_ip = scalar(g["master_ip"]);
        v.master_priority = g["master_priority"].as<uint64_t>(0);
        v.preempt_wait = scalar(g["preempt_wait"]);
        if (g["preempt_in_ms"]) v.preempt_in_ms = g["preempt_in_ms"].as<int64_t>();
        v.adverts_sent = g["adverts_sent"].as<uint64_t>(0);
        for (const auto& c : g["state_changes"])
            v.changes.push_back(
                {c["age_ms"].as<int64_t>(0), scalar(c["from"]), scalar(c["to"]), scalar(c["reason"])});
        for (const auto& kv : root["receive"])
            v.rx[kv.first.as<std::string>()] = kv.second.as<uint64_t>(0);
    } catch (const YAML::Exception&) {
        return std::nullopt;
    }
    return v;
}

std::string Warmgate::state() const {
    const auto v = view();
    return v ? v->state : std::string();
}

std::string Warmgate::describe() const {
    const auto v = view();
    return "--- " + name_ + " stdout ---\n" + read_file(dir_.file(name_ + ".out")) + "--- " + name_ +
           " stderr ---\n" + read_file(dir_.file(name_ + ".err")) + "--- " + name_ +
           " display vrrp verbose ---\n" + (v ? v->raw : std::string("(not answering)\n"));
}

// ---- keepalived ---------------------------------------------------------------

namespace {

std::string keepalived_config(const Link& link, const GroupOptions& g, const std::string& notify) {
    std::ostringstream c;
    c << "global_defs {\n"
         "    router_id wg_interop\n"
      << "    vrrp_version " << g.version << "\n"
      << "    script_user root\n"
         "}\n"
         "vrrp_instance wg_interop {\n"
         "    state BACKUP\n" // start as Backup; preempt (keepalived's default) stays on
      << "    interface " << link.keepalived_if() << "\n"
      << "    virtual_router_id " << kVrid << "\n"
      << "    priority " << g.priority << "\n"
      << "    advert_int 1\n"
      << "    virtual_ipaddress {\n"
      << "        " << kVirtualIp << "/" << kPrefixLength << "\n"
      << "    }\n";
    if (!g.auth_key.empty())
        c << "    authentication {\n"
             "        auth_type PASS\n"
          << "        auth_pass " << g.auth_key << "\n"
          << "    }\n";
    c << "    notify " << notify << "\n"
      << "}\n";
    return c.str();
}

} // namespace

Keepalived::Keepalived(const TempDir& dir, const Link& link, const std::string& name, const GroupOptions& g)
    : dir_(dir), name_(name), conf_(dir.file(name + ".conf")), states_(dir.file(name + ".states")),
      pid_(dir.file(name + ".pid")), vrrp_pid_(dir.file(name + "-vrrp.pid")) {
    // keepalived calls the notify script with: "INSTANCE" NAME STATE PRIORITY.
    const std::string script = dir.file(name + "-notify.sh");
    write_file(script, "#!/bin/sh\necho \"$3\" >> '" + states_ + "'\n");
    chmod(script.c_str(), 0755);
    write_file(conf_, keepalived_config(link, g, script));
    proc_ = std::make_unique<apptest::Process>(
        link.in_ns(link.keepalived_ns(),
                   {find_program("keepalived"), "--dont-fork", "--log-console", "--log-detail", "--no-syslog",
                    "--vrrp", "-f", conf_, "-p", pid_, "-r", vrrp_pid_}),
        dir.file(name + ".out"), dir.file(name + ".err"));
}

Keepalived::~Keepalived() {
    stop();
}

void Keepalived::stop() {
    if (proc_->running()) {
        proc_->signal(SIGTERM);
        if (!proc_->wait_exit(10s)) {
            proc_->signal(SIGKILL);
            proc_->wait_exit(10s);
        }
    }
    // The VRRP child normally exits with its parent and removes its pid file;
    // if it is still there, it is the one our keepalived forked (its command
    // line names our configuration file).
    const std::string pid_text = read_file(vrrp_pid_);
    if (pid_text.empty()) return;
    const pid_t pid = pid_t(std::atol(pid_text.c_str()));
    if (pid <= 1) return;
    std::string cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    for (char& ch : cmdline)
        if (ch == '\0') ch = ' ';
    if (apptest::contains(cmdline, "keepalived") && apptest::contains(cmdline, conf_)) kill(pid, SIGKILL);
}

std::vector<std::string> Keepalived::states() const {
    std::vector<std::string> out;
    for (const auto& line : apptest::lines_of(read_file(states_)))
        if (!line.empty()) out.push_back(line);
    return out;
}

std::string Keepalived::state() const {
    const auto s = states();
    return s.empty() ? std::string() : s.back();
}

std::string Keepalived::describe() const {
    std::string states;
    for (const auto& s : this->states())
        states += s + " ";
    return "--- " + name_ + " configuration ---\n" + read_file(conf_) + "--- " + name_ +
           " states: " + states + "\n--- " + name_ + " log ---\n" + read_file(dir_.file(name_ + ".out")) +
           read_file(dir_.file(name_ + ".err"));
}

} // namespace wg::interop
