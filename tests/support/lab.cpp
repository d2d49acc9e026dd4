#include "tests/support/lab.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <sstream>

namespace wg::interop {

using apptest::run;

std::string find_program(const std::string& name) {
    std::string dirs;
    if (const char* p = std::getenv("PATH"); p && *p) dirs = p;
    dirs += ":/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin";
    std::istringstream in(dirs);
    for (std::string dir; std::getline(in, dir, ':');) {
        if (dir.empty()) continue;
        const std::string path = dir + "/" + name;
        if (access(path.c_str(), X_OK) == 0) return path;
    }
    return {};
}

bool run_ok(const TempDir& dir, const std::vector<std::string>& argv, std::string& why) {
    const apptest::RunResult r = run(dir, argv, 20s);
    if (r.code == 0) return true;
    std::string cmd;
    for (const auto& a : argv)
        cmd += (cmd.empty() ? "" : " ") + a;
    why = cmd + ": " + r.describe();
    return false;
}

namespace {
constexpr const char* kNsPrefix = "wg-interop-";
}

void sweep_stale_namespaces(const TempDir& dir) {
    const std::string ip = find_program("ip");
    if (ip.empty()) return;
    const apptest::RunResult r = run(dir, {ip, "netns", "list"}, 20s);
    for (const auto& line : apptest::lines_of(r.out)) {
        const std::string name = line.substr(0, line.find(' '));
        if (name.rfind(kNsPrefix, 0) != 0) continue;
        const long pid = std::atol(name.c_str() + std::string(kNsPrefix).size());
        if (pid <= 1 || pid == long(getpid())) continue;
        if (kill(pid_t(pid), 0) == 0 || errno != ESRCH) continue; // still alive (or not ours to judge)
        std::string why;
        run_ok(dir, {ip, "netns", "del", name}, why);
    }
}

Link::Link(const TempDir& dir) : dir_(dir), ip_(find_program("ip")) {
    // Interface names are limited to 15 characters (IFNAMSIZ - 1): "wi" +
    // pid (at most 7 digits) + "n" + sequence (2 digits) + side.
    static unsigned seq = 0;
    const std::string id = std::to_string(getpid()) + "n" + std::to_string(seq++ % 100);
    wg_ns_ = kNsPrefix + id + "-wg";
    ka_ns_ = kNsPrefix + id + "-ka";
    wg_if_ = "wi" + id + "w";
    ka_if_ = "wi" + id + "k";
}

Link::~Link() {
    if (!created_) return;
    std::string why;
    // Deleting a namespace also destroys the veth end in it, and with it the peer.
    run_ok(dir_, {ip_, "netns", "del", wg_ns_}, why);
    run_ok(dir_, {ip_, "netns", "del", ka_ns_}, why);
}

std::vector<std::string> Link::in_ns(const std::string& ns, const std::vector<std::string>& argv) const {
    std::vector<std::string> out{ip_, "netns", "exec", ns};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
}

bool Link::up(std::string& why) {
    if (ip_.empty()) {
        why = "iproute2's ip is not installed (scripts/setup.sh)";
        return false;
    }
    created_ = true; // from here on, the destructor cleans up whatever exists
    const std::string prefix = "/" + std::to_string(kPrefixLength);
    const std::vector<std::vector<std::string>> steps = {
        {ip_, "netns", "add", wg_ns_},
        {ip_, "netns", "add", ka_ns_},
        {ip_, "link", "add", wg_if_, "netns", wg_ns_, "type", "veth", "peer", "name", ka_if_, "netns",
         ka_ns_},
        in_ns(wg_ns_, {"sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"}),
        in_ns(ka_ns_, {"sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"}),
        in_ns(wg_ns_, {ip_, "link", "set", "lo", "up"}),
        in_ns(ka_ns_, {ip_, "link", "set", "lo", "up"}),
        in_ns(wg_ns_, {ip_, "link", "set", wg_if_, "promisc", "on", "up"}),
        // The RBS source of the v2 configuration (LoopBack1): kernel-side, like the lab's.
        in_ns(wg_ns_, {ip_, "addr", "add", "1.1.1.1/32", "dev", "lo"}),
        in_ns(ka_ns_, {ip_, "addr", "add", kKeepalivedAddress + prefix, "dev", ka_if_}),
        in_ns(ka_ns_, {ip_, "link", "set", ka_if_, "up"}),
    };
    for (const auto& argv : steps)
        if (!run_ok(dir_, argv, why)) return false;
    return true;
}

Capture::Capture(const TempDir& dir, const Link& link)
    : dir_(dir), tcpdump_(find_program("tcpdump")), file_(dir.file("wire.pcap")) {
    if (tcpdump_.empty()) return;
    // -U: write each packet at once, so a killed capture still decodes.
    // -Z root: no switch to the tcpdump user, which would clear the
    // parent-death signal that stops it when the test dies.
    proc_ = std::make_unique<apptest::Process>(
        link.in_ns(link.keepalived_ns(), {tcpdump_, "-i", link.keepalived_if(), "-U", "-n", "-Z", "root",
                                          "-w", file_, "ip proto 112 or arp"}),
        dir.file("tcpdump.out"), dir.file("tcpdump.err"));
}

Capture::~Capture() {
    if (proc_) {
        proc_->signal(SIGTERM);
        proc_->wait_exit(5s);
    }
}

std::string Capture::decode() {
    if (!proc_) return "(no tcpdump: nothing captured)\n";
    proc_->signal(SIGTERM);
    proc_->wait_exit(5s);
    const apptest::RunResult r = run(dir_, {tcpdump_, "-nn", "-e", "-vv", "-tttt", "-r", file_}, 20s);
    return r.out + r.err;
}

} // namespace wg::interop
