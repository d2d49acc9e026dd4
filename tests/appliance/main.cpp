// GoogleTest main for the end-to-end tests: after GoogleTest's own flags,
// argv holds the programs under test, in the order meson passes them:
// warmgate warmgatectl warmgate-config wg-pcapgen.
#include "tests/support/harness.hpp"

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
    if (!wg::apptest::resolve_programs(argc, argv, 4, "WARMGATE WARMGATECTL WARMGATE-CONFIG WG-PCAPGEN", path))
        return 2;
    wg::apptest::set_programs({path[0], path[1], path[2], path[3]});
    // A child closing its end early must fail a write, not kill the test.
    std::signal(SIGPIPE, SIG_IGN);
    return RUN_ALL_TESTS();
}
