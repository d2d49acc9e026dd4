// Internal to the loader: where each parsed value came from, so that the
// cross-reference pass (validate.cpp) can locate its messages after the
// YAML tree has been turned into a Config.
//
// Convention: a Loc with line 0 means "absent or already reported as
// invalid"; cross checks skip such values instead of piling a second,
// derived error on the first one.
// Thread-safety: one instance per load call.
#pragma once

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

#include <string>
#include <vector>

namespace wg::config::detail {

struct GroupLocs {
    Loc vrid;              // set when the vrid parsed
    std::vector<Loc> vips; // parallel to VrrpGroup::virtual_ips
    bool admin_ok = true;  // `admin` absent or parsed
    Loc track_key;         // the `track_admin` key, when present (valid or not)
    Loc track_interface;   // set when VrrpGroup::track_admin is set
    Loc track_vrid;        // idem
    std::vector<Loc> peers; // parallel to VrrpGroup::peers
};

struct InterfaceLocs {
    Loc name;
    bool complete = true; // false: some field of it failed to parse
    Loc port;
    Loc address;
    bool address_present = false;
    Loc vrrp;                      // the `vrrp` key
    Loc rbp;                       // remote_backup_profile value
    bool vrids_complete = true;    // every group's vrid parsed
    std::vector<GroupLocs> groups; // parallel to Interface::vrrp
};

struct RouteLocs {
    Loc prefix, via; // parallel to Config::routes (complete routes only)
};

struct ArpLocs {
    Loc ip, interface; // parallel to Config::arp_static (complete entries only)
};

struct PkiLocs {
    Loc ca, certificate, key; // parallel to Config::pki_domain
};

struct SslLocs {
    Loc pki_domain; // parallel to Config::ssl_policy
};

struct RbsLocs {
    Loc ssl_policy, peer, source, port, dead_ms, reconnect_max_ms; // parallel to Config::remote_backup_service
};

struct RbpLocs {
    Loc backup_id, rbs, vrid, interface, auth; // parallel to Config::remote_backup_profile
};

struct Locations {
    Loc interfaces_key;
    std::vector<InterfaceLocs> interfaces;
    std::vector<RouteLocs> routes;
    std::vector<ArpLocs> arp_static;
    std::vector<PkiLocs> pki_domain;
    std::vector<SslLocs> ssl_policy;
    std::vector<RbsLocs> rbs;
    std::vector<RbpLocs> rbp;
};

// Optional sections may be left empty (`routes:` with every entry
// commented out) without being an error.
inline bool empty_section(const Field& f) { return f.value.IsNull(); }

inline constexpr std::string_view kNameRule = "1-64 characters of A-Z a-z 0-9 _ . -";

// Pass 1 of pki_domain, ssl_policy, remote_backup_service and
// remote_backup_profile (load_backup.cpp); F is the top-level field.
void backup_section(Reader& reader, Config& config, Locations& locs, const Field& f);

// Pass 1 of an interface's `vrrp` list (load_vrrp.cpp); F is that field.
void vrrp_groups(Reader& reader, const Field& f, Interface& itf, InterfaceLocs& locs);

// Cross-reference, uniqueness and file checks over a parsed Config
// (validate.cpp). Relative certificate paths in `config` are resolved
// against `base_dir` in place.
void validate(Config& config, const Locations& locs, const std::string& base_dir, Reader& reader);

// Names of configuration objects (sysname, pki_domain, ...): 1..64 of
// [A-Za-z0-9_.-]. Interface names are freer (GigabitEthernet0/1/0).
bool valid_name(std::string_view name);
bool valid_interface_name(std::string_view name);

} // namespace wg::config::detail
