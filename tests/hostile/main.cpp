// GoogleTest main for the hostile suite (tests/hostile/hostile_test.cpp):
// after GoogleTest's own flags, argv holds the programs under test as meson
// passes them (warmgate warmgatectl warmgate-config wg-trafgen wg-attack:
// listing them makes `meson test` build them first). scripts/lab.sh comes
// from WARMGATE_SOURCE_ROOT and runs the programs of WARMGATE_BUILD_ROOT.
// The lab's cases need root (network namespaces): without it they are
// skipped with meson's skip code (77); the config case runs as any user.
#include "tests/hostile/hostile.hpp"
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
    if (!wg::apptest::resolve_programs(argc, argv, 5,
                                       "WARMGATE WARMGATECTL WARMGATE-CONFIG WG-TRAFGEN WG-ATTACK", path))
        return 2;
    const bool config_only = ::testing::GTEST_FLAG(filter).rfind("HostileConfig.", 0) == 0;
    if (geteuid() != 0 && !config_only) {
        std::printf("hostile: needs root (network namespaces, veth pairs, scripts/lab.sh): skipped\n");
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
    wg::hostile::set_attack_tool(path[4]);
    // A child closing its end early must fail a write, not kill the test.
    std::signal(SIGPIPE, SIG_IGN);
    wg::labtest::install_emergency_down();
    return RUN_ALL_TESTS();
}
