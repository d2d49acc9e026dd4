// Config → YAML in the layout of config/examples/ (docs/config.md "Writing the
// file back"; the inverse of loader.hpp: load(emit(c)) == c for every valid c).
// Thread-safety: reentrant.
#pragma once

#include "config/config.hpp"

#include <string>
#include <string_view>

namespace wg::config {

std::string to_yaml(const Config& config);

// A string as a YAML scalar: plain when YAML reads it back as this string,
// double-quoted otherwise ("2046", "yes", "0000:01:00.1").
std::string yaml_scalar(std::string_view s);

} // namespace wg::config
