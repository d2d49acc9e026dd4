// The remote-backup service (RBS; seed `remote-backup-service service1`,
// `peer 2.2.2.2 source 1.1.1.1 port 2046`): one TLS 1.3 connection between
// source and peer:port, mutually authenticated (sync/tls.hpp), carrying the
// frames of the profiles bound to it (sync/channel.hpp).
//
// Who connects is deterministic: the side with the numerically lower source
// address connects (binding source, to peer:port); the other listens on
// source:port and accepts only from the peer address. An accepted connection
// is a candidate: it replaces an established session only once it has
// completed mutual TLS and sent a valid hello for a backup-id attached here
// (the peer restarted before our dead-peer timer fired); until then the
// session is untouched. Reconnect after any loss with capped exponential
// backoff; heartbeats every `heartbeat_ms` when nothing else was sent; the
// peer is dead after `dead_ms` of silence. The connection logic is the pure
// machine of sync/connection.hpp; this class performs its actions with
// non-blocking sockets on the EventLoop (no call blocks the control loop).
//
// Thread-safety: control lcore only.
#pragma once

#include "config/config.hpp"
#include "control/event_loop.hpp"
#include "control/report.hpp"
#include "sync/channel.hpp"
#include "sync/options.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace wg::sync {

class Rbs final : public Channel {
  public:
    Rbs(control::EventLoop& loop, const RbsOptions& options);
    ~Rbs() override;

    // Loads certificates and starts listening or connecting. False with
    // `error` ("service1: /path/ca.pem: no such file") when it cannot start
    // at all; a peer that is not there yet is not an error (it retries).
    bool start(std::string& error);
    void stop(); // closes everything (sends an error frame `shutdown` first when up)

    // One listener per backup-id (the RBP's). Frames with another backup-id
    // are answered with error backup_id_mismatch, counted, and dropped.
    void attach(uint32_t backup_id, ChannelListener* listener);

    // Channel
    bool up() const override;
    bool send(std::span<const uint8_t> frames) override;
    size_t queued_bytes() const override;
    void fail(std::string_view reason) override;

    const RbsOptions& options() const { return opt_; }
    // "Connected", "Connecting", "Listening", "Backoff", "Closed" (seed TCP-State).
    std::string tcp_state() const;
    // "--" before any handshake, "Handshaking", "Established", "Failed".
    std::string ssl_state() const;

    // `display remote-backup-service [NAME]`: the seed's fields and layout
    // (label width 17), then connection figures and counters.
    control::Report report() const;
    // The record of report() (display renders several services).
    void add_to(control::Report& r) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    RbsOptions opt_;
};

} // namespace wg::sync
