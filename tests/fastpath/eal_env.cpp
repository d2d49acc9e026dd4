#include "tests/fastpath/eal_env.hpp"

#include <rte_eal.h>
#include <rte_errno.h>

#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace wg::test {
namespace {

bool g_up = false;
std::string g_runtime_dir;

std::string prefix() { return "wg-test-" + std::to_string(::getpid()); }

} // namespace

std::vector<std::string> eal_test_args(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"wg-test",       "--no-huge", "-m", "512", "--no-pci",
                                     "--file-prefix", prefix(),    "-l", "0-1", "--log-level=*:warning"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

bool eal_init(const std::vector<std::string>& args, std::string& error) {
    if (g_up) {
        error = "EAL is already initialised in this process";
        return false;
    }
    // EAL may keep pointers into argv (and permutes it): give it storage
    // that lives as long as the process.
    static std::vector<std::string> storage;
    static std::vector<char*> argv;
    storage = args;
    argv.clear();
    for (auto& a : storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (rte_eal_init(int(storage.size()), argv.data()) < 0) {
        error = std::string("rte_eal_init failed: ") + rte_strerror(rte_errno);
        return false;
    }
    g_up = true;
    g_runtime_dir = rte_eal_get_runtime_dir();
    return true;
}

void eal_cleanup() {
    if (!g_up) return;
    rte_eal_cleanup();
    g_up = false;
    // Each run has a fresh prefix: do not leave one directory per run in
    // /var/run/dpdk. Only ever remove our own.
    const std::filesystem::path dir(g_runtime_dir);
    if (dir.filename() == prefix()) {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
}

void EalEnvironment::SetUp() {
    std::string error;
    up_ = eal_init(eal_test_args(extra_), error);
    ASSERT_TRUE(up_) << error;
}

void EalEnvironment::TearDown() {
    if (up_) eal_cleanup();
    up_ = false;
}

} // namespace wg::test
