// The hostile suite's shared bits (tests/hostile): where wg-attack is.
//
// Thread-safety: set once by main before the tests run.
#pragma once

#include <string>

namespace wg::hostile {

void set_attack_tool(std::string path);
const std::string& attack_tool();

} // namespace wg::hostile
