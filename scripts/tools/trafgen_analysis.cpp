// Loss analysis of wg-trafgen's receiver: see trafgen_analysis.hpp.
#include "scripts/tools/trafgen_analysis.hpp"

#include "config/net.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>
#include <type_traits>

namespace wg::trafgen {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// The text right after `"key":` (spaces skipped), or empty.
std::string_view json_value(std::string_view json, std::string_view key) {
    const std::string needle = "\"" + std::string(key) + "\"";
    size_t at = json.find(needle);
    if (at == std::string_view::npos) return {};
    at = json.find_first_not_of(" \t\r\n", at + needle.size());
    if (at == std::string_view::npos || json[at] != ':') return {};
    at = json.find_first_not_of(" \t\r\n", at + 1);
    return at == std::string_view::npos ? std::string_view{} : json.substr(at);
}

template <class T>
std::optional<T> json_int(std::string_view json, std::string_view key) {
    const std::string_view v = json_value(json, key);
    T out{};
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc{} || end == v.data()) return std::nullopt;
    return out;
}

} // namespace

std::vector<Event> parse_events(std::string_view text) {
    std::vector<Event> out;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        const std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        Event e;
        const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), e.ns);
        if (ec != std::errc{} || end == line.data() || end == line.data() + line.size()) continue;
        if (*end != ' ' && *end != '\t') continue;
        const std::string_view name = trim(line.substr(size_t(end - line.data())));
        if (name.empty() || e.ns < 0) continue;
        e.name = std::string(name);
        out.push_back(std::move(e));
    }
    std::stable_sort(out.begin(), out.end(), [](const Event& a, const Event& b) { return a.ns < b.ns; });
    return out;
}

std::optional<TxInfo> parse_tx_summary(std::string_view json) {
    const auto run = json_int<uint16_t>(json, "run");
    const auto sent = json_int<uint64_t>(json, "sent");
    const auto hosts = json_int<uint32_t>(json, "hosts");
    const auto first = json_int<int64_t>(json, "first_tx_ns");
    const auto last = json_int<int64_t>(json, "last_tx_ns");
    if (!run || !sent || !hosts || !first || !last) return std::nullopt;
    return TxInfo{*run, *sent, *hosts, *first, *last};
}

Recorder::Recorder(std::optional<uint16_t> run, uint32_t hosts) : run_(run), nhosts_(hosts) {}

Recorder::Outcome Recorder::add(const Probe& p, int64_t rx_ns) {
    if (!run_) run_ = p.run;
    if (p.run != *run_) return ++other_run_, Outcome::other_run;
    if (p.seq >= kMaxSeq) return ++out_of_range_, Outcome::out_of_range;
    const uint32_t c = p.seq / kChunk;
    if (c >= chunks_.size()) chunks_.resize(c + 1);
    if (!chunks_[c]) chunks_[c] = std::make_unique<Slot[]>(kChunk); // Slot{} = not received
    Slot& s = chunks_[c][p.seq % kChunk];
    if (s.rx_ns >= 0) return ++duplicates_, Outcome::duplicate;
    s.tx_ns = p.tx_ns;
    s.rx_ns = rx_ns < 0 ? 0 : rx_ns;
    ++counted_;
    seq_end_ = std::max(seq_end_, p.seq + 1);
    const uint32_t host = nhosts_ ? p.seq % nhosts_ : p.host;
    if (host >= hosts_.size()) hosts_.resize(size_t(host) + 1);
    HostSeen& h = hosts_[host];
    if (h.received == 0) {
        h.first_seq = h.last_seq = p.host_seq;
        h.ip = p.dst_ip;
    }
    ++h.received;
    h.first_seq = std::min(h.first_seq, p.host_seq);
    h.last_seq = std::max(h.last_seq, p.host_seq);
    return Outcome::counted;
}

const Recorder::Slot* Recorder::slot(uint32_t seq) const {
    const uint32_t c = seq / kChunk;
    if (c >= chunks_.size() || !chunks_[c]) return nullptr;
    return &chunks_[c][seq % kChunk];
}

std::string arp_log_line(int64_t ns, uint32_t sender_ip, const Mac& sender_mac, uint32_t target_ip) {
    return std::to_string(ns) + " " + Ipv4{sender_ip}.str() + " " + sender_mac.str() + " " +
           Ipv4{target_ip}.str() + "\n";
}

std::vector<ArpLogEntry> parse_arp_log(std::string_view text) {
    std::vector<ArpLogEntry> out;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        std::string_view f[4];
        size_t n = 0;
        while (n < 4 && !line.empty()) {
            const size_t sp = line.find(' ');
            f[n++] = line.substr(0, sp);
            line = sp == std::string_view::npos ? std::string_view{} : trim(line.substr(sp + 1));
        }
        ArpLogEntry e;
        const auto [end, ec] = std::from_chars(f[0].data(), f[0].data() + f[0].size(), e.ns);
        if (n < 4 || ec != std::errc{} || end != f[0].data() + f[0].size()) continue;
        const auto sender = Ipv4::parse(f[1]);
        const auto target = Ipv4::parse(f[3]);
        if (!sender || !target || !Mac::parse(f[2])) continue;
        e.sender_ip = sender->value, e.target_ip = target->value;
        out.push_back(e);
    }
    return out;
}

uint64_t count_arp_requests(const std::vector<ArpLogEntry>& log, int64_t from_ns, int64_t window_ns,
                            const std::vector<uint32_t>& senders) {
    uint64_t n = 0;
    for (const ArpLogEntry& e : log) {
        if (e.ns < from_ns || e.ns - from_ns >= window_ns) continue;
        if (e.sender_ip == e.target_ip) continue; // a gratuitous ARP announces, it asks nothing
        if (!senders.empty() && std::find(senders.begin(), senders.end(), e.sender_ip) == senders.end())
            continue;
        ++n;
    }
    return n;
}

const char* phase_name(Phase p) {
    switch (p) {
    case Phase::before:
        return "before";
    case Phase::detection:
        return "detection";
    case Phase::after:
        return "after";
    }
    return "?";
}

Phase phase_of(const std::vector<Event>& events, int64_t t) {
    if (events.empty() || t < events[0].ns) return Phase::before;
    // With one event only, everything after it is the detection window.
    if (events.size() < 2 || t < events[1].ns) return Phase::detection;
    return Phase::after;
}

namespace {

// Per-host walk state: the last packet of the host and its open gap.
struct HostWalk {
    int64_t last_tx = -1, last_rx = -1;
    bool open = false;
    Gap gap;
};

class Walker {
  public:
    Walker(const Recorder& rec, const AnalysisOptions& opt, Report& r) : rec_(rec), opt_(opt), r_(r) {
        walk_.resize(r.hosts);
        if (!opt.events.empty()) {
            takeover_ns_ = opt.events[opt.events.size() >= 2 ? 1 : 0].ns;
            first_after_takeover_.assign(r.hosts, -1);
        }
        if (opt.end_ns > opt.start_ns && opt.bucket_ms > 0) {
            bucket_ns_ = int64_t(opt.bucket_ms) * 1000000;
            const size_t n = size_t((opt.end_ns - opt.start_ns + bucket_ns_ - 1) / bucket_ns_);
            r.rx_series.assign(n, 0);
            r.lost_series.assign(n, 0);
        }
        interval_ns_ = r.offered_pps > 0 ? 1e9 / r.offered_pps : 0;
    }

    void run() {
        uint64_t s = 0;
        while (s < r_.expected) {
            if (rec_.received(uint32_t(s))) {
                on_received(uint32_t(s));
                ++s;
                continue;
            }
            uint64_t b = s;
            while (b < r_.expected && !rec_.received(uint32_t(b)))
                ++b;
            on_lost_run(uint32_t(s), uint32_t(b));
            s = b;
        }
        for (uint32_t h = 0; h < r_.hosts; ++h)
            if (walk_[h].open) close_gap(h, -1, -1);
        finish();
    }

  private:
    void count_series(std::vector<uint64_t>& series, int64_t t) {
        if (series.empty() || t < opt_.start_ns) return;
        const size_t i = size_t((t - opt_.start_ns) / bucket_ns_);
        if (i < series.size()) ++series[i];
    }

    void on_received(uint32_t g) {
        const Recorder::Slot& s = *rec_.slot(g);
        const int64_t lat = std::max<int64_t>(0, s.rx_ns - s.tx_ns);
        if (lat_n_ == 0 || lat < r_.latency_min_ns) r_.latency_min_ns = lat;
        r_.latency_max_ns = std::max(r_.latency_max_ns, lat);
        lat_sum_ += double(lat), ++lat_n_;
        count_series(r_.rx_series, s.rx_ns);
        if (opt_.events.empty() || s.tx_ns < opt_.events[0].ns) ++r_.delivered_before_kill;
        if (!opt_.events.empty() && s.rx_ns >= takeover_ns_) {
            int64_t& first = first_after_takeover_[g % r_.hosts];
            if (first < 0 || s.rx_ns < first) first = s.rx_ns;
        }
        if (!opt_.events.empty() && s.rx_ns >= opt_.events[0].ns &&
            (first_rx_after_ < 0 || s.rx_ns < first_rx_after_))
            first_rx_after_ = s.rx_ns;
        const uint32_t h = g % r_.hosts;
        HostWalk& w = walk_[h];
        if (w.open) close_gap(h, s.tx_ns, s.rx_ns);
        w.last_tx = s.tx_ns, w.last_rx = s.rx_ns;
    }

    void close_gap(uint32_t h, int64_t tx_after, int64_t rx_after) {
        HostWalk& w = walk_[h];
        w.gap.tx_after_ns = tx_after, w.gap.rx_after_ns = rx_after;
        HostReport& hr = r_.per_host[h];
        ++hr.gaps_total;
        if (hr.gaps.size() < opt_.max_gaps_per_host) hr.gaps.push_back(w.gap);
        w.open = false;
    }

    // Send time of lost sequence g in the run [s, b): linear between the
    // known stamps around it (the tx summary's first/last stamps stand in at
    // the ends), else extrapolated at the offered rate.
    int64_t interpolate(uint32_t g, uint32_t s, uint32_t b) const {
        const bool prev = s > 0, next = b < r_.expected;
        const auto* tx = opt_.tx ? &*opt_.tx : nullptr;
        double sa = 0, ta = 0, sb = 0, tb = 0;
        if (prev)
            sa = s - 1, ta = double(rec_.slot(s - 1)->tx_ns);
        else if (tx)
            sa = 0, ta = double(tx->first_tx_ns);
        if (next)
            sb = b, tb = double(rec_.slot(b)->tx_ns);
        else if (tx && tx->sent > 0)
            sb = double(tx->sent - 1), tb = double(tx->last_tx_ns);
        const bool have_a = prev || tx, have_b = next || (tx && tx->sent > 0);
        if (have_a && have_b && sb > sa) return int64_t(ta + (tb - ta) * (g - sa) / (sb - sa));
        if (have_a) return int64_t(ta + (g - sa) * interval_ns_);
        if (have_b) return int64_t(tb - (sb - g) * interval_ns_);
        return 0;
    }

    void on_lost_run(uint32_t s, uint32_t b) {
        int64_t first_t = 0, last_t = 0;
        for (uint32_t g = s; g < b; ++g) {
            const int64_t t = interpolate(g, s, b);
            if (g == s) first_t = t;
            last_t = t;
            const Phase ph = phase_of(opt_.events, t);
            ++r_.lost_total;
            ++r_.lost_by_phase[size_t(ph)];
            count_series(r_.lost_series, t);
            const uint32_t h = g % r_.hosts;
            HostReport& hr = r_.per_host[h];
            ++hr.lost;
            ++hr.lost_by_phase[size_t(ph)];
            HostWalk& w = walk_[h];
            if (!w.open) {
                w.open = true;
                w.gap = Gap{};
                w.gap.from = w.gap.to = g / r_.hosts;
                w.gap.first_lost_tx_ns = t;
                w.gap.phase = ph;
                w.gap.tx_before_ns = w.last_tx, w.gap.rx_before_ns = w.last_rx;
            }
            w.gap.to = g / r_.hosts;
            ++w.gap.lost;
        }
        consider_outage(s, b, first_t, last_t);
    }

    // The outage is the longest run that ends after the first event (or never
    // ends and was still being sent into after it) and, when the new Master's
    // event is known, began before it: a later stray loss is not the failover.
    void consider_outage(uint32_t s, uint32_t b, int64_t first_t, int64_t last_t) {
        if (opt_.events.empty()) return;
        const int64_t e0 = opt_.events[0].ns;
        const bool next = b < r_.expected;
        const int64_t rx_after = next ? rec_.slot(b)->rx_ns : -1;
        if (next ? rx_after < e0 : last_t < e0) return;
        if (opt_.events.size() >= 2 && first_t >= opt_.events[1].ns) return;
        if (r_.outage && r_.outage->lost >= uint64_t(b - s)) return;
        Outage o;
        o.from_seq = s, o.to_seq = b - 1, o.lost = b - s;
        o.last_rx_before_ns = s > 0 ? rec_.slot(s - 1)->rx_ns : -1;
        o.first_rx_after_ns = rx_after;
        r_.outage = o;
    }

    void finish() {
        r_.latency_avg_ns = lat_n_ ? lat_sum_ / double(lat_n_) : 0;
        if (!opt_.events.empty()) {
            const int64_t e0 = opt_.events[0].ns;
            if (r_.outage) {
                if (r_.outage->first_rx_after_ns >= 0)
                    r_.first_rx_after_event_ns = r_.outage->first_rx_after_ns - e0;
            } else if (first_rx_after_ >= 0) {
                r_.first_rx_after_event_ns = first_rx_after_ - e0;
            }
        }
        for (const HostReport& h : r_.per_host) {
            if (h.lost > 0) ++r_.hosts_with_loss;
            if (h.lost_by_phase[size_t(Phase::after)] > 0) ++r_.hosts_with_loss_after;
        }
        r_.sent_before_kill = r_.delivered_before_kill + r_.lost_by_phase[size_t(Phase::before)];
        if (r_.offered_pps > 0) r_.probe_cycle_ms = double(r_.hosts) * 1e3 / r_.offered_pps;
        if (!first_after_takeover_.empty()) {
            int64_t last = takeover_ns_;
            for (const int64_t t : first_after_takeover_) {
                if (t < 0)
                    ++r_.hosts_silent_after;
                else
                    last = std::max(last, t);
            }
            if (r_.hosts_silent_after == 0) r_.time_to_all_hosts_ns = last - takeover_ns_;
        }
    }

    const Recorder& rec_;
    const AnalysisOptions& opt_;
    Report& r_;
    std::vector<HostWalk> walk_;
    int64_t bucket_ns_ = 1;
    double interval_ns_ = 0;
    double lat_sum_ = 0;
    uint64_t lat_n_ = 0;
    int64_t first_rx_after_ = -1;
    int64_t takeover_ns_ = 0;
    std::vector<int64_t> first_after_takeover_; // per host; -1: nothing yet
};

} // namespace

Report analyze(const Recorder& rec, const AnalysisOptions& opt) {
    Report r;
    r.run = rec.run();
    r.received = rec.counted();
    r.duplicates = rec.duplicates();
    r.other_run = rec.other_run();
    r.out_of_range = rec.out_of_range();
    r.events = opt.events;
    r.start_ns = opt.start_ns;
    r.bucket_ms = opt.bucket_ms;
    r.max_per_host = opt.max_per_host;
    r.hosts = opt.hosts;
    if (r.hosts == 0 && opt.tx) r.hosts = opt.tx->hosts;
    if (r.hosts == 0) r.hosts = uint32_t(rec.hosts().size());
    if (opt.tx) r.sent = opt.tx->sent;
    r.expected = std::max<uint64_t>(opt.tx ? opt.tx->sent : 0, rec.seq_end());
    r.expected = std::min<uint64_t>(r.expected, Recorder::kMaxSeq);
    if (r.hosts == 0) {
        r.expected = 0; // nothing sent that we know of, nothing received
        return r;
    }

    // Each host's address: from its own probes, else from any other host's
    // (the addresses are consecutive from the generator's --first).
    const auto& seen = rec.hosts();
    std::optional<uint32_t> base;
    for (size_t i = 0; i < seen.size() && !base; ++i)
        if (seen[i].received > 0) base = seen[i].ip - uint32_t(i);
    r.per_host.resize(r.hosts);
    for (uint32_t h = 0; h < r.hosts; ++h) {
        HostReport& hr = r.per_host[h];
        hr.index = h;
        if (h < seen.size() && seen[h].received > 0) {
            hr.received = seen[h].received;
            hr.first_seq = seen[h].first_seq, hr.last_seq = seen[h].last_seq;
            hr.ip = seen[h].ip;
        } else if (base) {
            hr.ip = *base + h;
        }
    }

    // The offered rate: from the tx summary's stamps, else from the stamps of
    // the first and last sequence received.
    if (opt.tx && opt.tx->sent > 1 && opt.tx->last_tx_ns > opt.tx->first_tx_ns) {
        r.offered_pps = double(opt.tx->sent - 1) * 1e9 / double(opt.tx->last_tx_ns - opt.tx->first_tx_ns);
    } else {
        std::optional<uint32_t> lo, hi;
        for (uint32_t g = 0; g < rec.seq_end() && !lo; ++g)
            if (rec.received(g)) lo = g;
        for (uint32_t g = rec.seq_end(); g > 0 && !hi; --g)
            if (rec.received(g - 1)) hi = g - 1;
        if (lo && hi && *hi > *lo) {
            const int64_t dt = rec.slot(*hi)->tx_ns - rec.slot(*lo)->tx_ns;
            if (dt > 0) r.offered_pps = double(*hi - *lo) * 1e9 / double(dt);
        }
    }

    Walker(rec, opt, r).run();
    return r;
}

namespace {

class Json {
  public:
    Json& raw(std::string_view s) { return out_.append(s), *this; }
    Json& key(std::string_view k) { return str(k).raw(": "); }
    Json& str(std::string_view s) {
        out_ += '"';
        for (const char c : s) {
            if (c == '"' || c == '\\')
                out_ += '\\', out_ += c;
            else if (uint8_t(c) < 0x20)
                out_ += "\\u00", out_ += "0123456789abcdef"[uint8_t(c) >> 4],
                    out_ += "0123456789abcdef"[c & 15];
            else
                out_ += c;
        }
        out_ += '"';
        return *this;
    }
    Json& num(int64_t v) { return raw(std::to_string(v)); }
    Json& num(uint64_t v) { return raw(std::to_string(v)); }
    Json& num(uint32_t v) { return num(uint64_t(v)); }
    Json& num(double v, int digits) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.*f", digits, v);
        return raw(buf);
    }
    template <class T>
    Json& opt(const std::optional<T>& v) {
        if (!v) return raw("null");
        if constexpr (std::is_signed_v<T>)
            return num(int64_t(*v));
        else
            return num(uint64_t(*v));
    }
    Json& time(int64_t ns) { return ns < 0 ? raw("null") : num(ns); } // -1: none
    std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

void phases(Json& j, const std::array<uint64_t, 3>& lost) {
    j.key("lost_before").num(lost[0]).raw(", ").key("lost_detection").num(lost[1]);
    j.raw(", ").key("lost_after").num(lost[2]);
}

} // namespace

std::string to_json(const Report& r) {
    Json j;
    j.raw("{\n  ").key("tool").str("wg-trafgen rx");
    j.raw(",\n  ").key("run").opt(r.run);
    j.raw(",\n  ").key("hosts").num(r.hosts);
    j.raw(",\n  ").key("sent").opt(r.sent);
    j.raw(",\n  ").key("expected").num(r.expected);
    j.raw(",\n  ").key("received").num(r.received);
    j.raw(",\n  ").key("duplicates").num(r.duplicates);
    j.raw(",\n  ").key("other_run").num(r.other_run);
    j.raw(",\n  ").key("out_of_range").num(r.out_of_range);
    j.raw(",\n  ").key("offered_pps").num(r.offered_pps, 1);
    j.raw(",\n  ").key("lost_total").num(r.lost_total).raw(",\n  ");
    phases(j, r.lost_by_phase);
    j.raw(",\n  ").key("hosts_with_loss").num(r.hosts_with_loss);
    j.raw(",\n  ").key("hosts_with_loss_after").num(r.hosts_with_loss_after);
    j.raw(",\n  ").key("first_rx_after_event_ns").opt(r.first_rx_after_event_ns);
    j.raw(",\n  ").key("sent_before_kill").num(r.sent_before_kill);
    j.raw(",\n  ").key("delivered_before_kill").num(r.delivered_before_kill);
    j.raw(",\n  ").key("delivered_before_kill_ratio");
    if (r.sent_before_kill > 0)
        j.num(double(r.delivered_before_kill) / double(r.sent_before_kill), 6);
    else
        j.raw("null");
    j.raw(",\n  ").key("time_to_all_hosts_ns").opt(r.time_to_all_hosts_ns);
    j.raw(",\n  ").key("hosts_silent_after").num(r.hosts_silent_after);
    j.raw(",\n  ").key("probe_cycle_ms").num(r.probe_cycle_ms, 1);
    j.raw(",\n  ").key("outage");
    if (r.outage) {
        const Outage& o = *r.outage;
        j.raw("{").key("from_seq").num(o.from_seq).raw(", ").key("to_seq").num(o.to_seq);
        j.raw(", ").key("lost").num(o.lost).raw(", ").key("last_rx_before_ns").time(o.last_rx_before_ns);
        j.raw(", ").key("first_rx_after_ns").time(o.first_rx_after_ns).raw("}");
    } else {
        j.raw("null");
    }
    j.raw(",\n  ").key("latency_us").raw("{").key("min").num(double(r.latency_min_ns) / 1e3, 1);
    j.raw(", ").key("avg").num(r.latency_avg_ns / 1e3, 1);
    j.raw(", ").key("max").num(double(r.latency_max_ns) / 1e3, 1).raw("}");
    j.raw(",\n  ").key("port").raw("{");
    for (size_t i = 0; i < r.port_stats.size(); ++i)
        j.raw(i ? ", " : "").key(r.port_stats[i].first).num(r.port_stats[i].second);
    j.raw("}");
    j.raw(",\n  ").key("events").raw("[");
    for (size_t i = 0; i < r.events.size(); ++i) {
        const Event& e = r.events[i];
        j.raw(i ? ", " : "").raw("{").key("name").str(e.name).raw(", ").key("ns").num(e.ns);
        j.raw(", ").key("t_ms").num(double(e.ns - r.start_ns) / 1e6, 3).raw("}");
    }
    j.raw("]");
    j.raw(",\n  ").key("series").raw("{").key("start_ns").num(r.start_ns);
    j.raw(", ").key("bucket_ms").num(r.bucket_ms);
    for (const auto& [name, series] :
         {std::pair{"received", &r.rx_series}, std::pair{"lost", &r.lost_series}}) {
        j.raw(",\n    ").key(name).raw("[");
        for (size_t i = 0; i < series->size(); ++i)
            j.raw(i ? "," : "").num((*series)[i]);
        j.raw("]");
    }
    j.raw("}");
    // Past max_per_host hosts, only those with loss are listed (in index
    // order, up to max_per_host): 100k lines would make the report the
    // bulk of the run.
    const bool cap = r.max_per_host > 0 && r.per_host.size() > r.max_per_host;
    size_t listed = 0;
    for (const HostReport& h : r.per_host)
        if (!cap || (h.lost > 0 && listed < r.max_per_host)) ++listed;
    j.raw(",\n  ").key("per_host_listed").num(uint64_t(listed));
    j.raw(",\n  ").key("per_host_omitted").num(uint64_t(r.per_host.size() - listed));
    j.raw(",\n  ").key("per_host").raw("[");
    size_t written = 0;
    for (size_t i = 0; i < r.per_host.size(); ++i) {
        const HostReport& h = r.per_host[i];
        if (cap && (h.lost == 0 || written >= r.max_per_host)) continue;
        j.raw(written++ ? ",\n    " : "\n    ").raw("{").key("host").str(h.ip ? Ipv4{h.ip}.str() : "");
        j.raw(", ").key("index").num(h.index).raw(", ").key("received").num(h.received);
        j.raw(", ").key("first_seq").num(h.first_seq).raw(", ").key("last_seq").num(h.last_seq);
        j.raw(", ").key("lost").num(h.lost).raw(", ");
        phases(j, h.lost_by_phase);
        j.raw(", ").key("gaps_total").num(h.gaps_total).raw(", ").key("gaps").raw("[");
        for (size_t k = 0; k < h.gaps.size(); ++k) {
            const Gap& g = h.gaps[k];
            j.raw(k ? ", " : "").raw("{").key("from").num(g.from).raw(", ").key("to").num(g.to);
            j.raw(", ").key("lost").num(g.lost).raw(", ").key("phase").str(phase_name(g.phase));
            j.raw(", ").key("first_lost_tx_ns").num(g.first_lost_tx_ns);
            j.raw(", ")
                .key("tx_before_ns")
                .time(g.tx_before_ns)
                .raw(", ")
                .key("rx_before_ns")
                .time(g.rx_before_ns);
            j.raw(", ")
                .key("tx_after_ns")
                .time(g.tx_after_ns)
                .raw(", ")
                .key("rx_after_ns")
                .time(g.rx_after_ns);
            j.raw("}");
        }
        j.raw("]}");
    }
    j.raw(written == 0 ? "]\n}\n" : "\n  ]\n}\n");
    return j.take();
}

} // namespace wg::trafgen
