// The built warmgate-config program, run as a user would: exit codes,
// stdout/stderr contents. Its path is this test's first argument (meson
// passes the executable target).

#include "tests/importer/support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <iostream>
#include <regex>

namespace wg::test {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

std::string g_tool; // set by main()

struct Outcome {
    int status = -1;
    std::string out, err;
};

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

Outcome run(const std::vector<std::string>& args) {
    std::string out = lab_dir() + "/stdout", err = lab_dir() + "/stderr";
    std::string cmd = shell_quote(g_tool);
    for (const auto& a : args) cmd += " " + shell_quote(a);
    cmd += " >" + shell_quote(out) + " 2>" + shell_quote(err);
    int rc = std::system(cmd.c_str());
    Outcome r;
    r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
}

std::string seed(const char* name) { return source_root() + "/tests/importer/data/" + name; }

// The example, placed next to the lab PKI so that its certs/ paths resolve.
std::string example_copy(const char* name, const std::string& edit_from = "",
                         const std::string& edit_to = "") {
    std::string text = read_text(source_root() + "/config/examples/" + name);
    if (!edit_from.empty()) text = std::regex_replace(text, std::regex(edit_from), edit_to);
    std::string path = lab_dir() + "/" + name;
    write_text(path, text);
    return path;
}

std::vector<std::string> import_args(const std::string& file) {
    return {"import-vrp",
            file,
            "--port",
            "GigabitEthernet0/1/0=net_af_packet0,iface=a-user",
            "--cert-dir",
            lab_dir() + "/certs",
            "--ca=" + lab_dir() + "/certs/ca.pem"};
}

TEST(Check, ValidFileSaysOk) {
    std::string path = example_copy("device-a.yaml");
    Outcome r = run({"check", path});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, path + ": OK (DeviceA: 3 interfaces, 2 vrrp groups, 1 remote-backup profile)\n");
    EXPECT_THAT(r.err, IsEmpty());
}

TEST(Check, InvalidFilePrintsLocatedErrors) {
    std::string path = example_copy("device-b.yaml", "priority: 100 ", "priority: 300 ");
    Outcome r = run({"check", path});
    EXPECT_EQ(r.status, 1);
    EXPECT_THAT(r.out, IsEmpty());
    EXPECT_THAT(r.err, AllOf(StartsWith(path + ":19:"), HasSubstr("300")));
}

TEST(Check, MissingFileIsAnError) {
    Outcome r = run({"check", lab_dir() + "/nope.yaml"});
    EXPECT_EQ(r.status, 1);
    EXPECT_THAT(r.err, HasSubstr("nope.yaml"));
}

TEST(ImportVrp, SeedToYamlThatPassesCheck) {
    Outcome r = run(import_args(seed("seed-device-a.vrp")));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_THAT(r.out, AllOf(HasSubstr("sysname: DeviceA\n"), HasSubstr("    address: 10.1.1.1/24\n"),
                             HasSubstr("    port: \"net_af_packet0,iface=a-user\"\n")));
    EXPECT_THAT(r.err, HasSubstr("seed-device-a.vrp:34:1: warning: ignored: 'ospf 1'\n"));
    EXPECT_THAT(r.err, HasSubstr("seed-device-a.vrp:37:3: warning: ignored: 'network 10.1.1.0 0.0.0.255'\n"));

    std::string out = lab_dir() + "/imported-a.yaml";
    std::vector<std::string> args = import_args(seed("seed-device-a.vrp"));
    args.insert(args.end(), {"-o", out});
    Outcome to_file = run(args);
    EXPECT_EQ(to_file.status, 0) << to_file.err;
    EXPECT_THAT(to_file.out, IsEmpty());
    EXPECT_EQ(read_text(out), r.out);
    Outcome check = run({"check", out});
    EXPECT_EQ(check.status, 0) << check.err;
    EXPECT_THAT(check.out, HasSubstr("OK (DeviceA: 2 interfaces, 1 vrrp group, 1 remote-backup profile)"));
}

// Documented in --help: without a port the YAML is written, with a warning,
// and fails `check` until a port is added.
TEST(ImportVrp, MissingPortWarnsAndTheResultFailsCheck) {
    std::string out = lab_dir() + "/no-port.yaml";
    Outcome r = run({"import-vrp", seed("seed-device-b.vrp"), "--cert-dir", lab_dir() + "/certs", "--ca",
                     lab_dir() + "/certs/ca.pem", "-o", out});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_THAT(r.err,
                HasSubstr("seed-device-b.vrp:21:1: warning: no --port given for GigabitEthernet0/1/0"));
    Outcome check = run({"check", out});
    EXPECT_EQ(check.status, 1);
    EXPECT_THAT(check.err, AllOf(StartsWith(out + ":"), HasSubstr("'GigabitEthernet0/1/0'")));
}

TEST(ImportVrp, MalformedTextFailsWithoutOutput) {
    std::string path = lab_dir() + "/bad.vrp";
    write_text(path, "sysname D\ninterface GigabitEthernet0/1/0\n ip address 10.1.1.1 255.0.255.0\n");
    Outcome r = run({"import-vrp", path, "--port", "GigabitEthernet0/1/0=net_null0"});
    EXPECT_EQ(r.status, 1);
    EXPECT_THAT(r.out, IsEmpty());
    EXPECT_EQ(r.err, path + ":3:22: error: non-contiguous mask '255.0.255.0'\n");
}

TEST(Usage, HelpVersionAndMistakes) {
    Outcome help = run({"--help"});
    EXPECT_EQ(help.status, 0);
    EXPECT_THAT(help.out, AllOf(HasSubstr("--cert-dir"), HasSubstr("--ca PATH"), HasSubstr("fails `check`")));
    Outcome version = run({"--version"});
    EXPECT_EQ(version.status, 0);
    EXPECT_THAT(version.out, StartsWith("warmgate-config "));

    for (const auto& args : std::vector<std::vector<std::string>>{
             {},
             {"frobnicate"},
             {"check"},
             {"check", "--strict", "x.yaml"},
             {"import-vrp"},
             {"import-vrp", seed("seed-device-a.vrp"), "--bogus"},
             {"import-vrp", seed("seed-device-a.vrp"), "--port", "GigabitEthernet0/1/0"},
             {"import-vrp", seed("seed-device-a.vrp"), "--cert-dir"}}) {
        Outcome r = run(args);
        SCOPED_TRACE(::testing::PrintToString(args));
        EXPECT_EQ(r.status, 2);
        EXPECT_THAT(r.err, HasSubstr("usage: warmgate-config"));
        EXPECT_THAT(r.out, Not(HasSubstr("sysname")));
    }
}

// The key tables of docs/config.md: printed between their markers; a hand
// edit fails --check with the command that regenerates them, which --write
// is; then --check passes and the prose is untouched.
TEST(DocKeys, CheckFailsOnAHandEditAndWriteRegenerates) {
    Outcome printed = run({"doc-keys"});
    EXPECT_EQ(printed.status, 0);
    EXPECT_THAT(printed.out, HasSubstr("<!-- keys:arp begin -->\n| key | type | default | range | what |\n"));
    const std::string doc = read_text(source_root() + "/docs/config.md");
    const std::string copy = lab_dir() + "/config.md";
    write_text(copy, std::regex_replace(doc, std::regex("\\| `probes` \\| integer \\| 3 \\|"),
                                        "| `probes` | integer | 4 |"));
    Outcome stale = run({"doc-keys", "--check", copy});
    EXPECT_EQ(stale.status, 1);
    EXPECT_THAT(stale.err, HasSubstr("doc-keys --write " + copy));
    EXPECT_EQ(run({"doc-keys", "--write", copy}).status, 0);
    EXPECT_EQ(read_text(copy), doc);
    EXPECT_EQ(run({"doc-keys", "--check", copy}).status, 0);
    EXPECT_EQ(run({"doc-keys", "--check"}).status, 2);
}

} // namespace
} // namespace wg::test

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (argc < 2) {
        std::cerr << "usage: test_config_tool [gtest options] PATH-TO-warmgate-config\n";
        return 2;
    }
    wg::test::g_tool = argv[1];
    return RUN_ALL_TESTS();
}
