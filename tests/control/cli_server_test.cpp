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

// ---- bounded work: streamed displays, pipelining, stalled readers -----------

namespace {

// A `display arp`-like table of `n` rows, produced on demand; counts reads.
class ManyRows final : public RowSource {
  public:
    explicit ManyRows(size_t n, size_t* reads) : n_(n), reads_(reads) {}
    bool next(std::vector<std::vector<Scalar>>& out, size_t max) override {
        for (size_t k = 0; k < max && pos_ < n_; ++k, ++pos_) {
            out.push_back({"10." + std::to_string(pos_ >> 16) + "." + std::to_string((pos_ >> 8) & 255) + "." +
                               std::to_string(pos_ & 255),
                           "0000-5e00-01" + std::to_string(pos_ % 90 + 10), uint64_t(pos_ % 20), "D", "Eth0"});
            ++*reads_;
        }
        return pos_ < n_;
    }
    void rewind() override { pos_ = 0; }
    size_t memory() const override { return n_ * 8; }

  private:
    size_t n_;
    size_t* reads_;
    size_t pos_ = 0;
};

Report many_rows_report(size_t n, size_t* reads) {
    Report r;
    Section& s = r.section("arp", "TYPE: D - dynamic");
    Table t({Column("ip", "IP ADDRESS"), Column("mac", "MAC ADDRESS"), Column("expire_m", "EXPIRE(M)"),
             Column("type", "TYPE"), Column("interface", "INTERFACE")});
    t.rows_from(std::make_shared<ManyRows>(n, reads));
    s.add("entries", "", std::move(t));
    s.add("total", "Total", uint64_t(n));
    return r;
}

// Reads every frame now available without blocking; the bodies of one reply
// (pieces of status `more` and the final one) concatenated in `body`.
bool read_reply_nowait(int fd, proto::FrameDecoder& dec, std::string& body, proto::Status& final_status) {
    for (;;) {
        std::vector<uint8_t> payload;
        auto r = dec.next(payload);
        if (r == proto::FrameDecoder::Result::frame) {
            proto::Response resp;
            std::string err;
            if (!proto::decode_response(payload, resp, err)) return false;
            body += resp.body;
            if (resp.status != proto::Status::more) {
                final_status = resp.status;
                return true;
            }
            continue;
        }
        uint8_t buf[65536];
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0) return false;
        dec.feed({buf, size_t(n)});
    }
}

// Everything on the test thread: a ManualClock, run_once(0) as the loop's
// turns, so "the timer keeps firing" is counted in turns, never slept on.
class CliTurns : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/wgcli-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        loop_ = std::make_unique<EventLoop>(&clock_);
        opts_.client_idle_timeout = std::chrono::seconds(5);
    }
    void TearDown() override {
        server_.reset();
        loop_.reset();
        EXPECT_EQ(std::system(("rm -rf '" + dir_ + "'").c_str()), 0);
    }
    void start(size_t rows) {
        server_ = std::make_unique<CliServer>(*loop_, dir_ + "/cli.sock", opts_);
        server_->register_command({"display", "arp"}, "many rows", [this, rows](const CommandContext&) {
            return CommandResult(many_rows_report(rows, &reads_));
        });
        std::string err;
        ASSERT_TRUE(server_->start(err)) << err;
    }
    // One loop turn, 1 ms of manual time later.
    void turn() {
        clock_.advance(std::chrono::milliseconds(1));
        loop_->run_once(Duration(0));
    }
    std::vector<uint8_t> requests(size_t n, std::vector<std::string> words, bool json = false) {
        std::vector<uint8_t> all, f;
        std::string err;
        for (size_t i = 0; i < n; ++i) {
            EXPECT_TRUE(proto::encode_request({json, words}, f, err)) << err;
            all.insert(all.end(), f.begin(), f.end());
        }
        return all;
    }

    std::string dir_;
    ManualClock clock_;
    std::unique_ptr<EventLoop> loop_;
    CliServer::Options opts_;
    std::unique_ptr<CliServer> server_;
    size_t reads_ = 0;
};

} // namespace

TEST_F(CliTurns, PipelinedDisplaysOfAGreedyClientLeaveTheLoopOnTime) {
    opts_.max_total_reply_bytes = 8u << 20;
    start(50000);
    int greedy = connect_raw(dir_ + "/cli.sock");
    ASSERT_GE(greedy, 0);
    // 30 requests in one write, and never a byte read.
    send_all(greedy, requests(30, {"display", "arp"}));

    size_t fired = 0;
    loop_->add_periodic(std::chrono::milliseconds(1), [&] { ++fired; });
    size_t max_reads_per_turn = 0, max_memory = 0;
    for (int t = 0; t < 3000; ++t) {
        const size_t before = reads_;
        turn();
        max_reads_per_turn = std::max(max_reads_per_turn, reads_ - before);
        max_memory = std::max(max_memory, server_->reply_memory());
        // The timer is due every turn and fires every turn: never held back.
        ASSERT_EQ(fired, size_t(t + 1)) << "turn " << t;
    }
    // One piece per turn: rows of about stream_chunk_bytes, never a table.
    EXPECT_LE(max_reads_per_turn, opts_.stream_chunk_bytes / 32);
    EXPECT_LE(max_memory, opts_.max_total_reply_bytes);
    EXPECT_LE(max_memory, 50000 * 8 + 4 * opts_.stream_chunk_bytes);
    // The socket buffer filled: the stream waits, it does not read on.
    const size_t paused_at = reads_;
    for (int t = 0; t < 200; ++t) turn();
    EXPECT_EQ(reads_, paused_at);
    EXPECT_LT(paused_at, 2u * 50000u); // not even the first reply was produced whole

    // Meanwhile another client is answered, in a few turns.
    int other = connect_raw(dir_ + "/cli.sock");
    ASSERT_GE(other, 0);
    send_all(other, requests(1, {"display", "version"}));
    proto::FrameDecoder dec(proto::kMaxPayload);
    std::string body;
    proto::Status st = proto::Status::internal;
    bool answered = false;
    for (int t = 0; t < 10 && !answered; ++t) {
        turn();
        answered = read_reply_nowait(other, dec, body, st);
    }
    EXPECT_TRUE(answered);
    EXPECT_EQ(st, proto::Status::ok);
    EXPECT_NE(body.find("Program"), std::string::npos) << body;
    close(other);
    turn();

    // The greedy client never reads: closed at the idle timeout, counted.
    EXPECT_EQ(server_->client_count(), 1u);
    clock_.advance(opts_.client_idle_timeout);
    turn();
    EXPECT_EQ(server_->client_count(), 0u);
    EXPECT_EQ(server_->counter(CliCounter::stalled_closed), 1u);
    EXPECT_EQ(server_->reply_memory(), 0u);
    close(greedy);
}

TEST_F(CliTurns, StreamedRepliesArriveInOrderAndWhole) {
    start(3000);
    int fd = connect_raw(dir_ + "/cli.sock");
    ASSERT_GE(fd, 0);
    std::vector<uint8_t> both = requests(1, {"display", "arp"});
    std::vector<uint8_t> json = requests(1, {"display", "arp"}, true);
    both.insert(both.end(), json.begin(), json.end());
    send_all(fd, both);
    size_t reads = 0;
    const std::string want_text = render_text(many_rows_report(3000, &reads));
    const std::string want_json = render_json(many_rows_report(3000, &reads));
    proto::FrameDecoder dec(proto::kMaxPayload);
    std::string got[2];
    for (int i = 0; i < 2; ++i) {
        proto::Status st = proto::Status::internal;
        bool done = false;
        for (int t = 0; t < 2000 && !done; ++t) {
            turn();
            done = read_reply_nowait(fd, dec, got[i], st);
        }
        ASSERT_TRUE(done) << i;
        EXPECT_EQ(st, proto::Status::ok);
    }
    EXPECT_EQ(got[0], want_text);
    EXPECT_EQ(got[1], want_json);
    EXPECT_EQ(server_->counter(CliCounter::streamed_replies), 2u);
    close(fd);
}

TEST_F(CliTurns, PipelinedBytesBeyondTheInputBufferCloseTheClient) {
    opts_.max_input_bytes = 4096;
    start(50000);
    int fd = connect_raw(dir_ + "/cli.sock");
    ASSERT_GE(fd, 0);
    send_all(fd, requests(1, {"display", "arp"}));
    for (int t = 0; t < 5; ++t) turn(); // busy with the first reply
    // 300 more requests (~6 KiB) while the first is being answered.
    send_all(fd, requests(300, {"display", "arp"}));
    for (int t = 0; t < 5 && server_->client_count() > 0; ++t) turn();
    EXPECT_EQ(server_->client_count(), 0u);
    EXPECT_EQ(server_->counter(CliCounter::input_overflow), 1u);
    // It was told why (after whatever pieces it had been sent).
    proto::FrameDecoder dec(proto::kMaxPayload);
    std::string all;
    for (;;) {
        std::vector<uint8_t> payload;
        auto r = dec.next(payload);
        if (r == proto::FrameDecoder::Result::frame) {
            proto::Response resp;
            std::string err;
            ASSERT_TRUE(proto::decode_response(payload, resp, err));
            if (resp.status == proto::Status::error) all = resp.body;
            continue;
        }
        uint8_t buf[65536];
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0) break;
        dec.feed({buf, size_t(n)});
    }
    EXPECT_NE(all.find("too many pipelined requests"), std::string::npos) << all;
    close(fd);
}

TEST_F(CliTurns, ARequestBeyondTheGlobalReplyMemoryIsRefused) {
    opts_.max_total_reply_bytes = 100000; // one 50k-row snapshot is 400 kB
    start(50000);
    int fd = connect_raw(dir_ + "/cli.sock");
    ASSERT_GE(fd, 0);
    send_all(fd, requests(1, {"display", "arp"}));
    proto::FrameDecoder dec(proto::kMaxPayload);
    std::string body;
    proto::Status st = proto::Status::ok;
    bool done = false;
    for (int t = 0; t < 10 && !done; ++t) {
        turn();
        done = read_reply_nowait(fd, dec, body, st);
    }
    ASSERT_TRUE(done);
    EXPECT_EQ(st, proto::Status::error);
    EXPECT_NE(body.find("reply memory"), std::string::npos) << body;
    EXPECT_EQ(server_->counter(CliCounter::memory_refused), 1u);
    // The report of the counters shows it, from the one list.
    const std::string text = render_text(server_->report());
    EXPECT_NE(text.find("Memory-refused"), std::string::npos) << text;
    close(fd);
}

TEST_F(CliLive, WarmgatectlPrintsAStreamedDisplayWhole) {
    EventLoop loop;
    CliServer server(loop, path_);
    size_t reads = 0;
    server.register_command({"display", "many"}, "rows", [&reads](const CommandContext&) {
        return CommandResult(many_rows_report(20000, &reads));
    });
    std::string err;
    ASSERT_TRUE(server.start(err)) << err;
    std::thread t([&] { loop.run(); });
    CtlRun r = run_ctl({"--socket", path_, "display", "many"});
    loop.stop();
    t.join();
    ASSERT_EQ(r.code, 0) << r.err;
    size_t local = 0;
    EXPECT_EQ(r.out, render_text(many_rows_report(20000, &local)));
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
