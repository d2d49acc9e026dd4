// The neighbour service's clocks: entry deadlines (lazy heap), resolutions,
// and the rate-capped send queues. Rules and costs: service.hpp.
#include "control/arp/service.hpp"

#include <algorithm>

namespace wg::arp {

namespace {

using std::chrono::seconds;

// splitmix64 (Steele, Lea, Flood 2014): a fixed, well-mixed function of the
// key, so a synced entry's jitter is the same on every install (a re-sync
// does not move its deadline around) and on every run (tests are exact).
uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

} // namespace

// ---- timers ----------------------------------------------------------------

void Service::confirm(uint64_t key, Entry& e, Time now) {
    e.state = State::reachable;
    e.confirmed = now;
    e.expires = now + age_;
    e.probes_sent = 0;
    e.probe_queued = false; // a queued probe item finds this and is skipped
    schedule(key, e, opt_.probes ? std::max(now, e.expires - probe_before_) : e.expires);
}

// Deadline = now + age_remaining - jitter, jitter in [0, W) with
// W = min(synced_spread_s, age_remaining / 2): never later than the peer's
// own expiry, and a batch with equal ages spreads over W.
void Service::set_synced_deadline(uint64_t key, Entry& e, uint32_t age_remaining_s, Time now) {
    const Duration age = seconds(age_remaining_s);
    const Duration window = std::min<Duration>(seconds(opt_.synced_spread_s), age / 2);
    const double frac = double(mix(key ^ opt_.jitter_seed) >> 11) * 0x1.0p-53; // [0, 1)
    e.expires = now + age - Duration(int64_t(double(window.count()) * frac));
    schedule(key, e, opt_.probes ? std::max(now, e.expires - probe_before_) : e.expires);
}

// At most one live heap item per entry, at heap_time <= due: moving a deadline
// later costs nothing now (the item fires early and re-arms once); moving it
// earlier pushes a new item and orphans the old one (dropped when it pops).
void Service::schedule(uint64_t key, Entry& e, Time due) {
    e.due = due;
    if (due == kNever || (e.in_heap && e.heap_time <= due)) return;
    e.in_heap = true;
    e.heap_time = due;
    heap_.push({due, key});
}

void Service::schedule_pending(uint64_t key, Pending& p, Time at) {
    p.in_heap = true;
    p.heap_time = at;
    heap_.push({at, key | kPendingBit});
}

void Service::tick(Time now) {
    retry_busy(now);
    while (!heap_.empty() && heap_.top().at <= now) {
        const Item item = heap_.top();
        heap_.pop();
        stats_.add(Counter::tick_work);
        if (item.key & kVerifyBit) {
            const uint64_t key = item.key & ~kVerifyBit;
            auto it = verifying_.find(key);
            if (it == verifying_.end() || it->second.next != item.at) continue; // answered or replaced
            verify_due(key, it->second, now);
            continue;
        }
        if (item.key & kPendingBit) {
            const uint64_t key = item.key & ~kPendingBit;
            auto it = pending_.find(key);
            if (it == pending_.end() || !it->second.in_heap || it->second.heap_time != item.at) continue;
            it->second.in_heap = false;
            pending_due(key, it->second, now);
            continue;
        }
        auto it = entries_.find(item.key);
        if (it == entries_.end()) continue;
        Entry& e = it->second;
        if (!e.in_heap || e.heap_time != item.at) continue; // orphaned by an earlier deadline
        e.in_heap = false;
        if (e.due == kNever) continue;
        if (e.due > now) {
            schedule(item.key, e, e.due); // refreshed since: re-arm at the later deadline
            continue;
        }
        entry_due(item.key, e, now);
    }
    drain(now);
}

void Service::entry_due(uint64_t key, Entry& e, Time now) {
    switch (e.state) {
    case State::reachable:
    case State::synced:
        if (opt_.probes == 0) break;
        e.state = State::stale;
        [[fallthrough]];
    case State::probe:
        if (e.probes_sent >= opt_.probes) break;
        e.due = kNever;
        if (!e.probe_queued) {
            e.probe_queued = true;
            probe_q_.push_back(key);
        }
        return;
    case State::stale:
    case State::static_entry:
        return;
    }
    // Every probe unanswered (or probing disabled): the host is gone.
    stats_.add(Counter::aged_out);
    remove_entry(key, now);
}

// mac_move verify (service.hpp "Rules"): the second request at half the
// window, then the decision at its end.
void Service::verify_due(uint64_t key, Verify& v, Time now) {
    auto it = entries_.find(key);
    if (it == entries_.end()) { // erase_entry() takes the verification along; defensive
        verifying_.erase(key);
        return;
    }
    Entry& e = it->second;
    if (v.requests < 2) {
        ++v.requests;
        send_verify(key, e.mac, now); // without budget the window runs on: one request went out
        v.next = v.started + verify_;
        heap_.push({v.next, key | kVerifyBit});
        return;
    }
    const Verify done = v;
    verifying_.erase(key);
    const control::InterfaceInfo* i = iface(key_ifindex(key));
    const std::string name = i ? i->name : std::to_string(key_ifindex(key));
    if (done.contested) {
        stats_.add(Counter::mac_move_contested);
        log("arp.contested", now, [&] {
            return "arp: " + name + ": " + key_ip(key).str() + " claimed by several MACs while " + e.mac.str() +
                   " was silent: entry removed";
        });
        remove_entry(key, now);
        return;
    }
    const Mac old = e.mac;
    if (!apply_move(key, e, done.candidate, now)) return;
    stats_.add(Counter::mac_move_verified);
    log("arp.moved", now, [&] {
        return "arp: " + name + ": " + key_ip(key).str() + " moved from " + old.str() + " to " +
               done.candidate.str() + " (old MAC silent)";
    });
}

// A unicast request for the entry's IP to the MAC we hold (like a refresh
// probe): only that host answers. From the global request budget.
bool Service::send_verify(uint64_t key, const Mac& old_mac, Time now) {
    const control::InterfaceInfo* i = iface(key_ifindex(key));
    if (!i) return false;
    if (!take_budget(now)) {
        stats_.add(Counter::rate_limited);
        return false;
    }
    return send(i->ifindex, request(i->mac, i->address.addr, key_ip(key), &old_mac));
}

// learn_per_source_per_s: a direct-mapped table of sender MACs (bounded
// memory whatever the flood). Two senders sharing a slot reset each
// other's bucket: errs on the side of learning; the global cap still holds.
bool Service::source_budget(const Mac& mac, Time now) {
    if (sources_.empty()) return true;
    uint64_t h = 0;
    for (uint8_t b : mac.bytes)
        h = h << 8 | b;
    SourceSlot& s = sources_[mix(h) % kSourceSlots];
    if (s.mac != mac) {
        s.mac = mac;
        s.tat = Time{};
    }
    return gcra(s.tat, now, opt_.learn_per_source_per_s, opt_.learn_per_source_per_s);
}

void Service::pending_due(uint64_t key, Pending& p, Time now) {
    if (p.failed) { // the hold is over: the next miss starts afresh
        pending_.erase(key);
        return;
    }
    if (p.requests >= opt_.max_retries) {
        p.failed = true;
        stats_.add(Counter::resolve_failed);
        schedule_pending(key, p, now + fail_hold_);
        if (resolves_) resolves_->on_resolved(key_ifindex(key), key_ip(key), false);
        return;
    }
    if (!p.send_queued) {
        p.send_queued = true;
        urgent_q_.push_back(key);
    }
}

void Service::resolve_pending(uint64_t key, bool ok) {
    auto it = pending_.find(key);
    if (it == pending_.end()) return;
    const bool notify = !it->second.failed; // a failed target's packets are gone already
    pending_.erase(it);
    if (!notify) return;
    stats_.add(ok ? Counter::resolve_ok : Counter::resolve_failed);
    if (resolves_) resolves_->on_resolved(key_ifindex(key), key_ip(key), ok);
}

MissAction Service::on_miss(uint16_t ifindex, Ipv4 ip, Time now) {
    const control::InterfaceInfo* i = iface(ifindex);
    if (!i || !host_of(*i, ip)) {
        stats_.add(Counter::miss_not_in_subnet);
        return MissAction::drop;
    }
    const uint64_t key = make_key(ifindex, ip);
    if (auto it = entries_.find(key); it != entries_.end() && it->second.in_store) {
        stats_.add(Counter::miss_resolved_already); // punted before the add reached the workers
        return MissAction::resolved;
    }
    if (auto it = pending_.find(key); it != pending_.end()) {
        if (it->second.failed) {
            stats_.add(Counter::miss_failed_hold);
            return MissAction::drop;
        }
        stats_.add(Counter::miss_coalesced); // RFC 1122 §2.3.2.1: no more than 1 request/s per target
        return MissAction::hold;
    }
    if (pending_.size() >= opt_.max_pending) {
        stats_.add(Counter::miss_pending_full);
        return MissAction::drop;
    }
    Pending& p = pending_[key];
    p.send_queued = true;
    urgent_q_.push_back(key);
    drain(now);
    return MissAction::hold;
}

// ---- rate-limited sends ------------------------------------------------------

// GCRA (the virtual-scheduling form of a token bucket): exact, integer, and
// one timestamp of state.
bool Service::gcra(Time& tat, Time now, uint32_t per_s, uint32_t burst) {
    const Duration interval = Duration(seconds(1)) / per_s;
    const Duration tolerance = interval * (std::max(burst, 1u) - 1);
    const Time t = std::max(tat, now);
    if (t - now > tolerance) return false;
    tat = t + interval;
    return true;
}

bool Service::take_budget(Time now) {
    if (opt_.requests_per_s == 0) return true;
    return gcra(tat_, now, opt_.requests_per_s, opt_.request_burst);
}

void Service::drain(Time now) {
    // Resolutions first: packets are waiting on them.
    while (!urgent_q_.empty()) {
        const uint64_t key = urgent_q_.front();
        auto it = pending_.find(key);
        if (it == pending_.end() || !it->second.send_queued) {
            urgent_q_.pop_front();
            stats_.add(Counter::tick_work);
            continue;
        }
        if (!take_budget(now)) {
            stats_.add(Counter::rate_limited);
            return;
        }
        urgent_q_.pop_front();
        stats_.add(Counter::tick_work);
        Pending& p = it->second;
        p.send_queued = false;
        ++p.requests;
        if (const control::InterfaceInfo* i = iface(key_ifindex(key)))
            if (send(i->ifindex, request(i->mac, i->address.addr, key_ip(key))))
                stats_.add(Counter::miss_requests_sent);
        schedule_pending(key, p, now + retrans_);
    }
    while (!probe_q_.empty()) {
        const uint64_t key = probe_q_.front();
        auto it = entries_.find(key);
        if (it == entries_.end() || !it->second.probe_queued) {
            probe_q_.pop_front();
            stats_.add(Counter::tick_work);
            continue;
        }
        if (!take_budget(now)) {
            stats_.add(Counter::rate_limited);
            return;
        }
        probe_q_.pop_front();
        stats_.add(Counter::tick_work);
        Entry& e = it->second;
        e.probe_queued = false;
        ++e.probes_sent;
        e.state = State::probe;
        // Unicast to the MAC we have: only that host answers, and a silent
        // one does not make every host on the LAN process a broadcast.
        if (const control::InterfaceInfo* i = iface(key_ifindex(key)))
            if (send(i->ifindex, request(i->mac, i->address.addr, key_ip(key), &e.mac)))
                stats_.add(Counter::probes_sent);
        schedule(key, e, now + spacing_);
    }
}

} // namespace wg::arp
