// The remote-backup peer's entries (install_synced, remove_synced) and the
// received marks on them (service.hpp "Replicas"). Rules: service.hpp.
#include "control/arp/service.hpp"

namespace wg::arp {

bool Service::claim_replicas(ReplicaListener* l) {
    if (l == nullptr || (replicas_ != nullptr && replicas_ != l)) return false;
    replicas_ = l;
    return true;
}

void Service::release_replicas(ReplicaListener* l) {
    if (replicas_ != l) return;
    // Nobody accounts for the marks any more: take them off.
    for (auto& [key, e] : entries_)
        e.replica = 0;
    replicas_ = nullptr;
}

void Service::lose_replica(uint64_t key, const Mac& mac, uint32_t tag) {
    if (replicas_) replicas_->on_replica_lost(key_ifindex(key), key_ip(key), mac, tag);
}

// The entry at `key` no longer holds what was received: unmark it; a marked
// caller (tag != 0) accounts for it through r.was, anyone else through the listener.
void Service::unmark(uint64_t key, uint32_t tag, ReplicaInstall& r) {
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.replica == 0) return;
    Entry& e = it->second;
    const uint32_t old = e.replica;
    e.replica = 0;
    if (tag != 0)
        r.was = e.mac;
    else
        lose_replica(key, e.mac, old);
}

ReplicaInstall Service::install_replica(uint16_t ifindex, Ipv4 ip, const Mac& mac, uint32_t age_remaining_s,
                                        uint32_t tag, Time now) {
    ReplicaInstall r;
    const uint64_t key = make_key(ifindex, ip);
    auto refuse = [&](Status st) {
        unmark(key, tag, r); // an entry there keeps another MAC than the one received
        r.status = st;
        return r;
    };
    const control::InterfaceInfo* i = iface(ifindex);
    if (!i) return refuse(Status::unknown_interface);
    if (ip == i->address.addr || mac == i->mac) {
        stats_.add(Counter::address_conflict);
        return refuse(Status::refused);
    }
    if (!valid_sender_mac(mac) || !valid_sender_ip(ip) || ip.value == 0) {
        stats_.add(Counter::table_invalid);
        return refuse(Status::invalid);
    }
    if (!host_of(*i, ip)) {
        stats_.add(Counter::not_in_subnet);
        return refuse(Status::refused);
    }
    auto [it, inserted] = entries_.try_emplace(key); // one lookup: most installs are new keys
    const bool existed = !inserted;
    if (inserted) ++iface_entries(ifindex);
    Entry& e = it->second;
    if (existed && e.replica != 0) {
        const uint32_t old = e.replica;
        e.replica = 0;
        if (tag != 0)
            r.was = e.mac;
        else
            lose_replica(key, e.mac, old);
    }
    if (existed) {
        if (e.origin == Origin::static_entry) {
            stats_.add(Counter::static_kept);
            r.status = Status::refused;
            return r;
        }
        // First-hand knowledge wins over the peer's copy of the same fact
        // (it holds what was received all the same).
        if (e.origin == Origin::learned && e.mac == mac) {
            stats_.add(Counter::synced_kept_local);
            e.replica = tag;
            r.held = tag != 0;
            return r;
        }
    }
    const Entry old = e;
    if (existed && old.mac != mac) verifying_.erase(key); // the Master decided the move
    e.mac = mac;
    e.origin = Origin::synced;
    e.state = State::synced;
    if (!existed) e.learned = now;
    e.confirmed = now;
    e.probes_sent = 0;
    e.probe_queued = false;
    set_synced_deadline(key, e, age_remaining_s, now);
    const Status st = store(key, e, now);
    if (st != Status::ok && st != Status::busy) {
        if (existed) {
            e = old; // the table kept the old entry: so do we, unmarked (above)
            e.replica = 0;
        } else {
            erase_entry(key);
        }
        r.status = st;
        return r;
    }
    if (existed && old.mac != mac) stats_.add(Counter::mac_moves);
    stats_.add(Counter::synced_installed);
    e.replica = tag;
    r.held = tag != 0;
    r.status = st;
    return r;
}

std::optional<Mac> Service::remove_replica(uint16_t ifindex, Ipv4 ip, Time now, bool& removed) {
    removed = false;
    const uint64_t key = make_key(ifindex, ip);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    Entry& e = it->second;
    std::optional<Mac> was;
    if (e.replica != 0) {
        was = e.mac;
        e.replica = 0;
    }
    if (e.origin != Origin::synced) {
        stats_.add(e.origin == Origin::static_entry ? Counter::static_kept : Counter::synced_kept_local);
        return was;
    }
    remove_entry(key, now);
    stats_.add(Counter::synced_removed);
    removed = true;
    return was;
}

} // namespace wg::arp
