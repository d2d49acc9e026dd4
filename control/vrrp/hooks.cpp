#include "control/vrrp/hooks.hpp"

#include <csignal>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace wg::vrrp {

ProcessHookRunner::ProcessHookRunner(control::EventLoop& loop, control::Duration timeout)
    : loop_(loop), timeout_(timeout) {}

ProcessHookRunner::~ProcessHookRunner() {
    if (reaper_ != 0) loop_.cancel_timer(reaper_);
    for (const auto& c : children_) {
        kill(c.pid, SIGKILL);
        waitpid(c.pid, nullptr, 0);
    }
}

void ProcessHookRunner::run(const std::string& command, const std::vector<std::string>& env) {
    std::vector<std::string> strings;
    for (char** e = environ; e && *e; ++e)
        strings.emplace_back(*e);
    strings.insert(strings.end(), env.begin(), env.end());
    std::vector<char*> envp;
    for (auto& s : strings)
        envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string cmd = command;
    char sh[] = "/bin/sh", dash_c[] = "-c";
    char* argv[] = {sh, dash_c, cmd.data(), nullptr};
    pid_t pid = 0;
    if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, envp.data()) != 0) {
        ++failed_;
        return;
    }
    ++started_;
    children_.push_back({pid, loop_.now() + timeout_, command});
    if (reaper_ == 0) reaper_ = loop_.add_periodic(std::chrono::milliseconds(100), [this] { reap(); });
}

void ProcessHookRunner::reap() {
    const auto now = loop_.now();
    for (auto it = children_.begin(); it != children_.end();) {
        int status = 0;
        const pid_t r = waitpid(it->pid, &status, WNOHANG);
        if (r == it->pid) {
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed_;
            it = children_.erase(it);
            continue;
        }
        if (now >= it->deadline) {
            kill(it->pid, SIGKILL);
            waitpid(it->pid, nullptr, 0);
            ++timed_out_;
            it = children_.erase(it);
            continue;
        }
        ++it;
    }
    if (children_.empty() && reaper_ != 0) {
        loop_.cancel_timer(reaper_);
        reaper_ = 0;
    }
}

} // namespace wg::vrrp
