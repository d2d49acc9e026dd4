// GoogleTest main for the end-to-end tests: after GoogleTest's own flags,
// argv holds the programs under test, in the order meson passes them:
// warmgate warmgatectl warmgate-config wg-pcapgen.
#include "tests/appliance/harness.hpp"

#include <gtest/gtest.h>

#include <limits.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s [gtest flags] WARMGATE WARMGATECTL WARMGATE-CONFIG WG-PCAPGEN\n",
                     argv[0]);
        return 2;
    }
    // Absolute paths: meson passes them relative to the build directory.
    std::string path[5];
    for (int i = 1; i < 5; ++i) {
        char* real = realpath(argv[i], nullptr);
        if (real == nullptr || access(real, X_OK) != 0) {
            std::fprintf(stderr, "%s: %s is not executable\n", argv[0], argv[i]);
            std::free(real);
            return 2;
        }
        path[i] = real;
        std::free(real);
    }
    wg::apptest::set_programs({path[1], path[2], path[3], path[4]});
    // A child closing its end early must fail a write, not kill the test.
    std::signal(SIGPIPE, SIG_IGN);
    return RUN_ALL_TESTS();
}
