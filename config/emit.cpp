// Config → YAML (see emit.hpp), formatted by hand so that the output reads
// like config/examples/device-a.yaml: docs/config.md's key order, flow maps and
// flow sequences where the example uses them, block maps elsewhere.
//
// Defaults: dataplane and every VRRP protocol field are always written (the
// examples show them, and a reader should not need to know the defaults);
// empty optional sections (routes, arp_static, ...) and empty optional fields
// (a loopback's port, an unbound profile) are left out. The control-plane
// tuning the examples do not show (arp, a group's garp and notify) is written
// only when it differs from the defaults, and then in full. The scalar keys
// of dataplane, arp and the remote-backup sections are written from their
// rows in config/keys.cpp (Emit::always or "differs from the default").

#include "config/emit.hpp"

#include "config/keys.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <utility>
#include <vector>

namespace wg::config {
namespace {

constexpr size_t kMaxLine = 110; // the repository's line length (.clang-format ColumnLimit)

bool plain_safe_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '/' || c == '-';
}

bool iequals_word(std::string_view s, std::string_view word) {
    if (s.size() != word.size()) return false;
    for (size_t i = 0; i < s.size(); ++i)
        if ((s[i] | 0x20) != word[i]) return false;
    return true;
}

std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
                out += buf;
            } else {
                out += c;
            }
        }
    }
    return out + "\"";
}

// A string scalar: plain when YAML cannot read it as anything but this
// string, double-quoted otherwise. Anything starting like a number (a PCI
// address, "2046") or spelling a YAML 1.1 boolean/null is quoted, as is
// anything with flow or mapping indicators (a vdev spec's ',' and '=', a MAC's ':').
std::string scalar(std::string_view s) {
    if (s.empty()) return "\"\"";
    bool plain = true;
    for (char c : s) plain = plain && plain_safe_char(c);
    char first = s.front();
    if ((first >= '0' && first <= '9') || first == '.' || first == '-') plain = false;
    for (std::string_view word : {"true", "false", "yes", "no", "on", "off", "y", "n", "null"})
        if (iequals_word(s, word)) plain = false;
    return plain ? std::string(s) : quoted(s);
}

using Fields = std::vector<std::pair<std::string, std::string>>; // key → already formatted value

std::string flow_map(const Fields& fields) {
    std::string out = "{";
    for (size_t i = 0; i < fields.size(); ++i)
        out += (i ? ", " : "") + fields[i].first + ": " + fields[i].second;
    return out + "}";
}

// "KEY: {a: 1, b: 2}" when it fits on one line, else a block map.
void map_entry(std::ostream& os, int indent, const std::string& key, const Fields& fields) {
    std::string pad(static_cast<size_t>(indent), ' ');
    std::string line = pad + key + ": " + flow_map(fields);
    if (line.size() <= kMaxLine || fields.empty()) {
        os << line << '\n';
        return;
    }
    os << pad << key << ":\n";
    for (const auto& [k, v] : fields) os << pad << "  " << k << ": " << v << '\n';
}

template <class T, class F>
std::string flow_seq(const std::vector<T>& items, F format) {
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + format(items[i]);
    return out + "]";
}

// The group's keys in the table's order (config/keys.cpp vrrp_group), the
// first behind the list's dash. A follower runs no VRRP of its own: the
// loader refuses the protocol's keys on it, so they (and `admin`) are not
// written.
void emit_vrrp(std::ostream& os, const VrrpGroup& g) {
    std::vector<keys::Key<VrrpGroup>> rows(keys::vrrp_group().begin(), keys::vrrp_group().end());
    if (g.track_admin) {
        const auto refused = keys::vrrp_follower_refused();
        std::erase_if(rows, [&](const keys::Key<VrrpGroup>& k) {
            return k.name == "admin" || std::find(refused.begin(), refused.end(), k.name) != refused.end();
        });
    }
    std::ostringstream body;
    keys::emit(body, 8, std::span<const keys::Key<VrrpGroup>>(rows), g, false, [&](std::string_view name) {
        if (name == "virtual_ip") {
            body << "        virtual_ip: " << flow_seq(g.virtual_ips, [](Ipv4 ip) { return ip.str(); }) << '\n';
        } else if (name == "preempt") {
            if (g.preempt.enabled)
                body << "        preempt: {delay: " << g.preempt.delay_s << "}\n";
            else
                body << "        preempt: false\n";
        } else if (name == "track_admin" && g.track_admin) {
            body << "        track_admin: "
                 << flow_map({{"interface", scalar(g.track_admin->interface)},
                              {"vrid", std::to_string(g.track_admin->vrid)}})
                 << '\n';
        } else if (name == "notify" && g.notify.any()) {
            Fields hooks;
            if (!g.notify.master.empty()) hooks.emplace_back("master", scalar(g.notify.master));
            if (!g.notify.backup.empty()) hooks.emplace_back("backup", scalar(g.notify.backup));
            if (!g.notify.fault.empty()) hooks.emplace_back("fault", scalar(g.notify.fault));
            map_entry(body, 8, "notify", hooks);
        } else if (name == "garp" && g.garp != Garp{}) {
            body << "        garp: "
                 << flow_map({{"count", std::to_string(g.garp.count)},
                              {"interval_ms", std::to_string(g.garp.interval_ms)},
                              {"refresh_s", std::to_string(g.garp.refresh_s)}})
                 << '\n';
        } else if (name == "peers" && !g.peers.empty()) {
            body << "        peers: " << flow_seq(g.peers, [](Ipv4 ip) { return ip.str(); }) << '\n';
        }
    });
    os << "      - " << body.str().substr(8);
}

void emit_interface(std::ostream& os, const Interface& i) {
    if (i.port.empty() && !i.address && i.vrrp.empty() && i.remote_backup_profile.empty()) {
        os << "  " << scalar(i.name) << ": {}\n";
        return;
    }
    os << "  " << scalar(i.name) << ":\n";
    if (!i.port.empty()) os << "    port: " << quoted(i.port) << '\n';
    if (i.address) os << "    address: " << i.address->str() << '\n';
    if (!i.vrrp.empty()) {
        os << "    vrrp:\n";
        for (const auto& g : i.vrrp) emit_vrrp(os, g);
    }
    if (!i.remote_backup_profile.empty())
        os << "    remote_backup_profile: " << scalar(i.remote_backup_profile) << '\n';
}

// The example's layout: the authentication map on a continuation line
// aligned with the first key, so the key stays readable.
void emit_profile_vrrp(std::ostream& os, const RemoteBackupProfile& p) {
    std::string head =
        "    vrrp: {vrid: " + std::to_string(p.vrrp.vrid) + ", interface: " + scalar(p.vrrp.interface);
    if (p.vrrp.authentication.mode == AuthMode::none) {
        os << head << "}\n";
        return;
    }
    const char* mode = p.vrrp.authentication.mode == AuthMode::md5 ? "md5" : "simple";
    os << head << ",\n"
       << std::string(sizeof "    vrrp: {" - 1, ' ') << "authentication: {mode: " << mode
       << ", key: " << scalar(p.vrrp.authentication.key) << "}}\n";
}

void emit_profile(std::ostream& os, const RemoteBackupProfile& p) {
    os << "  " << scalar(p.name) << ":\n";
    keys::emit(os, 4, keys::remote_backup_profile(), p, false,
               [&](std::string_view) { emit_profile_vrrp(os, p); });
}

} // namespace

std::string yaml_scalar(std::string_view s) { return scalar(s); }

std::string to_yaml(const Config& c) {
    std::ostringstream os;
    os << "sysname: " << scalar(c.sysname) << '\n';
    os << "dataplane:\n";
    keys::emit(os, 2, keys::dataplane(), c.dataplane, false, [&](std::string_view) {
        // Punt policers: only the classes that differ from their defaults.
        bool punt_written = false;
        for (unsigned i = 0; i < kPuntClassCount; ++i) {
            const PuntPolicer& p = c.dataplane.punt[i];
            const PuntClassInfo& info = kPuntClassInfo[i];
            if (p.rate_pps == info.rate_pps && p.burst == info.burst) continue;
            if (!punt_written) os << "  punt:\n", punt_written = true;
            os << "    " << info.name << ": {rate_pps: " << p.rate_pps << ", burst: " << p.burst << "}\n";
        }
    });
    if (!c.interfaces.empty()) {
        os << "interfaces:\n";
        for (const auto& i : c.interfaces) emit_interface(os, i);
    }
    if (!c.routes.empty()) {
        os << "routes:\n";
        for (const auto& r : c.routes)
            os << "  - " << flow_map({{"prefix", r.prefix.str()}, {"via", r.via.str()}}) << '\n';
    }
    if (!c.arp_static.empty()) {
        os << "arp_static:\n";
        for (const auto& a : c.arp_static)
            os << "  - "
               << flow_map(
                      {{"ip", a.ip.str()}, {"mac", quoted(a.mac.str())}, {"interface", scalar(a.interface)}})
               << '\n';
    }
    // One value away from its default writes the whole map.
    if (keys::any_changed(keys::arp(), c.arp)) {
        os << "arp:\n";
        keys::emit(os, 2, keys::arp(), c.arp, true, [](std::string_view) {});
    }
    if (!c.pki_domain.empty()) {
        os << "pki_domain:\n";
        for (const auto& d : c.pki_domain)
            map_entry(os, 2, scalar(d.name),
                      {{"ca", scalar(d.ca)}, {"certificate", scalar(d.certificate)}, {"key", scalar(d.key)}});
    }
    if (!c.ssl_policy.empty()) {
        os << "ssl_policy:\n";
        for (const auto& p : c.ssl_policy)
        {
            if (p.peer_identity.empty())
                map_entry(os, 2, scalar(p.name), {{"pki_domain", scalar(p.pki_domain)}});
            else
                map_entry(os, 2, scalar(p.name),
                          {{"pki_domain", scalar(p.pki_domain)}, {"peer_identity", scalar(p.peer_identity)}});
        }
    }
    if (!c.remote_backup_service.empty()) {
        os << "remote_backup_service:\n";
        for (const auto& s : c.remote_backup_service) {
            os << "  " << scalar(s.name) << ":\n";
            keys::emit(os, 4, keys::remote_backup_service(), s, false, [](std::string_view) {});
        }
    }
    if (!c.remote_backup_profile.empty()) {
        os << "remote_backup_profile:\n";
        for (const auto& p : c.remote_backup_profile) emit_profile(os, p);
    }
    if (!c.control.socket.empty()) {
        os << "control:\n";
        os << "  socket: " << scalar(c.control.socket) << '\n';
    }
    return os.str();
}

} // namespace wg::config
