// Private state of sync::Profile, shared by profile.cpp (role, hold, the
// public face), profile_rx.cpp (frames in) and profile_report.cpp (display).
// The two sides are machines of their own: the sender (sender.hpp: this
// device's stream, and serving it as Master) and the receiver (receiver.hpp:
// the Slave side); the profile routes events to them and performs their
// actions. Not a public header: only those three include it.
#pragma once

#include "sync/profile.hpp"
#include "sync/receiver.hpp"
#include "sync/sender.hpp"
#include "sync/wire.hpp"

#include <functional>
#include <string>
#include <vector>

namespace wg::sync {

struct Profile::Impl {
    Impl(const ProfileOptions& o, arp::Service& a, Channel& c, std::function<Time()> n);

    ProfileOptions opt;
    arp::Service& arp;
    Channel& ch;
    std::function<Time()> now;
    std::vector<wire::InterfaceName> hello_ifaces;

    Role role = Role::slave;
    ProfileStats stats;
    std::function<void(bool)> hold_cb;
    bool hold_last = false;

    // The session: up, and the peer's last hello (display, role).
    bool up = false;
    bool peer_hello = false;
    wire::Hello peer;

    tx::Sender tx;
    rx::Receiver rx;

    wire::Message msg;        // decode scratch (vectors reused)
    std::vector<uint8_t> buf; // encode scratch

    // arp::Service::set_slave(on) for every replicated interface (the Slave
    // installs what the Master decides; profile.hpp "Role").
    void follow(bool on);
    bool send(const wire::Message& m);
    void send_hello();
    void update_hold();
    bool hold() const;
    void fail(std::string reason);
    void on_hello(const wire::Hello& h, Time now);
    void run(const rx::Event& ev, Time now); // the receiver's event, its actions performed
    tx::Actions tx_event(tx::EventKind k, Time now, const wire::Message* m = nullptr);
    void perform(tx::Actions&& acts);
    void run(tx::EventKind k, Time t, const wire::Message* m = nullptr) { perform(tx_event(k, t, m)); }
};

} // namespace wg::sync
