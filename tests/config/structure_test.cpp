// The loader's handling of the document's shape: YAML syntax, top-level and
// unknown/duplicate keys, scalar types (integers, booleans, strings),
// sysname, dataplane and control. Every expectation is the exact message
// with its LINE:COL (1-based) in the YAML text beside it.
#include "support.hpp"

#include <gtest/gtest.h>

namespace wg::test {
namespace {

// Lines 1-5; tests append from line 6 on.
constexpr std::string_view kSmall = R"(sysname: T
interfaces:
  ge0:
    port: p0
    address: 10.1.1.1/24
)";

std::string with(std::string_view extra) { return std::string(kSmall) + std::string(extra); }

TEST(Structure, MinimalConfigLoadsWithDefaults) {
    const auto r = config::load_string(kSmall, "t.yaml", "/nonexistent");
    ASSERT_TRUE(r.errors.empty()) << r.errors.front().str();
    ASSERT_TRUE(r.config);
    const auto& c = *r.config;
    EXPECT_EQ(c.sysname, "T");
    ASSERT_EQ(c.interfaces.size(), 1u);
    EXPECT_EQ(c.interfaces[0].name, "ge0");
    EXPECT_EQ(c.interfaces[0].port, "p0");
    EXPECT_EQ(c.interfaces[0].address, Prefix::parse("10.1.1.1/24"));
    EXPECT_TRUE(c.interfaces[0].vrrp.empty());
    EXPECT_EQ(c.dataplane.workers, 1u);
    EXPECT_EQ(c.dataplane.idle_sleep_us, 0u);
    EXPECT_EQ(c.dataplane.adjacency_capacity, 1u << 20);
    EXPECT_EQ(c.control.socket, "/run/warmgate/T.sock");
    EXPECT_EQ(c.control.socket, config::default_socket_path("T"));
}

TEST(Structure, DiagnosticFormat) {
    EXPECT_EQ((config::Diagnostic{"a.yaml", 3, 7, "boom"}.str()), "a.yaml:3:7: boom");
    EXPECT_EQ((config::Diagnostic{"a.yaml", 0, 0, "cannot open"}.str()), "a.yaml: cannot open");
}

TEST(Structure, YamlSyntaxErrorIsLocated) {
    EXPECT_EQ(errors_of("sysname: a: b\n"), Lines{"1:11: YAML syntax error: illegal map value"});
    EXPECT_EQ(errors_of(with("routes: [{prefix: 0.0.0.0/0\n")),
              Lines{"7:1: YAML syntax error: end of map flow not found"});
}

// yaml-cpp 0.7 loops forever (allocating) on a stray ',' that starts a
// document; the loader must stop and point at it.
TEST(Structure, StrayCommaStartingADocument) {
    EXPECT_EQ(errors_of(",\n" + std::string(kSmall)), Lines{"1:1: YAML syntax error: unexpected ','"});
    EXPECT_EQ(errors_of(with("...\n,\n")), Lines{"7:1: YAML syntax error: unexpected ','"});
    EXPECT_EQ(errors_of(with("---\n,\n")), Lines{"7:1: YAML syntax error: unexpected ','"});
}

TEST(Structure, EmptyDocument) {
    const Lines expected{" configuration is empty (expected a map with sysname and interfaces)"};
    EXPECT_EQ(errors_of(""), expected);
    EXPECT_EQ(errors_of("# only a comment\n"), expected);
}

TEST(Structure, TopLevelMustBeAMap) {
    EXPECT_EQ(errors_of("- a\n- b\n"), Lines{"1:1: configuration must be a map, got a list"});
    EXPECT_EQ(errors_of("hello\n"), Lines{"1:1: configuration must be a map, got 'hello'"});
}

TEST(Structure, OnlyOneDocument) {
    EXPECT_EQ(errors_of(with("---\nsysname: U\n")), Lines{"6:1: only one YAML document is allowed per file"});
    EXPECT_EQ(errors_of("---\n" + with("---\n---\n")),
              Lines{"7:1: only one YAML document is allowed per file"});
}

TEST(Structure, RequiredTopLevelKeys) {
    EXPECT_EQ(errors_of("dataplane: {workers: 1}\n"),
              (Lines{"1:1: missing required key 'sysname' at top level",
                     "1:1: missing required key 'interfaces' at top level"}));
}

TEST(Structure, UnknownTopLevelKeyListsTheValidOnes) {
    EXPECT_EQ(
        errors_of(with("sysnam: X\n")),
        Lines{"6:1: unknown key 'sysnam' at top level (expected one of: sysname, dataplane, interfaces, "
              "routes, arp_static, arp, pki_domain, ssl_policy, remote_backup_service, "
              "remote_backup_profile, control)"});
}

TEST(Structure, DuplicateKeys) {
    EXPECT_EQ(errors_of(with("sysname: U\n")),
              Lines{"6:1: duplicate key 'sysname' at top level (first at 1:1)"});
    EXPECT_EQ(errors_of(with("  ge0:\n    port: p9\n")),
              Lines{"6:3: duplicate key 'ge0' in interfaces (first at 3:3)"});
}

TEST(Structure, KeysMustBeScalars) {
    EXPECT_EQ(errors_of(with("[x]: 1\n")), Lines{"6:1: keys at top level must be scalars, got a list"});
}

TEST(Structure, Sysname) {
    EXPECT_EQ(errors_of(replace(kSmall, "sysname: T", "sysname: Device A")),
              Lines{"1:10: sysname 'Device A' is invalid (expected 1-64 characters of A-Z a-z 0-9 _ . -)"});
    EXPECT_EQ(errors_of(replace(kSmall, "sysname: T", "sysname: " + std::string(65, 'x'))),
              Lines{"1:10: sysname '" + std::string(65, 'x') +
                    "' is invalid (expected 1-64 characters of A-Z a-z 0-9 _ . -)"});
    EXPECT_EQ(errors_of(replace(kSmall, "sysname: T", "sysname: " + std::string(64, 'x'))), Lines{});
    EXPECT_EQ(errors_of(replace(kSmall, "sysname: T", "sysname: Dev_A.1-b")), Lines{});
    EXPECT_EQ(errors_of(replace(kSmall, "sysname: T", "sysname: {a: 1}")),
              Lines{"1:10: sysname must be a string, got a map"});
    EXPECT_EQ(errors_of(replace(kSmall, "sysname: T", "sysname: \"\"")),
              Lines{"1:10: sysname must not be empty"});
    // An empty value is located at its key (yaml-cpp marks it at the next token).
    EXPECT_EQ(errors_of(replace(kSmall, "sysname: T", "sysname:")),
              Lines{"1:1: sysname must be a string, got no value"});
}

TEST(Structure, IntegerSyntax) {
    auto workers = [](std::string_view v) {
        return errors_of(with("dataplane: {workers: " + std::string(v) + "}\n"));
    };
    EXPECT_EQ(workers("abc"), Lines{"6:22: workers must be an integer, got 'abc'"});
    EXPECT_EQ(workers("1.5"), Lines{"6:22: workers must be an integer, got '1.5'"});
    EXPECT_EQ(workers("0x2"), Lines{"6:22: workers must be an integer, got '0x2'"});
    EXPECT_EQ(workers("\"2\""), Lines{"6:22: workers must be an integer, got quoted string '2'"});
    EXPECT_EQ(workers("[1]"), Lines{"6:22: workers must be an integer, got a list"});
    EXPECT_EQ(workers("{n: 1}"), Lines{"6:22: workers must be an integer, got a map"});
    EXPECT_EQ(workers("02"), Lines{"6:22: workers must be an integer without leading zeros, got '02'"});
    EXPECT_EQ(workers("-1"), Lines{"6:22: workers -1 out of range 1..64"});
    EXPECT_EQ(workers("99999999999999999999999"),
              Lines{"6:22: workers 99999999999999999999999 out of range 1..64"});
}

TEST(Structure, DataplaneRanges) {
    auto dp = [](std::string_view body) {
        return errors_of(with("dataplane: {" + std::string(body) + "}\n"));
    };
    EXPECT_EQ(dp("workers: 0"), Lines{"6:22: workers 0 out of range 1..64"});
    EXPECT_EQ(dp("workers: 65"), Lines{"6:22: workers 65 out of range 1..64"});
    EXPECT_EQ(dp("idle_sleep_us: 100001"), Lines{"6:28: idle_sleep_us 100001 out of range 0..100000"});
    EXPECT_EQ(dp("adjacency_capacity: 63"), Lines{"6:33: adjacency_capacity 63 out of range 64..67108864"});
    EXPECT_EQ(dp("adjacency_capacity: 67108865"),
              Lines{"6:33: adjacency_capacity 67108865 out of range 64..67108864"});
    EXPECT_EQ(dp("cores: 2"), Lines{"6:13: unknown key 'cores' in dataplane (expected one of: " +
                                    key_names(config::keys::dataplane()) + ")"});
    EXPECT_EQ(errors_of(with("dataplane: 5\n")), Lines{"6:12: dataplane must be a map, got '5'"});

    const auto r = config::load_string(with("dataplane: {workers: 64, idle_sleep_us: 100000, "
                                            "adjacency_capacity: 64}\n"),
                                       "t.yaml", "/");
    ASSERT_TRUE(r.config);
    EXPECT_EQ(r.config->dataplane.workers, 64u);
    EXPECT_EQ(r.config->dataplane.idle_sleep_us, 100000u);
    EXPECT_EQ(r.config->dataplane.adjacency_capacity, 64u);
}

TEST(Structure, EmptyOptionalSectionsAreAccepted) {
    const auto r = config::load_string(with("dataplane:\nroutes:\narp_static:\npki_domain:\nssl_policy:\n"
                                            "remote_backup_service:\nremote_backup_profile:\ncontrol:\n"),
                                       "t.yaml", "/");
    EXPECT_TRUE(r.config);
    EXPECT_TRUE(r.errors.empty());
}

TEST(Structure, ControlSocket) {
    EXPECT_EQ(errors_of(with("control: {socket: run/x.sock}\n")),
              Lines{"6:19: socket 'run/x.sock' must be an absolute path"});
    EXPECT_EQ(errors_of(with("control: {socket: /" + std::string(107, 'a') + "}\n")),
              Lines{"6:19: socket path is 108 bytes long (at most 107)"});
    EXPECT_EQ(errors_of(with("control: {path: /x}\n")),
              Lines{"6:11: unknown key 'path' in control (expected one of: socket)"});

    const auto r = config::load_string(with("control: {socket: /tmp/wg.sock}\n"), "t.yaml", "/");
    ASSERT_TRUE(r.config);
    EXPECT_EQ(r.config->control.socket, "/tmp/wg.sock");
}

TEST(Structure, LoadFileReportsUnreadableFiles) {
    TempDir dir;
    const auto missing = config::load_file(dir.path() + "/none.yaml");
    ASSERT_EQ(missing.errors.size(), 1u);
    EXPECT_EQ(missing.errors[0].str(), dir.path() + "/none.yaml: cannot open: No such file or directory");
    EXPECT_FALSE(missing.config);

    const auto directory = config::load_file(dir.path());
    ASSERT_EQ(directory.errors.size(), 1u);
    EXPECT_EQ(directory.errors[0].str(), dir.path() + ": cannot read: is a directory");
}

TEST(Structure, LoadFileNamesTheFileInEveryMessage) {
    TempDir dir;
    write_text(dir.path() + "/bad.yaml", with("dataplane: {workers: 0}\n"));
    const auto r = config::load_file(dir.path() + "/bad.yaml");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].str(), dir.path() + "/bad.yaml:6:22: workers 0 out of range 1..64");
}

} // namespace
} // namespace wg::test
