#include "support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace wg::test {

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/wg-config-test.XXXXXX";
    if (char* made = ::mkdtemp(tmpl.data())) path_ = std::filesystem::path(made).lexically_normal().string();
    EXPECT_FALSE(path_.empty()) << "mkdtemp failed for " << tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

void write_text(const std::string& path, std::string_view text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    ASSERT_TRUE(out.good()) << "cannot write " << path;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << "cannot read " << path;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string source_root() {
    const char* root = std::getenv("WARMGATE_SOURCE_ROOT");
    EXPECT_NE(root, nullptr) << "WARMGATE_SOURCE_ROOT is not set (run through meson test)";
    return root ? root : "";
}

void write_fake_pems(const std::string& dir) {
    write_text(dir + "/ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    write_text(dir + "/dev.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    write_text(dir + "/dev.key", "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n");
}

std::string_view yaml(std::string_view raw) {
    if (!raw.empty() && raw.front() == '\n') raw.remove_prefix(1);
    return raw;
}

std::vector<std::string> errors_of(std::string_view text, const std::string& base_dir) {
    const auto result = config::load_string(text, "t.yaml", base_dir);
    std::vector<std::string> out;
    for (const auto& d : result.errors) {
        std::string s = d.str();
        EXPECT_EQ(s.rfind("t.yaml:", 0), 0u) << s;
        out.push_back(s.substr(s.rfind("t.yaml:", 0) == 0 ? 7 : 0));
    }
    EXPECT_EQ(result.config.has_value(), result.errors.empty());
    return out;
}

std::string replace(std::string_view text, std::string_view from, std::string_view to) {
    std::string s(text);
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << "'" << from << "' not found";
    if (at == std::string::npos) return s;
    EXPECT_EQ(s.find(from, at + 1), std::string::npos) << "'" << from << "' occurs twice";
    s.replace(at, from.size(), to);
    return s;
}

} // namespace wg::test
