// Time for the VRRP machine and codec. The machine never reads a clock: the
// caller passes `now` with every event (Envoy-style injected time), so tests
// drive it with made-up instants and never sleep. The control event loop
// (control/event_loop.hpp) uses the same steady_clock time_point.
#pragma once

#include <chrono>

namespace wg::vrrp {

using Time = std::chrono::steady_clock::time_point;
// Microseconds: exact for centiseconds (v3) and seconds (v2), and far finer
// than the RFC's centisecond granularity for Skew_Time ((256 - Priority)/256
// of an interval), which is truncated to whole microseconds.
using Duration = std::chrono::microseconds;

} // namespace wg::vrrp
