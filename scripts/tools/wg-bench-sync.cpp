// wg-bench-sync: the remote-backup benchmark (docs/benchmarks.md). Two complete
// remote-backup stacks (RBS over real TLS 1.3 on loopback + RBP + a real ARP
// service each), one per thread with its own event loop, like two devices:
//
//  1. batch backup: the Master holds N entries; the Slave starts empty and
//     connects; time from the Slave's start to its snapshot being applied
//     (TCP + TLS handshakes included), entries/s, wire bytes per entry
//     (counted by the Slave's RBS); then `batch-backup now` again on a warm
//     Slave.
//  2. ceiling: the same number of bytes through a plain TCP socket on
//     loopback, in the same run (ratio, not absolute times: shared machine).
//  3. replication lag: the Master changes entries at R changes/s; the Slave
//     records, per change, the time from the Master's ARP service publishing
//     it to the Slave's ARP service installing it; p50/p99 per rate.
//
// Usage: wg-bench-sync --certs DIR [--entries N] [--rates 10000,100000]
//                      [--seconds S] [--batch-entries N] [--batch-delay-ms T]
// DIR holds ca.pem, deviceA.pem/.key, deviceB.pem/.key (scripts/gen-certs.sh).
// Prints a human summary, then one JSON line.
#include "control/arp/service.hpp"
#include "control/event_loop.hpp"
#include "sync/profile.hpp"
#include "sync/rbs.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace wg;
using Clock = std::chrono::steady_clock;
using std::chrono::duration;

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// The fast-path table stand-in: preallocated open addressing, like the
// real table (rte_hash with preallocated slots, fastpath/adjacency), so the
// benchmark measures replication, not a general-purpose allocator. Both
// devices pay the same. Removal uses backward-shift deletion.
struct HashStore final : arp::AdjacencyStore {
    struct Slot {
        uint64_t key = 0; // 0: empty (ifindex 0 / ip 0 is never a host)
        Mac mac;
    };
    std::vector<Slot> slots;
    uint64_t mask;
    unsigned shift = 64;
    uint32_t used = 0;
    explicit HashStore(size_t n) {
        size_t cap = 1024;
        for (shift = 54; cap < 2 * n; --shift) cap <<= 1;
        slots.resize(cap);
        mask = cap - 1;
    }
    static uint64_t key_of(uint16_t ifindex, Ipv4 ip) { return (uint64_t(ifindex) << 32 | ip.value) + 1; }
    // Fibonacci hashing: the top bits of k * 2^64/phi.
    size_t home(uint64_t k) const { return size_t((k * 0x9e3779b97f4a7c15ull) >> shift); }
    void prefetch(uint16_t ifindex, Ipv4 ip) const override {
        __builtin_prefetch(&slots[home(key_of(ifindex, ip))]); // as rte_hash's bulk paths do
    }
    Result upsert(uint16_t ifindex, Ipv4 ip, const Mac& mac, arp::Origin, arp::Time) override {
        const uint64_t k = key_of(ifindex, ip);
        for (size_t i = home(k);; i = (i + 1) & mask) {
            Slot& s = slots[i];
            if (s.key == k) {
                if (s.mac == mac) return Result::unchanged;
                s.mac = mac;
                return Result::updated;
            }
            if (s.key == 0) {
                if (used * 2 >= slots.size()) return Result::full;
                s.key = k;
                s.mac = mac;
                ++used;
                return Result::added;
            }
        }
    }
    bool remove(uint16_t ifindex, Ipv4 ip) override {
        const uint64_t k = key_of(ifindex, ip);
        size_t i = home(k);
        while (slots[i].key != k) {
            if (slots[i].key == 0) return false;
            i = (i + 1) & mask;
        }
        for (size_t j = (i + 1) & mask; slots[j].key != 0; j = (j + 1) & mask) {
            const size_t h = home(slots[j].key);
            // Move j back into the hole at i when its home is not in (i, j].
            if (((j - h) & mask) >= ((j - i) & mask)) {
                slots[i] = slots[j];
                i = j;
            }
        }
        slots[i] = Slot{};
        --used;
        return true;
    }
    uint32_t size() const override { return used; }
    uint32_t capacity() const override { return uint32_t(slots.size() / 2); }
};

// As the appliance: tables sized (and backed) at start for the capacity.
arp::Options arp_options(size_t n) {
    arp::Options o;
    o.preallocate = uint32_t(n);
    return o;
}

struct NullFrames final : control::FrameSink {
    bool send(uint16_t, std::span<const uint8_t>) override { return true; }
};

constexpr uint32_t kBase = 0x0a000001; // 10.0.0.1: hosts of 10.0.0.0/8
const char* kIfname = "GigabitEthernet0/1/0";

Mac mac_of(uint32_t i, uint8_t gen) {
    Mac m;
    m.bytes = {0x02, gen, uint8_t(i >> 24), uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)};
    return m;
}

// Lag bookkeeping shared by the two threads: the Master stamps the time a
// key's change was published, the Slave reads it when it installs the key.
struct Lag {
    std::vector<std::atomic<int64_t>> stamp;
    std::vector<int64_t> samples; // Slave thread only
    std::atomic<uint64_t> received{0};
    explicit Lag(size_t n) : stamp(n) {}
};

// One device: loop, ARP service, RBS, profile, on its own thread.
struct Device {
    control::EventLoop loop;
    HashStore store;
    NullFrames frames;
    arp::Service arp;
    sync::Rbs rbs;
    sync::Profile profile;
    struct Tap final : arp::ChangeListener {
        Device* d = nullptr;
        Lag* lag = nullptr; // Slave: measure installs
        void on_change(const arp::Change& c) override {
            d->profile.on_change(c);
            if (lag == nullptr || c.kind != arp::Change::Kind::update) return;
            const uint32_t k = c.ip.value - kBase;
            if (k >= lag->stamp.size()) return;
            const int64_t t = lag->stamp[k].load(std::memory_order_acquire);
            if (t == 0) return;
            lag->samples.push_back(now_ns() - t);
            lag->received.fetch_add(1, std::memory_order_relaxed);
        }
    } tap;
    std::thread thread;

    Device(const sync::RbsOptions& ro, const sync::ProfileOptions& po, size_t n)
        : store(n), arp(arp_options(n), store, frames), rbs(loop, ro),
          profile(po, arp, rbs, [] { return Clock::now(); }) {
        control::InterfaceInfo info;
        info.ifindex = 0;
        info.name = kIfname;
        info.mac = mac_of(0, 0xee);
        info.address = *Prefix::parse("10.255.255.254/8"); // far above the hosts
        arp.add_interface(info);
        tap.d = this;
        arp.set_change_listener(&tap);
        rbs.attach(po.backup_id, &profile);
        loop.add_poller(
            [this] {
                bool worked = false;
                const auto due = profile.next_deadline();
                if (due && *due <= loop.now()) {
                    profile.tick(loop.now());
                    worked = true;
                }
                // Work handed over by the main thread (the loop is not thread-safe).
                std::vector<std::function<void()>> jobs;
                {
                    std::lock_guard<std::mutex> g(mailbox_mutex);
                    jobs.swap(mailbox);
                }
                for (auto& j : jobs) j();
                return worked || !jobs.empty();
            },
            std::chrono::microseconds(200));
    }
    std::mutex mailbox_mutex;
    std::vector<std::function<void()>> mailbox;
    void run(const char* name) {
        thread = std::thread([this] { loop.run(); });
        pthread_setname_np(thread.native_handle(), name); // for perf and top
    }
    void join() {
        loop.stop();
        if (thread.joinable()) thread.join();
    }
    // Runs f on the device's loop thread and waits for it.
    template <class F>
    void on_loop(F&& f) {
        std::atomic<bool> done{false};
        {
            std::lock_guard<std::mutex> g(mailbox_mutex);
            mailbox.push_back([&] {
                f();
                done = true;
            });
        }
        loop.wake();
        while (!done) std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
};

uint64_t counter(const control::Report& r, std::string_view key) {
    for (const auto& s : r.sections()) {
        const control::Field* c = s.find("counters");
        if (c == nullptr) continue;
        if (const auto* rec = std::get_if<control::Record>(&c->value))
            if (const control::Field* f = rec->find(key))
                if (const auto* sc = std::get_if<control::Scalar>(&f->value))
                    if (const auto* v = std::get_if<uint64_t>(&sc->get())) return *v;
    }
    return 0;
}

// A top-level numeric field of the first section of a report.
uint64_t field(const control::Report& r, std::string_view key) {
    for (const auto& sec : r.sections())
        if (const control::Field* f = sec.find(key))
            if (const auto* sc = std::get_if<control::Scalar>(&f->value))
                if (const auto* v = std::get_if<uint64_t>(&sc->get())) return *v;
    return 0;
}

// CPU time of the calling thread (to tell which side of a transfer is busy).
double thread_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

uint16_t free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        std::perror("wg-bench-sync: port");
        std::exit(1);
    }
    close(fd);
    return ntohs(a.sin_port);
}

// The same bytes through plain TCP on loopback: the transport's ceiling.
double plain_tcp_ms(uint64_t bytes) {
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(lfd, 1) != 0 ||
        getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
        return -1;
    std::thread reader([lfd, bytes] {
        int c = accept(lfd, nullptr, nullptr);
        std::vector<char> buf(1 << 16);
        uint64_t got = 0;
        while (got < bytes) {
            const ssize_t n = read(c, buf.data(), buf.size());
            if (n <= 0) break;
            got += uint64_t(n);
        }
        close(c);
    });
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    const auto t0 = Clock::now();
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
    std::vector<char> buf(1 << 16, 'x');
    uint64_t sent = 0;
    while (sent < bytes) {
        const ssize_t n = write(fd, buf.data(), std::min<uint64_t>(buf.size(), bytes - sent));
        if (n <= 0) break;
        sent += uint64_t(n);
    }
    shutdown(fd, SHUT_WR);
    reader.join();
    const double ms = duration<double, std::milli>(Clock::now() - t0).count();
    close(fd);
    close(lfd);
    return ms;
}

double percentile(std::vector<int64_t>& v, double p) {
    if (v.empty()) return 0;
    const size_t i = std::min(v.size() - 1, size_t(p / 100.0 * double(v.size())));
    std::nth_element(v.begin(), v.begin() + long(i), v.end());
    return double(v[i]) / 1000.0; // µs
}

bool wait_for(const std::function<bool()>& cond, double seconds) {
    const auto end = Clock::now() + duration<double>(seconds);
    while (!cond()) {
        if (Clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    std::string certs;
    size_t entries = 1000000;
    std::vector<uint32_t> rates{10000, 100000};
    double seconds = 2;
    uint32_t batch_entries = 0, batch_delay_ms = ~0u;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
        if (v == nullptr) {
            std::fprintf(stderr, "wg-bench-sync: %s needs a value\n", k.c_str());
            return 2;
        }
        ++i;
        if (k == "--certs")
            certs = v;
        else if (k == "--entries")
            entries = std::strtoul(v, nullptr, 10);
        else if (k == "--seconds")
            seconds = std::strtod(v, nullptr);
        else if (k == "--batch-entries")
            batch_entries = uint32_t(std::strtoul(v, nullptr, 10));
        else if (k == "--batch-delay-ms")
            batch_delay_ms = uint32_t(std::strtoul(v, nullptr, 10));
        else if (k == "--rates") {
            rates.clear();
            for (const char* p = v; *p;) {
                char* end = nullptr;
                rates.push_back(uint32_t(std::strtoul(p, &end, 10)));
                p = *end == ',' ? end + 1 : end;
            }
        } else {
            std::fprintf(stderr, "usage: wg-bench-sync --certs DIR [--entries N] [--rates R1,R2] [--seconds S] "
                                 "[--batch-entries N] [--batch-delay-ms T]\n");
            return 2;
        }
    }
    if (certs.empty() || entries == 0 || entries > (1u << 23)) {
        std::fprintf(stderr, "wg-bench-sync: --certs DIR required; --entries 1..8388608\n");
        return 2;
    }

    const uint16_t port = free_port();
    auto rbs_opts = [&](bool a) {
        sync::RbsOptions o;
        o.name = "service1";
        o.ssl_policy = "policy1";
        o.source = *Ipv4::parse(a ? "127.0.0.1" : "127.0.0.2");
        o.peer = *Ipv4::parse(a ? "127.0.0.2" : "127.0.0.1");
        o.port = port;
        o.ca = certs + "/ca.pem";
        o.certificate = certs + (a ? "/deviceA.pem" : "/deviceB.pem");
        o.key = certs + (a ? "/deviceA.key" : "/deviceB.key");
        return o;
    };
    auto profile_opts = [&](const char* node) {
        sync::ProfileOptions o;
        o.name = "profile1";
        o.service = "service1";
        o.backup_id = 10;
        o.vrid = 1;
        o.vrrp_interface = kIfname;
        o.interfaces = {kIfname};
        o.ifnames = {{0, kIfname}};
        o.node = node;
        o.log_entries = uint32_t(std::max<size_t>(entries * 2, 1u << 20));
        if (batch_entries) o.batch_max_entries = batch_entries;
        if (batch_delay_ms != ~0u) o.batch_max_delay_ms = batch_delay_ms;
        return o;
    };

    // Device A: the Master, filled before anything connects. Device B
    // listens (127.0.0.2 > 127.0.0.1: A connects).
    auto a = std::make_unique<Device>(rbs_opts(true), profile_opts("DeviceA"), entries);
    auto b = std::make_unique<Device>(rbs_opts(false), profile_opts("DeviceB"), entries);
    Lag lag(entries);
    b->tap.lag = &lag;
    a->profile.set_role(sync::Role::master);
    b->profile.set_role(sync::Role::slave);
    const auto fill0 = Clock::now();
    for (uint32_t i = 0; i < entries; ++i)
        a->arp.install_synced(0, Ipv4{kBase + i}, mac_of(i, 1), 1200, fill0);
    std::string error;
    if (!b->rbs.start(error)) {
        std::fprintf(stderr, "wg-bench-sync: %s\n", error.c_str());
        return 1;
    }
    b->run("wg-slave");
    a->run("wg-master");

    // 1. Cold batch backup: from A's start (connect, TLS) to B applied.
    std::atomic<int64_t> applied_ns{0};
    std::atomic<uint64_t> snapshot_bytes{0};
    double cpu_a0 = 0, cpu_b0 = 0, cpu_a = 0, cpu_b = 0;
    a->on_loop([&] { cpu_a0 = thread_cpu_ms(); });
    b->on_loop([&] { cpu_b0 = thread_cpu_ms(); });
    const int64_t t0 = now_ns();
    a->on_loop([&] {
        if (!a->rbs.start(error)) std::fprintf(stderr, "wg-bench-sync: %s\n", error.c_str());
    });
    uint64_t watch = 0;
    b->on_loop([&] {
        watch = b->loop.add_poller(
            [&] {
                if (applied_ns == 0 && b->profile.stats().get(sync::ProfileCounter::snapshots_received) >= 1) {
                    applied_ns = now_ns();
                    snapshot_bytes = counter(b->rbs.report(), "bytes_rx");
                }
                return false;
            },
            std::chrono::microseconds(200));
    });
    if (!wait_for([&] { return applied_ns != 0; }, 120)) {
        std::fprintf(stderr, "wg-bench-sync: the batch backup did not complete\n");
        return 1;
    }
    b->on_loop([&] { b->loop.remove_poller(watch); });
    const double cold_ms = double(applied_ns - t0) / 1e6;
    size_t slave_entries = 0;
    uint64_t slave_snap_ms = 0, master_snap_ms = 0;
    b->on_loop([&] {
        slave_entries = b->arp.size();
        control::Report r;
        b->profile.add_to(r, Clock::now());
        slave_snap_ms = field(r, "last_snapshot_ms");
        cpu_b = thread_cpu_ms() - cpu_b0;
    });
    a->on_loop([&] {
        control::Report r;
        a->profile.add_to(r, Clock::now());
        master_snap_ms = field(r, "last_snapshot_ms");
        cpu_a = thread_cpu_ms() - cpu_a0;
    });
    const double bytes_per_entry = double(snapshot_bytes) / double(entries);

    // Warm: `batch-backup now` on the Master.
    uint64_t before = 0, bytes_before = 0;
    b->on_loop([&] {
        before = b->profile.stats().get(sync::ProfileCounter::snapshots_received);
        bytes_before = counter(b->rbs.report(), "bytes_rx");
    });
    std::atomic<int64_t> warm_done{0};
    std::atomic<uint64_t> warm_bytes{0};
    b->on_loop([&] {
        watch = b->loop.add_poller(
            [&] {
                if (warm_done == 0 && b->profile.stats().get(sync::ProfileCounter::snapshots_received) > before) {
                    warm_done = now_ns();
                    warm_bytes = counter(b->rbs.report(), "bytes_rx") - bytes_before;
                }
                return false;
            },
            std::chrono::microseconds(200));
    });
    const int64_t w0 = now_ns();
    a->on_loop([&] {
        std::string why;
        if (!a->profile.batch_backup_now(why)) std::fprintf(stderr, "wg-bench-sync: %s\n", why.c_str());
    });
    if (!wait_for([&] { return warm_done != 0; }, 120)) {
        std::fprintf(stderr, "wg-bench-sync: the second batch backup did not complete\n");
        return 1;
    }
    b->on_loop([&] { b->loop.remove_poller(watch); });
    const double warm_ms = double(warm_done - w0) / 1e6;

    // 2. The ceiling: the snapshot's bytes through plain TCP.
    const double tcp_ms = plain_tcp_ms(warm_bytes);

    // 3. Lag at each rate: distinct keys per run, so a stamp is read once.
    struct LagResult {
        uint32_t rate;
        uint64_t sent, received;
        double p50, p99, max;
    };
    std::vector<LagResult> lags;
    uint32_t next_key = 0;
    uint8_t gen = 2;
    for (uint32_t rate : rates) {
        const uint64_t total = uint64_t(double(rate) * seconds);
        if (next_key + total > entries) {
            std::fprintf(stderr, "wg-bench-sync: %u/s for %.1f s needs more than --entries keys\n", rate, seconds);
            break;
        }
        b->on_loop([&] { lag.samples.clear(); });
        lag.received = 0;
        const uint32_t first = next_key;
        std::atomic<uint64_t> sent{0};
        std::atomic<bool> done{false};
        const auto start = Clock::now();
        const uint8_t g = gen++;
        uint64_t gen_poller = 0;
        a->on_loop([&] {
            gen_poller = a->loop.add_poller(
                [&, first, total, g, rate] {
                    if (done) return false;
                    const double el = duration<double>(Clock::now() - start).count();
                    const uint64_t due = std::min<uint64_t>(total, uint64_t(el * rate));
                    while (sent < due) {
                        const uint32_t k = first + uint32_t(sent.load());
                        lag.stamp[k].store(now_ns(), std::memory_order_release);
                        a->arp.install_synced(0, Ipv4{kBase + k}, mac_of(k, g), 1200, Clock::now());
                        ++sent;
                    }
                    if (sent >= total) done = true;
                    return !done;
                },
                std::chrono::microseconds(50));
        });
        wait_for([&] { return done.load(); }, seconds * 10 + 30);
        a->on_loop([&] { a->loop.remove_poller(gen_poller); });
        wait_for([&] { return lag.received >= total; }, 10);
        next_key += uint32_t(total);
        LagResult r{rate, sent, lag.received, 0, 0, 0};
        b->on_loop([&] {
            auto& s = lag.samples;
            r.p50 = percentile(s, 50);
            r.p99 = percentile(s, 99);
            r.max = s.empty() ? 0 : double(*std::max_element(s.begin(), s.end())) / 1000.0;
        });
        lags.push_back(r);
    }

    uint64_t digest_a = 0, digest_b = 0;
    a->on_loop([&] { digest_a = a->profile.digest(); });
    b->on_loop([&] { digest_b = b->profile.digest(); });
    a->join();
    b->join();

    const double eps = double(entries) / (cold_ms / 1000.0);
    std::printf("batch backup of %zu entries over TLS 1.3 on loopback (cold Slave, incl. connect + handshake): "
                "%.1f ms, %.0f entries/s, %.2f bytes/entry on the wire; Slave holds %zu\n",
                entries, cold_ms, eps, bytes_per_entry, slave_entries);
    std::printf("  of which: Master sending the snapshot %" PRIu64 " ms, Slave from snapshot_begin to applied %" PRIu64
                " ms; CPU time Master %.0f ms, Slave %.0f ms\n",
                master_snap_ms, slave_snap_ms, cpu_a, cpu_b);
    std::printf("batch-backup now (warm Slave): %.1f ms; the same %" PRIu64 " bytes over plain TCP: %.1f ms "
                "(TLS + codec + install = %.2fx the plain-TCP ceiling)\n",
                warm_ms, uint64_t(warm_bytes), tcp_ms, tcp_ms > 0 ? warm_ms / tcp_ms : 0.0);
    for (const auto& l : lags)
        std::printf("replication lag at %u changes/s: p50 %.0f us, p99 %.0f us, max %.0f us (%" PRIu64
                    " of %" PRIu64 " changes arrived)\n",
                    l.rate, l.p50, l.p99, l.max, l.received, l.sent);
    std::printf("digests equal at the end: %s\n", digest_a == digest_b ? "yes" : "NO");

    std::printf("{\"tool\": \"wg-bench-sync\", \"entries\": %zu, \"batch_ms\": %.1f, \"entries_per_s\": %.0f, "
                "\"bytes_per_entry\": %.2f, \"warm_batch_ms\": %.1f, \"tcp_ceiling_ms\": %.1f, "
                "\"vs_tcp_ceiling\": %.2f, \"slave_entries\": %zu, \"digests_equal\": %s, \"lag\": [",
                entries, cold_ms, eps, bytes_per_entry, warm_ms, tcp_ms, tcp_ms > 0 ? warm_ms / tcp_ms : 0.0,
                slave_entries, digest_a == digest_b ? "true" : "false");
    for (size_t i = 0; i < lags.size(); ++i)
        std::printf("%s{\"rate\": %u, \"p50_us\": %.0f, \"p99_us\": %.0f, \"max_us\": %.0f, \"sent\": %" PRIu64
                    ", \"received\": %" PRIu64 "}",
                    i ? ", " : "", lags[i].rate, lags[i].p50, lags[i].p99, lags[i].max, lags[i].sent,
                    lags[i].received);
    std::printf("]}\n");
    return slave_entries == entries && digest_a == digest_b ? 0 : 1;
}
