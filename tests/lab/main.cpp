// GoogleTest main for the lab suite (docs/lab.md "The fault suite"): after GoogleTest's own
// flags, argv holds the programs under test as meson passes them (warmgate
// warmgatectl warmgate-config wg-trafgen: listing them makes `meson test`
// build them first). scripts/lab.sh comes from WARMGATE_SOURCE_ROOT and runs
// the programs of WARMGATE_BUILD_ROOT. Network namespaces need root: without
// it every test is skipped with meson's skip code (77), saying why.
#include "tests/support/lab_driver.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    std::vector<std::string> path;
    if (!wg::apptest::resolve_programs(argc, argv, 4, "WARMGATE WARMGATECTL WARMGATE-CONFIG WG-TRAFGEN", path))
        return 2;
    if (geteuid() != 0) {
        std::printf("lab: needs root (network namespaces, veth pairs, scripts/lab.sh): skipped\n");
        return 77;
    }
    const char* source = std::getenv("WARMGATE_SOURCE_ROOT");
    const char* build = std::getenv("WARMGATE_BUILD_ROOT");
    if (source == nullptr || build == nullptr) {
        std::fprintf(stderr,
                     "%s: WARMGATE_SOURCE_ROOT and WARMGATE_BUILD_ROOT must be set (meson test does)\n",
                     argv[0]);
        return 2;
    }
    wg::apptest::set_programs({path[0], path[1], path[2], ""});
    wg::labtest::set_paths({source, build, path[1], path[3]});
    // A child closing its end early must fail a write, not kill the test.
    std::signal(SIGPIPE, SIG_IGN);
    wg::labtest::install_emergency_down();
    return RUN_ALL_TESTS();
}
