// End-to-end harness: the real warmgate, warmgatectl, warmgate-config and
// wg-pcapgen binaries (paths from meson, see main.cpp) run as child
// processes on DPDK virtual devices, each appliance under its own EAL
// --file-prefix. Waits are bounded polls for a condition (a process exiting,
// a socket answering, a counter reaching a value); nothing asserts on time.
//
// Thread-safety: single-threaded, like the tests that use it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace wg::apptest {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Programs {
    std::string warmgate, warmgatectl, warmgate_config, pcapgen;
};
const Programs& programs();
void set_programs(Programs p);

// The programs a test main receives after GoogleTest's flags (meson passes
// them relative to the build directory): `count` of them as absolute paths.
// On a wrong count prints "usage: ARGV0 [gtest flags] NAMES", on a path
// that is not executable says which; both return false (exit code 2).
bool resolve_programs(int argc, char** argv, int count, const char* names, std::vector<std::string>& out);

// Generous bounds: they only decide when a stuck wait gives up.
inline constexpr auto kStartTimeout = 30s;
inline constexpr auto kStopTimeout = 30s;
inline constexpr auto kCommandTimeout = 15s;
inline constexpr auto kTrafficTimeout = 20s;

// Polls `cond` every few milliseconds until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

// A private scratch directory, removed with everything in it at destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);
bool exists(const std::string& path);
std::vector<std::string> lines_of(const std::string& text);
bool contains(const std::string& haystack, const std::string& needle);

// A child process with stdin from a file and stdout/stderr to files. It is
// killed (SIGKILL) with its parent (PR_SET_PDEATHSIG) and by the destructor
// if still running, so a failed test never leaves an appliance spinning.
class Process {
  public:
    Process(std::vector<std::string> argv, std::string out_path, std::string err_path,
            std::string in_path = "/dev/null");
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    void signal(int sig);
    // Exit code once it has exited within `timeout`; 128+N if killed by
    // signal N; nullopt if still running.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    std::string out() const { return read_file(out_path_); }
    std::string err() const { return read_file(err_path_); }

  private:
    void reap(int status);
    pid_t pid_ = -1;
    std::optional<int> exit_;
    std::string out_path_, err_path_;
};

struct RunResult {
    int code = -1; // exit code; -1: did not finish in time (killed)
    std::string out, err;
    std::string describe() const; // for assertion messages
};

// Runs argv to completion in `dir` (for its output files).
RunResult run(const TempDir& dir, const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
              const std::string& in_path = "/dev/null");

// EAL: unique --file-prefix per appliance, so parallel runs and leftover
// directories never collide; the runtime dir follows EAL's own rule.
std::string new_file_prefix();
std::string dpdk_runtime_dir(const std::string& prefix);
std::vector<std::string> eal_args(const std::string& prefix);

// One warmgate process. The destructor kills it if needed and removes its
// own DPDK runtime directory (only ever the one of its unique prefix).
class Appliance {
  public:
    Appliance(const TempDir& dir, const std::string& name, const std::string& config_path,
              std::vector<std::string> extra_eal = {});
    ~Appliance();

    const std::string& prefix() const { return prefix_; }
    Process& process() { return proc_; }
    // Until `warmgatectl display version` answers on `socket`; false (with
    // why) if the process exits or the bound passes first.
    bool wait_ready(const std::string& socket, std::string& why);
    // Sends `sig` and waits for the exit code (nullopt: still running).
    std::optional<int> stop(int sig);

  private:
    const TempDir& dir_;
    std::string prefix_;
    Process proc_;
};

// warmgatectl --socket SOCKET [--json] WORDS...
RunResult ctl(const TempDir& dir, const std::string& socket, const std::vector<std::string>& words,
              bool json = false);
// The --json reply parsed back (yaml-cpp reads JSON); throws on a failed
// command or unparsable output, which GoogleTest reports with the text.
YAML::Node ctl_json(const TempDir& dir, const std::string& socket, const std::vector<std::string>& words);

// `display statistics --json` → total.<key>.
uint64_t total_counter(const YAML::Node& stats, const std::string& key);

} // namespace wg::apptest
