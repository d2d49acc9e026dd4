// Rate-limited log lines: a peer or a flood must never be able to fill the
// journal. Each reason (a short fixed string such as "rbs.refused.not_peer")
// may print one line per interval; the lines it could not print are counted
// and the next line of that reason says how many were suppressed.
//
// Thread-safety: a LogLimiter is not thread-safe; keep one per thread (the
// control core owns the ones of VRRP, ARP, the CLI and remote backup).
// log_write() is safe from any thread (one write(2) per line).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include <unistd.h>

namespace wg {

// One write: concurrent lines from other threads stay whole.
inline void log_write(std::string_view line) noexcept {
    std::string s(line);
    if (s.empty() || s.back() != '\n') s.push_back('\n');
    (void)!::write(STDERR_FILENO, s.data(), s.size());
}

class LogLimiter {
public:
    // At most `burst` lines of one reason per `interval_ns`; at most
    // `max_reasons` distinct reasons are tracked, the rest share one slot
    // (bounded memory whatever a caller passes as reason).
    explicit LogLimiter(uint64_t interval_ns = 1'000'000'000ull, uint32_t burst = 1,
                        size_t max_reasons = 64)
        : interval_ns_(interval_ns), burst_(burst == 0 ? 1 : burst), max_reasons_(max_reasons) {}

    // Decides whether a line of `reason` may be printed at `now_ns`. When it
    // may, `suppressed` receives the number of lines of that reason dropped
    // since its last printed line (and the count restarts).
    bool allow(std::string_view reason, uint64_t now_ns, uint64_t& suppressed) {
        Slot& s = slot(reason);
        if (now_ns - s.window_start >= interval_ns_ || !s.started) {
            s.started = true;
            s.window_start = now_ns;
            s.printed = 0;
        }
        if (s.printed < burst_) {
            ++s.printed;
            suppressed = s.suppressed;
            s.suppressed = 0;
            return true;
        }
        ++s.suppressed;
        ++suppressed_total_;
        return false;
    }

    // allow() and, if allowed, log_write() of `prefix` + `line` with the
    // suppressed count appended. Returns whether it printed.
    bool log(std::string_view reason, uint64_t now_ns, std::string_view line) {
        uint64_t suppressed = 0;
        if (!allow(reason, now_ns, suppressed)) return false;
        std::string out(line);
        if (suppressed) out += " (" + std::to_string(suppressed) + " similar suppressed)";
        log_write(out);
        return true;
    }

    uint64_t suppressed_total() const { return suppressed_total_; }

private:
    struct Slot {
        bool started = false;
        uint64_t window_start = 0;
        uint32_t printed = 0;
        uint64_t suppressed = 0;
    };
    Slot& slot(std::string_view reason) {
        auto it = slots_.find(std::string(reason));
        if (it != slots_.end()) return it->second;
        if (slots_.size() >= max_reasons_) return overflow_;
        return slots_[std::string(reason)];
    }

    uint64_t interval_ns_;
    uint32_t burst_;
    size_t max_reasons_;
    std::unordered_map<std::string, Slot> slots_;
    Slot overflow_;
    uint64_t suppressed_total_ = 0;
};

} // namespace wg
