#include "main/control_io.hpp"

#include <rte_mbuf.h>

#include <csignal>
#include <cstring>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace wg {

bool InjectFrameSink::send(uint16_t ifindex, std::span<const uint8_t> frame) {
    const auto& ports = ports_.ports();
    if (ifindex >= ports.size() || frame.size() > RTE_MBUF_DEFAULT_DATAROOM) {
        ++failures_;
        return false;
    }
    rte_mbuf* m = rte_pktmbuf_alloc(ports_.pool());
    if (m == nullptr) {
        ++failures_;
        return false;
    }
    // Ethernet minimum: pad short frames (ARP) to 60 bytes without FCS.
    const size_t len = std::max<size_t>(frame.size(), 60);
    auto* p = rte_pktmbuf_append(m, uint16_t(len));
    if (p == nullptr) {
        rte_pktmbuf_free(m);
        ++failures_;
        return false;
    }
    std::memcpy(p, frame.data(), frame.size());
    std::memset(p + frame.size(), 0, len - frame.size());
    if (!dp_.inject(m, ports[ifindex].port_id)) {
        ++failures_;
        return false;
    }
    return true;
}

arp::AdjacencyStore::Result FastPathAdjacency::upsert(uint16_t ifindex, Ipv4 ip, const Mac& mac,
                                                     arp::Origin origin, arp::Time now) {
    const auto& ports = ports_.ports();
    if (ifindex >= ports.size()) return Result::invalid;
    const auto ns = uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
    return table_.upsert({ip.value, ifindex, 0}, mac, ports[ifindex].port_id, origin, ns);
}

bool FastPathAdjacency::remove(uint16_t ifindex, Ipv4 ip) { return table_.remove({ip.value, ifindex, 0}); }

void FastPathForwarding::set_master(uint16_t ifindex, uint8_t vrid, bool master) {
    const auto& ports = ports_.ports();
    if (ifindex >= ports.size()) return;
    const Mac src = master ? Mac::vrrp_virtual(vrid) : ports[ifindex].mac;
    dp_.set_forwarding(ifindex, master, src, master);
}

ProcessHookRunner::ProcessHookRunner(control::EventLoop& loop, control::Duration timeout)
    : loop_(loop), timeout_(timeout) {}

ProcessHookRunner::~ProcessHookRunner() {
    if (reaper_ != 0) loop_.cancel_timer(reaper_);
    for (const auto& c : children_) {
        kill(c.pid, SIGKILL);
        waitpid(c.pid, nullptr, 0);
    }
}

void ProcessHookRunner::run(const std::string& command, const std::vector<std::string>& env) {
    std::vector<std::string> strings;
    for (char** e = environ; e && *e; ++e) strings.emplace_back(*e);
    strings.insert(strings.end(), env.begin(), env.end());
    std::vector<char*> envp;
    for (auto& s : strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string cmd = command;
    char sh[] = "/bin/sh", dash_c[] = "-c";
    char* argv[] = {sh, dash_c, cmd.data(), nullptr};
    pid_t pid = 0;
    if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, envp.data()) != 0) {
        ++failed_;
        return;
    }
    ++started_;
    children_.push_back({pid, loop_.now() + timeout_, command});
    if (reaper_ == 0) reaper_ = loop_.add_periodic(std::chrono::milliseconds(100), [this] { reap(); });
}

void ProcessHookRunner::reap() {
    const auto now = loop_.now();
    for (auto it = children_.begin(); it != children_.end();) {
        int status = 0;
        const pid_t r = waitpid(it->pid, &status, WNOHANG);
        if (r == it->pid) {
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed_;
            it = children_.erase(it);
            continue;
        }
        if (now >= it->deadline) {
            kill(it->pid, SIGKILL);
            waitpid(it->pid, nullptr, 0);
            ++timed_out_;
            it = children_.erase(it);
            continue;
        }
        ++it;
    }
    if (children_.empty() && reaper_ != 0) {
        loop_.cancel_timer(reaper_);
        reaper_ = 0;
    }
}

} // namespace wg
