// A host on the appliance's LAN, as the control-plane tests play it: an
// AF_PACKET socket of the test's own on one veth end inside a network
// namespace. It sends hand-built frames (packets.hpp) and logs every frame
// that arrives, with the kernel's arrival time, so that a test can ask both
// "did this answer come?" and "did nothing of that kind come?" over any
// window, and a failure report can show what was on the wire.
//
// Thread-safety: one thread per Wire. A send-only Wire may be driven from a
// thread of its own (PeerRouter does so); nothing is shared between Wires.
#pragma once

#include "tests/support/harness.hpp"
#include "tests/support/packets.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace wg::apptest {

std::string ip_str(uint32_t ip);
// One line per frame: the Ethernet addresses and what the frame says (ARP,
// ICMP echo, VRRP, or the EtherType and length).
std::string summarize(const Bytes& frame);

class Wire {
  public:
    struct Seen {
        int64_t at_ns = 0; // kernel receive time (CLOCK_REALTIME)
        Bytes frame;
    };
    using Match = std::function<bool(const Bytes&)>;

    Wire() = default;
    ~Wire();
    Wire(const Wire&) = delete;
    Wire& operator=(const Wire&) = delete;

    // Binds to `ifname` in network namespace `netns` (a name under
    // /run/netns). Send-only (`receive` false) binds to no protocol, so the
    // kernel queues nothing for it. Needs CAP_SYS_ADMIN and CAP_NET_RAW.
    bool open(const std::string& netns, const std::string& ifname, bool receive, std::string& why);
    bool send(const Bytes& frame);

    // Reads what has arrived, then returns the log's length: frames from
    // this index on arrived after the call.
    size_t mark();
    // The first logged frame at index >= `from` that `match`es, reading
    // (and logging) for up to `timeout`.
    std::optional<Seen> wait_for(size_t from, const Match& match, std::chrono::milliseconds timeout);
    // Until `n` frames at index >= `from` match, or `timeout`: the count.
    size_t wait_count(size_t from, const Match& match, size_t n, std::chrono::milliseconds timeout);
    // Logs everything that arrives for `d`.
    void watch(std::chrono::milliseconds d);
    std::vector<Seen> since(size_t from, const Match& match) const;
    // The last `max` frames at index >= `from`, one summary line each.
    std::string dump(size_t from, size_t max = 200) const;

  private:
    void drain(std::chrono::milliseconds wait);
    int fd_ = -1;
    std::vector<Seen> log_;
};

// Another VRRP router on the LAN: sends `advert` every `every` from its own
// thread while started (it never reads).
class PeerRouter {
  public:
    PeerRouter(Wire& tx, Bytes advert, std::chrono::milliseconds every)
        : tx_(tx), advert_(std::move(advert)), every_(every) {}
    ~PeerRouter() { stop(); }
    PeerRouter(const PeerRouter&) = delete;
    PeerRouter& operator=(const PeerRouter&) = delete;

    void start();
    // Returns once the thread has sent its last advert.
    void stop();
    uint64_t sent() const { return sent_; }
    uint64_t failed() const { return failed_; }

  private:
    Wire& tx_;
    Bytes advert_;
    std::chrono::milliseconds every_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> sent_{0}, failed_{0};
};

} // namespace wg::apptest
