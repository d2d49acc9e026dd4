// dataplane.punt: the control-plane policers per punt class (config/punt.hpp,
// docs/config.md "dataplane.punt"): defaults, partial overrides, every range
// and shape error located, and the emitter's round trip.
#include "config/emit.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

namespace wg::test {
namespace {

// Lines 1-5; tests append from line 6 on.
constexpr std::string_view kSmall = R"(sysname: T
interfaces:
  ge0:
    port: p0
    address: 10.1.1.1/24
)";

std::string with(std::string_view extra) {
    return std::string(kSmall) + std::string(extra);
}

const PuntPolicer& policer(const config::Config& c, PuntClass cls) {
    return c.dataplane.punt[unsigned(cls)];
}

TEST(Punt, DefaultsComeFromTheClassList) {
    const auto r = config::load_string(kSmall, "t.yaml", "/nonexistent");
    ASSERT_TRUE(r.config);
    EXPECT_EQ(r.config->dataplane.punt, punt_policer_defaults());
    EXPECT_EQ(policer(*r.config, PuntClass::vrrp), (PuntPolicer{2000, 200}));
    EXPECT_EQ(policer(*r.config, PuntClass::arp_request), (PuntPolicer{5000, 500}));
    EXPECT_EQ(policer(*r.config, PuntClass::resolve), (PuntPolicer{10000, 1000}));
    // The priority classes are exactly VRRP and ARP replies to us.
    for (const auto& i : kPuntClassInfo)
        EXPECT_EQ(i.priority, i.name == "vrrp" || i.name == "arp_reply_to_us") << i.name;
}

TEST(Punt, PartialOverridesKeepTheOtherDefaults) {
    const auto r = config::load_string(with(R"(dataplane:
  punt:
    arp_request: {rate_pps: 300}
    vrrp: {rate_pps: 100, burst: 10}
    local:
)"),
                                       "t.yaml", "/nonexistent");
    ASSERT_TRUE(r.errors.empty()) << r.errors.front().str();
    ASSERT_TRUE(r.config);
    EXPECT_EQ(policer(*r.config, PuntClass::arp_request), (PuntPolicer{300, 500}));
    EXPECT_EQ(policer(*r.config, PuntClass::vrrp), (PuntPolicer{100, 10}));
    EXPECT_EQ(policer(*r.config, PuntClass::local), (PuntPolicer{1000, 100}));
    EXPECT_EQ(policer(*r.config, PuntClass::arp_reply_to_us), (PuntPolicer{2000, 200}));
}

TEST(Punt, RangeAndShapeErrorsAreLocated) {
    auto punt = [](std::string_view body) {
        return errors_of(with("dataplane:\n  punt:\n" + std::string(body)));
    };
    EXPECT_EQ(punt("    vrrp: {rate_pps: 0}\n"),
              Lines{"8:22: dataplane.punt.vrrp.rate_pps 0 out of range 1..10000000"});
    EXPECT_EQ(punt("    resolve: {rate_pps: 10000001}\n"),
              Lines{"8:25: dataplane.punt.resolve.rate_pps 10000001 out of range 1..10000000"});
    EXPECT_EQ(punt("    local: {burst: 0}\n"),
              Lines{"8:20: dataplane.punt.local.burst 0 out of range 1..65536"});
    EXPECT_EQ(punt("    ttl_exceeded:\n      burst: 65537\n"),
              Lines{"9:14: dataplane.punt.ttl_exceeded.burst 65537 out of range 1..65536"});
    EXPECT_EQ(punt("    arp_other: {rate_pps: \"5\"}\n"),
              Lines{"8:27: dataplane.punt.arp_other.rate_pps must be an integer, got quoted string '5'"});
    EXPECT_EQ(punt("    vrrp: {rate: 5}\n"),
              Lines{"8:12: unknown key 'rate' in dataplane.punt.vrrp (expected one of: rate_pps, burst)"});
    EXPECT_EQ(
        punt("    arp: {rate_pps: 5}\n"),
        Lines{"8:5: unknown punt class 'arp' in dataplane.punt (expected one of: vrrp, arp_reply_to_us, "
              "arp_request, arp_other, resolve, local, ttl_exceeded)"});
    EXPECT_EQ(punt("    vrrp: 5\n"), Lines{"8:11: dataplane.punt.vrrp must be a map, got '5'"});
    EXPECT_EQ(errors_of(with("dataplane: {punt: [1]}\n")),
              Lines{"6:19: dataplane.punt must be a map, got a list"});
    EXPECT_EQ(punt("    vrrp: {burst: 1}\n    vrrp: {burst: 2}\n"),
              Lines{"9:5: duplicate key 'vrrp' in dataplane.punt (first at 8:5)"});
    // All errors in one run, in document order.
    EXPECT_EQ(punt("    vrrp: {rate_pps: 0, burst: 0}\n"),
              (Lines{"8:22: dataplane.punt.vrrp.rate_pps 0 out of range 1..10000000",
                     "8:32: dataplane.punt.vrrp.burst 0 out of range 1..65536"}));
}

TEST(Punt, EmitterWritesOnlyWhatDiffersAndReadsBack) {
    const auto r = config::load_string(with("dataplane: {punt: {arp_request: {rate_pps: 300, burst: 30}}}\n"),
                                       "t.yaml", "/nonexistent");
    ASSERT_TRUE(r.config);
    const std::string text = config::to_yaml(*r.config);
    EXPECT_NE(text.find("  punt:\n    arp_request: {rate_pps: 300, burst: 30}\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("vrrp: {rate_pps"), std::string::npos) << text;
    const auto back = config::load_string(text, "t.yaml", "/nonexistent");
    ASSERT_TRUE(back.config) << text;
    EXPECT_EQ(back.config->dataplane.punt, r.config->dataplane.punt);

    const auto plain = config::load_string(kSmall, "t.yaml", "/nonexistent");
    ASSERT_TRUE(plain.config);
    EXPECT_EQ(config::to_yaml(*plain.config).find("punt:"), std::string::npos);
}

} // namespace
} // namespace wg::test
