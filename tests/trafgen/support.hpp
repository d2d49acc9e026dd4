// Shared by the wg-trafgen process tests: the program's path (from main.cpp),
// its EAL arguments, and a minimal pcap reader/writer for net_pcap's files.
// Thread-safety: single-threaded, like the tests.
#pragma once

#include "tests/support/harness.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace wg::trafgen_test {

// Set once by main() before the tests run.
inline std::string& program() {
    static std::string path;
    return path;
}

// One EAL per run: its own --file-prefix, one lcore, no hugepages. The
// runtime directory EAL leaves behind is removed by the destructor.
class Eal {
  public:
    Eal() : prefix_(apptest::new_file_prefix()) {}
    ~Eal() {
        std::error_code ec;
        std::filesystem::remove_all(apptest::dpdk_runtime_dir(prefix_), ec);
    }
    Eal(const Eal&) = delete;
    Eal& operator=(const Eal&) = delete;

    // wg-trafgen EAL... --vdev VDEV -- ARGS...
    std::vector<std::string> argv(const std::string& vdev, const std::vector<std::string>& args) const {
        std::vector<std::string> v{program(),  "--no-huge",
                                   "-m",       "256",
                                   "--no-pci", "-l",
                                   "0",        "--file-prefix",
                                   prefix_,    "--log-level=*:warning",
                                   "--vdev",   vdev,
                                   "--"};
        v.insert(v.end(), args.begin(), args.end());
        return v;
    }

  private:
    std::string prefix_;
};

// A pcap file of Ethernet frames (the format net_pcap reads and writes).
struct Pcap {
    std::vector<std::vector<uint8_t>> frames;

    static Pcap read(const std::string& path) {
        Pcap p;
        const std::string data = apptest::read_file(path);
        if (data.size() < 24) return p;
        for (size_t at = 24; at + 16 <= data.size();) {
            uint32_t hdr[4];
            data.copy(reinterpret_cast<char*>(hdr), 16, at);
            at += 16;
            if (at + hdr[2] > data.size()) break;
            p.frames.emplace_back(data.begin() + long(at), data.begin() + long(at + hdr[2]));
            at += hdr[2];
        }
        return p;
    }

    void write(const std::string& path) const {
        std::string data;
        const uint32_t gh[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
        data.append(reinterpret_cast<const char*>(gh), sizeof gh);
        for (size_t i = 0; i < frames.size(); ++i) {
            const uint32_t hdr[4] = {uint32_t(i / 1000000), uint32_t(i % 1000000), uint32_t(frames[i].size()),
                                     uint32_t(frames[i].size())};
            data.append(reinterpret_cast<const char*>(hdr), sizeof hdr);
            data.append(reinterpret_cast<const char*>(frames[i].data()), frames[i].size());
        }
        apptest::write_file(path, data);
    }
};

} // namespace wg::trafgen_test
