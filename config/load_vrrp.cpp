// YAML → Config, pass 1 for an interface's VRRP groups: the RFC 5798/3768
// fields, the seed's vendor extensions (admin-vrrp, preempt-mode timer
// delay, recover-delay), and what the control plane adds around the
// protocol (notify hooks, gratuitous ARP pacing). Shape, types and ranges
// only; what needs other groups (track_admin targets, VRID and VIP
// uniqueness) is checked in validate.cpp.
#include "config/keys.hpp"
#include "config/loader_internal.hpp"

#include <algorithm>

namespace wg::config::detail {

namespace {

class VrrpParser {
  public:
    VrrpParser(Reader& reader, Interface& itf, InterfaceLocs& locs) : r_(reader), itf_(itf), l_(locs) {}

    void list(const Field& f) {
        if (empty_section(f)) return;
        if (!f.value.IsSequence()) {
            r_.error(f.value_loc(), "vrrp must be a list, got " + describe(f.value));
            return;
        }
        if (f.value.size() == 0) {
            r_.error(f.value_loc(), "vrrp must not be empty");
            return;
        }
        for (const auto& item : f.value)
            group(item);
    }

  private:
    void group(const YAML::Node& item) {
        if (!r_.expect_map(item, loc_of(item), "vrrp group")) {
            l_.vrids_complete = false;
            return;
        }
        VrrpGroup g;
        GroupLocs gl;
        // The scalar keys (config/keys.cpp vrrp_group) are read by the table;
        // the loop keeps their locations and reads the others.
        const auto got = keys::read(r_, item, "in vrrp group", keys::vrrp_group(), g, loc_of(item));
        std::vector<Field> fields;
        fields.reserve(got.size());
        bool vrid_ok = false, version_ok = true;
        Loc advert_at; // set when advert_interval_ms parsed
        Loc admin_at;  // set when admin parsed
        for (const auto& [v, custom, ok] : got) {
            fields.push_back(v);
            if (v.name == "vrid") {
                vrid_ok = ok;
                if (ok) gl.vrid = v.value_loc();
            } else if (v.name == "admin") {
                if (ok)
                    admin_at = v.value_loc();
                else
                    gl.admin_ok = false;
            } else if (v.name == "version") {
                version_ok = ok;
            } else if (v.name == "advert_interval_ms") {
                if (ok) advert_at = v.value_loc();
            } else if (v.name == "virtual_ip") {
                if (auto items = r_.scalar_list(v, "virtual_ip", true)) {
                    for (const auto& node : *items) {
                        if (auto ip = r_.ipv4(node, loc_of(node), "virtual_ip")) {
                            g.virtual_ips.push_back(*ip);
                            gl.vips.push_back(loc_of(node));
                        }
                    }
                }
            } else if (v.name == "preempt") {
                preempt(v, g.preempt);
            } else if (v.name == "track_admin") {
                gl.track_key = v.key_loc();
                track_admin(v, g, gl);
            } else if (v.name == "notify") {
                notify(v, g.notify);
            } else if (v.name == "garp") {
                garp(v, g.garp);
            } else if (v.name == "peers") {
                // Accepted advert sources; subnet and duplicates: validate.cpp.
                if (auto items = r_.scalar_list(v, "peers", true)) {
                    for (const auto& node : *items) {
                        if (auto ip = r_.ipv4(node, loc_of(node), "peers")) {
                            g.peers.push_back(*ip);
                            gl.peers.push_back(loc_of(node));
                        }
                    }
                }
            }
        }
        if (!vrid_ok) l_.vrids_complete = false;
        if (gl.track_key.line)
            follower_fields(fields, g, admin_at);
        else if (advert_at.line != 0 && version_ok)
            advert_granularity(advert_at, g);
        itf_.vrrp.push_back(std::move(g));
        l_.groups.push_back(std::move(gl));
    }

    // admin-vrrp (seed): a member group takes its state from the admin group
    // and runs no VRRP of its own (control/vrrp/state_machine.hpp, follower),
    // so the protocol's knobs would be silently ignored: refuse them (peers
    // too: it hears no adverts). Priority stays allowed (the examples set it;
    // `display vrrp` shows it).
    void follower_fields(const std::vector<Field>& fields, const VrrpGroup& g, Loc admin_at) {
        if (g.admin)
            r_.error(admin_at, "admin: true is not allowed on a group with track_admin (a group that "
                               "follows an admin group cannot be one)");
        const auto refused = keys::vrrp_follower_refused();
        for (const auto& v : fields)
            if (std::find(refused.begin(), refused.end(), v.name) != refused.end())
                r_.error(v.key_loc(), v.name + " has no effect on a group with track_admin (it runs no VRRP "
                                               "of its own)");
    }

    // The interval is carried in whole seconds by VRRPv2 (RFC 3768 §5.3.7,
    // Adver Int) and in centiseconds by VRRPv3 (RFC 5798 §5.2.7): a value
    // the wire cannot carry would silently be rounded.
    void advert_granularity(Loc at, const VrrpGroup& g) {
        const unsigned ms = g.advert_interval_ms;
        if (g.version == 2 && ms % 1000 != 0)
            r_.error(at, "advert_interval_ms " + std::to_string(ms) +
                             " must be a multiple of 1000 for VRRP version 2 (whole seconds)");
        else if (g.version == 3 && ms % 10 != 0)
            r_.error(at, "advert_interval_ms " + std::to_string(ms) +
                             " must be a multiple of 10 for VRRP version 3 (centiseconds)");
    }

    // preempt: true | false | {delay: N} | {enabled: bool, delay: N}.
    void preempt(const Field& f, Preempt& p) {
        if (is_plain(f.value)) {
            const std::string& t = f.value.Scalar();
            if (t == "true" || t == "True" || t == "TRUE" || t == "false" || t == "False" || t == "FALSE") {
                p.enabled = r_.boolean(f, "preempt").value_or(true);
                return;
            }
        }
        if (!f.value.IsMap()) {
            r_.error(f.value_loc(),
                     "preempt must be true, false or a map {enabled, delay}, got " + describe(f.value));
            return;
        }
        Loc delay_key; // set when a delay is given
        for (const auto& v : r_.fields(f.value, "in preempt", {"enabled", "delay"})) {
            if (v.name == "enabled") {
                if (auto b = r_.boolean(v, "preempt enabled")) p.enabled = *b;
            } else if (v.name == "delay") {
                delay_key = v.key_loc();
                if (auto n = r_.integer(v, "preempt delay", 0, kDelayMaxS)) p.delay_s = unsigned(*n);
            }
        }
        if (!p.enabled && delay_key.line)
            r_.error(delay_key, "preempt delay has no effect when preempt is disabled");
    }

    // track_admin: {interface: NAME, vrid: N}; set only when both parse.
    void track_admin(const Field& f, VrrpGroup& g, GroupLocs& gl) {
        if (!r_.expect_map(f, "track_admin")) return;
        const auto fields = r_.fields(f.value, "in track_admin", {"interface", "vrid"});
        bool ok = r_.require(fields, "interface", "in track_admin", f.key_loc());
        ok &= r_.require(fields, "vrid", "in track_admin", f.key_loc());
        TrackAdmin t;
        for (const auto& v : fields) {
            if (v.name == "interface") {
                auto name = r_.string(v, "track_admin interface");
                ok &= name.has_value();
                if (name) t.interface = *name, gl.track_interface = v.value_loc();
            } else if (v.name == "vrid") {
                auto n = r_.integer(v, "track_admin vrid", kVridMin, kVridMax);
                ok &= n.has_value();
                if (n) t.vrid = uint8_t(*n), gl.track_vrid = v.value_loc();
            }
        }
        if (ok)
            g.track_admin = std::move(t);
        else
            gl.track_interface = gl.track_vrid = Loc{};
    }

    // keepalived-style notify scripts: each value is one /bin/sh -c command.
    void notify(const Field& f, Notify& n) {
        if (!r_.expect_map(f, "notify")) return;
        for (const auto& v : r_.fields(f.value, "in notify", {"master", "backup", "fault"})) {
            const std::string label = "notify " + v.name;
            auto cmd = r_.string(v, label);
            if (!cmd) continue;
            // exec() takes NUL-terminated strings: the rest would vanish.
            if (cmd->find('\0') != std::string::npos) {
                r_.error(v.value_loc(), label + " must not contain a NUL character");
                continue;
            }
            if (cmd->size() > kNotifyMaxChars) {
                r_.error(v.value_loc(), label + " is " + std::to_string(cmd->size()) +
                                            " characters long (at most " + std::to_string(kNotifyMaxChars) +
                                            ")");
                continue;
            }
            (v.name == "master" ? n.master : v.name == "backup" ? n.backup : n.fault) = *cmd;
        }
    }

    // Gratuitous ARPs for the VIPs (RFC 5798 §6.4.2): a burst on becoming
    // Master, repeated because a single frame may be lost while the switch
    // reconverges; an optional slow refresh keeps MAC tables warm (keepalived's
    // garp_master_refresh).
    void garp(const Field& f, Garp& g) {
        if (!r_.expect_map(f, "garp")) return;
        for (const auto& v : r_.fields(f.value, "in garp", {"count", "interval_ms", "refresh_s"})) {
            if (v.name == "count") {
                if (auto n = r_.integer(v, "garp count", 0, kGarpCountMax)) g.count = unsigned(*n);
            } else if (v.name == "interval_ms") {
                if (auto n = r_.integer(v, "garp interval_ms", kGarpIntervalMsMin, kGarpIntervalMsMax))
                    g.interval_ms = unsigned(*n);
            } else if (v.name == "refresh_s") {
                if (auto n = r_.integer(v, "garp refresh_s", 0, kGarpRefreshMaxS)) g.refresh_s = unsigned(*n);
            }
        }
    }

    Reader& r_;
    Interface& itf_;
    InterfaceLocs& l_;
};

} // namespace

void vrrp_groups(Reader& reader, const Field& f, Interface& itf, InterfaceLocs& locs) {
    VrrpParser(reader, itf, locs).list(f);
}

} // namespace wg::config::detail
