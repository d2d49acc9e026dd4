// The replicated table and its digest (table.hpp).
#include "sync/table.hpp"

#include "common/hash.hpp"

namespace wg::sync {

namespace {

const std::string kNoName;

} // namespace

uint32_t fnv1a32(std::string_view s) {
    uint32_t h = 2166136261u;
    for (unsigned char c : s) {
        h ^= c;
        h *= 16777619u;
    }
    return h;
}

uint64_t mix64(uint64_t a, uint64_t b) {
    // Finalizing b first decorrelates the MAC word before it meets the key
    // word; the outer finalizer spreads both. Not symmetric: mix64(a, b) != mix64(b, a).
    return splitmix_finalize(a ^ splitmix_finalize(b + 0x9e3779b97f4a7c15ull));
}

uint64_t mac_word(const Mac& m) {
    uint64_t w = 0;
    for (uint8_t b : m.bytes)
        w = w << 8 | b;
    return w;
}

void Table::set_interface(uint16_t ifindex, std::string_view name) {
    if (names_.size() <= ifindex) names_.resize(size_t(ifindex) + 1);
    Name& n = names_[ifindex];
    const bool changed = !n.set || n.name != name;
    n.name = std::string(name);
    n.hash = fnv1a32(name);
    n.set = true;
    if (changed && !map_.empty()) recompute();
}

bool Table::has_interface(uint16_t ifindex) const {
    return ifindex < names_.size() && names_[ifindex].set;
}

const std::string& Table::interface_name(uint16_t ifindex) const {
    return has_interface(ifindex) ? names_[ifindex].name : kNoName;
}

uint32_t Table::name_hash(uint16_t ifindex) const {
    static const uint32_t kUnnamed = fnv1a32("");
    return has_interface(ifindex) ? names_[ifindex].hash : kUnnamed;
}

Table::Applied Table::upsert(uint16_t ifindex, Ipv4 ip, const Mac& mac, uint32_t tag) {
    auto [it, inserted] = map_.try_emplace(key(ifindex, ip), Value{mac, tag});
    if (inserted) {
        digest_ += hash_of(ifindex, ip, mac);
        return Applied::added;
    }
    Value& v = it->second;
    if (v.mac == mac) {
        const bool same = v.tag == tag;
        v.tag = tag;
        return same ? Applied::unchanged : Applied::updated;
    }
    // Unsigned arithmetic wraps: the sum is kept mod 2^64 by construction.
    digest_ -= hash_of(ifindex, ip, v.mac);
    digest_ += hash_of(ifindex, ip, mac);
    v = Value{mac, tag};
    return Applied::updated;
}

Table::Applied Table::remove(uint16_t ifindex, Ipv4 ip) {
    auto it = map_.find(key(ifindex, ip));
    if (it == map_.end()) return Applied::absent;
    digest_ -= hash_of(ifindex, ip, it->second.mac);
    map_.erase(it);
    return Applied::removed;
}

const Table::Value* Table::find(uint16_t ifindex, Ipv4 ip) const {
    auto it = map_.find(key(ifindex, ip));
    return it == map_.end() ? nullptr : &it->second;
}

void Table::clear() {
    map_.clear();
    digest_ = 0;
}

void Table::recompute() {
    digest_ = 0;
    for_each([&](uint16_t ifindex, Ipv4 ip, const Value& v) { digest_ += hash_of(ifindex, ip, v.mac); });
}

} // namespace wg::sync
