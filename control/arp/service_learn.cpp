// The neighbour service's learning policy (service.hpp "Rules"): claims on
// our addresses and their defence (RFC 5227 §2.4), the RFC 826 merge rule
// and strict learning, the limits on new entries, and MAC moves (verify,
// fixed-mac, none), and what a remote-backup Slave leaves to its Master.
// The verification's timers: service_timers.cpp.
#include "control/arp/service.hpp"

#include <iterator>
#include <string>

namespace wg::arp {

// RFC 5227 §2.4 (defence of an address in use) for the interface address
// and, on the Master, its VIPs. True when the frame claims one of them (or
// uses our port MAC): it is then never learned from.
bool Service::claims_ours(const control::InterfaceInfo& i, const Packet& p, Time now) {
    bool master = false;
    Mac vmac;
    // VIPs first: an address owner's interface address is also its VIP.
    if (vips_ && vips_->is_vip(i.ifindex, p.sender_ip, &master, &vmac)) {
        // As Backup this is the Master's GARP or reply: its VIP, not a host;
        // only the Master defends (RFC 5798 §6.4.2: a Backup does not answer
        // for the VIP). As Master, the virtual MAC is ours (looped back, or
        // the peer in a split brain: no GARP war over the same MAC).
        if (!master || p.sender_mac == vmac) {
            stats_.add(Counter::vip_sender_ignored);
            return true;
        }
        stats_.add(Counter::address_conflict);
        defend(i, p.sender_ip, vmac, p.sender_mac, now);
        return true;
    }
    if (p.sender_ip == i.address.addr) {
        stats_.add(Counter::address_conflict);
        // Our own frame looped back cannot be told from a forged one: only
        // another MAC claiming the address is answered.
        if (p.sender_mac != i.mac) defend(i, p.sender_ip, i.mac, p.sender_mac, now);
        return true;
    }
    if (p.sender_mac == i.mac) {
        stats_.add(Counter::address_conflict);
        return true;
    }
    return false;
}

// One announcement (RFC 5227 §2.4 (b): "broadcast one single ARP
// Announcement") per address per defend_interval_ms, so the hosts and the
// switch that took the forged binding hear ours again, and a flood of
// claims cannot make us flood.
void Service::defend(const control::InterfaceInfo& i, Ipv4 ip, const Mac& mac, const Mac& claimant, Time now) {
    auto [it, fresh] = defended_.try_emplace(make_key(i.ifindex, ip), now);
    if (!fresh && now - it->second < defend_interval_) {
        stats_.add(Counter::conflict_defend_limited);
        return;
    }
    it->second = now;
    if (send(i.ifindex, gratuitous(mac, ip))) stats_.add(Counter::conflict_defended);
    log("arp.conflict", now, [&] {
        return "arp: " + i.name + ": " + ip.str() + " claimed by " + claimant.str() +
               ", defended with a gratuitous ARP";
    });
}

// A reply to a request of ours that is still outstanding: a resolution
// (failed included: a late answer is still ours), a refresh probe, or a
// move verification. Our requests carry the interface address as sender.
bool Service::solicited(const control::InterfaceInfo& i, const Packet& p, uint64_t key) const {
    if (p.op != Op::reply || p.target_ip != i.address.addr) return false;
    if (pending_.count(key) || verifying_.count(key)) return true;
    auto it = entries_.find(key);
    return it != entries_.end() && it->second.state == State::probe;
}

// RFC 826: "?Am I the target protocol address?": the interface address or
// a VIP of the interface (Master or not: the host is real either way).
bool Service::targets_us(const control::InterfaceInfo& i, const Packet& p) const {
    if (p.target_ip == i.address.addr) return true;
    bool master = false;
    Mac vmac;
    return vips_ && vips_->is_vip(i.ifindex, p.target_ip, &master, &vmac);
}

void Service::learn(const control::InterfaceInfo& i, const Packet& p, Time now) {
    if (claims_ours(i, p, now)) return;
    const Ipv4 ip = p.sender_ip;
    if (!host_of(i, ip)) {
        stats_.add(Counter::not_in_subnet);
        return;
    }
    const uint64_t key = make_key(i.ifindex, ip);
    const bool asked = solicited(i, p, key);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
        create(i, p, key, asked, now);
        return;
    }
    Entry& e = it->second;
    if (e.origin == Origin::static_entry) {
        if (e.mac != p.sender_mac) stats_.add(Counter::static_kept);
        return;
    }
    if (auto v = verifying_.find(key); v != verifying_.end()) {
        if (p.sender_mac != e.mac) {
            // The claimant repeating itself, or a third MAC: nobody to believe.
            stats_.add(Counter::mac_move_repeated);
            if (p.sender_mac != v->second.candidate) v->second.contested = true;
            return;
        }
        // The old MAC is alive (any frame from it, solicited or not): the
        // claim was false. Its heap item finds no verification and is dropped.
        log("arp.refused", now, [&] {
            return "arp: " + i.name + ": " + ip.str() + " move to " + v->second.candidate.str() + " refused: " +
                   e.mac.str() + " still answers";
        });
        verifying_.erase(v);
        stats_.add(Counter::mac_move_refused);
    }
    if (opt_.learning == Learning::strict && !asked) {
        stats_.add(Counter::learn_unsolicited);
        return;
    }
    if (e.mac == p.sender_mac) {
        refresh(key, e, now);
        return;
    }
    if (slave(i.ifindex)) { // the Master decides moves; its install brings them (service.hpp "Rules")
        stats_.add(Counter::move_skipped_slave);
        return;
    }
    move(i, key, e, p.sender_mac, now);
}

void Service::create(const control::InterfaceInfo& i, const Packet& p, uint64_t key, bool asked, Time now) {
    if (!asked) {
        if (opt_.learning == Learning::strict) {
            stats_.add(Counter::learn_unsolicited);
            return;
        }
        if (!targets_us(i, p)) {
            stats_.add(Counter::learn_not_for_us);
            return;
        }
        // A Slave's table is the Master's (service.hpp "Rules"): only an
        // answer to our own request (`asked`) creates an entry here.
        if (slave(i.ifindex)) {
            stats_.add(Counter::learn_skipped_slave);
            return;
        }
    }
    if (opt_.max_per_interface != 0 && iface_entries(i.ifindex) >= opt_.max_per_interface) {
        stats_.add(Counter::learn_interface_full);
        log("arp.iface_full", now, [&] {
            return "arp: " + i.name + ": " + std::to_string(opt_.max_per_interface) +
                   " entries (max_per_interface): new hosts not learned";
        });
        return;
    }
    // Answers to our own requests are bounded by our request budget; the
    // rest is what a flood of forged senders can send.
    if (!asked) {
        if (!source_budget(p.sender_mac, now)) {
            stats_.add(Counter::learn_source_limited);
            return;
        }
        if (opt_.learn_per_s != 0 && !gcra(learn_tat_, now, opt_.learn_per_s, opt_.learn_per_s)) {
            stats_.add(Counter::learn_rate_limited);
            return;
        }
    }
    Entry& e = entries_[key];
    ++iface_entries(i.ifindex);
    e.mac = p.sender_mac;
    e.origin = Origin::learned;
    e.learned = now;
    confirm(key, e, now);
    const Status st = store(key, e, now);
    if (st != Status::ok && st != Status::busy) {
        erase_entry(key); // its heap item, if any, finds no entry and is dropped
        return;
    }
    stats_.add(Counter::learned);
}

// Same MAC: confirmed. A synced entry becomes first-hand (published as an
// update with origin learned: a new Master replicates it back), except on a
// Slave's interface, where it stays the Master's (its delete still applies).
void Service::refresh(uint64_t key, Entry& e, Time now) {
    stats_.add(Counter::refreshed);
    if (e.origin == Origin::learned || slave(key_ifindex(key))) {
        confirm(key, e, now);
        return;
    }
    const Entry old = e;
    e.origin = Origin::learned;
    confirm(key, e, now);
    const Status st = store(key, e, now);
    if (st != Status::ok && st != Status::busy) e = old; // the table kept the old entry: so do we
}

void Service::move(const control::InterfaceInfo& i, uint64_t key, Entry& e, const Mac& mac, Time now) {
    switch (opt_.mac_move) {
    case MacMove::none:
        apply_move(key, e, mac, now);
        return;
    case MacMove::fixed_mac:
        stats_.add(Counter::mac_move_fixed);
        log("arp.fixed", now, [&] {
            return "arp: " + i.name + ": " + key_ip(key).str() + " move from " + e.mac.str() + " to " +
                   mac.str() + " refused (mac_move fixed-mac)";
        });
        return;
    case MacMove::verify:
        break;
    }
    if (verifying_.size() >= opt_.max_pending || !send_verify(key, e.mac, now)) {
        stats_.add(Counter::mac_move_unverifiable);
        log("arp.unverified", now, [&] {
            return "arp: " + i.name + ": " + key_ip(key).str() + " move to " + mac.str() +
                   " refused: cannot verify now (request budget or verifications in progress)";
        });
        return;
    }
    Verify& v = verifying_[key];
    v.candidate = mac;
    v.started = now;
    v.requests = 1;
    v.contested = false;
    v.next = now + verify_ / 2; // the second request
    heap_.push({v.next, key | kVerifyBit});
    stats_.add(Counter::mac_move_verify);
}

// Takes the new MAC (first-hand). False when the table refused the update
// (the entry keeps its old MAC, as the table does).
bool Service::apply_move(uint64_t key, Entry& e, const Mac& mac, Time now) {
    const Entry old = e;
    e.mac = mac;
    e.origin = Origin::learned;
    confirm(key, e, now);
    const Status st = store(key, e, now);
    if (st != Status::ok && st != Status::busy) {
        e = old; // the table kept the old entry: so do we (its heap item is still live)
        return false;
    }
    if (old.replica != 0) { // no longer what the peer sent (service.hpp "Replicas")
        e.replica = 0;
        lose_replica(key, old.mac, old.replica);
    }
    stats_.add(Counter::mac_moves);
    return true;
}

void Service::set_slave(uint16_t ifindex, bool on) {
    if (slave_refs_.size() <= ifindex) slave_refs_.resize(size_t(ifindex) + 1, 0);
    uint16_t& n = slave_refs_[ifindex];
    if (!on) {
        if (n > 0) --n;
        return;
    }
    if (n++ > 0) return;
    // Turning Slave: the interface's move verifications end undecided (their
    // heap items find none); the Master's verification decides instead.
    for (auto it = verifying_.begin(); it != verifying_.end();)
        it = key_ifindex(it->first) == ifindex ? verifying_.erase(it) : std::next(it);
}

} // namespace wg::arp
