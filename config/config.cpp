// Lookups over the typed configuration (linear: configs hold a handful of
// objects, and document order is what the operator sees).
#include "config/config.hpp"

#include <algorithm>

namespace wg::config {

namespace {

template <typename T> const T* find_by_name(const std::vector<T>& items, std::string_view name) {
    auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.name == name; });
    return it == items.end() ? nullptr : &*it;
}

} // namespace

const Interface* Config::find_interface(std::string_view name) const {
    return find_by_name(interfaces, name);
}
const PkiDomain* Config::find_pki_domain(std::string_view name) const {
    return find_by_name(pki_domain, name);
}
const SslPolicy* Config::find_ssl_policy(std::string_view name) const {
    return find_by_name(ssl_policy, name);
}
const RemoteBackupService* Config::find_rbs(std::string_view name) const {
    return find_by_name(remote_backup_service, name);
}
const RemoteBackupProfile* Config::find_rbp(std::string_view name) const {
    return find_by_name(remote_backup_profile, name);
}

std::string default_socket_path(std::string_view sysname) {
    return "/run/warmgate/" + std::string(sysname) + ".sock";
}

} // namespace wg::config
