// The seam between a remote-backup service (RBS: TLS connection, framing,
// heartbeats) and the profiles (RBP: what is replicated) bound to it. The RBS
// implements Channel; each RBP implements ChannelListener and attaches under
// its backup-id. Tests connect two RBPs through an in-memory Channel pair.
//
// Thread-safety: control lcore only. Callbacks run on the event loop, never
// re-entrantly from inside send().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace wg::sync {

class ChannelListener {
  public:
    virtual ~ChannelListener() = default;
    // The TLS session is established (mutually authenticated); frames may flow.
    virtual void on_up() = 0;
    // One complete frame whose header carries this listener's backup-id (the
    // RBS routes by it and has checked length and version).
    virtual void on_frame(std::span<const uint8_t> frame) = 0;
    // The send queue fell below Channel::kLowWater after having been above
    // kHighWater: a paused snapshot may go on.
    virtual void on_writable() = 0;
    // The session ended (peer closed, dead-peer timeout, TLS or protocol
    // error, local stop). Everything queued and not written is lost; the RBS
    // reconnects by itself and calls on_up() again.
    virtual void on_down(std::string_view reason) = 0;
};

class Channel {
  public:
    // Producers should stop adding bulk data above kHighWater queued bytes and
    // resume on on_writable(); small control frames may always be sent.
    static constexpr size_t kHighWater = 4u << 20;
    static constexpr size_t kLowWater = 1u << 20;

    virtual ~Channel() = default;
    virtual bool up() const = 0;
    // Queues whole frames (one or several, encoded with wire::encode) for
    // sending; written without blocking as the socket allows. False (nothing
    // queued) when the channel is down.
    virtual bool send(std::span<const uint8_t> frames) = 0;
    virtual size_t queued_bytes() const = 0;
    // A protocol error seen by a listener: sends an error frame when possible,
    // closes the session (every listener gets on_down), reconnects later.
    virtual void fail(std::string_view reason) = 0;
};

} // namespace wg::sync
