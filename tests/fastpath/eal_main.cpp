// main() of the packet-level test binaries: GoogleTest with EAL around it.
#include "tests/fastpath/eal_env.hpp"

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new wg::test::EalEnvironment()); // gtest owns it
    return RUN_ALL_TESTS();
}
