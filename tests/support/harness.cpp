#include "tests/support/harness.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace wg::apptest {
namespace {

Programs g_programs;

} // namespace

const Programs& programs() {
    return g_programs;
}
void set_programs(Programs p) {
    g_programs = std::move(p);
}

bool resolve_programs(int argc, char** argv, int count, const char* names, std::vector<std::string>& out) {
    if (argc != count + 1) {
        std::fprintf(stderr, "usage: %s [gtest flags] %s\n", argv[0], names);
        return false;
    }
    out.clear();
    for (int i = 1; i <= count; ++i) {
        char* real = realpath(argv[i], nullptr);
        const bool ok = real != nullptr && access(real, X_OK) == 0;
        if (ok) out.emplace_back(real);
        std::free(real);
        if (!ok) {
            std::fprintf(stderr, "%s: %s is not executable\n", argv[0], argv[i]);
            return false;
        }
    }
    return true;
}

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (cond()) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
}

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/wg-apptest-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr)
        throw std::runtime_error("mkdtemp: " + std::string(std::strerror(errno)));
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

bool exists(const std::string& path) {
    std::error_code ec;
    return std::filesystem::exists(std::filesystem::symlink_status(path, ec));
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

Process::Process(std::vector<std::string> argv, std::string out_path, std::string err_path,
                 std::string in_path)
    : out_path_(std::move(out_path)), err_path_(std::move(err_path)) {
    std::vector<char*> args;
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
    if (pid_ == 0) {
        // Child: only async-signal-safe calls until exec.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127);
        const int in = open(in_path.c_str(), O_RDONLY);
        const int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0 || err < 0) _exit(127);
        dup2(in, 0), dup2(out, 1), dup2(err, 2);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int sig : {SIGPIPE, SIGINT, SIGTERM})
            std::signal(sig, SIG_DFL);
        execv(args[0], args.data());
        _exit(127);
    }
}

Process::~Process() {
    if (pid_ > 0 && !exit_) {
        kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
}

void Process::reap(int status) {
    exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool Process::running() {
    if (exit_) return false;
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) reap(status);
    return !exit_;
}

void Process::signal(int sig) {
    if (running()) kill(pid_, sig);
}

std::optional<int> Process::wait_exit(std::chrono::milliseconds timeout) {
    wait_until([this] { return !running(); }, timeout);
    return exit_;
}

std::string RunResult::describe() const {
    return "exit " + std::to_string(code) + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
}

RunResult run(const TempDir& dir, const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
              const std::string& in_path) {
    static std::atomic<unsigned> seq{0};
    const std::string tag = "run" + std::to_string(seq++);
    RunResult r;
    Process p(argv, dir.file(tag + ".out"), dir.file(tag + ".err"), in_path);
    const auto code = p.wait_exit(timeout);
    r.code = code ? *code : -1;
    r.out = p.out();
    r.err = p.err();
    return r;
}

std::string new_file_prefix() {
    static unsigned n = 0;
    return "wgtest-" + std::to_string(getpid()) + "-" + std::to_string(n++);
}

// EAL's eal_create_runtime_dir(): $RUNTIME_DIRECTORY, else /var/run for
// root, else $XDG_RUNTIME_DIR or /tmp; then dpdk/<prefix>.
std::string dpdk_runtime_dir(const std::string& prefix) {
    std::string base;
    if (const char* rd = std::getenv("RUNTIME_DIRECTORY"); rd && *rd)
        base = rd;
    else if (getuid() == 0)
        base = "/var/run";
    else if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x && *x)
        base = x;
    else
        base = "/tmp";
    return base + "/dpdk/" + prefix;
}

std::vector<std::string> eal_args(const std::string& prefix) {
    return {
        "--no-huge", "-m", "512", "--no-pci", "-l", "0-1", "--file-prefix", prefix, "--log-level=*:warning"};
}

namespace {

std::vector<std::string> appliance_argv(const std::string& prefix, const std::string& config,
                                        const std::vector<std::string>& extra) {
    std::vector<std::string> argv{programs().warmgate};
    for (const auto& a : eal_args(prefix))
        argv.push_back(a);
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), {"--", "--config", config});
    return argv;
}

} // namespace

Appliance::Appliance(const TempDir& dir, const std::string& name, const std::string& config_path,
                     std::vector<std::string> extra_eal)
    : dir_(dir), prefix_(new_file_prefix()), proc_(appliance_argv(prefix_, config_path, extra_eal),
                                                   dir.file(name + ".out"), dir.file(name + ".err")) {}

Appliance::~Appliance() {
    if (proc_.running()) {
        proc_.signal(SIGKILL);
        proc_.wait_exit(kStopTimeout);
    }
    // Only ever our own, uniquely named directory.
    std::error_code ec;
    if (prefix_.rfind("wgtest-", 0) == 0) std::filesystem::remove_all(dpdk_runtime_dir(prefix_), ec);
}

bool Appliance::wait_ready(const std::string& socket, std::string& why) {
    bool ready = false;
    const bool done = wait_until(
        [&] {
            if (!proc_.running()) return true;
            if (!exists(socket)) return false;
            ready = ctl(dir_, socket, {"display", "version"}).code == 0;
            return ready;
        },
        kStartTimeout);
    if (ready) return true;
    why = done ? "warmgate exited before serving " + socket : "warmgate did not serve " + socket + " in time";
    why += "\n--- stdout ---\n" + proc_.out() + "--- stderr ---\n" + proc_.err();
    return false;
}

std::optional<int> Appliance::stop(int sig) {
    proc_.signal(sig);
    return proc_.wait_exit(kStopTimeout);
}

RunResult ctl(const TempDir& dir, const std::string& socket, const std::vector<std::string>& words,
              bool json) {
    std::vector<std::string> argv{programs().warmgatectl, "--socket", socket, "--timeout", "10"};
    if (json) argv.push_back("--json");
    argv.insert(argv.end(), words.begin(), words.end());
    return run(dir, argv, kCommandTimeout);
}

YAML::Node ctl_json(const TempDir& dir, const std::string& socket, const std::vector<std::string>& words) {
    const RunResult r = ctl(dir, socket, words, true);
    if (r.code != 0) throw std::runtime_error("warmgatectl --json failed: " + r.describe());
    try {
        return YAML::Load(r.out);
    } catch (const YAML::Exception& e) {
        throw std::runtime_error(std::string("reply is not JSON: ") + e.what() + "\n" + r.out);
    }
}

uint64_t total_counter(const YAML::Node& stats, const std::string& key) {
    const YAML::Node v = stats["total"][key];
    if (!v) throw std::runtime_error("display statistics has no total." + key);
    return v.as<uint64_t>();
}

} // namespace wg::apptest
