// The key tables (keys.hpp) and their value parser, YAML writer and doc
// generator. A row's doc line is the "what" column of docs/config.md; rules
// that tie keys together (probe_before_s < age_s, dead_ms >= 2 x
// heartbeat_ms) live in the loader and validate.cpp and in the prose of
// docs/config.md under each table.
#include "config/keys.hpp"

#include "config/emit.hpp"

namespace wg::config::keys {

namespace {

using config::detail::Field;
using config::detail::loc_of;
using config::detail::Reader;

// The seed's service types: "service-type arp", "batch-backup service-type arp".
constexpr std::string_view kServiceTypes[] = {"arp"};
// seed: "peer-backup hot".
constexpr std::string_view kPeerBackup[] = {"hot"};
// Index = enum value (control/arp/options.hpp arp::Learning, arp::MacMove).
constexpr std::string_view kLearning[] = {"rfc826", "strict"};
constexpr std::string_view kMacMove[] = {"verify", "fixed-mac", "none"};

using DP = fastpath::DataplaneConfig;
using ARP = arp::Options;
using RBS = sync::ServiceConfig;
using RBP = sync::ProfileConfig;
using VG = VrrpGroup;

// Ranges shared by two rows.
constexpr uint32_t kAdjacencyCapacityMin = 64, kAdjacencyCapacityMax = 1u << 26;
constexpr uint32_t kArpAgeMaxS = 86400;

const Key<DP> kDataplane[] = {
    integer<&DP::workers>("workers", 1, 64, "forwarding lcores").with_always(),
    integer<&DP::idle_sleep_us>(
        "idle_sleep_us", 0, 100000,
        "> 0: sleep this long when a poll finds nothing (labs sharing cores); 0: busy "
        "polling")
        .with_always(),
    integer<&DP::adjacency_capacity>(
        "adjacency_capacity", kAdjacencyCapacityMin, kAdjacencyCapacityMax,
        "adjacency (ARP) table entries. The control core sizes its ARP table for as many and commits its "
        "memory at start (~96 bytes an entry: ~100 MB for the default), so a batch backup never grows a "
        "table (a Slave keeps received entries in that same table)")
        .with_always(),
    integer<&DP::mbufs>(
        "mbufs", 0, 1u << 24,
        "floor on the packet-buffer pool; 0: sized from ports × queues × descriptors (raise it "
        "for `net_pcap` with `infinite_rx=1`, which keeps one mbuf per replayed frame)"),
    custom<DP>("punt", "map class → policer",
               "control-plane policing: rate and burst of each class of traffic punted to the control core, "
               "[below](#dataplanepunt)"),
};

const Key<VG> kVrrpGroup[] = {
    integer<&VG::vrid>("vrid", kVridMin, kVridMax,
                       "virtual router ID; unique per interface (the same VRID on another interface is another "
                       "router)")
        .with_required(),
    custom<VG>("virtual_ip", "IPv4 or list of IPv4",
               "the VIPs (a single address may be written without brackets)")
        .with_required()
        .with_range("≥ 1"),
    boolean<&VG::admin>("admin", "seed `admin-vrrp vrid N`: other groups may follow this one (`track_admin`)")
        .with_always(),
    integer<&VG::priority>("priority", kPriorityMin, kPriorityMax,
                           "255 (address owner) and 0 (release) are not configurable")
        .with_always(),
    custom<VG>("preempt", "`true`, `false`, or `{enabled: bool, delay: N}`",
               "RFC 5798 Preempt_Mode; seed `preempt-mode timer delay 600` is `{delay: 600}`")
        .with_default("true, delay 0")
        .with_range("delay 0..3600 s"),
    integer<&VG::recover_delay_s>("recover_delay", 0, kDelayMaxS, "seed `vrrp recover-delay 20`")
        .with_type("integer (s)")
        .with_always(),
    integer<&VG::version>("version", 2, 3, "2 = RFC 3768, 3 = RFC 5798").with_always(),
    integer<&VG::advert_interval_ms>(
        "advert_interval_ms", 10, 40950, // v3: centiseconds, 12 bits
        "version 2: a multiple of 1000 (the field is whole seconds, RFC 3768 §5.3.7); version 3: a multiple "
        "of 10 (centiseconds, RFC 5798 §5.2.7)")
        .with_type("integer (ms)")
        .with_always(),
    custom<VG>("track_admin", "`{interface: NAME, vrid: N}`",
               "follow an admin group instead of running VRRP, [below](#track_admin)")
        .with_default("none")
        .with_range("vrid 1..255"),
    custom<VG>("notify", "`{master: CMD, backup: CMD, fault: CMD}`", "[below](#notify)")
        .with_default("no hooks")
        .with_range("each ≤ 4096 characters"),
    custom<VG>("garp", "`{count: N, interval_ms: N, refresh_s: N}`", "gratuitous ARPs for the VIPs")
        .with_default("[below](#garp)"),
    custom<VG>("peers", "IPv4 or list of IPv4",
               "the other routers' primary addresses: adverts from any other IPv4 source are dropped before "
               "the state machine (`drop_not_peer`), [below](#peers)")
        .with_default("none: any source")
        .with_range("≥ 1"),
};

constexpr std::string_view kVrrpFollowerRefused[] = {"preempt", "recover_delay", "version", "advert_interval_ms",
                                                     "peers"};

const Key<ARP> kArp[] = {
    integer<&ARP::age_s>("age_s", 10, kArpAgeMaxS,
                         "lifetime of a learned entry after its last confirmation (VRP's default, 20 min)"),
    integer<&ARP::probe_before_s>(
        "probe_before_s", 0, kArpAgeMaxS - 1,
        "from this long before expiry, the entry is refreshed by unicast probes to its "
        "MAC")
        .with_range("0..`age_s`-1"),
    integer<&ARP::probes>("probes", 0, 10,
                          "probes sent in that window; 0: entries expire without probing"),
    integer<&ARP::requests_per_s>(
        "requests_per_s", 0, 1000000,
        "global cap on the ARP requests and probes this device originates; 0: unlimited"),
    choice<&ARP::learning, kLearning>("learning", "which ARP creates entries ([below](#learning-policy))"),
    choice<&ARP::mac_move, kMacMove>("mac_move",
                                     "what a frame giving a learned or synced entry a new MAC does "
                                     "([below](#learning-policy))"),
    integer<&ARP::verify_ms>("mac_move_verify_ms", 10, 10000,
                                      "how long the old MAC has to answer before a move is taken"),
    integer<&ARP::max_per_interface>(
        "max_per_interface", 0, kAdjacencyCapacityMax,
        "entries (of every origin) one interface may reach by learning; 0: 15/16 of "
        "`dataplane.adjacency_capacity` with several interfaces, the whole table "
        "with one"),
    integer<&ARP::learn_per_s>(
        "learn_per_s", 0, 1000000,
        "new entries per second from frames that answer no request of ours, all senders "
        "together (bucket depth: one second's worth); 0: no cap"),
    integer<&ARP::learn_per_source_per_s>("learn_per_source_per_s", 0, 1000000,
                                          "the same per sender MAC; 0: no cap"),
};

const Key<RBS> kRbs[] = {
    string<&RBS::ssl_policy>("ssl_policy", "a defined SSL policy").with_required().with_type("name"),
    ipv4<&RBS::peer>("peer", "the other device (seed: `peer 2.2.2.2`)").with_required(),
    ipv4<&RBS::source>("source", "the address the channel binds to (seed: LoopBack1's `1.1.1.1`)")
        .with_required(),
    integer<&RBS::port>("port", 1, 65535, "TCP port (seed: 2046)").with_required(),
    choice_list<&RBS::batch_backup, kServiceTypes>(
        "batch_backup",
        "the seed's `batch-backup service-type arp`: the whole ARP table is sent in one batch on every "
        "connect "
        "that cannot resume from the change log. warmgate always does this: the key only says so, and `[]` "
        "is rejected")
        .with_always()
        .with_empty_error(
            "batch_backup: [] would turn off the batch backup on connect, which warmgate always "
            "does (remove the key)"),
    integer<&RBS::heartbeat_ms>("heartbeat_ms", 10, 60000,
                                "a heartbeat goes out after this long without sending"),
    integer<&RBS::dead_ms>("dead_ms", 30, 600000,
                           "the peer is dead after this long without a byte from it (at least 2 × "
                           "`heartbeat_ms`)"),
    integer<&RBS::reconnect_min_ms>("reconnect_min_ms", 1, 60000,
                                    "first wait before reconnecting; doubles per failure..."),
    integer<&RBS::reconnect_max_ms>("reconnect_max_ms", 1, 600000,
                                    "...up to this (at least `reconnect_min_ms`)"),
    integer<&RBS::connect_timeout_ms>("connect_timeout_ms", 100, 120000,
                                      "a TCP connect that takes longer fails (and backs off)"),
    integer<&RBS::handshake_timeout_ms>("handshake_timeout_ms", 100, 120000,
                                        "from TCP connected (or accepted) to the peer's first frame: the TLS "
                                        "handshake must fit"),
};

const Key<RBP> kRbp[] = {
    choice_list<&RBP::service_type, kServiceTypes>(
        "service_type", "`arp`: the profile replicates the ARP table (the only service type)")
        .with_required(),
    integer<&RBP::backup_id>("backup_id", kBackupIdMin, kBackupIdMax,
                             "unique among profiles (names the profile on the wire)")
        .with_required(),
    string<&RBP::remote_backup_service>("remote_backup_service", "a defined RBS")
        .with_required()
        .with_type("name"),
    choice<&RBP::peer_backup, kPeerBackup>(
        "peer_backup",
        "the seed's `peer-backup hot`: the Slave installs each replicated entry in its forwarding table as "
        "it arrives, so it forwards at once when it becomes Master (the only mode)")
        .with_always(),
    custom<RBP>("vrrp", "map",
                "the VRRP group whose state decides the role: `{vrid: N, interface: NAME, authentication: "
                "...}` (below)")
        .with_required(),
    integer<&RBP::batch_max_entries>("batch_max_entries", 1, 65536,
                                     "real-time changes leave in a batch of at most this many entries..."),
    integer<&RBP::batch_max_delay_ms>("batch_max_delay_ms", 0, 1000,
                                      "...or this long after the batch's first change (0: at once)"),
    integer<&RBP::log_entries>("log_entries", 1024, 1u << 24,
                               "changes kept to resume after a reconnect; older gaps get a full batch"),
    boolean<&RBP::hold_preempt_until_synced>(
        "hold_preempt_until_synced",
        "a returning device does not take Mastership back (preempt) while its batch backup from the peer is "
        "incomplete; `display remote-backup-profile` says why it is held"),
    integer<&RBP::digest_interval_ms>(
        "digest_interval_ms", 100, 600000,
        "how often the Master sends its digest for comparison, and a Slave repeats "
        "an unanswered resync request"),
    integer<&RBP::snapshot_chunk>("snapshot_chunk", 1, 65536,
                                  "entries per batch-backup frame (4096 entries = 57 KB)"),
};

std::string joined(std::span<const std::string_view> items, std::string_view sep) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += sep;
        out += items[i];
    }
    return out;
}

bool is_choice(std::span<const std::string_view> choices, std::string_view s) {
    return std::find(choices.begin(), choices.end(), s) != choices.end();
}

} // namespace

std::span<const Key<Dataplane>> dataplane() {
    return kDataplane;
}
std::span<const Key<VrrpGroup>> vrrp_group() {
    return kVrrpGroup;
}
std::span<const std::string_view> vrrp_follower_refused() {
    return kVrrpFollowerRefused;
}
std::span<const Key<ArpOptions>> arp() {
    return kArp;
}
std::span<const Key<RemoteBackupService>> remote_backup_service() {
    return kRbs;
}
std::span<const Key<RemoteBackupProfile>> remote_backup_profile() {
    return kRbp;
}

bool parse_value(Reader& r, const Field& f, Kind kind, std::string_view name, uint64_t min, uint64_t max,
                 std::span<const std::string_view> choices, std::string_view empty_error, Value& out) {
    const std::string expected = " (expected one of: " + joined(choices, ", ") + ")";
    switch (kind) {
    case Kind::integer:
        if (auto v = r.integer(f, name, min, max)) return out = *v, true;
        return false;
    case Kind::boolean:
        if (auto v = r.boolean(f, name)) return out = uint64_t(*v ? 1 : 0), true;
        return false;
    case Kind::string:
        if (auto v = r.string(f, name)) return out = *v, true;
        return false;
    case Kind::ipv4:
        if (auto v = r.ipv4(f, name)) return out = *v, true;
        return false;
    case Kind::choice: {
        auto v = r.string(f, name);
        if (!v) return false;
        if (!is_choice(choices, *v)) {
            r.error(f.value_loc(), std::string(name) + " '" + *v + "' is not supported" + expected);
            return false;
        }
        out = *v;
        return true;
    }
    case Kind::choice_list: {
        if (!empty_error.empty() && f.value.IsSequence() && f.value.size() == 0) {
            r.error(f.value_loc(), std::string(empty_error));
            return false;
        }
        auto items = r.scalar_list(f, name, true);
        if (!items) return false;
        std::vector<std::string> list;
        bool ok = true;
        for (const auto& node : *items) {
            auto t = r.scalar_text(node, loc_of(node), name);
            if (!t) {
                ok = false;
            } else if (!is_choice(choices, *t)) {
                r.error(loc_of(node), std::string(name) + " '" + *t + "' is not supported" + expected);
                ok = false;
            } else if (std::find(list.begin(), list.end(), *t) != list.end()) {
                r.error(loc_of(node), std::string(name) + " lists '" + *t + "' twice");
                ok = false;
            } else {
                list.push_back(*t);
            }
        }
        if (ok) out = std::move(list);
        return ok;
    }
    case Kind::custom:
        break;
    }
    return false;
}

std::string yaml_value(const Value& v, Kind kind) {
    switch (kind) {
    case Kind::integer:
        return std::to_string(std::get<uint64_t>(v));
    case Kind::boolean:
        return std::get<uint64_t>(v) ? "true" : "false";
    case Kind::choice:
    case Kind::string:
        return yaml_scalar(std::get<std::string>(v));
    case Kind::ipv4:
        return std::get<Ipv4>(v).str();
    case Kind::choice_list: {
        const auto& items = std::get<std::vector<std::string>>(v);
        std::string out = "[";
        for (size_t i = 0; i < items.size(); ++i)
            out += (i ? ", " : "") + yaml_scalar(items[i]);
        return out + "]";
    }
    case Kind::custom:
        break;
    }
    return {};
}

std::vector<DocSection> doc_sections() {
    return {
        {"dataplane", doc_table(dataplane())},
        {"vrrp_group", doc_table(vrrp_group())},
        {"arp", doc_table(arp())},
        {"remote_backup_service", doc_table(remote_backup_service())},
        {"remote_backup_profile", doc_table(remote_backup_profile())},
    };
}

std::string regenerate(const std::string& text, std::string& error) {
    std::string out = text;
    size_t from = 0;
    for (const auto& s : doc_sections()) {
        const std::string begin = "<!-- keys:" + s.name + " begin -->\n",
                          end = "<!-- keys:" + s.name + " end -->";
        const size_t b = out.find(begin, from);
        const size_t e = b == std::string::npos ? b : out.find(end, b);
        if (b == std::string::npos || e == std::string::npos) {
            error =
                "missing or misplaced markers '" + begin.substr(0, begin.size() - 1) + "' ... '" + end + "'";
            return text;
        }
        out.replace(b + begin.size(), e - b - begin.size(), s.table);
        from = b + begin.size() + s.table.size() + end.size();
    }
    return out;
}

} // namespace wg::config::keys
