// VRP configuration text → Config (see vrp_import.hpp).
//
// The text is read one line at a time. A line's meaning comes from its
// keywords; the block it belongs to (interface, ssl policy, RBS, RBP, ...) is
// the one opened by the last block-opening line. Indentation is only a hint,
// because the seed's own "Configuration Files" indent ` ssl policy policy1`
// under the global `pki import-certificate` line: an indented line is first
// read as a command of the current block, an unindented one first as a global
// command. That is what tells an interface's ` remote-backup-profile P`
// binding from a new top-level `remote-backup-profile P` block.
//
// Three outcomes per line: understood (applied), understood but malformed
// (error: bad address, number out of range, missing or extra words), or not
// understood (warning naming the line: `ospf 1`, and each line of its block,
// since an unknown unindented line opens a block whose lines are unknown too).

#include "config/vrp_import.hpp"
#include "config/vrp_lex.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace wg::config {
namespace {

using vrp::Fit;
using vrp::iequals;
using vrp::is_blank;
using vrp::Match;
using vrp::Token;
using vrp::tokenize;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Every echo of the text goes through here: shown() cuts a long word or line.
std::string quote(std::string_view s) { return "'" + shown(s) + "'"; }

constexpr size_t kNameMaxChars = 64;

bool is_loopback(std::string_view name) { return name.starts_with("LoopBack"); }

std::string join_path(const std::string& dir, const std::string& file) {
    if (dir.empty()) return file;
    return dir.back() == '/' ? dir + file : dir + "/" + file;
}

class Importer {
public:
    Importer(const std::string& file, const ImportOptions& options) : file_(file), opt_(options) {}

    void feed(std::string_view text);
    ImportResult finish();

private:
    enum class Block { global, interface, pki_domain, ssl_policy, rbs, rbp, ignored };

    struct IfaceState {
        Interface iface;
        int line = 0, column = 0;
        std::optional<unsigned> recover_delay; // `vrrp recover-delay`: every group of the interface
        std::unordered_set<uint64_t> vips;     // vrid << 32 | VIP: a repeated virtual-ip line is a no-op
    };
    struct DomainState {
        PkiDomain domain;
        int line = 0, column = 0;
        bool has_ca = false;
    };
    struct ProfileState {
        RemoteBackupProfile profile;
        int auth_line = 0, auth_column = 0;
        unsigned auth_vrid = 0;
    };

    void line(std::string_view text);
    bool global_commands();
    bool block_commands();
    bool interface_commands();
    bool rbs_commands();
    bool rbp_commands();

    // Runs HANDLER with the pattern's arguments when the line fits PATTERN;
    // remembers a near miss (right keywords, wrong number of words).
    template <class F>
    bool on(std::string_view pattern, F&& handler) {
        Match m = vrp::match(toks_, pattern);
        if (m.fit == Fit::yes) {
            handler(m.args);
            return true;
        }
        if (m.fit == Fit::too_short && !near_miss_)
            near_miss_ = {toks_.front().column, "incomplete command " + quote(trimmed_)};
        if (m.fit == Fit::too_long && !near_miss_) {
            auto extra = std::find_if(toks_.begin(), toks_.end(),
                                      [&](const Token& t) { return t.column == m.column; });
            near_miss_ = {m.column, "unexpected " + quote(extra->text) + " in " + quote(trimmed_)};
        }
        return false;
    }

    void warn(int line, int column, std::string message) {
        if (out_.warnings.size() >= kImportMaxMessages) {
            ++warnings_dropped_;
            return;
        }
        out_.warnings.push_back({file_, line, column, "warning: " + std::move(message)});
    }
    void error(int line, int column, std::string message) {
        if (out_.errors.size() >= kImportMaxMessages) {
            ++errors_dropped_;
            return;
        }
        out_.errors.push_back({file_, line, column, "error: " + std::move(message)});
    }
    void error_at(const Token& t, std::string message) { error(lineno_, t.column, std::move(message)); }

    // Names of objects become YAML keys: at most kNameMaxChars (the loader's
    // bound, docs/config.md), which also keeps them under yaml-cpp's 1024
    // characters for a key. Reports an error at T otherwise.
    bool name_fits(const Token& t, std::string_view name) {
        if (name.size() <= kNameMaxChars) return true;
        error_at(t, "name " + quote(name) + " is longer than " + std::to_string(kNameMaxChars) + " characters");
        return false;
    }

    // Argument parsers: report an error at the token and return nullopt.
    std::optional<unsigned> number(const Token& t, std::string_view what, unsigned min, unsigned max);
    std::optional<Ipv4> ipv4(const Token& t);
    std::optional<uint8_t> mask_len(const Token& t);
    std::optional<std::string> ifname(const std::vector<Token>& toks);
    std::optional<std::string> service_type(const Token& t);

    VrrpGroup& group(uint8_t vrid);
    // The index of the object named NAME in V, added when new; INDEX maps
    // names to indexes so that n objects cost O(n), not O(n²).
    template <class V, class GetName>
    size_t find_or_add(V& v, std::unordered_map<std::string, size_t>& index, std::string_view name,
                       GetName get_name);

    const std::string& file_;
    const ImportOptions& opt_;
    ImportResult out_;
    std::string sysname_;
    bool has_sysname_ = false;
    bool arp_strict_ = false; // `arp learning strict` (docs/config.md "arp": learning: strict)
    std::vector<IfaceState> ifaces_;
    std::vector<DomainState> domains_;
    std::vector<SslPolicy> policies_;
    std::vector<RemoteBackupService> services_;
    std::vector<ProfileState> profiles_;
    std::unordered_map<std::string, size_t> iface_index_, domain_index_, policy_index_, service_index_,
        profile_index_;
    size_t warnings_dropped_ = 0, errors_dropped_ = 0;

    Block block_ = Block::global;
    size_t current_ = 0; // index of the open block's object in its vector
    int lineno_ = 0;
    std::string_view trimmed_;
    std::vector<Token> toks_;
    std::optional<std::pair<int, std::string>> near_miss_;
};

template <class V, class GetName>
size_t Importer::find_or_add(V& v, std::unordered_map<std::string, size_t>& index, std::string_view name,
                             GetName get_name) {
    const auto [it, fresh] = index.try_emplace(std::string(name), v.size());
    if (!fresh) return it->second;
    v.emplace_back();
    get_name(v.back()) = std::string(name);
    return it->second;
}

std::optional<unsigned> Importer::number(const Token& t, std::string_view what, unsigned min, unsigned max) {
    unsigned long value = 0;
    const char* end = t.text.data() + t.text.size();
    auto [p, ec] = std::from_chars(t.text.data(), end, value);
    if (t.text.empty() || !std::isdigit(static_cast<unsigned char>(t.text[0])) || p != end ||
        ec == std::errc::invalid_argument) {
        error_at(t, "bad " + std::string(what) + " " + quote(t.text) + ": not a number");
        return std::nullopt;
    }
    if (ec == std::errc::result_out_of_range || value < min || value > max) {
        error_at(t, std::string(what) + " " + std::string(t.text) + " out of range " + std::to_string(min) +
                        ".." + std::to_string(max));
        return std::nullopt;
    }
    return static_cast<unsigned>(value);
}

std::optional<Ipv4> Importer::ipv4(const Token& t) {
    auto ip = Ipv4::parse(t.text);
    if (!ip) error_at(t, "bad IPv4 address " + quote(t.text));
    return ip;
}

// `ip address A MASK`: a dotted mask (255.255.255.0) or a length (24).
std::optional<uint8_t> Importer::mask_len(const Token& t) {
    if (!t.text.empty() && t.text.find('.') == std::string_view::npos) {
        auto n = number(t, "mask length", 0, 32);
        return n ? std::optional<uint8_t>(static_cast<uint8_t>(*n)) : std::nullopt;
    }
    auto m = Ipv4::parse(t.text);
    if (!m) {
        error_at(t, "bad mask " + quote(t.text));
        return std::nullopt;
    }
    // Contiguous: the inverted mask is 2^k - 1 (ones only at the bottom).
    uint32_t host = ~m->value;
    if ((host & (host + 1)) != 0) {
        error_at(t, "non-contiguous mask " + quote(t.text));
        return std::nullopt;
    }
    return static_cast<uint8_t>(std::popcount(m->value));
}

std::optional<std::string> Importer::ifname(const std::vector<Token>& toks) {
    // "GigabitEthernet0/1/0" or "gigabitethernet 0/1/0": one or two words.
    if (toks.size() > 2) {
        error_at(toks[2], "unexpected " + quote(toks[2].text) + " after the interface name");
        return std::nullopt;
    }
    std::string joined(toks[0].text);
    if (toks.size() == 2) joined += toks[1].text;
    auto name = normalize_interface_name(joined);
    if (!name) error_at(toks[0], "bad interface name " + quote(joined));
    return name;
}

std::optional<std::string> Importer::service_type(const Token& t) {
    // Only ARP is replicated (docs/sync-protocol.md "4.1 Roles, streams, scope").
    if (!iequals(t.text, "arp")) {
        error_at(t, "unsupported service type " + quote(t.text) + " (supported: arp)");
        return std::nullopt;
    }
    return std::string("arp");
}

VrrpGroup& Importer::group(uint8_t vrid) {
    auto& groups = ifaces_[current_].iface.vrrp;
    for (auto& g : groups)
        if (g.vrid == vrid) return g;
    groups.emplace_back();
    groups.back().vrid = vrid;
    return groups.back();
}

void Importer::feed(std::string_view text) {
    size_t pos = 0;
    for (;;) {
        size_t nl = text.find('\n', pos);
        ++lineno_;
        const std::string_view one =
            text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        if (one.size() > kImportMaxLineBytes)
            error(lineno_, 1,
                  "line is " + std::to_string(one.size()) + " bytes long (at most " +
                      std::to_string(kImportMaxLineBytes) + "); ignored: " + quote(one));
        else
            line(one);
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
}

void Importer::line(std::string_view text) {
    toks_ = tokenize(text);
    if (toks_.empty()) return;
    trimmed_ = text.substr(static_cast<size_t>(toks_.front().column - 1));
    while (!trimmed_.empty() && is_blank(trimmed_.back())) trimmed_.remove_suffix(1);
    // `#` separates the sections of a VRP configuration: it closes any block.
    if (toks_.front().text.starts_with('#')) {
        block_ = Block::global;
        return;
    }
    near_miss_.reset();
    bool indented = toks_.front().column > 1;
    bool done = indented ? (block_commands() || global_commands()) : (global_commands() || block_commands());
    if (done) return;
    if (near_miss_) {
        error(lineno_, near_miss_->first, near_miss_->second);
        return;
    }
    warn(lineno_, toks_.front().column, "ignored: " + quote(trimmed_));
    // An unknown top-level command (`ospf 1`) opens a block whose lines are
    // unknown too: they must not be applied to the block before it.
    if (!indented) block_ = Block::ignored;
}

bool Importer::global_commands() {
    return on("sysname *",
              [&](auto& a) {
                  sysname_ = a[0].text;
                  has_sysname_ = true;
                  block_ = Block::global;
              }) ||
           on("interface +",
              [&](auto& a) {
                  auto name = ifname(a);
                  if (name && !name_fits(a[0], *name)) name.reset();
                  if (!name) {
                      block_ = Block::ignored; // its lines must not land in the previous interface
                      return;
                  }
                  current_ = find_or_add(ifaces_, iface_index_, *name,
                                         [](IfaceState& s) -> std::string& { return s.iface.name; });
                  if (ifaces_[current_].line == 0) {
                      ifaces_[current_].line = lineno_;
                      ifaces_[current_].column = toks_.front().column;
                  }
                  block_ = Block::interface;
              }) ||
           on("pki domain *",
              [&](auto& a) {
                  if (!name_fits(a[0], a[0].text)) return void(block_ = Block::ignored);
                  current_ = find_or_add(domains_, domain_index_, a[0].text,
                                         [](DomainState& s) -> std::string& { return s.domain.name; });
                  if (domains_[current_].line == 0) {
                      domains_[current_].line = lineno_;
                      domains_[current_].column = toks_.front().column;
                  }
                  block_ = Block::pki_domain;
              }) ||
           on("pki import-certificate ca domain * filename *",
              [&](auto& a) {
                  block_ = Block::global;
                  auto it = domain_index_.find(std::string(a[0].text));
                  if (it == domain_index_.end()) {
                      error_at(a[0], "pki domain " + quote(a[0].text) + " is not defined above");
                      return;
                  }
                  domains_[it->second].domain.ca = a[1].text;
                  domains_[it->second].has_ca = true;
              }) ||
           on("ssl policy *",
              [&](auto& a) {
                  if (!name_fits(a[0], a[0].text)) return void(block_ = Block::ignored);
                  current_ = find_or_add(policies_, policy_index_, a[0].text,
                                         [](SslPolicy& p) -> std::string& { return p.name; });
                  block_ = Block::ssl_policy;
              }) ||
           on("remote-backup-service *",
              [&](auto& a) {
                  if (!name_fits(a[0], a[0].text)) return void(block_ = Block::ignored);
                  current_ = find_or_add(services_, service_index_, a[0].text,
                                         [](RemoteBackupService& s) -> std::string& { return s.name; });
                  block_ = Block::rbs;
              }) ||
           on("remote-backup-profile *",
              [&](auto& a) {
                  if (!name_fits(a[0], a[0].text)) return void(block_ = Block::ignored);
                  current_ = find_or_add(profiles_, profile_index_, a[0].text,
                                         [](ProfileState& p) -> std::string& { return p.profile.name; });
                  block_ = Block::rbp;
              }) ||
           on("arp learning strict",
              [&](auto&) {
                  arp_strict_ = true;
                  block_ = Block::global;
              }) ||
           on("return", [&](auto&) { block_ = Block::global; });
}

bool Importer::block_commands() {
    switch (block_) {
    case Block::interface:
        return interface_commands();
    case Block::ssl_policy:
        return on("pki-domain *", [&](auto& a) { policies_[current_].pki_domain = a[0].text; });
    case Block::rbs:
        return rbs_commands();
    case Block::rbp:
        return rbp_commands();
    case Block::global:
    case Block::pki_domain: // nothing inside a pki domain is carried over (certificates come from files)
    case Block::ignored:
        break;
    }
    return false;
}

bool Importer::interface_commands() {
    IfaceState& st = ifaces_[current_];
    auto vrid = [&](const Token& t) -> std::optional<uint8_t> {
        auto n = number(t, "vrid", kVridMin, kVridMax);
        return n ? std::optional<uint8_t>(static_cast<uint8_t>(*n)) : std::nullopt;
    };
    return on("undo shutdown", [](auto&) {}) ||
           on("shutdown",
              [&](auto&) {
                  warn(lineno_, toks_.front().column,
                       "'shutdown' not carried over: warmgate brings up every port it is given");
              }) ||
           on("ip address * *",
              [&](auto& a) {
                  auto ip = ipv4(a[0]);
                  auto len = mask_len(a[1]);
                  if (ip && len) st.iface.address = Prefix{*ip, *len};
              }) ||
           on("vrrp vrid * virtual-ip *",
              [&](auto& a) {
                  auto id = vrid(a[0]);
                  auto ip = ipv4(a[1]);
                  if (!id || !ip) return;
                  if (st.vips.insert(uint64_t(*id) << 32 | ip->value).second)
                      group(*id).virtual_ips.push_back(*ip);
              }) ||
           on("vrrp vrid * priority *",
              [&](auto& a) {
                  auto id = vrid(a[0]);
                  auto prio = number(a[1], "priority", kPriorityMin, kPriorityMax);
                  if (id && prio) group(*id).priority = static_cast<uint8_t>(*prio);
              }) ||
           on("vrrp vrid * preempt-mode timer delay *",
              [&](auto& a) {
                  auto id = vrid(a[0]);
                  auto delay = number(a[1], "preempt delay", 0, kDelayMaxS);
                  if (id && delay) group(*id).preempt = Preempt{true, *delay};
              }) ||
           on("vrrp vrid * preempt-mode disable",
              [&](auto& a) {
                  if (auto id = vrid(a[0])) group(*id).preempt = Preempt{false, 0};
              }) ||
           on("admin-vrrp vrid *",
              [&](auto& a) {
                  if (auto id = vrid(a[0])) group(*id).admin = true;
              }) ||
           on("vrrp recover-delay *",
              [&](auto& a) {
                  if (auto d = number(a[0], "recover-delay", 0, kDelayMaxS)) st.recover_delay = *d;
              }) ||
           on("remote-backup-profile *", [&](auto& a) { st.iface.remote_backup_profile = a[0].text; });
}

bool Importer::rbs_commands() {
    RemoteBackupService& s = services_[current_];
    auto batch = [&](auto& a) {
        auto type = service_type(a[0]);
        if (type && std::find(s.batch_backup.begin(), s.batch_backup.end(), *type) == s.batch_backup.end())
            s.batch_backup.push_back(*type);
    };
    return on("bind ssl-policy *", [&](auto& a) { s.ssl_policy = a[0].text; }) ||
           on("peer * source * port *",
              [&](auto& a) {
                  auto peer = ipv4(a[0]);
                  auto source = ipv4(a[1]);
                  auto port = number(a[2], "port", 1, 65535);
                  if (!peer || !source || !port) return;
                  s.peer = *peer;
                  s.source = *source;
                  s.port = static_cast<uint16_t>(*port);
              }) ||
           on("batch-backup service-type *", batch) || on("batch-backup service-type * now", batch);
}

bool Importer::rbp_commands() {
    ProfileState& st = profiles_[current_];
    RemoteBackupProfile& p = st.profile;
    return on("service-type *",
              [&](auto& a) {
                  auto type = service_type(a[0]);
                  if (type &&
                      std::find(p.service_type.begin(), p.service_type.end(), *type) == p.service_type.end())
                      p.service_type.push_back(*type);
              }) ||
           on("backup-id * remote-backup-service *",
              [&](auto& a) {
                  if (auto id = number(a[0], "backup-id", kBackupIdMin, kBackupIdMax)) p.backup_id = *id;
                  p.remote_backup_service = a[1].text;
              }) ||
           on("peer-backup *",
              [&](auto& a) {
                  // The seed's only mode; warm/cold backup would need other sync semantics.
                  if (!iequals(a[0].text, "hot"))
                      error_at(a[0],
                               "unsupported peer-backup mode " + quote(a[0].text) + " (supported: hot)");
                  else
                      p.peer_backup = "hot";
              }) ||
           on("vrrp-id * interface +",
              [&](auto& a) {
                  auto id = number(a[0], "vrid", kVridMin, kVridMax);
                  auto name = ifname(std::vector<Token>(a.begin() + 1, a.end()));
                  if (id) p.vrrp.vrid = static_cast<uint8_t>(*id);
                  if (name) p.vrrp.interface = *name;
              }) ||
           on("vrrp vrid * authentication-mode * *", [&](auto& a) {
               auto id = number(a[0], "vrid", kVridMin, kVridMax);
               std::string mode = lower(a[1].text);
               unsigned max_len = 0;
               if (mode == "md5") {
                   max_len = kAuthKeyMaxMd5;
                   p.vrrp.authentication.mode = AuthMode::md5;
               } else if (mode == "simple") {
                   max_len = kAuthKeyMaxSimple;
                   p.vrrp.authentication.mode = AuthMode::simple;
               } else {
                   error_at(a[1], "unknown authentication mode " + quote(a[1].text) + " (md5 or simple)");
                   return;
               }
               if (a[2].text.size() > max_len)
                   error_at(a[2], mode + " key longer than " + std::to_string(max_len) + " characters");
               p.vrrp.authentication.key = a[2].text;
               if (id) {
                   st.auth_vrid = *id;
                   st.auth_line = lineno_;
                   st.auth_column = a[0].column;
               }
           });
}

ImportResult Importer::finish() {
    Config& c = out_.config;
    if (!has_sysname_) error(0, 0, "no 'sysname' line");
    c.sysname = sysname_;
    if (arp_strict_) c.arp.learning = arp::Learning::strict;

    std::map<std::string, std::pair<std::string, bool>> ports; // normalised name → (spec, used)
    for (const auto& [name, spec] : opt_.ports) {
        auto n = normalize_interface_name(name);
        if (!n)
            error(0, 0, "--port: bad interface name " + quote(name));
        else
            ports[*n] = {spec, false};
    }
    for (auto& st : ifaces_) {
        if (st.recover_delay)
            for (auto& g : st.iface.vrrp) g.recover_delay_s = *st.recover_delay;
        if (auto it = ports.find(st.iface.name); it != ports.end()) {
            st.iface.port = it->second.first;
            it->second.second = true;
        } else if (!is_loopback(st.iface.name)) {
            warn(st.line, st.column,
                 "no --port given for " + st.iface.name + ": the config fails 'check' until it has a port");
        }
        c.interfaces.push_back(std::move(st.iface));
    }
    for (const auto& [name, spec] : ports)
        if (!spec.second) warn(0, 0, "--port " + name + ": no such interface in the text; ignored");

    std::string base = cert_base_name(sysname_);
    for (auto& d : domains_) {
        d.domain.certificate = join_path(opt_.cert_dir, base + ".pem");
        d.domain.key = join_path(opt_.cert_dir, base + ".key");
        if (!opt_.ca.empty())
            d.domain.ca = opt_.ca;
        else if (!d.has_ca)
            warn(d.line, d.column,
                 "pki domain " + quote(d.domain.name) +
                     " has no 'pki import-certificate ca' line: give --ca PATH");
        c.pki_domain.push_back(std::move(d.domain));
    }
    c.ssl_policy = std::move(policies_);
    c.remote_backup_service = std::move(services_);
    for (auto& st : profiles_) {
        // The key authenticates the VRRP group the profile tracks; another vrid is a typo.
        if (st.auth_line != 0 && st.profile.vrrp.vrid != 0 && st.auth_vrid != st.profile.vrrp.vrid)
            error(st.auth_line, st.auth_column,
                  "authentication for vrid " + std::to_string(st.auth_vrid) +
                      ", but the profile tracks vrid " + std::to_string(st.profile.vrrp.vrid) + " (vrrp-id)");
        c.remote_backup_profile.push_back(std::move(st.profile));
    }
    c.control.socket = default_socket_path(c.sysname);
    if (warnings_dropped_ != 0) {
        out_.warnings.push_back({file_, 0, 0,
                                 "warning: " + std::to_string(warnings_dropped_) + " more warnings not shown"});
    }
    if (errors_dropped_ != 0)
        out_.errors.push_back({file_, 0, 0, "error: " + std::to_string(errors_dropped_) + " more errors not shown"});
    // Line order, as a compiler reports; whole-file notes (line 0) last.
    auto by_line = [](const Diagnostic& a, const Diagnostic& b) {
        return static_cast<unsigned>(a.line - 1) < static_cast<unsigned>(b.line - 1);
    };
    std::stable_sort(out_.warnings.begin(), out_.warnings.end(), by_line);
    std::stable_sort(out_.errors.begin(), out_.errors.end(), by_line);
    return std::move(out_);
}

} // namespace

ImportResult import_vrp_with(std::string_view text, const std::string& file, const ImportOptions& options) {
    if (text.size() > kImportMaxBytes) {
        ImportResult refused;
        refused.errors.push_back({file, 0, 0,
                                  "error: file is " + std::to_string(text.size()) +
                                      " bytes, more than the limit of " + std::to_string(kImportMaxBytes) +
                                      " bytes"});
        return refused;
    }
    Importer importer(file, options);
    importer.feed(text);
    return importer.finish();
}

ImportResult import_vrp(std::string_view text, const std::string& file,
                        const std::map<std::string, std::string>& ports) {
    ImportOptions options;
    options.ports = ports;
    return import_vrp_with(text, file, options);
}

} // namespace wg::config
