// Words, command patterns and interface names of VRP configuration text.
#include "config/vrp_lex.hpp"
#include "config/vrp_import.hpp"

#include <algorithm>
#include <cctype>

namespace wg::config {
namespace vrp {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::vector<Token> tokenize(std::string_view line) {
    std::vector<Token> out;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && is_blank(line[i])) ++i;
        size_t start = i;
        while (i < line.size() && !is_blank(line[i])) ++i;
        if (i > start) out.push_back({line.substr(start, i - start), static_cast<int>(start) + 1});
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

Match match(const std::vector<Token>& toks, std::string_view pattern) {
    Match m;
    size_t i = 0;
    while (!pattern.empty()) {
        size_t sp = pattern.find(' ');
        std::string_view word = pattern.substr(0, sp);
        pattern = sp == std::string_view::npos ? std::string_view{} : pattern.substr(sp + 1);
        if (i >= toks.size()) {
            m.fit = Fit::too_short;
            return m;
        }
        if (word == "+") {
            m.args.insert(m.args.end(), toks.begin() + static_cast<std::ptrdiff_t>(i), toks.end());
            m.fit = Fit::yes;
            return m;
        }
        if (word == "*")
            m.args.push_back(toks[i]);
        else if (!iequals(word, toks[i].text))
            return m;
        ++i;
    }
    if (i < toks.size()) {
        m.fit = Fit::too_long;
        m.column = toks[i].column;
        return m;
    }
    m.fit = Fit::yes;
    return m;
}

} // namespace vrp

namespace {

struct IfaceType {
    std::string_view alias;
    std::string_view canonical;
};
// VRP interface types; abbreviations map to the full name that `display`
// prints. Longer aliases first so that "XGE" is not read as "X" + "GE".
constexpr IfaceType kIfaceTypes[] = {
    {"XGigabitEthernet", "XGigabitEthernet"},
    {"GigabitEthernet", "GigabitEthernet"},
    {"Eth-Trunk", "Eth-Trunk"},
    {"Ethernet", "Ethernet"},
    {"LoopBack", "LoopBack"},
    {"Vlanif", "Vlanif"},
    {"Tunnel", "Tunnel"},
    {"100GE", "100GE"},
    {"40GE", "40GE"},
    {"25GE", "25GE"},
    {"XGE", "XGigabitEthernet"},
    {"NULL", "NULL"},
    {"GE", "GigabitEthernet"},
};

} // namespace

std::optional<std::string> normalize_interface_name(std::string_view name) {
    std::string compact;
    for (char ch : name)
        if (!vrp::is_blank(ch)) compact += ch;
    if (compact.empty()) return std::nullopt;
    for (const auto& t : kIfaceTypes) {
        if (compact.size() < t.alias.size() ||
            !vrp::iequals(std::string_view(compact).substr(0, t.alias.size()), t.alias))
            continue;
        std::string_view number = std::string_view(compact).substr(t.alias.size());
        if (!number.empty() && std::isalpha(static_cast<unsigned char>(number[0])))
            continue; // a longer word that merely starts like this type
        bool ok =
            !number.empty() && std::isdigit(static_cast<unsigned char>(number[0])) &&
            std::all_of(number.begin(), number.end(), [](char ch) {
                return std::isdigit(static_cast<unsigned char>(ch)) || ch == '/' || ch == '.' || ch == ':';
            });
        if (!ok) return std::nullopt;
        return std::string(t.canonical) + std::string(number);
    }
    return compact;
}

std::string cert_base_name(std::string_view sysname) {
    std::string out(sysname);
    if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
    return out;
}

} // namespace wg::config
