// The key names of an X-macro list (X(key, ...)), as a table indexed by the
// enum the same list expands to:
//
//   constexpr const char* kNames[] = {MY_LIST(WG_X_KEY_NAME)};
//   const char* to_string(MyEnum e) { return wg::x_name(kNames, e); }
//
// Thread-safety: constant tables and a pure function.
#pragma once

#include <cstddef>

#define WG_X_KEY_NAME(key, ...) #key,

namespace wg {

template <size_t N, class E>
constexpr const char* x_name(const char* const (&names)[N], E e) {
    return size_t(e) < N ? names[size_t(e)] : "?";
}

} // namespace wg
