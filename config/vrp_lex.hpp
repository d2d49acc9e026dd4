// Internal to the VRP importer: the words of a configuration line and how
// they fit a command pattern. Not a public API (vrp_import.cpp, vrp_lex.cpp).
// Thread-safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

namespace wg::config::vrp {

struct Token {
    std::string_view text; // a view into the line
    int column;            // 1-based
};

bool is_blank(char c);
std::vector<Token> tokenize(std::string_view line);
bool iequals(std::string_view a, std::string_view b);

// How a line's tokens fit a command pattern such as "vrrp vrid * priority *":
// literal words compare case-insensitively, '*' takes one token, a final '+'
// takes one or more. too_short/too_long: every literal matched but words are
// missing / left over, i.e. a known command written wrongly.
enum class Fit { no, yes, too_short, too_long };

struct Match {
    Fit fit = Fit::no;
    std::vector<Token> args;
    int column = 0; // too_long: the first extra token
};

Match match(const std::vector<Token>& toks, std::string_view pattern);

} // namespace wg::config::vrp
