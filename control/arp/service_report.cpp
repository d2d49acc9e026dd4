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

// The rows of `display arp`, read a batch at a time (control/report.hpp
// RowSource), so a table of a million entries is streamed by the CLI rather
// than built as one Report. The keys are snapshot and sorted when the
// command runs (8 bytes per row); each row is looked up when it is read:
// an entry gone meanwhile is skipped, one changed shows its new values.
// Control thread only, like the service it reads; the service outlives the
// CLI's clients (the appliance stops the CLI first). Keys are the
// service's (ifindex << 32 | IP).
class ReportRows final : public control::RowSource {
  public:
    ReportRows(const Service& svc, std::vector<control::InterfaceInfo> ifaces, Time now,
               std::vector<uint64_t> keys)
        : svc_(svc), ifaces_(std::move(ifaces)), now_(now), keys_(std::move(keys)) {}

    bool next(std::vector<std::vector<control::Scalar>>& out, size_t max) override {
        for (size_t n = 0; n < max && pos_ < keys_.size(); ++pos_) {
            const uint64_t key = keys_[pos_] >> 1;
            const control::InterfaceInfo* i = iface(key_ifindex(key));
            const std::string ifname = i ? i->name : std::to_string(key_ifindex(key));
            if ((keys_[pos_] & kEntryRow) == 0) {
                if (!i) continue;
                out.push_back({key_ip(key).str(), mac_cell(i->mac), control::Null{}, kTypeInterface,
                               control::Null{}, ifname});
                ++n;
                continue;
            }
            const auto e = svc_.find(key_ifindex(key), key_ip(key));
            if (!e) continue;
            control::Scalar expire;
            if (e->expires) {
                const auto left = std::chrono::ceil<std::chrono::minutes>(*e->expires - now_).count();
                expire = uint64_t(std::max<int64_t>(left, 0));
            }
            out.push_back({key_ip(key).str(), mac_cell(e->mac), std::move(expire), kTypes[unsigned(e->origin)],
                           state_desc(e->state), ifname});
            ++n;
        }
        return pos_ < keys_.size();
    }
    void rewind() override { pos_ = 0; }
    size_t memory() const override { return keys_.capacity() * sizeof(uint64_t); }

    // Sort keys: (ifindex, IP) << 1, then this bit for an entry (clear for an
    // interface's own address, type I, which sorts first on a tie).
    static constexpr uint64_t kEntryRow = 1;

  private:
    static uint16_t key_ifindex(uint64_t k) { return uint16_t(k >> 32); }
    static Ipv4 key_ip(uint64_t k) { return Ipv4{uint32_t(k)}; }
    const control::InterfaceInfo* iface(uint16_t ifindex) const {
        for (const auto& i : ifaces_)
            if (i.ifindex == ifindex) return &i;
        return nullptr;
    }

    const Service& svc_;
    std::vector<control::InterfaceInfo> ifaces_;
    Time now_;
    std::vector<uint64_t> keys_;
    size_t pos_ = 0;
};

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
    // own address is a row too (type I), as in VRP. Totals count the table
    // as it is now; the rows are read later, a batch at a time.
    std::vector<uint64_t> keys;
    uint64_t count[3] = {0, 0, 0}, interfaces = 0;
    for (const auto& i : ifaces_)
        if (!only || only == &i) {
            keys.push_back(make_key(i.ifindex, i.address.addr) << 1);
            ++interfaces;
        }
    keys.reserve(keys.size() + (only ? 0 : entries_.size()));
    for (const auto& [key, e] : entries_)
        if (!only || key_ifindex(key) == only->ifindex) {
            keys.push_back(key << 1 | ReportRows::kEntryRow);
            ++count[unsigned(e.origin)];
        }
    std::sort(keys.begin(), keys.end());

    std::vector<control::Column> cols(std::begin(kColumns), std::end(kColumns));
    control::Table table(std::move(cols));
    table.rows_from(std::make_shared<ReportRows>(*this, ifaces_, now, std::move(keys)));

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
    s.add("verifying", "MAC moves being verified", uint64_t(verifying_.size()));
    std::vector<std::string> slaves; // interfaces whose entries the remote-backup Master decides
    for (const auto& i : ifaces_)
        if (slave(i.ifindex)) slaves.push_back(i.name);
    s.add("slave_interfaces", "Learning left to the Master on", std::move(slaves));
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
