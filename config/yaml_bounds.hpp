// Internal to the loader: text → one YAML document, within LoadLimits.
// yaml-cpp builds about 0.5 KB per node, recurses once per nesting level and
// gives up at 500 levels with a bare "bad file"; so before it builds
// anything the text is checked for size, then scanned for nesting (linear
// time, constant memory), then parsed once as events only to count nodes
// and documents. Every refusal is one located Diagnostic.
// Not a public API (loader.cpp and its tests).
// Thread-safety: pure functions.
#pragma once

#include "config/loader.hpp"
#include "config/yaml_reader.hpp"

#include <optional>
#include <string_view>

namespace wg::config::detail {

// The first place where TEXT nests deeper than MAX_DEPTH levels, counting
// block collections by indentation (each deeper indentation, and each
// compact "- " or "? " that opens a collection on the same line, is one
// level) plus the open flow collections ('[' and '{') around that point.
// Quoted scalars, comments, block scalars (| and >) and the brackets
// inside plain scalars are skipped. The count approximates yaml-cpp's: a
// sequence at its parent key's indentation adds no level, and each line of
// a multi-line plain scalar indented deeper than the last adds one.
// nullopt: within bounds.
std::optional<Loc> nesting_exceeds(std::string_view text, unsigned max_depth);

// The document of TEXT, or nullopt after reporting to READER why there is
// none: too big, too deep, too many nodes, an alias, a YAML syntax error
// (always with its line and column), more than one document, or empty.
std::optional<YAML::Node> parse_document(std::string_view text, const LoadLimits& limits, Reader& reader);

} // namespace wg::config::detail
