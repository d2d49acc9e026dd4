// Bounds of the VRP importer (config/vrp_import.hpp): a text over the size
// limit is refused whole, an over-long line is a located error, messages
// are capped in number and in length, and many objects cost linear work
// (checked by result, never by a clock).

#include "config/vrp_import.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wg::config {
namespace {

ImportResult import(const std::string& text) {
    return import_vrp(text, "t.vrp", {});
}

TEST(ImportLimits, TwentyMegabytesAreRefusedWhole) {
    const std::string big = "sysname A\n" + std::string(size_t(20) << 20, '#');
    const ImportResult r = import(big);
    EXPECT_TRUE(r.warnings.empty());
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].str(), "t.vrp: error: file is " + std::to_string(big.size()) +
                                     " bytes, more than the limit of 16777216 bytes");
}

TEST(ImportLimits, AnOverlongLineIsALocatedErrorAndIsShortened) {
    const ImportResult r = import("sysname A\nospf " + std::string(1 << 20, 'x') + "\n");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].str(),
              "t.vrp:2:1: error: line is 1048581 bytes long (at most 4096); ignored: 'ospf " +
                  std::string(55, 'x') + "\u2026 (1048581 bytes)'");
    EXPECT_TRUE(r.warnings.empty());
}

TEST(ImportLimits, ALongWordIsShortenedInWarnings) {
    const ImportResult r = import("sysname A\nospf " + std::string(4000, 'y') + "\n");
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_EQ(r.warnings[0].str(),
              "t.vrp:2:1: warning: ignored: 'ospf " + std::string(55, 'y') + "\u2026 (4005 bytes)'");
}

TEST(ImportLimits, MessagesAreCappedWithACountOfTheRest) {
    std::string text = "sysname A\n";
    for (int i = 0; i < 5000; ++i)
        text += "ospf " + std::to_string(i) + "\n";
    const ImportResult r = import(text);
    ASSERT_EQ(r.warnings.size(), kImportMaxMessages + 1);
    EXPECT_EQ(r.warnings[0].str(), "t.vrp:2:1: warning: ignored: 'ospf 0'");
    EXPECT_EQ(r.warnings.back().str(), "t.vrp: warning: 4000 more warnings not shown");
}

TEST(ImportLimits, ObjectNamesLongerThanTheLoaderTakesAreErrors) {
    const ImportResult r = import("sysname A\nssl policy " + std::string(65, 'p') + "\n pki-domain d\n");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].str(),
              "t.vrp:2:12: error: name '" + std::string(65, 'p') + "' is longer than 64 characters");
    EXPECT_TRUE(r.config.ssl_policy.empty());
}

TEST(ImportLimits, ManyObjectsAreFoundAgainByName) {
    // 160k interfaces, each opened twice: the second opening finds the first
    // (an index by name; a list searched per line would be quadratic).
    constexpr int kCount = 160000;
    std::string text = "sysname A\n";
    for (int pass = 0; pass < 2; ++pass)
        for (int i = 0; i < kCount; ++i)
            text += "interface LoopBack" + std::to_string(i) + "\n";
    text += "interface LoopBack7\n vrrp vrid 1 virtual-ip 10.0.0.1\n vrrp vrid 1 virtual-ip 10.0.0.1\n";
    const ImportResult r = import(text);
    EXPECT_TRUE(r.errors.empty());
    ASSERT_EQ(r.config.interfaces.size(), size_t(kCount));
    EXPECT_EQ(r.config.interfaces[7].name, "LoopBack7");
    ASSERT_EQ(r.config.interfaces[7].vrrp.size(), 1u);
    EXPECT_EQ(r.config.interfaces[7].vrrp[0].virtual_ips.size(), 1u);
}

} // namespace
} // namespace wg::config
