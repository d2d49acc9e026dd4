// A live CliServer on a temporary socket, its loop in a thread, answering the
// real warmgatectl binary (argv[1], passed by meson) run as a subprocess.
#include "control/cli_server.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

using namespace wg::control;
namespace proto = wg::control::proto;

namespace {

std::string g_ctl; // path of warmgatectl

struct CtlRun {
    int code = -1;
    std::string out, err;
};

// Runs warmgatectl with `args`; WARMGATE_SOCKET is removed from the
// environment unless given in `env`.
CtlRun run_ctl(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv_s{g_ctl};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "WARMGATE_SOCKET=", 16) != 0) env_s.emplace_back(*e);
    env_s.insert(env_s.end(), env.begin(), env.end());
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);

    int out[2], err[2];
    EXPECT_EQ(pipe2(out, O_CLOEXEC), 0);
    EXPECT_EQ(pipe2(err, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    pid_t pid;
    int rc = posix_spawn(&pid, g_ctl.c_str(), &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    close(err[1]);
    CtlRun r;
    if (rc != 0) {
        close(out[0]);
        close(err[0]);
        ADD_FAILURE() << "posix_spawn " << g_ctl << ": " << std::strerror(rc);
        return r;
    }
    pollfd pf[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    std::string* dst[2] = {&r.out, &r.err};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(pf, 2, 20000) <= 0) {
            ADD_FAILURE() << "warmgatectl produced no output for 20 s";
            kill(pid, SIGKILL);
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (pf[i].fd < 0 || !pf[i].revents) continue;
            char buf[65536];
            ssize_t n = read(pf[i].fd, buf, sizeof buf);
            if (n > 0) {
                dst[i]->append(buf, size_t(n));
            } else {
                close(pf[i].fd);
                pf[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto& p : pf)
        if (p.fd >= 0) close(p.fd);
    int status = 0;
    waitpid(pid, &status, 0);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

int connect_raw(const std::string& path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.c_str(), path.size());
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

// Reads one response frame (5 s deadline); status internal + "timeout" on
// failure. `dec` keeps bytes of later frames between calls.
proto::Response read_response(int fd, proto::FrameDecoder& dec) {
    std::vector<uint8_t> payload;
    while (dec.next(payload) == proto::FrameDecoder::Result::need_more) {
        pollfd p{fd, POLLIN, 0};
        uint8_t buf[4096];
        ssize_t n = poll(&p, 1, 5000) == 1 ? read(fd, buf, sizeof buf) : -1;
        if (n <= 0) return {proto::Status::internal, "timeout or EOF"};
        dec.feed({buf, size_t(n)});
    }
    proto::Response r;
    std::string err;
    if (!proto::decode_response(payload, r, err)) return {proto::Status::internal, err};
    return r;
}

void send_all(int fd, const std::vector<uint8_t>& b) {
    ASSERT_EQ(send(fd, b.data(), b.size(), MSG_NOSIGNAL), ssize_t(b.size()));
}

// The "interface" data main would gather from the ports.
CommandResult display_interface(const CommandContext& ctx) {
    Report r;
    r.declare_list("interfaces");
    for (int port = 0; port < 2; ++port) {
        std::string name = "GigabitEthernet0/" + std::to_string(port + 1) + "/0";
        if (!ctx.args.empty() && ctx.args[0] != name) continue;
        Section& s = r.add_list_item("interfaces");
        s.add("name", "Interface", name);
        s.add("port", "Port", port);
        s.add("link", "Link", NameDesc{"up", "UP"});
    }
    if (!ctx.args.empty() && r.sections().empty())
        return CommandError{"no such interface \"" + ctx.args[0] + "\""};
    return r;
}

class CliLive : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/wgcli-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        path_ = dir_ + "/run/warmgate/test.sock"; // parents do not exist yet
    }

    void TearDown() override {
        stop_server();
        std::string cmd = "rm -rf '" + dir_ + "'";
        EXPECT_EQ(std::system(cmd.c_str()), 0);
    }

    void start_server(CliServer::Options opts = {}) {
        loop_ = std::make_unique<EventLoop>();
        server_ = std::make_unique<CliServer>(*loop_, path_, opts);
        server_->register_command({"display", "interface"}, "ports and their state", display_interface);
        server_->register_command({"display", "internals"}, "a decoy sharing a prefix",
                                  [](const CommandContext&) { return Report{}; });
        server_->register_command(
            {"explode"}, "a handler that throws",
            [](const CommandContext&) -> CommandResult { throw std::runtime_error("boom"); });
        server_->register_command({"display", "big"}, "a reply of several MiB",
                                  [](const CommandContext& ctx) -> CommandResult {
                                      Report r;
                                      size_t mib = ctx.args.empty() ? 4 : std::stoul(ctx.args[0]);
                                      r.section("big").add("blob", "Blob", std::string(mib << 20, 'z'));
                                      return r;
                                  });
        server_->set_version_hook([](Section& s) { s.add("dpdk", "DPDK", "DPDK 22.11.0"); });
        std::string err;
        ASSERT_TRUE(server_->start(err)) << err;
        thread_ = std::thread([this] { loop_->run(); });
    }

    void stop_server() {
        if (!loop_) return;
        loop_->stop();
        if (thread_.joinable()) thread_.join();
        server_.reset();
        loop_.reset();
    }

    std::string dir_, path_;
    std::unique_ptr<EventLoop> loop_;
    std::unique_ptr<CliServer> server_;
    std::thread thread_;
};

} // namespace

TEST_F(CliLive, DisplayCommandPrintsTextAndExitsZero) {
    start_server();
    CtlRun r = run_ctl({"--socket", path_, "display", "interface", "GigabitEthernet0/2/0"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out,
              "----------------------------------------------------------\n"
              " Interface : GigabitEthernet0/2/0\n"
              " Port      : 1\n"
              " Link      : UP\n"
              "----------------------------------------------------------\n");
    EXPECT_EQ(r.err, "");
}

TEST_F(CliLive, JsonFlagReturnsParsableJson) {
    start_server();
    CtlRun r = run_ctl({"--json", "--socket=" + path_, "display", "interface"});
    ASSERT_EQ(r.code, 0) << r.err;
    YAML::Node doc = YAML::Load(r.out);
    ASSERT_TRUE(doc["interfaces"].IsSequence()) << r.out;
    ASSERT_EQ(doc["interfaces"].size(), 2u);
    EXPECT_EQ(doc["interfaces"][1]["name"].as<std::string>(), "GigabitEthernet0/2/0");
    EXPECT_EQ(doc["interfaces"][0]["link"].as<std::string>(), "up");
}

TEST_F(CliLive, SocketComesFromEnvironmentWhenNotGiven) {
    start_server();
    CtlRun r = run_ctl({"display", "version"}, {"WARMGATE_SOCKET=" + path_});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find(" Version : " WARMGATE_VERSION "\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" DPDK    : DPDK 22.11.0\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" Program : warmgate\n"), std::string::npos) << r.out;
}

TEST_F(CliLive, AbbreviatedWordsSelectTheCommand) {
    start_server();
    CtlRun r = run_ctl({"--socket", path_, "dis", "interface"});
    EXPECT_EQ(r.code, 0) << r.err;
    CtlRun amb = run_ctl({"--socket", path_, "dis", "int"});
    EXPECT_EQ(amb.code, 1);
    EXPECT_EQ(amb.err,
              "Error: ambiguous command \"dis int\": could be display interface, display internals\n");
}

TEST_F(CliLive, UnknownCommandExitsOneWithSuggestions) {
    start_server();
    CtlRun r = run_ctl({"--socket", path_, "displya", "interface"});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "Error: unknown command \"displya interface\"; did you mean:\n  display interface\n");
}

TEST_F(CliLive, HandlerErrorsAndExceptionsBecomeErrorReplies) {
    start_server();
    CtlRun bad = run_ctl({"--socket", path_, "display", "interface", "Eth9"});
    EXPECT_EQ(bad.code, 1);
    EXPECT_EQ(bad.err, "Error: no such interface \"Eth9\"\n");
    CtlRun boom = run_ctl({"--socket", path_, "explode"});
    EXPECT_EQ(boom.code, 1);
    EXPECT_EQ(boom.err, "Error: internal error in \"explode\": boom\n");
    // The loop survived the exception.
    EXPECT_EQ(run_ctl({"--socket", path_, "display", "version"}).code, 0);
}

TEST_F(CliLive, HelpAndQuestionMarkListCommands) {
    start_server();
    CtlRun help = run_ctl({"--socket", path_, "help"});
    EXPECT_EQ(help.code, 0) << help.err;
    EXPECT_NE(help.out.find(" explode            a handler that throws\n"), std::string::npos) << help.out;
    CtlRun q = run_ctl({"--socket", path_, "display", "?"});
    EXPECT_EQ(q.code, 0) << q.err;
    EXPECT_NE(q.out.find("display interface"), std::string::npos) << q.out;
    EXPECT_EQ(q.out.find("explode"), std::string::npos) << q.out;
}

TEST_F(CliLive, NothingListeningExitsThreeWithTheReason) {
    CtlRun r = run_ctl({"--socket", path_, "display", "version"});
    EXPECT_EQ(r.code, 3);
    EXPECT_EQ(r.err, "warmgatectl: cannot connect to " + path_ +
                         ": No such file or directory (is warmgate running?)\n");
    CtlRun n = run_ctl({"-n", "NoSuchDevice", "display", "version"});
    EXPECT_EQ(n.code, 3);
    EXPECT_NE(n.err.find("cannot connect to /run/warmgate/NoSuchDevice.sock: "), std::string::npos) << n.err;
}

TEST_F(CliLive, UsageErrorsExitTwo) {
    EXPECT_EQ(run_ctl({"--socket", path_}).code, 2);
    EXPECT_EQ(run_ctl({"--socket", path_, "-n", "DeviceA", "help"}).code, 2);
    EXPECT_EQ(run_ctl({"--timeout", "-1", "help"}).code, 2);
    EXPECT_EQ(run_ctl({"--bogus", "help"}).code, 2);
    EXPECT_EQ(run_ctl({"--socket", path_, "display", "a b"}).code, 2);
}

TEST_F(CliLive, StartCreatesParentsAndSetsModesAndStopUnlinks) {
    start_server();
    struct stat st;
    ASSERT_EQ(stat(path_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0660u);
    ASSERT_EQ(stat((dir_ + "/run/warmgate").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0755u);
    stop_server();
    EXPECT_NE(access(path_.c_str(), F_OK), 0);
}

TEST_F(CliLive, StaleSocketFileIsReplaced) {
    // What a crashed appliance leaves: a bound socket file nobody listens on.
    ASSERT_EQ(mkdir((dir_ + "/run").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((dir_ + "/run/warmgate").c_str(), 0755), 0);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path_.c_str(), path_.size());
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    close(fd);
    CtlRun refused = run_ctl({"--socket", path_, "help"});
    EXPECT_EQ(refused.code, 3);
    EXPECT_NE(refused.err.find("Connection refused"), std::string::npos) << refused.err;

    start_server();
    EXPECT_EQ(run_ctl({"--socket", path_, "help"}).code, 0);
}

TEST_F(CliLive, SecondServerOnTheSamePathIsRefused) {
    start_server();
    EventLoop other_loop;
    std::string err;
    {
        CliServer other(other_loop, path_);
        EXPECT_FALSE(other.start(err));
        EXPECT_EQ(err, "another warmgate is already serving " + path_);
    }
    // The refused server neither removed nor disturbed the live one.
    CtlRun r = run_ctl({"--socket", path_, "display", "version"});
    EXPECT_EQ(r.code, 0) << r.err;
}

TEST_F(CliLive, NonSocketFileIsNotClobbered) {
    ASSERT_EQ(std::system(("mkdir -p '" + dir_ + "/run/warmgate' && touch '" + path_ + "'").c_str()), 0);
    EventLoop loop;
    CliServer s(loop, path_);
    std::string err;
    EXPECT_FALSE(s.start(err));
    EXPECT_EQ(err, path_ + " exists and is not a socket; not removing it");
}

TEST_F(CliLive, HalfFrameClientDoesNotBlockOthers) {
    start_server();
    int slow = connect_raw(path_);
    ASSERT_GE(slow, 0);
    std::vector<uint8_t> frame;
    std::string err;
    ASSERT_TRUE(proto::encode_request({false, {"display", "version"}}, frame, err));
    // Header and two bytes of payload, then silence.
    send_all(slow, {frame.begin(), frame.begin() + 6});
    CtlRun r = run_ctl({"--socket", path_, "display", "interface"});
    EXPECT_EQ(r.code, 0) << r.err;
    // The slow client's state was kept: completing the frame gets its answer.
    send_all(slow, {frame.begin() + 6, frame.end()});
    proto::FrameDecoder dec(proto::kMaxPayload);
    proto::Response resp = read_response(slow, dec);
    EXPECT_EQ(resp.status, proto::Status::ok) << resp.body;
    EXPECT_NE(resp.body.find("Program"), std::string::npos) << resp.body;
    close(slow);
}

TEST_F(CliLive, SeveralRequestsOnOneConnectionAreAnsweredInOrder) {
    start_server();
    int fd = connect_raw(path_);
    ASSERT_GE(fd, 0);
    std::vector<uint8_t> both, f;
    std::string err;
    ASSERT_TRUE(proto::encode_request({true, {"display", "version"}}, f, err));
    both.insert(both.end(), f.begin(), f.end());
    ASSERT_TRUE(proto::encode_request({false, {"nonsense"}}, f, err));
    both.insert(both.end(), f.begin(), f.end());
    send_all(fd, both);
    proto::FrameDecoder dec(proto::kMaxPayload);
    proto::Response first = read_response(fd, dec);
    proto::Response second = read_response(fd, dec);
    EXPECT_EQ(first.status, proto::Status::ok);
    EXPECT_EQ(first.body.rfind("{", 0), 0u) << first.body;
    EXPECT_EQ(second.status, proto::Status::error);
    EXPECT_NE(second.body.find("unknown command \"nonsense\""), std::string::npos) << second.body;
    close(fd);
}

TEST_F(CliLive, OversizeRequestGetsAnErrorAndIsClosed) {
    start_server();
    int fd = connect_raw(path_);
    ASSERT_GE(fd, 0);
    send_all(fd, {0x01, 0x00, 0x00, 0x00}); // claims 16 MiB of command line
    proto::FrameDecoder dec(proto::kMaxPayload);
    proto::Response r = read_response(fd, dec);
    EXPECT_EQ(r.status, proto::Status::error);
    EXPECT_EQ(r.body, "Error: message of 16777216 bytes exceeds the limit of 65536 bytes\n");
    char c;
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(poll(&p, 1, 5000), 1);
    EXPECT_EQ(read(fd, &c, 1), 0); // closed by the server
    close(fd);
}

TEST_F(CliLive, LargeReplyArrivesWholeAndOversizeReplyIsAnError) {
    start_server();
    CtlRun big = run_ctl({"--socket", path_, "display", "big", "6"});
    ASSERT_EQ(big.code, 0) << big.err;
    EXPECT_NE(big.out.find(std::string(6u << 20, 'z')), std::string::npos);
    CtlRun huge = run_ctl({"--socket", path_, "display", "big", "17"});
    EXPECT_EQ(huge.code, 1);
    EXPECT_NE(huge.err.find("exceeds the limit of 16777216 bytes; narrow the query"), std::string::npos)
        << huge.err;
}

TEST_F(CliLive, ClientsBeyondTheCapAreTurnedAway) {
    CliServer::Options opts;
    opts.max_clients = 2;
    start_server(opts);
    int a = connect_raw(path_), b = connect_raw(path_);
    ASSERT_GE(a, 0);
    ASSERT_GE(b, 0);
    // Accepted in backlog order: warmgatectl is the third.
    CtlRun r = run_ctl({"--socket", path_, "display", "version"});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.err, "Error: too many CLI clients (2), try again\n");
    close(a);
    close(b);
}

TEST_F(CliLive, TimeoutWhenTheApplianceDoesNotAnswer) {
    // A listener that never accepts: connect succeeds, no reply comes.
    ASSERT_EQ(std::system(("mkdir -p '" + dir_ + "/run/warmgate'").c_str()), 0);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path_.c_str(), path_.size());
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ASSERT_EQ(listen(fd, 4), 0);
    CtlRun r = run_ctl({"--timeout", "0.2", "--socket", path_, "help"});
    EXPECT_EQ(r.code, 3);
    EXPECT_EQ(r.err, "warmgatectl: " + path_ + ": no reply within 0.2 s\n");
    close(fd);
}

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (argc > 1) {
        g_ctl = argv[1];
    } else if (const char* b = std::getenv("WARMGATE_BUILD_ROOT")) {
        g_ctl = std::string(b) + "/control/warmgatectl";
    } else {
        std::fprintf(stderr, "usage: %s PATH-TO-warmgatectl\n", argv[0]);
        return 2;
    }
    return RUN_ALL_TESTS();
}
