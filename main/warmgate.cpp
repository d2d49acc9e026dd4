// warmgate [EAL options] -- --config FILE
//
// EAL options come first and application options after "--", as in DPDK's
// own tools. The config is validated before EAL starts: a bad file is
// refused with every located error and nothing is touched.
#include "config/loader.hpp"
#include "control/cli_server.hpp"
#include "control/event_loop.hpp"
#include "main/appliance.hpp"

#include <rte_eal.h>
#include <rte_errno.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

void usage(FILE* out) {
    std::fprintf(out,
                 "usage: warmgate [EAL options] -- --config FILE\n"
                 "\n"
                 "  --config FILE   the appliance's YAML configuration (see warmgate-config check)\n"
                 "  --check         validate FILE and the EAL options, then exit\n"
                 "  --help          this text\n"
                 "  --version       print the version\n"
                 "\n"
                 "On a machine without hugepages or NICs, e.g.:\n"
                 "  warmgate --no-huge -m 512 --no-pci -l 0-1 --file-prefix a -- --config device-a.yaml\n"
                 "The main lcore runs the control core; one further lcore per dataplane.workers.\n");
}

} // namespace

int main(int argc, char** argv) {
    std::vector<char*> eal_args{argv[0]};
    std::vector<std::string> app_args;
    int i = 1;
    for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) eal_args.push_back(argv[i]);
    for (++i; i < argc; ++i) app_args.emplace_back(argv[i]);
    // `warmgate --help` / `--version` without EAL options are for people.
    if (eal_args.size() == 2 && app_args.empty()) {
        if (std::strcmp(eal_args[1], "--version") == 0) {
            std::printf("warmgate %s\n", WARMGATE_VERSION);
            return 0;
        }
        if (std::strcmp(eal_args[1], "--help") == 0 || std::strcmp(eal_args[1], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    }

    std::string config_path;
    bool check_only = false;
    for (size_t a = 0; a < app_args.size(); ++a) {
        const std::string& arg = app_args[a];
        if (arg == "--config" && a + 1 < app_args.size()) {
            config_path = app_args[++a];
        } else if (arg.rfind("--config=", 0) == 0) {
            config_path = arg.substr(9);
        } else if (arg == "--check") {
            check_only = true;
        } else if (arg == "--help" || arg == "-h") {
            usage(stdout);
            return 0;
        } else if (arg == "--version") {
            std::printf("warmgate %s\n", WARMGATE_VERSION);
            return 0;
        } else {
            std::fprintf(stderr, "warmgate: unknown option '%s'\n", arg.c_str());
            usage(stderr);
            return 2;
        }
    }
    if (config_path.empty()) {
        std::fprintf(stderr, "warmgate: --config FILE is required (after \"--\")\n");
        usage(stderr);
        return 2;
    }

    auto loaded = wg::config::load_file(config_path);
    if (!loaded.config) {
        for (const auto& d : loaded.errors) std::fprintf(stderr, "%s\n", d.str().c_str());
        std::fprintf(stderr, "warmgate: refusing to start: %zu error(s) in %s\n", loaded.errors.size(),
                     config_path.c_str());
        return 1;
    }

    // A second instance must not probe devices the first one is using.
    std::string busy;
    if (!wg::control::CliServer::available(loaded.config->control.socket, busy)) {
        std::fprintf(stderr, "warmgate: refusing to start: %s\n", busy.c_str());
        return 1;
    }

    // Block the shutdown signals (and SIGHUP, logged and ignored) before EAL
    // spawns its threads, so that they reach the control loop's signalfd and
    // nothing else. A peer closing a socket we write to is an error return
    // (EPIPE), never a signal that kills the appliance.
    wg::control::EventLoop::block_signals({SIGINT, SIGTERM, SIGHUP});
    std::signal(SIGPIPE, SIG_IGN);
    int eal_argc = int(eal_args.size());
    if (rte_eal_init(eal_argc, eal_args.data()) < 0) {
        std::fprintf(stderr, "warmgate: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
        return 1;
    }
    int rc = 0;
    if (check_only) {
        std::printf("warmgate: %s: OK\n", config_path.c_str());
    } else {
        wg::Appliance appliance(std::move(*loaded.config));
        rc = appliance.run();
    }
    rte_eal_cleanup();
    return rc;
}
