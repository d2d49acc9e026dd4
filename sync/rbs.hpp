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

#include <cstdint>
#include <memory>
#include <string>

namespace wg::sync {

struct RbsOptions {
    std::string name;        // service1
    std::string ssl_policy;  // for display
    Ipv4 source, peer;
    uint16_t port = 0;
    std::string ca, certificate, key; // from the policy's PKI domain
    std::string peer_identity;        // optional expected CN/SAN of the peer
    uint32_t heartbeat_ms = 1000;
    uint32_t dead_ms = 3500;
    uint32_t backoff_min_ms = 100;
    uint32_t backoff_max_ms = 5000;
    uint32_t connect_timeout_ms = 5000;   // TCP connect
    uint32_t handshake_timeout_ms = 5000; // TLS handshake until the peer's first frame (or hello)
    uint32_t max_candidates = 4; // incoming connections authenticating at once (docs/sync-protocol.md)
    uint32_t index = 0; // Service-Index shown by display (order in the config)
};

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
