// `display remote-backup-service [NAME]` (seed: dual-device ARP hot backup,
// step 5): the seed's nine fields in its order and labels, label width 17,
// rule width 58; then what the seed does not show but an operator needs
// (session, TLS, role, counters). Field names are declared once here; state
// names come from sync/connection.hpp, counters from rbs_impl.hpp.
#include "sync/rbs_impl.hpp"

#include <cstdio>

namespace wg::sync {

namespace {

// X(key, label): the seed's fields first, in its order.
#define WG_RBS_FIELDS(X)                                                                                     \
    X(service_index, "Service-Index")                                                                        \
    X(service_name, "Service-Name")                                                                          \
    X(tcp_state, "TCP-State")                                                                                \
    X(peer_ip, "Peer-ip")                                                                                    \
    X(source_ip, "Source-ip")                                                                                \
    X(tcp_port, "TCP-Port")                                                                                  \
    X(track_bfd, "Track-BFD")                                                                                \
    X(ssl_policy_name, "SSL-Policy-Name")                                                                    \
    X(ssl_state, "SSL-State")                                                                                \
    X(role, "Role")                                                                                          \
    X(tls_version, "TLS-Version")                                                                            \
    X(tls_cipher, "TLS-Cipher")                                                                              \
    X(peer_certificate, "Peer-Certificate")                                                                  \
    X(uptime, "Uptime")                                                                                      \
    X(reconnects, "Reconnects")                                                                              \
    X(last_down, "Last-Down")                                                                                \
    X(candidates, "Candidates")                                                                              \
    X(last_refused, "Last-Refused")                                                                          \
    X(counters, "Counters")

enum class F : unsigned {
#define WG_X(key, label) key,
    WG_RBS_FIELDS(WG_X)
#undef WG_X
};
constexpr control::FieldDesc kFields[] = {WG_RBS_FIELDS(WG_FIELD_DESC)};

const control::FieldDesc& f(F x) {
    return kFields[unsigned(x)];
}

control::Scalar or_null(const std::string& s) {
    return s.empty() ? control::Scalar() : control::Scalar(s);
}

// "2d 03:04:05" / "00:01:02".
std::string duration_text(std::chrono::seconds d) {
    long long s = d.count();
    char buf[48];
    if (s >= 86400)
        std::snprintf(buf, sizeof buf, "%lldd %02lld:%02lld:%02lld", s / 86400, s / 3600 % 24, s / 60 % 60,
                      s % 60);
    else
        std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    return buf;
}

} // namespace

control::Report Rbs::report() const {
    control::Report r;
    r.set_rule_width(58);
    r.declare_list("services");
    add_to(r);
    return r;
}

void Rbs::add_to(control::Report& r) const {
    const auto& d = *impl_;
    auto& s = r.add_list_item("services");
    s.set_label_width(17);
    s.add(f(F::service_index), opt_.index);
    s.add(f(F::service_name), opt_.name);
    s.add(f(F::tcp_state), conn::name(d.m.tcp_state()));
    s.add(f(F::peer_ip), opt_.peer.str());
    s.add(f(F::source_ip), opt_.source.str());
    s.add(f(F::tcp_port), opt_.port);
    s.add(f(F::track_bfd), control::Null{}); // BFD tracking is not supported: always "--"
    s.add(f(F::ssl_policy_name), or_null(opt_.ssl_policy));
    s.add(f(F::ssl_state), conn::name(d.m.ssl_state()));

    s.add(f(F::role), conn::to_string(d.m.role()));
    bool up = d.m.up();
    s.add(f(F::tls_version), up ? or_null(d.tls_version) : control::Scalar());
    s.add(f(F::tls_cipher), up ? or_null(d.tls_cipher) : control::Scalar());
    s.add(f(F::peer_certificate), up ? or_null(d.peer_name) : control::Scalar());
    if (auto since = d.m.established_at())
        s.add(f(F::uptime),
              duration_text(std::chrono::duration_cast<std::chrono::seconds>(d.loop.now() - *since)));
    else
        s.add(f(F::uptime), control::Null{});
    s.add(f(F::reconnects), d.reconnects);
    s.add(f(F::last_down), or_null(d.last_down));
    s.add(f(F::candidates), uint64_t(d.m.candidates())); // incoming connections authenticating now
    s.add(f(F::last_refused), or_null(d.last_refused));
    control::Record counters;
    counters.add_counters(kRbsCounterInfo, d.stats.v);
    s.add(f(F::counters), std::move(counters));
}

} // namespace wg::sync
