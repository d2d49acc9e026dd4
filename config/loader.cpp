// YAML → Config, pass 1: the shape of the document (keys, types, ranges,
// syntax of addresses), section by section, recording where each value came
// from. VRRP groups are in load_vrrp.cpp, the remote-backup sections (PKI
// domain .. RBP) in load_backup.cpp. Pass 2 (validate.cpp) checks
// what needs the whole config: references between objects, uniqueness, subnets, certificate files.
//
// Every problem becomes one located Diagnostic and parsing goes on, so one
// run reports all of a file's errors; they are sorted into document order
// at the end. Key names follow docs/config.md and the seed (docs/seed.md).
#include "config/loader.hpp"

#include "config/keys.hpp"
#include "config/loader_internal.hpp"
#include "config/yaml_bounds.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace wg::config {

namespace {

using detail::describe;
using detail::Field;
using detail::Loc;
using detail::loc_of;
using detail::Reader;

using detail::kNameRule;

constexpr size_t kSunPathMax = 107; // sizeof(sockaddr_un::sun_path) - NUL

class Parser {
public:
    Parser(Reader& reader, Config& config, detail::Locations& locs) : r_(reader), c_(config), l_(locs) {}

    void document(const YAML::Node& root) {
        if (!r_.expect_map(root, loc_of(root), "configuration")) return;
        const auto top =
            r_.fields(root, "at top level",
                      {"sysname", "dataplane", "interfaces", "routes", "arp_static", "arp", "pki_domain",
                       "ssl_policy", "remote_backup_service", "remote_backup_profile", "control"});
        r_.require(top, "sysname", "at top level", loc_of(root));
        r_.require(top, "interfaces", "at top level", loc_of(root));
        for (const auto& f : top) {
            if (f.name == "sysname")
                sysname(f);
            else if (f.name == "dataplane")
                dataplane(f);
            else if (f.name == "interfaces")
                interfaces(f);
            else if (f.name == "routes")
                routes(f);
            else if (f.name == "arp_static")
                arp_static(f);
            else if (f.name == "arp")
                arp(f);
            else if (f.name == "control")
                control(f);
            else
                detail::backup_section(r_, c_, l_, f); // pki_domain .. remote_backup_profile
        }
    }

private:
    // Optional sections may be left empty (`routes:` with every entry
    // commented out) without being an error.
    static bool empty_section(const Field& f) { return detail::empty_section(f); }

    bool sequence(const Field& f, std::string_view label) {
        if (f.value.IsSequence()) return true;
        r_.error(f.value_loc(), std::string(label) + " must be a list, got " + describe(f.value));
        return false;
    }

    void sysname(const Field& f) {
        auto name = r_.string(f, "sysname");
        if (!name) return;
        if (!detail::valid_name(*name)) {
            r_.error(f.value_loc(),
                     "sysname '" + *name + "' is invalid (expected " + std::string(kNameRule) + ")");
            return;
        }
        c_.sysname = *name;
    }

    // Scalar keys: config/keys.cpp; `punt` is read here.
    void dataplane(const Field& f) {
        if (empty_section(f) || !r_.expect_map(f, "dataplane")) return;
        for (const auto& d : keys::read(r_, f.value, "in dataplane", keys::dataplane(), c_.dataplane))
            if (d.custom) punt(d.field);
    }

    // dataplane.punt: CLASS → {rate_pps, burst} (config/punt.hpp); a class
    // left out keeps its defaults, so does a key left out of a class.
    void punt(const Field& f) {
        if (empty_section(f) || !r_.expect_map(f, "dataplane.punt")) return;
        for (const auto& e : r_.entries(f.value, "in dataplane.punt")) {
            const auto it = std::find_if(kPuntClassInfo.begin(), kPuntClassInfo.end(),
                                         [&](const PuntClassInfo& i) { return i.name == e.name; });
            if (it == kPuntClassInfo.end()) {
                std::vector<std::string> names;
                for (const auto& i : kPuntClassInfo) names.emplace_back(i.name);
                r_.error(e.key_loc(), "unknown punt class '" + e.name +
                                          "' in dataplane.punt (expected one of: " + detail::join(names, ", ") + ")");
                continue;
            }
            const std::string label = "dataplane.punt." + e.name;
            if (empty_section(e) || !r_.expect_map(e, label)) continue;
            PuntPolicer& p = c_.dataplane.punt[size_t(it - kPuntClassInfo.begin())];
            for (const auto& k : r_.fields(e.value, "in " + label, {"rate_pps", "burst"})) {
                if (k.name == "rate_pps") {
                    if (auto v = r_.integer(k, label + ".rate_pps", kPuntRateMin, kPuntRateMax))
                        p.rate_pps = uint32_t(*v);
                } else if (auto v = r_.integer(k, label + ".burst", kPuntBurstMin, kPuntBurstMax)) {
                    p.burst = uint32_t(*v);
                }
            }
        }
    }

    void interfaces(const Field& f) {
        l_.interfaces_key = f.key_loc();
        if (!r_.expect_map(f, "interfaces")) return;
        if (f.value.size() == 0) {
            r_.error(f.value_loc(), "interfaces must define at least one interface");
            return;
        }
        for (const auto& entry : r_.entries(f.value, "in interfaces")) interface(entry);
    }

    void interface(const Field& entry) {
        if (!detail::valid_interface_name(entry.name)) {
            r_.error(entry.key_loc(), "interface name '" + entry.name +
                                          "' is invalid (expected 1-64 printable characters without spaces)");
            return;
        }
        Interface itf;
        itf.name = entry.name;
        detail::InterfaceLocs locs;
        locs.name = entry.key_loc();
        const std::string label = "interface '" + itf.name + "'";
        if (!r_.expect_map(entry, label)) {
            locs.complete = false;
        } else {
            for (const auto& f : r_.fields(entry.value, "in " + label,
                                           {"port", "address", "vrrp", "remote_backup_profile"})) {
                if (f.name == "port") {
                    if (auto v = r_.string(f, "port")) {
                        itf.port = *v;
                        locs.port = f.value_loc();
                    } else {
                        locs.complete = false;
                    }
                } else if (f.name == "address") {
                    locs.address_present = true;
                    if (auto p = r_.prefix(f, "address")) {
                        itf.address = *p;
                        locs.address = f.value_loc();
                    }
                } else if (f.name == "vrrp") {
                    locs.vrrp = f.key_loc();
                    detail::vrrp_groups(r_, f, itf, locs);
                } else if (f.name == "remote_backup_profile") {
                    if (auto v = r_.string(f, "remote_backup_profile")) {
                        itf.remote_backup_profile = *v;
                        locs.rbp = f.value_loc();
                    }
                }
            }
        }
        c_.interfaces.push_back(std::move(itf));
        l_.interfaces.push_back(std::move(locs));
    }

    void routes(const Field& f) {
        if (empty_section(f) || !sequence(f, "routes")) return;
        for (const auto& item : f.value) {
            const Loc at = loc_of(item);
            if (!r_.expect_map(item, at, "route")) continue;
            const auto fields = r_.fields(item, "in route", {"prefix", "via"});
            r_.require(fields, "prefix", "in route", at);
            r_.require(fields, "via", "in route", at);
            std::optional<Prefix> prefix;
            std::optional<Ipv4> via;
            detail::RouteLocs rl;
            for (const auto& v : fields) {
                if (v.name == "prefix") {
                    prefix = r_.prefix(v, "prefix");
                    rl.prefix = v.value_loc();
                    if (prefix && prefix->has_host_bits()) {
                        r_.error(rl.prefix, "prefix " + prefix->str() + " has host bits set (did you mean " +
                                                Prefix{prefix->network(), prefix->len}.str() + "?)");
                        prefix.reset();
                    }
                } else if (v.name == "via") {
                    via = r_.ipv4(v, "via");
                    rl.via = v.value_loc();
                }
            }
            if (!prefix || !via) continue;
            c_.routes.push_back(Route{*prefix, *via});
            l_.routes.push_back(rl);
        }
    }

    void arp_static(const Field& f) {
        if (empty_section(f) || !sequence(f, "arp_static")) return;
        for (const auto& item : f.value) {
            const Loc at = loc_of(item);
            if (!r_.expect_map(item, at, "arp_static entry")) continue;
            const auto fields = r_.fields(item, "in arp_static entry", {"ip", "mac", "interface"});
            bool ok = r_.require(fields, "ip", "in arp_static entry", at);
            ok &= r_.require(fields, "mac", "in arp_static entry", at);
            ok &= r_.require(fields, "interface", "in arp_static entry", at);
            StaticArp arp;
            detail::ArpLocs al;
            for (const auto& v : fields) {
                if (v.name == "ip") {
                    auto ip = r_.ipv4(v, "ip");
                    ok &= ip.has_value();
                    if (ip) arp.ip = *ip, al.ip = v.value_loc();
                } else if (v.name == "mac") {
                    auto mac = r_.mac(v, "mac");
                    ok &= mac.has_value();
                    if (!mac) continue;
                    // A static neighbour is one host: a group or null MAC
                    // would turn unicast forwarding into flooding or a drop.
                    if (mac->is_multicast()) {
                        r_.error(v.value_loc(),
                                 "mac " + mac->str() +
                                     " is a multicast address (a static ARP entry needs a unicast MAC)");
                        ok = false;
                    } else if (mac->is_zero()) {
                        r_.error(v.value_loc(), "mac " + mac->str() + " is all zeros");
                        ok = false;
                    }
                    arp.mac = *mac;
                } else if (v.name == "interface") {
                    auto name = r_.string(v, "interface");
                    ok &= name.has_value();
                    if (name) arp.interface = *name, al.interface = v.value_loc();
                }
            }
            if (!ok) continue;
            c_.arp_static.push_back(std::move(arp));
            l_.arp_static.push_back(al);
        }
    }

    // Aging and pacing of learned entries (control/arp/service.hpp, Options);
    // the keys are in config/keys.cpp.
    void arp(const Field& f) {
        if (empty_section(f) || !r_.expect_map(f, "arp")) return;
        ArpOptions& a = c_.arp;
        Loc age_at, probe_at; // set when given and in range
        bool age_bad = false;
        for (const auto& v : keys::read(r_, f.value, "in arp", keys::arp(), a)) {
            if (v.field.name == "age_s") {
                if (v.ok)
                    age_at = v.field.value_loc();
                else
                    age_bad = true;
            } else if (v.field.name == "probe_before_s" && v.ok) {
                probe_at = v.field.value_loc();
            }
        }
        // Probing must start before the entry expires; a window as long as
        // the lifetime would probe a host the moment it is learned.
        if (age_bad || a.probe_before_s < a.age_s) return;
        const std::string probe = std::to_string(a.probe_before_s), age = std::to_string(a.age_s);
        if (probe_at.line)
            r_.error(probe_at, "probe_before_s " + probe + " must be less than age_s " + age +
                                   (age_at.line ? "" : " (the default)"));
        else
            r_.error(age_at, "age_s " + age + " must be greater than probe_before_s " + probe +
                                 " (the default; set probe_before_s too)");
    }

    void control(const Field& f) {
        if (empty_section(f) || !r_.expect_map(f, "control")) return;
        for (const auto& v : r_.fields(f.value, "in control", {"socket"})) {
            auto path = r_.string(v, "socket");
            if (!path) continue;
            if ((*path)[0] != '/') {
                r_.error(v.value_loc(), "socket '" + *path + "' must be an absolute path");
            } else if (path->size() > kSunPathMax) {
                r_.error(v.value_loc(), "socket path is " + std::to_string(path->size()) +
                                            " bytes long (at most " + std::to_string(kSunPathMax) + ")");
            } else {
                c_.control.socket = *path;
            }
        }
    }

    Reader& r_;
    Config& c_;
    detail::Locations& l_;
};

} // namespace

namespace detail {

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
               ch == '_' || ch == '.' || ch == '-';
    });
}

bool valid_interface_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char ch) { return ch > ' ' && ch < 0x7f; });
}

} // namespace detail

LoadResult load_string(std::string_view text, const std::string& file, const std::string& base_dir,
                       const LoadLimits& limits) {
    LoadResult result;
    Reader reader(file, result.errors);
    // Size, nesting, node count, syntax, one non-empty document (yaml_bounds.hpp).
    const std::optional<YAML::Node> document = detail::parse_document(text, limits, reader);
    if (!document) return result;
    const YAML::Node& root = *document;

    Config config;
    detail::Locations locs;
    try {
        Parser(reader, config, locs).document(root);
        detail::validate(config, locs, base_dir, reader);
    } catch (const std::exception& e) {
        // Nothing above is expected to throw (yaml-cpp reads are guarded);
        // if it does, say so rather than let it escape a load call.
        reader.error(Loc{}, std::string("internal error while validating: ") + e.what());
    }
    if (config.control.socket.empty() && !config.sysname.empty())
        config.control.socket = default_socket_path(config.sysname);

    std::stable_sort(result.errors.begin(), result.errors.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                         return a.line != b.line ? a.line < b.line : a.column < b.column;
                     });
    if (result.errors.empty()) result.config = std::move(config);
    return result;
}

LoadResult load_file(const std::string& path, const LoadLimits& limits) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return LoadResult{std::nullopt, {Diagnostic{path, 0, 0, "cannot read: is a directory"}}};
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int err = errno;
        return LoadResult{std::nullopt,
                          {Diagnostic{path, 0, 0, std::string("cannot open: ") + std::strerror(err)}}};
    }
    // At most one byte past the limit is read: enough to know, whatever the
    // file is (a 50 MB file, a pipe, /dev/zero).
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > limits.max_bytes)
        return LoadResult{std::nullopt,
                          {Diagnostic{path, 0, 0,
                                      "file is " + std::to_string(size) + " bytes, more than the limit of " +
                                          std::to_string(limits.max_bytes) + " bytes"}}};
    std::string text;
    char chunk[64 * 1024];
    while (text.size() <= limits.max_bytes && in.read(chunk, sizeof chunk).gcount() > 0)
        text.append(chunk, size_t(in.gcount()));
    if (text.size() > limits.max_bytes)
        return LoadResult{std::nullopt,
                          {Diagnostic{path, 0, 0,
                                      "file is more than the limit of " + std::to_string(limits.max_bytes) +
                                          " bytes"}}};
    std::string dir = std::filesystem::path(path).parent_path().string();
    return load_string(text, path, dir.empty() ? "." : dir, limits);
}

} // namespace wg::config
