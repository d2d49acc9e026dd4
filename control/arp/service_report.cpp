// `display arp [interface NAME]` and the ARP part of `display statistics`,
// built as control::Report (text like VRP's `display arp`, JSON, telemetry).
#include "control/arp/service.hpp"

#include <algorithm>
#include <cstdio>

namespace wg::arp {

namespace {

#define WG_ARP_TABLE_COLUMNS(X)                                                                              \
    X(ip_address, "IP ADDRESS")                                                                              \
    X(mac_address, "MAC ADDRESS")                                                                            \
    X(expire_m, "EXPIRE(M)")                                                                                 \
    X(type, "TYPE")                                                                                          \
    X(state, "STATE")                                                                                        \
    X(interface, "INTERFACE")

#define WG_ARP_TOTAL_FIELDS(X)                                                                               \
    X(total, "Total")                                                                                        \
    X(dynamic, "Dynamic")                                                                                    \
    X(static_entries, "Static")                                                                              \
    X(synced, "Synced")                                                                                      \
    X(interface_entries, "Interface")

constexpr control::FieldDesc kColumns[] = {WG_ARP_TABLE_COLUMNS(WG_FIELD_DESC)};
constexpr control::FieldDesc kTotals[] = {WG_ARP_TOTAL_FIELDS(WG_FIELD_DESC)};

// TYPE as VRP abbreviates it; B (backup) is ours for entries synced from the
// remote-backup peer. JSON carries the long name.
constexpr control::NameDesc kTypeInterface{"interface", "I"};
constexpr control::NameDesc kTypes[] = {{"dynamic", "D"}, {"synced", "B"}, {"static", "S"}}; // by Origin

constexpr const char* kLegend =
    "TYPE: I - interface, D - dynamic, S - static, B - synced from the backup peer";

// VRP writes MACs as three dash-separated groups of four hex digits.
control::Named mac_cell(const Mac& m) {
    char vrp[15];
    std::snprintf(vrp, sizeof vrp, "%02x%02x-%02x%02x-%02x%02x", m.bytes[0], m.bytes[1], m.bytes[2],
                  m.bytes[3], m.bytes[4], m.bytes[5]);
    return control::Named{m.str(), vrp};
}

} // namespace

control::Report Service::report(Time now, std::string_view name) const {
    control::Report r;
    r.set_rule_width(78);
    const control::InterfaceInfo* only = nullptr;
    if (!name.empty()) {
        for (const auto& i : ifaces_)
            if (i.name == name) only = &i;
        if (!only) {
            r.add_message("Error: The interface " + std::string(name) + " does not exist.");
            return r;
        }
    }

    // Rows sorted by (ifindex, IP): the keys order exactly so. An interface's
    // own address is a row too (type I), as in VRP.
    std::vector<std::pair<uint64_t, const Entry*>> rows;
    for (const auto& i : ifaces_)
        if (!only || only == &i) rows.emplace_back(make_key(i.ifindex, i.address.addr), nullptr);
    for (const auto& [key, e] : entries_)
        if (!only || key_ifindex(key) == only->ifindex) rows.emplace_back(key, &e);
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

    std::vector<control::Column> cols(std::begin(kColumns), std::end(kColumns));
    control::Table table(std::move(cols));
    uint64_t count[3] = {0, 0, 0}, interfaces = 0;
    for (const auto& [key, e] : rows) {
        const control::InterfaceInfo* i = iface(key_ifindex(key));
        const std::string ifname = i ? i->name : std::to_string(key_ifindex(key));
        if (!e) {
            ++interfaces;
            table.row({key_ip(key).str(), mac_cell(i->mac), control::Null{}, kTypeInterface, control::Null{},
                       ifname});
            continue;
        }
        ++count[unsigned(e->origin)];
        control::Scalar expire;
        if (e->origin != Origin::static_entry) {
            const auto left = std::chrono::ceil<std::chrono::minutes>(e->expires - now).count();
            expire = uint64_t(std::max<int64_t>(left, 0));
        }
        table.row({key_ip(key).str(), mac_cell(e->mac), std::move(expire), kTypes[unsigned(e->origin)],
                   state_desc(e->state), ifname});
    }

    auto& s = r.section("arp", kLegend);
    s.add("entries", "", std::move(table));
    const uint64_t learned = count[unsigned(Origin::learned)];
    const uint64_t statics = count[unsigned(Origin::static_entry)];
    const uint64_t synced = count[unsigned(Origin::synced)];
    s.add(kTotals[0], control::Scalar(learned + statics + synced + interfaces));
    s.add(kTotals[1], control::Scalar(learned));
    s.add(kTotals[2], control::Scalar(statics));
    s.add(kTotals[3], control::Scalar(synced));
    s.add(kTotals[4], control::Scalar(interfaces));
    return r;
}

void Service::add_statistics(control::Report& r) const {
    auto& s = r.section("arp", "ARP");
    s.add("entries", "Entries", uint64_t(entries_.size()));
    s.add("table_size", "Table size", uint64_t(store_.size()));
    s.add("table_capacity", "Table capacity", uint64_t(store_.capacity()));
    s.add("resolving", "Resolutions pending", uint64_t(pending_.size()));
    s.add("busy_queue", "Busy writes queued", uint64_t(retry_q_.size()));
    s.add("change_seq", "Last change", seq_);
    control::Record rx;
    rx.add_counters(kRxCounterInfo, rx_.v);
    s.add("receive", "Received", std::move(rx));
    control::Record counters;
    counters.add_counters(kCounterInfo, stats_.v);
    s.add("counters", "Counters", std::move(counters));
}

control::Report Service::report_statistics() const {
    control::Report r;
    add_statistics(r);
    return r;
}

} // namespace wg::arp
