// Runs the libFuzzer entry point of the fuzz/*.cpp target linked with it over
// every file of a corpus directory (and every prefix of each), so that the
// fuzz target and its invariants are exercised by a plain gcc build (suite
// 'unit'). An invariant violation aborts.
// Usage: NAME_fuzz_replay DIR
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(argv[1], ec))
        if (e.is_regular_file()) files.push_back(e.path());
    if (ec || files.empty()) {
        std::fprintf(stderr, "no corpus in %s\n", argv[1]);
        return 1;
    }
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in),
                                         std::istreambuf_iterator<char>()};
        LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
        // Every prefix too: truncation is the commonest malformation.
        for (size_t n = 0; n < bytes.size(); ++n)
            LLVMFuzzerTestOneInput(bytes.data(), n);
    }
    std::printf("replayed %zu corpus files (and their prefixes)\n", files.size());
    return 0;
}
