// Bounds of a load (config/loader.hpp LoadLimits, config/yaml_bounds.hpp):
// many keys cost linear work, a big file is refused before it is parsed,
// deep nesting is a located error (never a crash), long values are cut in
// messages, and every YAML syntax error has a line and a column.
// Work is bounded by counts (key comparisons, refusals before parsing),
// never by a clock: speed is measured by hand (docs/config.md).

#include "config/loader.hpp"
#include "config/yaml_bounds.hpp"
#include "config/yaml_reader.hpp"
#include "tests/config/support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace wg::config {
namespace {

using detail::Loc;
using detail::nesting_exceeds;

constexpr size_t kManyKeys = 160000;

// "k0: 0\nk1: 0\n..." at top level, then EXTRA.
std::string many_keys(size_t n, const std::string& extra = "") {
    std::string text;
    text.reserve(n * 12 + extra.size());
    for (size_t i = 0; i < n; ++i)
        text += "k" + std::to_string(i) + ": 0\n";
    return text + extra;
}

size_t count_containing(const Diagnostics& ds, std::string_view what) {
    return size_t(std::count_if(ds.begin(), ds.end(), [&](const Diagnostic& d) {
        return d.message.find(what) != std::string::npos;
    }));
}

TEST(ManyKeys, DuplicateDetectionComparesAboutOncePerKeyNotPerPair) {
    const YAML::Node root = YAML::Load(many_keys(kManyKeys, "k7: 1\n"));
    Diagnostics out;
    detail::Reader reader("t.yaml", out);
    const auto fields = reader.entries(root, "at top level");
    EXPECT_EQ(fields.size(), kManyKeys);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].str(), "t.yaml:" + std::to_string(kManyKeys + 1) +
                                ":1: duplicate key 'k7' at top level (first at 8:1)");
    // A list searched per key would compare n²/2 = 1.28e10 times.
    EXPECT_LE(reader.key_compares(), 2 * kManyKeys);
}

TEST(ManyKeys, LoadFindsTheOneDuplicatePlantedAtTheEnd) {
    const LoadResult r = load_string(many_keys(kManyKeys, "k0: 1\n"), "t.yaml", "/nonexistent");
    EXPECT_FALSE(r.config);
    EXPECT_EQ(count_containing(r.errors, "unknown key 'k"), kManyKeys);
    ASSERT_EQ(count_containing(r.errors, "duplicate key"), 1u);
    const Diagnostic& dup = r.errors.back();
    EXPECT_EQ(dup.line, int(kManyKeys) + 1);
    EXPECT_EQ(dup.message, "duplicate key 'k0' at top level (first at 1:1)");
}

TEST(ManyKeys, LoadWithoutDuplicatesReportsNone) {
    const LoadResult r = load_string(many_keys(kManyKeys), "t.yaml", "/nonexistent");
    EXPECT_EQ(count_containing(r.errors, "unknown key 'k"), kManyKeys);
    EXPECT_EQ(count_containing(r.errors, "duplicate key"), 0u);
}

TEST(FileSize, TwentyMegabytesAreRefusedBeforeParsing) {
    // Valid YAML would take seconds and gigabytes to build: the size error
    // alone (no syntax or key error) shows that nothing was parsed.
    std::string big;
    for (size_t i = 0; big.size() <= size_t(20) << 20; ++i)
        big += "key" + std::to_string(10000000 + i) + ": 0\n";
    ASSERT_GT(big.size(), size_t(20) << 20);
    const LoadResult r = load_string(big, "t.yaml", "/nonexistent");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].str(), "t.yaml: file is " + std::to_string(big.size()) +
                                     " bytes, more than the limit of 16777216 bytes");

    test::TempDir dir;
    const std::string path = dir.path() + "/big.yaml";
    test::write_text(path, big);
    const LoadResult f = load_file(path);
    ASSERT_EQ(f.errors.size(), 1u);
    EXPECT_EQ(f.errors[0].str(), path + ": file is " + std::to_string(big.size()) +
                                     " bytes, more than the limit of 16777216 bytes");
}

TEST(FileSize, AnEndlessFileIsReadOnlyUpToTheLimit) {
    LoadLimits small;
    small.max_bytes = 1000;
    const LoadResult r = load_file("/dev/zero", small);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].str(), "/dev/zero: file is more than the limit of 1000 bytes");
}

TEST(FileSize, TheLimitCanBeRaisedByTheCaller) {
    LoadLimits small;
    small.max_bytes = 10;
    EXPECT_EQ(load_string("sysname: abcdefgh\n", "t.yaml", "/", small).errors[0].message,
              "file is 18 bytes, more than the limit of 10 bytes");
}

std::vector<std::string> messages(std::string_view text, const LoadLimits& limits = {}) {
    std::vector<std::string> out;
    for (const auto& d : load_string(text, "t.yaml", "/nonexistent", limits).errors)
        out.push_back(std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message);
    return out;
}

const std::string kTooDeep = "nesting deeper than 64 levels (indentation, lists and maps)";

TEST(Nesting, TenThousandFlowLevelsAreALocatedErrorNotACrash) {
    const std::string text = "sysname: x\ninterfaces: " + std::string(10000, '[') + std::string(10000, ']');
    // Two block levels (the top map, then... the flow starts in it): the 63rd '[' is the 65th level.
    EXPECT_EQ(messages(text), (test::Lines{"2:76: " + kTooDeep}));
    const std::string maps = "a: " + std::string(10000, '{');
    EXPECT_EQ(messages(maps), (test::Lines{"1:67: " + kTooDeep}));
}

TEST(Nesting, AThousandIndentedLevelsAreALocatedError) {
    std::string text;
    for (int i = 0; i < 1000; ++i)
        text += std::string(size_t(i), ' ') + "k:\n";
    EXPECT_EQ(messages(text), (test::Lines{"65:65: " + kTooDeep}));
}

TEST(Nesting, CompactSequencesOnOneLineCount) {
    std::string text = "a:\n  ";
    for (int i = 0; i < 10000; ++i)
        text += "- ";
    text += "x\n";
    EXPECT_EQ(messages(text), (test::Lines{"2:129: " + kTooDeep}));
}

TEST(Nesting, ExactlyTheLimitIsAccepted) {
    const std::string flow = "a: " + std::string(63, '[') + std::string(63, ']') + "\n";
    EXPECT_FALSE(nesting_exceeds(flow, 64));
    const std::string deeper = "a: " + std::string(64, '[') + std::string(64, ']') + "\n";
    EXPECT_EQ(nesting_exceeds(deeper, 64).value_or(Loc{}).column, 67);
}

TEST(Nesting, QuotesCommentsAndBlockScalarsDoNotCount) {
    const std::string brackets(200, '[');
    EXPECT_FALSE(nesting_exceeds("a: '" + brackets + "'\nb: \"" + brackets + "\"\n", 8));
    EXPECT_FALSE(nesting_exceeds("a: x # " + brackets + "\n", 8));
    EXPECT_FALSE(nesting_exceeds("a: it's " + brackets + "\n", 8)); // a plain scalar
    std::string block = "a: |\n";
    for (int i = 1; i < 100; ++i)
        block += std::string(size_t(i), ' ') + "line\n";
    EXPECT_FALSE(nesting_exceeds(block + "b: 1\n", 8));
    // A quoted scalar over several lines: its lines' indentation is text.
    std::string quoted = "a: \"x\n";
    for (int i = 1; i < 100; ++i)
        quoted += std::string(size_t(i), ' ') + "y\n";
    EXPECT_FALSE(nesting_exceeds(quoted + "\"\n", 8));
}

TEST(Nodes, MoreThanTheLimitAreRefusedAtTheNodeThatBreaksIt) {
    LoadLimits limits;
    limits.max_nodes = 100;
    EXPECT_EQ(messages(many_keys(60), limits),
              (test::Lines{"50:6: more than 100 YAML nodes (keys, values, lists and maps; the limit bounds "
                           "the memory of a load)"}));
}

TEST(Nodes, AliasesAreRefused) {
    EXPECT_EQ(messages("sysname: &n x\nb: *n\n"),
              (test::Lines{"2:4: YAML aliases (*name) are not supported in a configuration"}));
}

TEST(LongValues, AMegabyteScalarIsShortenedInEveryMessage) {
    const std::string mega(1 << 20, 'a');
    const std::string cut = std::string(60, 'a') + "\u2026 (1048576 bytes)";
    EXPECT_EQ(
        messages("sysname: " + mega + "\ninterfaces: {}\n"),
        (test::Lines{"1:10: sysname '" + cut + "' is invalid (expected 1-64 characters of A-Z a-z 0-9 _ . -)",
                     "2:13: interfaces must define at least one interface"}));
    // yaml-cpp takes at most 1024 characters for a key written without "? ".
    const auto unknown = messages("sysname: x\ninterfaces: {}\n" + std::string(1000, 'a') + ": 1\n");
    ASSERT_EQ(unknown.size(), 2u);
    EXPECT_EQ(unknown[1].rfind("3:1: unknown key '" + std::string(60, 'a') +
                                   "\u2026 (1000 bytes)' at top level (expected one of: ",
                               0),
              0u)
        << unknown[1];
    EXPECT_LT(unknown[1].size(), 400u);
    const auto quoted =
        messages("sysname: x\ninterfaces: {}\nroutes: [{prefix: \"" + mega + "\", via: 1.1.1.1}]\n");
    ASSERT_EQ(quoted.size(), 2u);
    EXPECT_EQ(quoted[1], "3:19: prefix '" + cut + "' is not a valid prefix (expected a.b.c.d/len)");
    const std::string digits(1 << 20, '7');
    const auto number = messages("sysname: x\ninterfaces: {}\ndataplane: {workers: " + digits + "}\n");
    ASSERT_EQ(number.size(), 2u);
    EXPECT_EQ(number[1],
              "3:22: workers " + std::string(60, '7') + "\u2026 (1048576 bytes) out of range 1..64");
}

TEST(LongValues, ShownCutsOnACharacterBoundaryAndHidesControls) {
    EXPECT_EQ(shown("short\tvalue"), "short\tvalue");
    EXPECT_EQ(shown("a\nb"), "a?b");
    const std::string name(80, 'n'); // a name one too long is shown whole
    EXPECT_EQ(shown(name), name);
    const std::string split =
        std::string(59, 'x') + "\u20ac" + std::string(30, 'z'); // byte 60 is inside the €
    EXPECT_EQ(shown(split), std::string(59, 'x') + "\u2026 (92 bytes)");
    EXPECT_EQ(shorten_quoted("a '" + std::string(100, 'b') + "' c"),
              "a '" + std::string(60, 'b') + "\u2026 (100 bytes)' c");
}

TEST(SyntaxErrors, AlwaysCarryALineAndAColumn) {
    const char* broken[] = {
        "sysname: x\ninterfaces: [a, b\n",
        "sysname: x\n  bad: indentation\n",
        "a: 'unterminated\n",
        "a: \"unterminated\n",
        "- a\nb: c\n",
        "a: {b: c\n",
        "a: b: c\n",
        "? [a\n",
        "a: !<tag\n",
        "%YAML 1.2\n%YAML 1.2\n---\na: 1\n",
        ",",
        "]",
    };
    for (const char* text : broken) {
        const auto r = load_string(text, "t.yaml", "/nonexistent");
        ASSERT_FALSE(r.errors.empty()) << text;
        for (const auto& d : r.errors) {
            EXPECT_GT(d.line, 0) << text << " → " << d.str();
            EXPECT_GT(d.column, 0) << text << " → " << d.str();
        }
    }
}

} // namespace
} // namespace wg::config
