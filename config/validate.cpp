// YAML → Config, pass 2: what needs the whole configuration. References
// (interface → RBP → RBS → SSL policy → PKI domain, seed "Configuration
// Roadmap"), uniqueness (addresses, subnets, VRIDs, VIPs, ports, static ARP),
// subnet membership (VIPs, static ARP, route next hops) and the certificate
// files. Values that pass 1 already rejected carry no location (line 0) and
// are skipped here, so that one mistake yields one message.
#include "config/loader_internal.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace wg::config::detail {

namespace {

std::string at_text(Loc at) { return std::to_string(at.line) + ":" + std::to_string(at.column); }

uint32_t broadcast(const Prefix& p) { return p.network().value | ~p.mask(); }

// 0/8 ("this network"), 127/8 (loopback) and 224/3 (multicast, reserved,
// limited broadcast) can never be the address of a neighbour or of ours
// on the wire (RFC 1122 §3.2.1.3, RFC 5771).
bool is_unicast_host(Ipv4 ip) {
    const uint32_t first = ip.value >> 24;
    return first != 0 && first != 127 && first < 224;
}

class Validator {
public:
    Validator(Config& c, const Locations& l, const std::string& base_dir, Reader& r)
        : c_(c), l_(l), base_dir_(base_dir), r_(r) {}

    void run() {
        collect_own_addresses();
        addr_ok_.assign(c_.interfaces.size(), false);
        for (size_t i = 0; i < c_.interfaces.size(); ++i)
            if (c_.interfaces[i].address && l_.interfaces[i].address.line) addr_ok_[i] = address(i);
        interfaces();
        routes();
        arp_static();
        pki_domains();
        ssl_policies();
        services();
        profiles();
    }

private:
    // True when every interface parsed completely: only then is "not in any
    // subnet" / "not the address of any interface" a fact and not an echo.
    bool interfaces_complete() const {
        for (size_t i = 0; i < c_.interfaces.size(); ++i) {
            const auto& li = l_.interfaces[i];
            if (!li.complete || (li.address_present && !addr_ok_[i])) return false;
        }
        return true;
    }

    void collect_own_addresses() {
        for (const auto& itf : c_.interfaces) {
            if (itf.address) own_.insert(itf.address->addr);
            for (const auto& g : itf.vrrp)
                for (auto ip : g.virtual_ips) own_.insert(ip);
        }
    }

    bool unicast(Ipv4 ip, Loc at, std::string_view label) {
        if (is_unicast_host(ip)) return true;
        r_.error(at, std::string(label) + " " + ip.str() + " is not a unicast host address");
        return false;
    }

    // ip must be a host of `subnet`, not its network or broadcast address
    // (RFC 1122 §3.3.6); /31 and /32 have neither (RFC 3021).
    bool host_of(const Prefix& subnet, Ipv4 ip, Loc at, std::string_view label) {
        if (subnet.len > 30) return true;
        const Prefix net{subnet.network(), subnet.len};
        if (ip == net.addr) {
            r_.error(at,
                     std::string(label) + " " + ip.str() + " is the network address of subnet " + net.str());
            return false;
        }
        if (ip.value == broadcast(subnet)) {
            r_.error(at, std::string(label) + " " + ip.str() + " is the broadcast address of subnet " +
                             net.str());
            return false;
        }
        return true;
    }

    void interfaces() {
        const bool complete = interfaces_complete();
        bool any_dpdk = false;
        for (const auto& itf : c_.interfaces) any_dpdk |= itf.is_dpdk();
        if (!c_.interfaces.empty() && !any_dpdk && complete)
            r_.error(l_.interfaces_key, "no DPDK interface defined (at least one interface needs a port)");

        std::map<Ipv4, std::pair<std::string, uint8_t>> vips; // VIP → (interface, vrid)
        for (size_t i = 0; i < c_.interfaces.size(); ++i) {
            const Interface& itf = c_.interfaces[i];
            const InterfaceLocs& li = l_.interfaces[i];
            if (!li.complete) continue;
            const std::string quoted = "'" + itf.name + "'";
            if (!itf.is_dpdk()) {
                // A kernel-side interface (seed: LoopBack1) only lends its
                // address to the RBS; the fast path never sees it.
                if (!li.address_present)
                    r_.error(li.name, "kernel-side interface " + quoted + " (no port) needs an address");
                if (li.vrrp.line)
                    r_.error(li.vrrp,
                             "vrrp is not allowed on kernel-side interface " + quoted + " (no port)");
                if (li.rbp.line)
                    r_.error(li.rbp, "remote_backup_profile is not allowed on kernel-side interface " +
                                         quoted + " (no port)");
                continue;
            }
            if (li.vrrp.line && !li.address_present)
                r_.error(li.vrrp, "vrrp on interface " + quoted + " needs an address");
            for (size_t j = 0; j < i; ++j)
                if (c_.interfaces[j].port == itf.port) {
                    r_.error(li.port, "port '" + itf.port + "' is already used by interface '" +
                                          c_.interfaces[j].name + "'");
                    break;
                }
            groups(i, vips);
            if (li.rbp.line) bound_profile(itf, li);
        }
    }

    // Reports what is wrong with interface i's own address; true when it is
    // a usable subnet for the later checks (even if it duplicates another).
    bool address(size_t i) {
        const Interface& itf = c_.interfaces[i];
        const Prefix& a = *itf.address;
        const Loc at = l_.interfaces[i].address;
        if (a.len == 0) {
            r_.error(at, "address " + a.str() + " must have a prefix length of 1..32");
            return false;
        }
        if (!unicast(a.addr, at, "address") || !host_of(a, a.addr, at, "address")) return false;
        for (size_t j = 0; j < i; ++j) {
            const Interface& other = c_.interfaces[j];
            if (!addr_ok_[j]) continue;
            const Prefix& b = *other.address;
            if (b.addr == a.addr) {
                r_.error(at,
                         "address " + a.addr.str() + " is already used by interface '" + other.name + "'");
                return true;
            }
            // Two prefixes overlap iff the shorter one contains the other.
            const Prefix& shorter = a.len <= b.len ? a : b;
            const Prefix& longer = a.len <= b.len ? b : a;
            if (shorter.contains(longer.addr)) {
                r_.error(at, "subnet " + Prefix{a.network(), a.len}.str() + " of interface '" + itf.name +
                                 "' overlaps subnet " + Prefix{b.network(), b.len}.str() + " of interface '" +
                                 other.name + "'");
                return true;
            }
        }
        return true;
    }

    void groups(size_t i, std::map<Ipv4, std::pair<std::string, uint8_t>>& vips) {
        const Interface& itf = c_.interfaces[i];
        const InterfaceLocs& li = l_.interfaces[i];
        std::map<uint8_t, Loc> vrids;
        for (size_t g = 0; g < itf.vrrp.size(); ++g) {
            const VrrpGroup& group = itf.vrrp[g];
            const GroupLocs& gl = li.groups[g];
            if (gl.vrid.line && !vrids.emplace(group.vrid, gl.vrid).second)
                r_.error(gl.vrid, "vrid " + std::to_string(group.vrid) +
                                      " is already defined on interface '" + itf.name + "'");
            for (size_t v = 0; v < group.virtual_ips.size(); ++v)
                vip(itf, addr_ok_[i], group, group.virtual_ips[v], gl.vips[v], vips);
            for (size_t p = 0; p < group.peers.size(); ++p)
                peer(itf, addr_ok_[i], group, p, gl.peers[p]);
            if (group.track_admin) tracked_admin(itf, group, gl);
        }
    }

    // admin-vrrp (seed): the group a member follows must exist and be an
    // admin group that runs the protocol itself. One level only: a chain
    // would make a group's state depend on an order of updates.
    void tracked_admin(const Interface& itf, const VrrpGroup& group, const GroupLocs& gl) {
        const TrackAdmin& t = *group.track_admin;
        if (t.interface == itf.name && t.vrid == group.vrid) {
            if (gl.vrid.line)
                r_.error(gl.track_key, "track_admin names this group itself (vrid " + std::to_string(t.vrid) +
                                           " on interface '" + itf.name + "')");
            return;
        }
        const Interface* target = c_.find_interface(t.interface);
        if (!target) {
            r_.error(gl.track_interface, "interface '" + t.interface + "' is not defined");
            return;
        }
        const size_t k = size_t(target - c_.interfaces.data());
        const InterfaceLocs& lt = l_.interfaces[k];
        // vrrp on a kernel-side interface is reported there already.
        if (!lt.complete || !lt.vrids_complete || !target->is_dpdk()) return;
        const std::string what =
            "vrrp group vrid " + std::to_string(t.vrid) + " on interface '" + target->name + "'";
        for (size_t j = 0; j < target->vrrp.size(); ++j) {
            const VrrpGroup& admin = target->vrrp[j];
            if (admin.vrid != t.vrid) continue;
            const GroupLocs& la = lt.groups[j];
            if (la.track_key.line)
                r_.error(gl.track_vrid, what + " itself follows an admin group (track_admin cannot chain)");
            else if (!admin.admin && la.admin_ok)
                r_.error(gl.track_vrid, what + " is not an admin group (admin: true)");
            return; // a duplicate vrid there is reported there
        }
        r_.error(gl.track_vrid,
                 "interface '" + target->name + "' has no vrrp group with vrid " + std::to_string(t.vrid));
    }

    void vip(const Interface& itf, bool subnet_ok, const VrrpGroup& group, Ipv4 ip, Loc at,
             std::map<Ipv4, std::pair<std::string, uint8_t>>& vips) {
        if (!unicast(ip, at, "virtual_ip")) return;
        // An address owner (VIP = interface address, priority 255, RFC 5798
        // §6.1) is not supported: priorities stop at 254.
        for (const auto& other : c_.interfaces)
            if (other.address && other.address->addr == ip) {
                r_.error(at, "virtual_ip " + ip.str() + " is the address of interface '" + other.name + "'");
                return;
            }
        if (subnet_ok) {
            const Prefix net{itf.address->network(), itf.address->len};
            if (!itf.address->contains(ip)) {
                r_.error(at, "virtual_ip " + ip.str() + " is outside subnet " + net.str() +
                                 " of interface '" + itf.name + "'");
                return;
            }
            if (!host_of(*itf.address, ip, at, "virtual_ip")) return;
        }
        auto [it, fresh] = vips.emplace(ip, std::make_pair(itf.name, group.vrid));
        if (!fresh)
            r_.error(at, "virtual_ip " + ip.str() + " is already used by vrid " +
                             std::to_string(it->second.second) + " on interface '" + it->second.first + "'");
    }

    // `peers`: the primary addresses of the group's other routers, which
    // adverts carry as IPv4 source (RFC 3768 §5.2.1, RFC 5798 §5.1.1.1):
    // unicast hosts of the interface's subnet, not ours, not a VIP, once.
    void peer(const Interface& itf, bool subnet_ok, const VrrpGroup& group, size_t p, Loc at) {
        const Ipv4 ip = group.peers[p];
        if (!unicast(ip, at, "peer")) return;
        if (itf.address && itf.address->addr == ip) {
            r_.error(at, "peer " + ip.str() + " is the address of this interface '" + itf.name +
                             "' (our own adverts need no peer entry)");
            return;
        }
        if (std::find(group.virtual_ips.begin(), group.virtual_ips.end(), ip) != group.virtual_ips.end()) {
            r_.error(at, "peer " + ip.str() + " is a virtual_ip of this group (adverts come from a router's "
                                              "primary address)");
            return;
        }
        if (subnet_ok) {
            if (!itf.address->contains(ip)) {
                r_.error(at, "peer " + ip.str() + " is outside subnet " +
                                 Prefix{itf.address->network(), itf.address->len}.str() + " of interface '" +
                                 itf.name + "'");
                return;
            }
            if (!host_of(*itf.address, ip, at, "peer")) return;
        }
        for (size_t q = 0; q < p; ++q)
            if (group.peers[q] == ip) {
                r_.error(at, "peer " + ip.str() + " is listed twice");
                return;
            }
    }

    // seed: "remote-backup-profile profile1" under the interface that
    // carries the profile's VRRP group.
    void bound_profile(const Interface& itf, const InterfaceLocs& li) {
        const RemoteBackupProfile* p = c_.find_rbp(itf.remote_backup_profile);
        if (!p) {
            r_.error(li.rbp, "remote_backup_profile '" + itf.remote_backup_profile + "' is not defined");
            return;
        }
        const size_t k = size_t(p - c_.remote_backup_profile.data());
        // A profile whose interface is undefined is reported at the profile.
        if (l_.rbp[k].interface.line && p->vrrp.interface != itf.name && c_.find_interface(p->vrrp.interface))
            r_.error(li.rbp, "remote_backup_profile '" + p->name + "' tracks VRRP on interface '" +
                                 p->vrrp.interface + "', not on this interface");
    }

    // The DPDK interface whose subnet holds ip, if any.
    const Interface* connected(Ipv4 ip) const {
        for (size_t i = 0; i < c_.interfaces.size(); ++i) {
            const Interface& itf = c_.interfaces[i];
            if (itf.is_dpdk() && addr_ok_[i] && itf.address->contains(ip)) return &itf;
        }
        return nullptr;
    }

    void routes() {
        const bool complete = interfaces_complete();
        std::map<std::pair<uint32_t, uint8_t>, Loc> seen;
        for (size_t i = 0; i < c_.routes.size(); ++i) {
            const Route& rt = c_.routes[i];
            const RouteLocs& rl = l_.routes[i];
            auto [it, fresh] = seen.emplace(std::make_pair(rt.prefix.addr.value, rt.prefix.len), rl.prefix);
            if (!fresh)
                r_.error(rl.prefix,
                         "route " + rt.prefix.str() + " is already defined at " + at_text(it->second));
            if (!unicast(rt.via, rl.via, "via")) continue;
            if (own_.count(rt.via)) {
                r_.error(rl.via, "via " + rt.via.str() + " is an address of this appliance");
                continue;
            }
            // The next hop must be resolvable by ARP on one of our ports.
            const Interface* itf = connected(rt.via);
            if (!itf) {
                if (complete)
                    r_.error(rl.via,
                             "via " + rt.via.str() + " is not inside a connected subnet of a DPDK interface");
                continue;
            }
            host_of(*itf->address, rt.via, rl.via, "via");
        }
    }

    void arp_static() {
        std::map<Ipv4, Loc> seen;
        for (size_t i = 0; i < c_.arp_static.size(); ++i) {
            const StaticArp& e = c_.arp_static[i];
            const ArpLocs& al = l_.arp_static[i];
            auto [it, fresh] = seen.emplace(e.ip, al.ip);
            if (!fresh) {
                r_.error(al.ip, "static ARP entry for " + e.ip.str() + " is already defined at " +
                                    at_text(it->second));
                continue;
            }
            if (!unicast(e.ip, al.ip, "ip")) continue;
            if (own_.count(e.ip)) {
                r_.error(al.ip, "ip " + e.ip.str() + " is an address of this appliance");
                continue;
            }
            const Interface* itf = c_.find_interface(e.interface);
            if (!itf) {
                r_.error(al.interface, "interface '" + e.interface + "' is not defined");
                continue;
            }
            const InterfaceLocs& li = l_.interfaces[size_t(itf - c_.interfaces.data())];
            if (!li.complete) continue;
            if (!itf->is_dpdk()) {
                r_.error(al.interface, "interface '" + e.interface + "' is not a DPDK interface (no port)");
                continue;
            }
            if (!li.address_present) {
                r_.error(al.interface, "interface '" + e.interface + "' has no address");
                continue;
            }
            if (!addr_ok_[size_t(itf - c_.interfaces.data())]) continue;
            if (!itf->address->contains(e.ip)) {
                r_.error(al.ip, "ip " + e.ip.str() + " is outside subnet " +
                                    Prefix{itf->address->network(), itf->address->len}.str() +
                                    " of interface '" + itf->name + "'");
                continue;
            }
            host_of(*itf->address, e.ip, al.ip, "ip");
        }
    }

    // Certificates are read later by the RBS (sync/), long after boot
    // checks would be useful: fail now, at the line that names the file.
    void pem_file(std::string& path, Loc at, std::string_view what) {
        namespace fs = std::filesystem;
        fs::path p(path);
        if (p.is_relative()) p = fs::path(base_dir_) / p;
        std::error_code ec;
        fs::path abs = fs::absolute(p, ec);
        if (!ec) p = abs;
        path = p.lexically_normal().string();
        const std::string head = std::string(what) + " file '" + path + "'";
        if (fs::is_directory(path, ec)) {
            r_.error(at, head + " is a directory");
            return;
        }
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            const int err = errno;
            r_.error(at, head + " cannot be opened: " + std::strerror(err));
            return;
        }
        std::string text(64 * 1024, '\0');
        in.read(text.data(), std::streamsize(text.size()));
        text.resize(size_t(in.gcount()));
        if (text.find("-----BEGIN") == std::string::npos)
            r_.error(at, head + " is not PEM (no '-----BEGIN' line)");
    }

    void pki_domains() {
        for (size_t i = 0; i < c_.pki_domain.size(); ++i) {
            PkiDomain& d = c_.pki_domain[i];
            const PkiLocs& pl = l_.pki_domain[i];
            if (pl.ca.line) pem_file(d.ca, pl.ca, "ca");
            if (pl.certificate.line) pem_file(d.certificate, pl.certificate, "certificate");
            if (pl.key.line) pem_file(d.key, pl.key, "key");
        }
    }

    void ssl_policies() {
        for (size_t i = 0; i < c_.ssl_policy.size(); ++i) {
            const SslPolicy& p = c_.ssl_policy[i];
            if (l_.ssl_policy[i].pki_domain.line && !c_.find_pki_domain(p.pki_domain))
                r_.error(l_.ssl_policy[i].pki_domain, "pki_domain '" + p.pki_domain + "' is not defined");
        }
    }

    void services() {
        const bool complete = interfaces_complete();
        for (size_t i = 0; i < c_.remote_backup_service.size(); ++i) {
            const RemoteBackupService& s = c_.remote_backup_service[i];
            const RbsLocs& sl = l_.rbs[i];
            if (sl.ssl_policy.line && !c_.find_ssl_policy(s.ssl_policy))
                r_.error(sl.ssl_policy, "ssl_policy '" + s.ssl_policy + "' is not defined");
            bool source_ok = false;
            if (sl.source.line && unicast(s.source, sl.source, "source")) {
                // seed: "source 1.1.1.1" is LoopBack1's address; the RBS
                // binds to it, so it must be ours.
                bool found = false;
                for (const auto& itf : c_.interfaces) found |= itf.address && itf.address->addr == s.source;
                if (!found && complete)
                    r_.error(sl.source, "source " + s.source.str() + " is not the address of any interface");
                source_ok = found;
            }
            if (sl.peer.line && unicast(s.peer, sl.peer, "peer")) {
                if (sl.source.line && s.peer == s.source)
                    r_.error(sl.peer, "peer " + s.peer.str() + " must differ from source");
                else if (own_.count(s.peer))
                    r_.error(sl.peer, "peer " + s.peer.str() + " is an address of this appliance");
            }
            // A heartbeat goes out every heartbeat_ms of silence: a dead
            // time below two of them would kill a healthy but idle session.
            if (sl.dead_ms.line && s.dead_ms < 2 * s.heartbeat_ms)
                r_.error(sl.dead_ms, "dead_ms " + std::to_string(s.dead_ms) + " must be at least twice heartbeat_ms (" +
                                         std::to_string(s.heartbeat_ms) + ")");
            if (sl.reconnect_max_ms.line && s.reconnect_max_ms < s.reconnect_min_ms)
                r_.error(sl.reconnect_max_ms, "reconnect_max_ms " + std::to_string(s.reconnect_max_ms) +
                                                  " is below reconnect_min_ms (" +
                                                  std::to_string(s.reconnect_min_ms) + ")");
            if (source_ok && sl.port.line)
                for (size_t j = 0; j < i; ++j) {
                    const RemoteBackupService& o = c_.remote_backup_service[j];
                    if (l_.rbs[j].port.line && l_.rbs[j].source.line && o.source == s.source &&
                        o.port == s.port) {
                        r_.error(sl.port, "port " + std::to_string(s.port) + " on source " + s.source.str() +
                                              " is already used by remote_backup_service '" + o.name + "'");
                        break;
                    }
                }
        }
    }

    void profiles() {
        std::map<uint32_t, std::string> ids;
        for (size_t i = 0; i < c_.remote_backup_profile.size(); ++i) {
            const RemoteBackupProfile& p = c_.remote_backup_profile[i];
            const RbpLocs& pl = l_.rbp[i];
            if (pl.rbs.line && !c_.find_rbs(p.remote_backup_service))
                r_.error(pl.rbs, "remote_backup_service '" + p.remote_backup_service + "' is not defined");
            // backup-id names the profile on the wire (docs/sync-protocol.md
            // "2. Framing").
            if (pl.backup_id.line) {
                auto [it, fresh] = ids.emplace(p.backup_id, p.name);
                if (!fresh)
                    r_.error(pl.backup_id, "backup_id " + std::to_string(p.backup_id) +
                                               " is already used by remote_backup_profile '" + it->second +
                                               "'");
            }
            if (!pl.interface.line) continue;
            const Interface* itf = c_.find_interface(p.vrrp.interface);
            if (!itf) {
                r_.error(pl.interface, "interface '" + p.vrrp.interface + "' is not defined");
                continue;
            }
            const InterfaceLocs& li = l_.interfaces[size_t(itf - c_.interfaces.data())];
            if (!pl.vrid.line || !li.complete || !li.vrids_complete) continue;
            const VrrpGroup* group = nullptr;
            for (const auto& g : itf->vrrp)
                if (g.vrid == p.vrrp.vrid) group = &g;
            if (!group)
                r_.error(pl.vrid, "interface '" + itf->name + "' has no vrrp group with vrid " +
                                      std::to_string(p.vrrp.vrid));
            // RFC 5798 has no authentication field: a v3 group with a key
            // could neither send nor accept an advert (docs/vrrp-auth.md),
            // and both devices would become Master.
            else if (group->version == 3 && p.vrrp.authentication.mode != AuthMode::none && pl.auth.line)
                r_.error(pl.auth, "authentication of vrid " + std::to_string(p.vrrp.vrid) + " on interface '" +
                                      itf->name +
                                      "' needs VRRP version 2: version 3 (RFC 5798) has no authentication "
                                      "(set mode: none, or version: 2)");
        }
    }

    Config& c_;
    const Locations& l_;
    const std::string& base_dir_;
    Reader& r_;
    std::set<Ipv4> own_;        // interface addresses and VIPs
    std::vector<bool> addr_ok_; // per interface: address parsed and usable as a subnet
};

} // namespace

void validate(Config& config, const Locations& locs, const std::string& base_dir, Reader& reader) {
    Validator(config, locs, base_dir, reader).run();
}

} // namespace wg::config::detail
