#include "tests/support/wire.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace wg::apptest {

std::string ip_str(uint32_t ip) {
    char s[16];
    std::snprintf(s, sizeof s, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
    return s;
}

std::string summarize(const Bytes& f) {
    if (f.size() < kEthLen) return "runt, " + std::to_string(f.size()) + " bytes";
    std::string s = mac_str({f[6], f[7], f[8], f[9], f[10], f[11]}) + " > " +
                    mac_str({f[0], f[1], f[2], f[3], f[4], f[5]}) + "  ";
    if (const auto a = parse_arp(f)) {
        return s +
               (a->op == 1   ? "ARP request"
                : a->op == 2 ? "ARP reply"
                             : "ARP op " + std::to_string(a->op)) +
               " sender " + mac_str(a->sender_mac) + " " + ip_str(a->sender_ip) + " target " +
               mac_str(a->target_mac) + " " + ip_str(a->target_ip);
    }
    if (const auto e = parse_icmp_echo(f)) {
        return s + (e->type == 8 ? "ICMP echo request " : "ICMP echo reply ") + ip_str(e->src) + " > " +
               ip_str(e->dst) + " id " + std::to_string(e->id) + " seq " + std::to_string(e->seq) +
               (e->checksums_ok ? "" : " BAD CHECKSUM");
    }
    if (const auto v = parse_vrrp(f)) {
        return s + "VRRPv" + std::to_string(v->version) + " " + ip_str(v->src) + " > " + ip_str(v->dst) +
               " ttl " + std::to_string(v->ttl) + " vrid " + std::to_string(v->vrid) + " prio " +
               std::to_string(v->priority) + " intvl " + std::to_string(v->interval_cs) + "cs" +
               (v->checksums_ok ? "" : " BAD CHECKSUM (as v3)");
    }
    char t[48];
    std::snprintf(t, sizeof t, "ethertype 0x%04x, %zu bytes", ethertype(f), f.size());
    return s + t;
}

namespace {

// Closes its descriptor on every path out of Wire::open.
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) close(fd);
    }
};

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

} // namespace

Wire::~Wire() {
    if (fd_ >= 0) close(fd_);
}

bool Wire::open(const std::string& netns, const std::string& ifname, bool receive, std::string& why) {
    // A socket belongs to the namespace it was created in: enter the
    // namespace for socket(), the interface lookup and bind(), then return.
    Fd self{::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)};
    Fd target{::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC)};
    if (self.fd < 0 || target.fd < 0) {
        why = errno_text("open network namespace " + netns);
        return false;
    }
    if (setns(target.fd, CLONE_NEWNET) != 0) {
        why = errno_text("setns " + netns);
        return false;
    }
    // Protocol 0 until bind: no frame of another interface is queued first.
    Fd sock{socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)};
    const unsigned ifindex = if_nametoindex(ifname.c_str());
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = receive ? htons(ETH_P_ALL) : 0;
    addr.sll_ifindex = int(ifindex);
    const int one = 1, rcvbuf = 4 << 20;
    if (sock.fd < 0) {
        why = errno_text("socket(AF_PACKET)");
    } else if (ifindex == 0) {
        why = errno_text("no interface " + ifname + " in " + netns);
    } else if (bind(sock.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        why = errno_text("bind to " + ifname);
    } else if (receive && (setsockopt(sock.fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0 ||
                           setsockopt(sock.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0)) {
        why = errno_text("setsockopt");
    }
    if (setns(self.fd, CLONE_NEWNET) != 0) {
        // The rest of the test would run in the lab's namespace: stop here.
        std::perror("setns back to the test's own network namespace");
        std::abort();
    }
    if (!why.empty()) return false;
    fd_ = sock.fd;
    sock.fd = -1;
    return true;
}

bool Wire::send(const Bytes& frame) {
    return fd_ >= 0 && ::send(fd_, frame.data(), frame.size(), 0) == ssize_t(frame.size());
}

void Wire::drain(std::chrono::milliseconds wait) {
    if (fd_ < 0) return;
    pollfd p{fd_, POLLIN, 0};
    int timeout = int(wait.count());
    while (poll(&p, 1, timeout) > 0) {
        timeout = 0; // only the first read waits
        uint8_t buf[2048];
        alignas(cmsghdr) char control[256];
        sockaddr_ll from{};
        iovec iov{buf, sizeof buf};
        msghdr msg{};
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        const ssize_t n = recvmsg(fd_, &msg, MSG_DONTWAIT);
        if (n < 0) break;
        // Our own sends (and the peer router's) come back as outgoing: not
        // something the appliance said.
        if (from.sll_pkttype == PACKET_OUTGOING) continue;
        Seen s;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                timespec ts;
                std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
                s.at_ns = int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
            }
        s.frame.assign(buf, buf + std::min<size_t>(size_t(n), sizeof buf));
        log_.push_back(std::move(s));
    }
}

size_t Wire::mark() {
    drain(std::chrono::milliseconds(0));
    return log_.size();
}

std::optional<Wire::Seen> Wire::wait_for(size_t from, const Match& match, std::chrono::milliseconds timeout) {
    const auto end = Clock::now() + timeout;
    for (size_t i = from;;) {
        for (; i < log_.size(); ++i)
            if (match(log_[i].frame)) return log_[i];
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
        if (left.count() <= 0) return std::nullopt;
        drain(std::min(left, std::chrono::milliseconds(50)));
    }
}

size_t Wire::wait_count(size_t from, const Match& match, size_t n, std::chrono::milliseconds timeout) {
    size_t count = 0;
    wait_until(
        [&] {
            drain(std::chrono::milliseconds(20));
            count = since(from, match).size();
            return count >= n;
        },
        timeout);
    return count;
}

void Wire::watch(std::chrono::milliseconds d) {
    const auto end = Clock::now() + d;
    for (auto now = Clock::now(); now < end; now = Clock::now())
        drain(std::chrono::duration_cast<std::chrono::milliseconds>(end - now) +
              std::chrono::milliseconds(1));
}

std::vector<Wire::Seen> Wire::since(size_t from, const Match& match) const {
    std::vector<Seen> out;
    for (size_t i = from; i < log_.size(); ++i)
        if (match(log_[i].frame)) out.push_back(log_[i]);
    return out;
}

std::string Wire::dump(size_t from, size_t max) const {
    std::string out;
    if (log_.size() > from + max) {
        out += "(" + std::to_string(log_.size() - from - max) + " earlier frames left out)\n";
        from = log_.size() - max;
    }
    const int64_t t0 = from < log_.size() ? log_[from].at_ns : 0;
    for (size_t i = from; i < log_.size(); ++i) {
        char t[64];
        std::snprintf(t, sizeof t, "%5zu +%8.3f s  ", i, double(log_[i].at_ns - t0) / 1e9);
        out += t + summarize(log_[i].frame) + "\n";
    }
    return out;
}

void PeerRouter::start() {
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread([this] {
        while (!stop_) {
            (tx_.send(advert_) ? sent_ : failed_)++;
            std::this_thread::sleep_for(every_);
        }
    });
}

void PeerRouter::stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

} // namespace wg::apptest
