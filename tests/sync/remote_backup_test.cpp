// The remote-backup module (sync/remote_backup.hpp) between a real
// vrrp::Service and a profile on an in-memory channel, on an EventLoop
// driven by a ManualClock: the preempt hold a VRRP transition causes reaches
// VRRP only from the loop, after that transition (its notify hooks
// included), never inside vrrp::Service's feed. Nothing sleeps.
#include "sync/remote_backup.hpp"

#include "profile_support.hpp"
#include "tests/support/vrrp_advert.hpp"

namespace wg::sync::test {
namespace {

using control::EventLoop;
using control::ManualClock;

constexpr uint16_t kIf = 0; // device A's kUserIf, as in PairTest

struct Forwarding final : vrrp::ForwardingSink {
    void set_master(uint16_t, uint8_t, bool) override {}
};

// What the notify hook of each transition saw when it ran.
struct Seen {
    std::string hook;
    bool vrrp_hold;    // the hold VRRP's groups had been fed
    bool profile_hold; // what the profile wanted
};

struct Hooks final : vrrp::HookRunner {
    std::function<void(const std::string&)> on_run;
    void run(const std::string& command, const std::vector<std::string>&) override { on_run(command); }
};

// An advertisement from another router on kIf (Ethernet + IPv4 + VRRPv2).
std::vector<uint8_t> advert(uint8_t priority, Ipv4 src) {
    return test_support::advert_v2(1, priority, src, *Ipv4::parse("10.0.0.254"));
}

class RemoteBackupHold : public PairTest {
  protected:
    void SetUp() override {
        // Device A: the VRRP group (priority 100) Master alone first.
        const control::InterfaceInfo itf{kIf, kUserIf, Mac{{0x02, 0xee, 0, 0, 0, 0}},
                                         *Prefix::parse("10.0.0.1/8")};
        vrrp_ = std::make_unique<vrrp::Service>(loop_, frames_, forwarding_, &hooks_,
                                                std::vector<control::InterfaceInfo>{itf});
        vrrp::GroupConfig g;
        g.ifindex = kIf;
        g.interface = kUserIf;
        g.primary = itf.address.addr;
        g.group.vrid = 1;
        g.group.virtual_ips = {*Ipv4::parse("10.0.0.254")};
        g.group.priority = 100;
        g.group.notify.master = "master-hook";
        g.group.notify.backup = "backup-hook";
        vrrp_->add_group(g);
        hooks_.on_run = [this](const std::string& cmd) {
            seen_.push_back({cmd, vrrp_->preempt_hold(), profile_ != nullptr && profile_->preempt_hold()});
        };
        vrrp_->start();
        clock_.advance(std::chrono::seconds(4)); // Master_Down_Interval: 3 s + skew
        loop_.run_once(control::Duration::zero());
        ASSERT_EQ(vrrp_->state(kIf, 1), vrrp::State::master);

        // Device A's ARP service and the module with one profile on link.a.
        arp_ = std::make_unique<arp::Service>(a.arp_opts, a.store, a.sink);
        arp_->add_interface(itf);
        config_.sysname = "DeviceA";
        rb_ = std::make_unique<RemoteBackup>(loop_, config_, *arp_, *vrrp_,
                                             std::vector<std::pair<uint16_t, std::string>>{{kIf, kUserIf}});
        a.popts.ifnames = {{kIf, kUserIf}};
        profile_ = &rb_->add_profile(a.popts, link.a, kIf);
        link.a.listener = profile_;
        arp_->set_change_listener(rb_.get());
        std::string error;
        ASSERT_TRUE(rb_->start(error)) << error; // no configured service: binds VRRP and the poller
        ASSERT_EQ(profile_->role(), Role::master);

        // Device B: a plain profile, Slave, whose session with A comes up.
        now = clock_.now();
        b.start(link.b, now, Role::slave);
        link.b.listener = b.profile.get();
        link.connect();
        pump();
        ASSERT_FALSE(b.profile->preempt_hold()) << "B synced";
        ASSERT_FALSE(profile_->preempt_hold());
        ASSERT_FALSE(vrrp_->preempt_hold());
        seen_.clear();
    }
    void TearDown() override {
        rb_.reset();
        arp_.reset();
        vrrp_.reset();
    }
    // Frames flow and the loop runs until both are quiet.
    void pump() {
        for (int i = 0; i < 100; ++i) {
            now = clock_.now();
            const size_t frames = link.deliver();
            b.profile->tick(now);
            const size_t ran = loop_.run_once(control::Duration::zero());
            if (frames == 0 && ran <= 1) break; // the module's idle poller
        }
    }
    uint64_t reentrant() const { return vrrp_->stats().get(vrrp::ServiceCounter::reentrant_hold); }

    ManualClock clock_;
    EventLoop loop_{&clock_};
    NullSink frames_;
    Forwarding forwarding_;
    Hooks hooks_;
    std::unique_ptr<vrrp::Service> vrrp_;
    std::unique_ptr<arp::Service> arp_;
    config::Config config_;
    std::unique_ptr<RemoteBackup> rb_;
    Profile* profile_ = nullptr;
    std::vector<Seen> seen_;
};

// A higher-priority advert turns A's Master into Backup: inside that feed the
// state callback makes the profile Slave, whose session is up and not synced
// yet, so it wants the hold. VRRP gets it one loop iteration later, after the
// Backup hook ran, and never re-entered.
TEST_F(RemoteBackupHold, HoldFromAVrrpTransitionIsPostedNotFedInside) {
    vrrp_->on_frame(kIf, advert(200, *Ipv4::parse("10.0.0.2")));
    ASSERT_EQ(vrrp_->state(kIf, 1), vrrp::State::backup);
    EXPECT_EQ(profile_->role(), Role::slave);
    ASSERT_EQ(seen_.size(), 1u);
    EXPECT_EQ(seen_[0].hook, "backup-hook");
    EXPECT_TRUE(seen_[0].profile_hold) << "the profile wanted the hold during the transition";
    EXPECT_FALSE(seen_[0].vrrp_hold) << "the hold reached VRRP before the transition's hook";
    EXPECT_FALSE(vrrp_->preempt_hold()) << "applied inside the callback";

    EXPECT_GE(loop_.run_once(control::Duration::zero()), 1u);
    EXPECT_TRUE(vrrp_->preempt_hold()) << "one loop iteration applies it";
    EXPECT_EQ(seen_.size(), 1u) << "the hold changes no state of a Backup";
    EXPECT_EQ(reentrant(), 0u);

    // B, now Master, sends its (empty) table; A synced releases the hold, again from the loop.
    b.profile->set_role(Role::master);
    pump();
    EXPECT_FALSE(profile_->preempt_hold()) << "A synced";
    EXPECT_FALSE(vrrp_->preempt_hold());
    EXPECT_EQ(reentrant(), 0u);
}

// Several hold edges before the loop runs: one application, of the value the
// profiles hold when it runs (here: back to no hold).
TEST_F(RemoteBackupHold, EdgesBeforeTheLoopRunsCoalesce) {
    vrrp_->on_frame(kIf, advert(200, *Ipv4::parse("10.0.0.2")));
    EXPECT_TRUE(profile_->preempt_hold());
    const size_t timers = loop_.pending_timers(); // VRRP's and the one post
    link.cut();
    link.deliver(); // on_down: no session, no hold
    EXPECT_FALSE(profile_->preempt_hold());
    EXPECT_EQ(loop_.pending_timers(), timers) << "the second edge made no second post";
    loop_.run_once(control::Duration::zero());
    EXPECT_FALSE(vrrp_->preempt_hold());
    EXPECT_EQ(reentrant(), 0u);
}

// The module goes before the loop runs its post: nothing dangles.
TEST_F(RemoteBackupHold, DestroyedWithAPendingPost) {
    vrrp_->on_frame(kIf, advert(200, *Ipv4::parse("10.0.0.2")));
    rb_.reset();
    loop_.run_once(control::Duration::zero());
    EXPECT_FALSE(vrrp_->preempt_hold());
}

} // namespace
} // namespace wg::sync::test
