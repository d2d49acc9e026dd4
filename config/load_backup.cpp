// YAML → Config, pass 1 for the remote-backup chain of the seed's
// "Configuration Roadmap": pki_domain → ssl_policy → remote_backup_service
// → remote_backup_profile. Shape, types and ranges only; references between
// them are checked in validate.cpp.
#include "config/keys.hpp"
#include "config/loader_internal.hpp"

#include <algorithm>
#include <iterator>

namespace wg::config::detail {

namespace {

const Field* find_field(const std::vector<Field>& fields, std::string_view key) {
    for (const auto& f : fields)
        if (f.name == key) return &f;
    return nullptr;
}

class BackupParser {
public:
    BackupParser(Reader& reader, Config& config, Locations& locs) : r_(reader), c_(config), l_(locs) {}

    void section(const Field& f) {
        if (empty_section(f)) return;
        if (f.name == "pki_domain")
            pki_domains(f);
        else if (f.name == "ssl_policy")
            ssl_policies(f);
        else if (f.name == "remote_backup_service")
            services(f);
        else if (f.name == "remote_backup_profile")
            profiles(f);
    }

private:
    // A name that keys a map of objects (pki_domain: {domain1: ...}).
    std::optional<std::string> object_name(const Field& entry, std::string_view kind) {
        const std::string& name = entry.name;
        if (detail::valid_name(name)) return name;
        r_.error(entry.key_loc(), std::string(kind) + " name '" + name + "' is invalid (expected " +
                                      std::string(kNameRule) + ")");
        return std::nullopt;
    }

    void pki_domains(const Field& f) {
        if (!r_.expect_map(f, "pki_domain")) return;
        for (const auto& entry : r_.entries(f.value, "in pki_domain")) {
            auto name = object_name(entry, "pki_domain");
            if (!name) continue;
            PkiDomain d;
            d.name = *name;
            PkiLocs pl;
            const std::string ctx = "pki_domain '" + d.name + "'";
            if (r_.expect_map(entry, ctx)) {
                const auto fields = r_.fields(entry.value, "in " + ctx, {"ca", "certificate", "key"});
                for (auto key : {"ca", "certificate", "key"})
                    r_.require(fields, key, "in " + ctx, entry.key_loc());
                for (const auto& v : fields) {
                    auto path = r_.string(v, v.name);
                    if (!path) continue;
                    if (v.name == "ca")
                        d.ca = *path, pl.ca = v.value_loc();
                    else if (v.name == "certificate")
                        d.certificate = *path, pl.certificate = v.value_loc();
                    else if (v.name == "key")
                        d.key = *path, pl.key = v.value_loc();
                }
            }
            c_.pki_domain.push_back(std::move(d));
            l_.pki_domain.push_back(pl);
        }
    }

    void ssl_policies(const Field& f) {
        if (!r_.expect_map(f, "ssl_policy")) return;
        for (const auto& entry : r_.entries(f.value, "in ssl_policy")) {
            auto name = object_name(entry, "ssl_policy");
            if (!name) continue;
            SslPolicy p;
            p.name = *name;
            SslLocs sl;
            const std::string ctx = "ssl_policy '" + p.name + "'";
            if (r_.expect_map(entry, ctx)) {
                const auto fields = r_.fields(entry.value, "in " + ctx, {"pki_domain", "peer_identity"});
                r_.require(fields, "pki_domain", "in " + ctx, entry.key_loc());
                if (const Field* v = find_field(fields, "pki_domain"))
                    if (auto s = r_.string(*v, "pki_domain"))
                        p.pki_domain = *s, sl.pki_domain = v->value_loc();
                if (const Field* v = find_field(fields, "peer_identity"))
                    if (auto s = r_.string(*v, "peer_identity")) p.peer_identity = *s;
            }
            c_.ssl_policy.push_back(std::move(p));
            l_.ssl_policy.push_back(sl);
        }
    }

    void services(const Field& f) {
        if (!r_.expect_map(f, "remote_backup_service")) return;
        for (const auto& entry : r_.entries(f.value, "in remote_backup_service")) {
            auto name = object_name(entry, "remote_backup_service");
            if (!name) continue;
            RemoteBackupService s;
            s.name = *name;
            RbsLocs sl;
            const std::string ctx = "remote_backup_service '" + s.name + "'";
            if (r_.expect_map(entry, ctx)) {
                // Scalar keys: config/keys.cpp; the locations validate.cpp needs.
                for (const auto& v : keys::read(r_, entry.value, "in " + ctx, keys::remote_backup_service(),
                                                s, entry.key_loc())) {
                    if (!v.ok) continue;
                    const Loc at = v.field.value_loc();
                    if (v.field.name == "ssl_policy")
                        sl.ssl_policy = at;
                    else if (v.field.name == "peer")
                        sl.peer = at;
                    else if (v.field.name == "source")
                        sl.source = at;
                    else if (v.field.name == "port")
                        sl.port = at;
                    else if (v.field.name == "dead_ms")
                        sl.dead_ms = at;
                    else if (v.field.name == "reconnect_max_ms")
                        sl.reconnect_max_ms = at;
                }
            }
            c_.remote_backup_service.push_back(std::move(s));
            l_.rbs.push_back(sl);
        }
    }

    void profiles(const Field& f) {
        if (!r_.expect_map(f, "remote_backup_profile")) return;
        for (const auto& entry : r_.entries(f.value, "in remote_backup_profile")) {
            auto name = object_name(entry, "remote_backup_profile");
            if (!name) continue;
            RemoteBackupProfile p;
            p.name = *name;
            RbpLocs pl;
            const std::string ctx = "remote_backup_profile '" + p.name + "'";
            if (r_.expect_map(entry, ctx)) {
                // Scalar keys: config/keys.cpp; `vrrp` is read here.
                for (const auto& v : keys::read(r_, entry.value, "in " + ctx, keys::remote_backup_profile(),
                                                p, entry.key_loc())) {
                    if (v.custom)
                        profile_vrrp(v.field, p, pl);
                    else if (v.ok && v.field.name == "backup_id")
                        pl.backup_id = v.field.value_loc();
                    else if (v.ok && v.field.name == "remote_backup_service")
                        pl.rbs = v.field.value_loc();
                }
            }
            c_.remote_backup_profile.push_back(std::move(p));
            l_.rbp.push_back(pl);
        }
    }

    void profile_vrrp(const Field& f, RemoteBackupProfile& p, RbpLocs& pl) {
        const std::string ctx = "in vrrp of remote_backup_profile '" + p.name + "'";
        if (!r_.expect_map(f, "vrrp")) return;
        const auto fields = r_.fields(f.value, ctx, {"vrid", "interface", "authentication"});
        r_.require(fields, "vrid", ctx, f.key_loc());
        r_.require(fields, "interface", ctx, f.key_loc());
        for (const auto& v : fields) {
            if (v.name == "vrid") {
                if (auto x = r_.integer(v, "vrid", kVridMin, kVridMax))
                    p.vrrp.vrid = uint8_t(*x), pl.vrid = v.value_loc();
            } else if (v.name == "interface") {
                if (auto x = r_.string(v, "interface")) p.vrrp.interface = *x, pl.interface = v.value_loc();
            } else if (v.name == "authentication") {
                authentication(v, p.vrrp.authentication);
                pl.auth = v.key_loc();
            }
        }
    }

    // seed: "vrrp vrid 1 authentication-mode md5 YsH_2022". RFC 2338 §5.3.6:
    // simple text authentication carries at most 8 octets.
    void authentication(const Field& f, VrrpAuth& auth) {
        if (!r_.expect_map(f, "authentication")) return;
        const auto fields = r_.fields(f.value, "in authentication", {"mode", "key"});
        r_.require(fields, "mode", "in authentication", f.key_loc());
        const Field* mode_f = find_field(fields, "mode");
        const Field* key_f = find_field(fields, "key");
        std::optional<AuthMode> mode;
        std::string mode_text;
        if (mode_f) {
            if (auto m = r_.string(*mode_f, "authentication mode")) {
                mode_text = *m;
                if (*m == "none")
                    mode = AuthMode::none;
                else if (*m == "simple")
                    mode = AuthMode::simple;
                else if (*m == "md5")
                    mode = AuthMode::md5;
                else
                    r_.error(mode_f->value_loc(),
                             "authentication mode '" + *m +
                                 "' is not supported (expected one of: none, simple, md5)");
            }
        }
        std::optional<std::string> key;
        if (key_f) key = r_.string(*key_f, "authentication key");
        if (!mode) return;
        auth.mode = *mode;
        if (*mode == AuthMode::none) {
            if (key_f) r_.error(key_f->key_loc(), "authentication key is not allowed for mode none");
            return;
        }
        if (!key_f) {
            r_.error(mode_f->value_loc(), "authentication key is required for mode " + mode_text);
            return;
        }
        if (!key) return;
        const size_t max = *mode == AuthMode::simple ? kAuthKeyMaxSimple : kAuthKeyMaxMd5;
        if (key->size() > max) {
            r_.error(key_f->value_loc(), "authentication key for mode " + mode_text + " is " +
                                             std::to_string(key->size()) + " characters long (at most " +
                                             std::to_string(max) + ")");
            return;
        }
        auth.key = *key;
    }

    Reader& r_;
    Config& c_;
    Locations& l_;
};

} // namespace

void backup_section(Reader& reader, Config& config, Locations& locs, const Field& f) {
    BackupParser(reader, config, locs).section(f);
}

} // namespace wg::config::detail
