// GoogleTest main for the interop suite: after GoogleTest's own flags, argv
// holds the programs under test, as meson passes them: warmgate warmgatectl.
// Network namespaces and veth pairs need root: without it every test is
// skipped with meson's skip code (77), saying why.
#include "tests/interop/lab.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s [gtest flags] WARMGATE WARMGATECTL\n", argv[0]);
        return 2;
    }
    if (geteuid() != 0) {
        std::printf("interop: needs root (network namespaces, veth pairs, keepalived): skipped\n");
        return 77;
    }
    // Absolute paths: meson passes them relative to the build directory.
    std::string path[3];
    for (int i = 1; i < 3; ++i) {
        char* real = realpath(argv[i], nullptr);
        if (real == nullptr || access(real, X_OK) != 0) {
            std::fprintf(stderr, "%s: %s is not executable\n", argv[0], argv[i]);
            std::free(real);
            return 2;
        }
        path[i] = real;
        std::free(real);
    }
    wg::apptest::set_programs({path[1], path[2], "", ""});
    {
        wg::apptest::TempDir scratch;
        wg::interop::sweep_stale_namespaces(scratch);
    }
    // A child closing its end early must fail a write, not kill the test.
    std::signal(SIGPIPE, SIG_IGN);
    return RUN_ALL_TESTS();
}
