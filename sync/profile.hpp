// The remote-backup profile (RBP; seed `remote-backup-profile profile1`:
// `service-type arp`, `backup-id 10 remote-backup-service service1`,
// `peer-backup hot`, `vrrp-id 1 interface GigabitEthernet0/1/0`): replicates
// the ARP table over an RBS channel from the device whose tracked VRRP group
// is Master to the one where it is not, so the standby's fast path is warm.
// Pure: no sockets, no DPDK, and no clock of its own: tick() and add_to()
// take the time, and the calls that carry none (channel events, set_role,
// on_change, batch_backup_now) read the `now` function given to the
// constructor (the event loop's clock in sync/remote_backup.cpp, a variable
// in tests). The ARP service is the real one (control/arp, itself pure).
//
// Protocol (docs/sync-protocol.md §4-6): on every session both sides send
// hello. The Master side is the sender (sync/sender.hpp, its own phase
// machine, which also keeps this device's change stream in both roles): it
// resumes with deltas after the Slave's held_seq when its log still reaches
// back and the epochs match, else sends a full snapshot (batch backup).
// Changes are coalesced per key into delta batches of at most
// `batch_max_entries` or `batch_max_delay_ms`. The Slave side is the
// receiver (sync/receiver.hpp, its own phase machine): it installs each
// entry with arp::Service::install_replica / remove_replica (the received
// set lives in the ARP entries), acks cumulatively, and compares the Master's digest checks with the
// digest of what it received; a mismatch or a sequence gap asks for a
// resync (snapshot), counted. The profile holds the role and the preempt
// hold, sends the hellos, routes frames, changes and ticks to the side that
// handles them and performs the actions of both.
//
// Replicated set: both sides digest the set {(interface name, ip, mac)} of
// what was replicated (Master: what it sent, `local`; Slave: what it
// received) with an order-independent digest (docs/sync-protocol.md §8), so
// equal sets give equal digests in any order. Static entries are never
// replicated.
//
// Role: the Master decides the replicated interfaces' entries. While the
// role is Slave (from construction, session up or not: the device is VRRP
// Backup and another is Master), the profile marks those interfaces with
// arp::Service::set_slave, so LAN ARP there neither creates nor moves
// entries (answers to this device's own requests aside; arp/service.hpp
// "Rules", docs/config.md "arp"); set_role(master) lifts it at once, and
// the destructor too. Without a profile (no remote backup) nothing changes.
//
// Preempt hold (docs/sync-protocol.md §5 "Preempt hold": Mastership is not
// taken back before the returning device has been synced): while the role is
// Slave and a session with the peer is up but the batch backup has not
// completed, preempt_hold() is true (with the reason for display); the
// module (sync/remote_backup.cpp) posts the change to the event loop, which
// then feeds it to vrrp::Service::set_preempt_hold (never from inside a VRRP
// callback). With no peer session, nothing is held (a peer that never comes
// must not block Mastership).
//
// Thread-safety: control lcore only.
#pragma once

#include "common/counters.hpp"
#include "control/arp/service.hpp"
#include "control/report.hpp"
#include "sync/channel.hpp"
#include "sync/options.hpp"
#include "sync/profile_counters.hpp"
#include "sync/receiver.hpp"
#include "sync/sender.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wg::sync {

enum class Role : uint8_t { slave, master }; // from the tracked VRRP group: Master → master, else slave


class Profile final : public ChannelListener, public arp::ChangeListener {
  public:
    // `arp` and `channel` outlive the profile. The profile does not attach
    // itself: the caller calls rbs.attach(backup_id, &profile) and forwards
    // arp changes to on_change() (one ChangeListener slot in arp::Service).
    Profile(const ProfileOptions& options, arp::Service& arp, Channel& channel, std::function<Time()> now);
    ~Profile() override;

    // The tracked group's state changed (Master → master; anything else → slave).
    void set_role(Role r);
    Role role() const;

    // `warmgatectl batch-backup now`: on the Master, send a full snapshot now;
    // on the Slave, ask the Master for one. False with `why` when the session is down.
    bool batch_backup_now(std::string& why);

    // Deadlines: flush a delta batch, digest check, resume a paused snapshot.
    void tick(Time now);
    std::optional<Time> next_deadline() const;

    bool preempt_hold() const;
    std::string preempt_hold_reason() const; // "" when not held
    // Called whenever preempt_hold() changes (the adapter sets the VRRP hold).
    void on_preempt_hold_change(std::function<void(bool)> cb);

    // In sync: the session is up, the batch backup completed, and the last
    // digest comparison matched.
    bool in_sync() const;
    uint64_t digest() const;  // of the local replicated table
    uint64_t peer_digest() const;
    size_t entries() const;
    const ProfileStats& stats() const;
    // The Slave side's phase (receiver.hpp); idle while Master.
    rx::Phase receiver_phase() const;
    // The Master side's phase (sender.hpp); idle while Slave.
    tx::Phase sender_phase() const;

    // ChannelListener
    void on_up() override;
    void on_frame(std::span<const uint8_t> frame) override;
    void on_writable() override;
    void on_down(std::string_view reason) override;
    // arp::ChangeListener (records only; never calls back into arp)
    void on_change(const arp::Change& c) override;

    const ProfileOptions& options() const;
    // `display remote-backup-profile [NAME]`: the seed's fields and layout
    // (label width 21, rule width 47), then sync figures (entries sent /
    // installed, batches, last batch latency, local and peer digest, in sync),
    // and counters. "Peer State" is the peer's role from its hello ("--" without one).
    void add_to(control::Report& r, Time now) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace wg::sync
