// GoogleTest main for the wg-trafgen process tests: argv holds the path of
// wg-trafgen after GoogleTest's own flags. Built with WG_TRAFGEN_NEEDS_ROOT
// (the veth test), it exits 77 — meson's "skipped" — unless run as root with
// iproute2 at hand.
#include "tests/trafgen/support.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s [gtest flags] WG-TRAFGEN\n", argv[0]);
        return 2;
    }
    char* real = realpath(argv[1], nullptr);
    if (real == nullptr || access(real, X_OK) != 0) {
        std::fprintf(stderr, "%s: %s is not executable\n", argv[0], argv[1]);
        std::free(real);
        return 2;
    }
    wg::trafgen_test::program() = real;
    std::free(real);
#ifdef WG_TRAFGEN_NEEDS_ROOT
    if (geteuid() != 0 || std::system("ip -V >/dev/null 2>&1") != 0) {
        std::printf("skipped: needs root and iproute2 (a veth pair in a network namespace of its own)\n");
        return 77;
    }
#endif
    std::signal(SIGPIPE, SIG_IGN);
    return RUN_ALL_TESTS();
}
