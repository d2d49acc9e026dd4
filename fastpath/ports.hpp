// DPDK port bring-up for the interfaces of the config: probe each
// `interfaces[].port` (PCI address or vdev spec), configure one RX and one
// TX queue per worker, one mbuf pool for all, start, and later stop/close.
//
// Thread-safety: every function runs on the main (control) lcore, before
// the workers are launched or after they have stopped, except stats() and
// link(), which only read ethdev state and may be called while workers run.
#pragma once

#include "config/config.hpp"

#include <cstdint>
#include <string>
#include <vector>

struct rte_mempool;

namespace wg::fastpath {

struct PortSpec {
    std::string ifname; // config name, e.g. GigabitEthernet0/1/0
    std::string devargs; // PCI address or vdev spec
    Prefix address;
    std::vector<uint8_t> vrids; // VRRP groups whose virtual MAC this port must accept
};

struct Port {
    PortSpec spec;
    uint16_t port_id = 0;
    std::string device_name; // ethdev name, e.g. net_af_packet0
    std::string driver;
    Mac mac;
    uint16_t mtu = 1500;
    uint16_t rx_queues = 0, tx_queues = 0;
    bool promiscuous = false; // true when the device refused a secondary MAC
    bool started = false;
};

struct LinkState {
    bool up = false;
    uint32_t speed_mbps = 0;
    bool full_duplex = false;
};

struct PortStats {
    uint64_t ipackets = 0, opackets = 0, ibytes = 0, obytes = 0;
    uint64_t imissed = 0, ierrors = 0, oerrors = 0, rx_nombuf = 0;
};

struct PortsOptions {
    unsigned queues = 1;          // RX and TX queues per port (one per worker)
    uint16_t rx_descriptors = 1024;
    uint16_t tx_descriptors = 1024;
    unsigned extra_mbufs = 4096;  // what the rings and the hold queue may keep (the appliance sizes it from them)
    unsigned min_mbufs = 0;       // pool floor (dataplane.mbufs): net_pcap infinite_rx holds a whole pcap
};

// Ports of a config, in config order (DPDK interfaces only).
std::vector<PortSpec> port_specs(const config::Config& config);

class Ports {
  public:
    Ports() = default;
    Ports(const Ports&) = delete;
    Ports& operator=(const Ports&) = delete;
    ~Ports(); // stops and closes whatever was brought up

    // Probes, configures and starts every port. On failure returns false
    // with a message naming the interface and its devargs in `error`; ports
    // already brought up are left for the destructor/close_all().
    bool open(const std::vector<PortSpec>& specs, const PortsOptions& options, std::string& error);

    // Stops and closes every port (idempotent). After this, net_pcap tx
    // files are flushed and complete.
    void close_all();

    const std::vector<Port>& ports() const { return ports_; }
    const Port* find(std::string_view ifname) const;
    rte_mempool* pool() const { return pool_; }

    // The port's link. For ports over a kernel interface (net_af_packet's
    // `iface=NAME`) the PMD reports "up" whatever that interface does (DPDK
    // 22.11), so the kernel's IFF_UP and IFF_RUNNING of NAME decide too: a
    // user port set down must take VRRP down. Control lcore (one ioctl).
    static LinkState link(const Port& p);
    static PortStats stats(uint16_t port_id);

  private:
    bool open_one(const PortSpec& spec, const PortsOptions& options, std::string& error);

    std::vector<Port> ports_;
    rte_mempool* pool_ = nullptr;
};

} // namespace wg::fastpath
