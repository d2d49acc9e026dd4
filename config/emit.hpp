// Config → YAML in the layout of DESIGN.md's contract (the inverse of
// loader.hpp: load(emit(c)) == c for every valid c).
// Thread-safety: reentrant.
#pragma once

#include "config/config.hpp"

#include <string>

namespace wg::config {

std::string to_yaml(const Config& config);

} // namespace wg::config
