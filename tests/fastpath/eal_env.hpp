// EAL for packet-level tests (suite 'packet') and benchmarks: one
// rte_eal_init per process, without hugepages or PCI, under a file prefix
// of its own (wg-test-<pid>) so test binaries never share DPDK runtime state.
//
// Test binaries that link wg_test_eal_dep get a main() (eal_main.cpp) that
// registers EalEnvironment; a binary with its own main registers it itself
// (extra EAL arguments, e.g. --vdev, go to the constructor).
//
// Thread-safety: main thread only, before/after the tests run.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wg::test {

// The arguments: --no-huge -m 512 --no-pci --file-prefix wg-test-<pid>
// -l 0-1 --log-level=*:warning, then `extra` (later options win).
std::vector<std::string> eal_test_args(const std::vector<std::string>& extra = {});

// rte_eal_init with `args` (argv[0] included). False with a message on
// failure, or when EAL is already up in this process.
bool eal_init(const std::vector<std::string>& args, std::string& error);
// rte_eal_cleanup, and removal of the runtime directory of our prefix.
void eal_cleanup();

class EalEnvironment : public ::testing::Environment {
  public:
    explicit EalEnvironment(std::vector<std::string> extra = {}) : extra_(std::move(extra)) {}
    void SetUp() override; // fatal failure (no test runs) when EAL cannot start
    void TearDown() override;

  private:
    std::vector<std::string> extra_;
    bool up_ = false;
};

} // namespace wg::test
