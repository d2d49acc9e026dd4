#include "fastpath/ports.hpp"

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace wg::fastpath {
namespace {

constexpr unsigned kMempoolCache = 256;

std::string errstr(int rc) { return rte_strerror(rc < 0 ? -rc : rc); }

// The ethdev name is the devargs up to the first ',' (vdev "net_ring0,..."
// or a PCI address). A PCI address may be written without its domain.
std::string device_name_of(const std::string& devargs) {
    return devargs.substr(0, devargs.find(','));
}

// Finds the port created for `devargs`, whether we probed it or EAL did
// (the user may also pass --vdev/-a on the EAL command line).
bool find_port(const std::string& devargs, uint16_t& port_id) {
    if (rte_eth_dev_get_port_by_name(device_name_of(devargs).c_str(), &port_id) == 0) return true;
    rte_dev_iterator iter{};
    uint16_t id = 0;
    RTE_ETH_FOREACH_MATCHING_DEV(id, devargs.c_str(), &iter) {
        port_id = id;
        rte_eth_iterator_cleanup(&iter);
        return true;
    }
    return false;
}

} // namespace

std::vector<PortSpec> port_specs(const config::Config& config) {
    std::vector<PortSpec> specs;
    for (const auto& itf : config.interfaces) {
        if (!itf.is_dpdk()) continue;
        PortSpec spec;
        spec.ifname = itf.name;
        spec.devargs = itf.port;
        if (itf.address) spec.address = *itf.address;
        for (const auto& group : itf.vrrp) spec.vrids.push_back(group.vrid);
        specs.push_back(std::move(spec));
    }
    return specs;
}

Ports::~Ports() { close_all(); }

const Port* Ports::find(std::string_view ifname) const {
    for (const auto& port : ports_)
        if (port.spec.ifname == ifname) return &port;
    return nullptr;
}

bool Ports::open(const std::vector<PortSpec>& specs, const PortsOptions& options, std::string& error) {
    // Probe everything first: the pool is sized from the number of ports.
    for (const auto& spec : specs) {
        Port port;
        port.spec = spec;
        if (!find_port(spec.devargs, port.port_id)) {
            int rc = rte_dev_probe(spec.devargs.c_str());
            if ((rc < 0 && rc != -EEXIST) || !find_port(spec.devargs, port.port_id)) {
                error = spec.ifname + ": cannot probe port '" + spec.devargs + "': " +
                        (rc < 0 ? errstr(rc) : std::string("no ethdev port appeared"));
                return false;
            }
        }
        for (const auto& other : ports_)
            if (other.port_id == port.port_id) {
                error = spec.ifname + ": port '" + spec.devargs + "' is already used by " + other.spec.ifname;
                return false;
            }
        ports_.push_back(std::move(port));
    }

    const unsigned per_port = options.queues * (options.rx_descriptors + options.tx_descriptors);
    const unsigned caches = (rte_lcore_count() + 1) * kMempoolCache;
    const unsigned wanted = unsigned(ports_.size()) * per_port + caches + options.extra_mbufs;
    const unsigned n = std::max<unsigned>({8191, options.min_mbufs, wanted});
    pool_ = rte_pktmbuf_pool_create("wg_mbufs", n, kMempoolCache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                    int(rte_socket_id()));
    if (pool_ == nullptr) {
        error = "cannot create mbuf pool of " + std::to_string(n) + " mbufs: " + errstr(rte_errno) +
                " (with --no-huge, raise -m)";
        return false;
    }
    for (const auto& spec : specs)
        if (!open_one(spec, options, error)) return false;
    return true;
}

bool Ports::open_one(const PortSpec& spec, const PortsOptions& options, std::string& error) {
    Port* port = nullptr;
    for (auto& p : ports_)
        if (p.spec.ifname == spec.ifname) port = &p;
    if (port == nullptr) {
        error = spec.ifname + ": not probed";
        return false;
    }
    const uint16_t id = port->port_id;
    auto fail = [&](const std::string& what, int rc) {
        error = spec.ifname + " (" + spec.devargs + "): " + what + ": " + errstr(rc);
        return false;
    };

    rte_eth_dev_info info{};
    if (int rc = rte_eth_dev_info_get(id, &info); rc != 0) return fail("cannot read device info", rc);
    port->driver = info.driver_name ? info.driver_name : "?";
    char name[RTE_ETH_NAME_MAX_LEN];
    if (rte_eth_dev_get_name_by_port(id, name) == 0) port->device_name = name;

    if (options.queues > info.max_rx_queues || options.queues > info.max_tx_queues)
        return fail("device has " + std::to_string(info.max_rx_queues) + " RX/" +
                        std::to_string(info.max_tx_queues) + " TX queues, " + std::to_string(options.queues) +
                        " workers need one each (af_packet: add qpairs=N to the devargs)",
                    EINVAL);

    rte_eth_conf conf{};
    // Only ask for what the device offers: virtual devices offer almost nothing.
    if (options.queues > 1) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP) &
                                           info.flow_type_rss_offloads;
        if (conf.rx_adv_conf.rss_conf.rss_hf == 0) conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
    }
    if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
        conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;

    const uint16_t nq = uint16_t(options.queues);
    if (int rc = rte_eth_dev_configure(id, nq, nq, &conf); rc != 0) return fail("cannot configure", rc);
    uint16_t nb_rx = options.rx_descriptors, nb_tx = options.tx_descriptors;
    if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(id, &nb_rx, &nb_tx); rc != 0)
        return fail("cannot adjust descriptors", rc);
    const int socket = rte_eth_dev_socket_id(id) < 0 ? int(rte_socket_id()) : rte_eth_dev_socket_id(id);
    for (uint16_t q = 0; q < nq; ++q) {
        if (int rc = rte_eth_rx_queue_setup(id, q, nb_rx, unsigned(socket), nullptr, pool_); rc != 0)
            return fail("cannot set up RX queue " + std::to_string(q), rc);
        rte_eth_txconf txconf = info.default_txconf;
        txconf.offloads = conf.txmode.offloads;
        if (int rc = rte_eth_tx_queue_setup(id, q, nb_tx, unsigned(socket), &txconf); rc != 0)
            return fail("cannot set up TX queue " + std::to_string(q), rc);
    }
    port->rx_queues = port->tx_queues = nq;

    rte_ether_addr addr{};
    if (int rc = rte_eth_macaddr_get(id, &addr); rc != 0) return fail("cannot read MAC address", rc);
    std::copy(std::begin(addr.addr_bytes), std::end(addr.addr_bytes), port->mac.bytes.begin());
    if (rte_eth_dev_get_mtu(id, &port->mtu) != 0) port->mtu = RTE_ETHER_MTU;

    // RFC 5798 §7.3: the Master receives for 00:00:5e:00:01:VRID. A secondary
    // unicast MAC keeps the NIC filtering; promiscuous mode only where the
    // device cannot hold one (many virtual devices).
    for (uint8_t vrid : spec.vrids) {
        const Mac vmac = Mac::vrrp_virtual(vrid);
        rte_ether_addr va{};
        std::copy(vmac.bytes.begin(), vmac.bytes.end(), va.addr_bytes);
        if (rte_eth_dev_mac_addr_add(id, &va, 0) != 0) port->promiscuous = true;
    }
    if (int rc = rte_eth_dev_start(id); rc != 0) return fail("cannot start", rc);
    port->started = true;
    if (port->promiscuous && rte_eth_promiscuous_enable(id) != 0) port->promiscuous = false;
    // VRRP adverts go to 224.0.0.18 (01:00:5e:00:00:12): accept multicast.
    rte_eth_allmulticast_enable(id);
    return true;
}

void Ports::close_all() {
    for (auto& port : ports_) {
        if (port.started) {
            rte_eth_dev_stop(port.port_id);
            port.started = false;
        }
        rte_eth_dev_close(port.port_id);
    }
    ports_.clear();
    if (pool_ != nullptr) {
        rte_mempool_free(pool_);
        pool_ = nullptr;
    }
}

namespace {

// `iface=NAME` of a kernel-backed vdev's devargs; empty for other ports.
std::string kernel_iface(const Port& p) {
    if (p.driver.find("af_packet") == std::string::npos) return {};
    const std::string& a = p.spec.devargs;
    for (size_t at = a.find("iface="); at != std::string::npos; at = a.find("iface=", at + 1)) {
        if (at != 0 && a[at - 1] != ',') continue;
        const size_t from = at + 6, to = a.find(',', from);
        return a.substr(from, to == std::string::npos ? std::string::npos : to - from);
    }
    return {};
}

// IFF_UP and IFF_RUNNING (carrier) of a kernel interface; false when it is gone.
bool kernel_link_up(const std::string& ifname) {
    if (ifname.size() >= IFNAMSIZ) return false;
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return true; // cannot tell: trust the PMD
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, ifname.c_str(), ifname.size());
    const bool ok = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
    close(fd);
    return ok && (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

} // namespace

LinkState Ports::link(const Port& p) {
    rte_eth_link l{};
    LinkState s;
    if (rte_eth_link_get_nowait(p.port_id, &l) == 0) {
        s.up = l.link_status == RTE_ETH_LINK_UP;
        s.speed_mbps = l.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : l.link_speed;
        s.full_duplex = l.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
    }
    if (s.up) {
        const std::string k = kernel_iface(p);
        if (!k.empty()) s.up = kernel_link_up(k);
    }
    return s;
}

PortStats Ports::stats(uint16_t port_id) {
    rte_eth_stats st{};
    PortStats s;
    if (rte_eth_stats_get(port_id, &st) == 0) {
        s.ipackets = st.ipackets;
        s.opackets = st.opackets;
        s.ibytes = st.ibytes;
        s.obytes = st.obytes;
        s.imissed = st.imissed;
        s.ierrors = st.ierrors;
        s.oerrors = st.oerrors;
        s.rx_nombuf = st.rx_nombuf;
    }
    return s;
}

} // namespace wg::fastpath
