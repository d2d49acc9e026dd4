// The neighbour service: receiving, answering, the table writer, the
// administrative writes. Rules and costs: service.hpp. The learning policy:
// service_learn.cpp; timers and sends: service_timers.cpp; reports:
// service_report.cpp.
#include "control/arp/service.hpp"

#include <algorithm>

namespace wg::arp {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

uint32_t ceil_seconds(Duration d) {
    if (d <= Duration::zero()) return 0;
    const auto s = std::chrono::ceil<seconds>(d).count();
    return s > int64_t(UINT32_MAX) ? UINT32_MAX : uint32_t(s);
}

} // namespace

const control::NameDesc& state_desc(State s) {
    static constexpr control::NameDesc kNames[] = {
        {"reachable", "Reachable"}, {"stale", "Stale"},   {"probe", "Probe"},
        {"static", "Static"},       {"synced", "Synced"},
    };
    return kNames[unsigned(s)];
}

const control::NameDesc& origin_desc(Origin o) {
    static constexpr control::NameDesc kNames[] = {
        {"learned", "Learned"}, {"synced", "Synced"}, {"static", "Static"}};
    return kNames[unsigned(o)];
}

const char* to_string(Change::Kind k) {
    switch (k) {
    case Change::Kind::add:
        return "add";
    case Change::Kind::update:
        return "update";
    case Change::Kind::remove:
        return "remove";
    }
    return "?";
}

const char* to_string(Learning l) {
    return l == Learning::strict ? "strict" : "rfc826";
}

const char* to_string(MacMove m) {
    switch (m) {
    case MacMove::verify:
        return "verify";
    case MacMove::fixed_mac:
        return "fixed-mac";
    case MacMove::none:
        return "none";
    }
    return "?";
}

const char* to_string(Status s) {
    switch (s) {
    case Status::ok:
        return "ok";
    case Status::unknown_interface:
        return "unknown_interface";
    case Status::refused:
        return "refused";
    case Status::full:
        return "full";
    case Status::invalid:
        return "invalid";
    case Status::busy:
        return "busy";
    }
    return "?";
}

Service::Service(const Options& options, AdjacencyStore& store, control::FrameSink& frames,
                 const control::VipResolver* vips)
    : opt_(options), store_(store), frames_(frames), vips_(vips) {
    // Normalise instead of failing: the config validator owns error messages.
    opt_.age_s = std::max(opt_.age_s, 1u);
    opt_.probe_before_s = std::min(opt_.probe_before_s, opt_.age_s);
    opt_.retrans_ms = std::max(opt_.retrans_ms, 1u);
    opt_.max_retries = std::max(opt_.max_retries, 1u);
    opt_.probes = std::min(opt_.probes, 255u);
    opt_.request_burst = std::max(opt_.request_burst, 1u);
    age_ = seconds(opt_.age_s);
    probe_before_ = seconds(opt_.probe_before_s);
    retrans_ = milliseconds(opt_.retrans_ms);
    spacing_ = opt_.probes ? std::max<Duration>(retrans_, probe_before_ / opt_.probes) : Duration::zero();
    fail_hold_ = seconds(opt_.fail_hold_s);
    opt_.verify_ms = std::max(opt_.verify_ms, 1u);
    verify_ = milliseconds(opt_.verify_ms);
    defend_interval_ = milliseconds(opt_.defend_interval_ms);
    if (opt_.learn_per_source_per_s != 0) sources_.resize(kSourceSlots);
    log_ = log_write;
    if (opt_.preallocate != 0) {
        const size_t n = std::min<size_t>(opt_.preallocate, store_.capacity());
        entries_.reserve(n);
        entries_.commit();
        // One live heap item per entry (service.hpp "Cost"), plus slack for
        // resolutions and re-armed deadlines before it would grow.
        std::vector<Item, BigAllocator<Item>> items;
        items.reserve(n + n / 8);
        big_commit(items.data(), items.capacity() * sizeof(Item));
        heap_ = Heap(std::greater<Item>{}, std::move(items));
    }
}

void Service::add_interface(const control::InterfaceInfo& info) {
    if (iface_entries_.size() <= info.ifindex) iface_entries_.resize(size_t(info.ifindex) + 1, 0);
    for (auto& i : ifaces_)
        if (i.ifindex == info.ifindex) {
            i = info;
            return;
        }
    ifaces_.push_back(info);
}

const control::InterfaceInfo* Service::iface(uint16_t ifindex) const {
    for (const auto& i : ifaces_)
        if (i.ifindex == ifindex) return &i;
    return nullptr;
}

// A host of the interface's subnet: inside it, not our own address, and not
// the network or directed-broadcast address (which exist from /30 down;
// RFC 3021 /31 has neither).
bool Service::host_of(const control::InterfaceInfo& i, Ipv4 ip) {
    if (!i.address.contains(ip) || ip == i.address.addr) return false;
    if (i.address.len <= 30) {
        const uint32_t net = i.address.network().value;
        if (ip.value == net || ip.value == (net | ~i.address.mask())) return false;
    }
    return true;
}

EntryView Service::view(uint64_t key, const Entry& e) const {
    EntryView v;
    v.ifindex = key_ifindex(key);
    v.ip = key_ip(key);
    v.mac = e.mac;
    v.origin = e.origin;
    v.state = e.state;
    v.learned = e.learned;
    v.confirmed = e.confirmed;
    if (e.origin != Origin::static_entry) v.expires = e.expires;
    v.probes_sent = e.probes_sent;
    v.in_table = e.in_store;
    return v;
}

std::optional<EntryView> Service::find(uint16_t ifindex, Ipv4 ip) const {
    const uint64_t key = make_key(ifindex, ip);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return view(key, it->second);
}

// ---- receive --------------------------------------------------------------

void Service::on_frame(uint16_t ifindex, std::span<const uint8_t> frame, Time now) {
    const control::InterfaceInfo* i = iface(ifindex);
    if (!i) {
        stats_.add(Counter::rx_unknown_interface);
        return;
    }
    const RxResult r = decode(frame, &rx_);
    if (!r.accepted()) return;
    const Packet& p = r.packet;
    stats_.add(p.op == Op::request ? Counter::rx_request : Counter::rx_reply);
    // RFC 826 "Packet Reception": merge the sender first, then answer. A
    // probe's sender owns no address yet (RFC 5227 §2.1.1): nothing to merge.
    if (!p.is_probe()) learn(*i, p, now);
    // A gratuitous request announces the sender's own address: no answer.
    if (p.op == Op::request && !p.is_gratuitous()) answer(*i, p);
}

void Service::answer(const control::InterfaceInfo& i, const Packet& p) {
    // VIPs first: an address owner's interface address is also its VIP, and
    // as Master it answers with the virtual MAC (RFC 5798 §7.3, §8.1.2).
    bool master = false;
    Mac vmac;
    if (vips_ && vips_->is_vip(i.ifindex, p.target_ip, &master, &vmac)) {
        if (!master) {
            stats_.add(Counter::vip_backup_silent); // RFC 5798 §6.4.2
            return;
        }
        // The reply carries the virtual MAC in the ARP body and as Ethernet
        // source, so the LSW learns it on the Master's port.
        if (send(i.ifindex, reply(p, vmac, p.target_ip))) stats_.add(Counter::vip_replies_sent);
        return;
    }
    if (p.target_ip == i.address.addr) {
        if (send(i.ifindex, reply(p, i.mac, p.target_ip))) stats_.add(Counter::replies_sent);
        return;
    }
    stats_.add(Counter::request_not_for_us);
}

bool Service::send(uint16_t ifindex, const Packet& p) {
    const Frame f = encode(p);
    if (!frames_.send(ifindex, f)) {
        stats_.add(Counter::send_failed);
        return false;
    }
    return true;
}

// ---- the table writer -----------------------------------------------------

// Pushes the control entry's (MAC, origin) to the store and publishes what the
// store applied. On full/invalid nothing changed in the table and the caller
// restores (or drops) its control entry; on busy the entry waits in retry_q_.
Status Service::store(uint64_t key, Entry& e, Time now) {
    using R = AdjacencyStore::Result;
    const R r = store_.upsert(key_ifindex(key), key_ip(key), e.mac, e.origin, now);
    switch (r) {
    case R::added:
    case R::updated:
    case R::unchanged: {
        const bool was = e.in_store;
        e.in_store = true;
        if (!was || r == R::added)
            publish(Change::Kind::add, key, e, now);
        else if (r == R::updated)
            publish(Change::Kind::update, key, e, now);
        resolve_pending(key, true);
        return Status::ok;
    }
    case R::busy:
        stats_.add(Counter::table_busy);
        if (!e.retry) {
            if (retry_q_.size() >= opt_.busy_retry_max) {
                stats_.add(Counter::busy_dropped);
                return Status::refused;
            }
            e.retry = true;
            retry_q_.push_back(key);
        }
        return Status::busy;
    case R::full:
        stats_.add(Counter::table_full);
        return Status::full;
    case R::invalid:
        break;
    }
    stats_.add(Counter::table_invalid);
    return Status::invalid;
}

void Service::remove_entry(uint64_t key, Time now) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    if (it->second.in_store) {
        store_.remove(key_ifindex(key), key_ip(key));
        publish(Change::Kind::remove, key, it->second, now);
    }
    erase_entry(key); // heap, queue and retry items find no entry later and are dropped
}

// Every erasure of entries_ goes through here (the per-interface count and
// a verification in progress go with the entry).
void Service::erase_entry(uint64_t key) {
    // The replica mark fits the padding: ~96 bytes an entry still (service.hpp "Cost").
    static_assert(sizeof(Entry) == 56, "an entry table value grew");
    Mac mac;
    uint32_t tag = 0;
    if (replicas_ != nullptr)
        if (auto it = entries_.find(key); it != entries_.end()) mac = it->second.mac, tag = it->second.replica;
    if (entries_.erase(key) == 0) return;
    uint32_t& n = iface_entries(key_ifindex(key));
    if (n > 0) --n;
    verifying_.erase(key);
    if (tag != 0) lose_replica(key, mac, tag);
}

uint32_t& Service::iface_entries(uint16_t ifindex) {
    if (iface_entries_.size() <= ifindex) iface_entries_.resize(size_t(ifindex) + 1, 0);
    return iface_entries_[ifindex];
}

void Service::publish(Change::Kind kind, uint64_t key, const Entry& e, Time now) {
    Change c;
    c.seq = ++seq_;
    c.kind = kind;
    c.ifindex = key_ifindex(key);
    c.ip = key_ip(key);
    c.mac = e.mac;
    c.origin = e.origin;
    if (kind != Change::Kind::remove && e.origin != Origin::static_entry)
        c.age_remaining_s = ceil_seconds(e.expires - now);
    stats_.add(Counter::changes_published);
    if (changes_) changes_->on_change(c);
}

void Service::retry_busy(Time now) {
    for (size_t n = retry_q_.size(); n > 0 && !retry_q_.empty(); --n) {
        const uint64_t key = retry_q_.front();
        retry_q_.pop_front();
        stats_.add(Counter::tick_work);
        auto it = entries_.find(key);
        if (it == entries_.end() || !it->second.retry) continue;
        it->second.retry = false;
        const Status st = store(key, it->second, now);
        if (st == Status::ok) {
            stats_.add(Counter::busy_retried);
            continue;
        }
        if (st == Status::busy) break; // re-queued; the table is still waiting for readers
        // full/invalid now: the control entry no longer matches the table.
        remove_entry(key, now);
    }
}

// ---- administrative writes -------------------------------------------------

Status Service::add_static(uint16_t ifindex, Ipv4 ip, const Mac& mac, Time now) {
    const control::InterfaceInfo* i = iface(ifindex);
    if (!i) return Status::unknown_interface;
    if (ip == i->address.addr) {
        stats_.add(Counter::address_conflict);
        return Status::refused;
    }
    if (!valid_sender_mac(mac) || !valid_sender_ip(ip) || ip.value == 0) return Status::invalid;
    const uint64_t key = make_key(ifindex, ip);
    auto it = entries_.find(key);
    const bool existed = it != entries_.end();
    if (!existed) ++iface_entries(ifindex);
    Entry& e = existed ? it->second : entries_[key];
    const Entry old = e;
    verifying_.erase(key); // a static entry never moves
    e.mac = mac;
    e.origin = Origin::static_entry;
    e.state = State::static_entry;
    if (!existed) e.learned = now;
    e.confirmed = now;
    e.expires = kNever;
    e.due = kNever; // a live heap item finds due == never and is dropped
    e.probes_sent = 0;
    e.probe_queued = false;
    const Status st = store(key, e, now);
    if (st != Status::ok && st != Status::busy) {
        if (existed)
            e = old;
        else
            erase_entry(key);
        return st;
    }
    if (old.replica != 0) { // a static entry holds no replica (service.hpp "Replicas")
        e.replica = 0;
        lose_replica(key, old.mac, old.replica);
    }
    return st;
}

bool Service::remove_static(uint16_t ifindex, Ipv4 ip, Time now) {
    const uint64_t key = make_key(ifindex, ip);
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.origin != Origin::static_entry) return false;
    remove_entry(key, now);
    return true;
}

bool Service::remove_synced(uint16_t ifindex, Ipv4 ip, Time now) {
    const uint64_t key = make_key(ifindex, ip);
    auto it = entries_.find(key);
    if (it == entries_.end()) return false;
    if (it->second.origin != Origin::synced) {
        stats_.add(it->second.origin == Origin::static_entry ? Counter::static_kept
                                                             : Counter::synced_kept_local);
        return false;
    }
    remove_entry(key, now);
    stats_.add(Counter::synced_removed);
    return true;
}

void Service::flush_interface(uint16_t ifindex, Time now) {
    std::vector<uint64_t> keys;
    for (const auto& [key, e] : entries_)
        if (key_ifindex(key) == ifindex && e.origin == Origin::learned) keys.push_back(key);
    for (uint64_t k : keys)
        remove_entry(k, now);
    stats_.add(Counter::link_down_flushed, keys.size());
    keys.clear();
    for (const auto& [key, p] : pending_)
        if (key_ifindex(key) == ifindex) keys.push_back(key);
    for (uint64_t k : keys) {
        const bool notify = !pending_[k].failed;
        pending_.erase(k);
        if (notify) {
            stats_.add(Counter::resolve_failed);
            if (resolves_) resolves_->on_resolved(ifindex, key_ip(k), false);
        }
    }
}

} // namespace wg::arp
