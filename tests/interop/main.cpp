// GoogleTest main for the interop suite: after GoogleTest's own flags, argv
// holds the programs under test, as meson passes them: warmgate warmgatectl.
// Network namespaces and veth pairs need root: without it every test is
// skipped with meson's skip code (77), saying why.
#include "tests/support/lab.hpp"

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
    if (!wg::apptest::resolve_programs(argc, argv, 2, "WARMGATE WARMGATECTL", path)) return 2;
    if (geteuid() != 0) {
        std::printf("interop: needs root (network namespaces, veth pairs, keepalived): skipped\n");
        return 77;
    }
    wg::apptest::set_programs({path[0], path[1], "", ""});
    {
        wg::apptest::TempDir scratch;
        wg::interop::sweep_stale_namespaces(scratch);
    }
    // A child closing its end early must fail a write, not kill the test.
    std::signal(SIGPIPE, SIG_IGN);
    return RUN_ALL_TESTS();
}
