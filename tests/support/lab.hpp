// The topology of the namespace tests (interop, appliance-control, lab,
// hostile): two network namespaces joined by one veth pair. In the interop
// tests warmgate owns one end through a DPDK net_af_packet port;
// keepalived's kernel interface is the other end, with its own address in the
// same /24. Names carry the test's pid and a sequence number, so runs never
// collide, and everything is deleted when the Link is destroyed, whatever
// path the test took.
//
// Thread-safety: single-threaded, like the tests that use it.
#pragma once

#include "tests/support/harness.hpp"

#include <memory>
#include <string>
#include <vector>

namespace wg::interop {

using apptest::Clock;
using apptest::TempDir;
using namespace std::chrono_literals;

// The addressing plan of every test: only ever inside the test's namespaces.
inline constexpr const char* kWarmgateAddress = "10.77.0.1";
inline constexpr const char* kKeepalivedAddress = "10.77.0.2";
inline constexpr const char* kVirtualIp = "10.77.0.100";
inline constexpr unsigned kPrefixLength = 24;
inline constexpr unsigned kVrid = 51;

// Absolute path of a system program: PATH, then the sbin directories that a
// non-login root environment may leave out. Empty if not installed.
std::string find_program(const std::string& name);

// Runs argv to completion; false with the command and its output in `why`.
bool run_ok(const TempDir& dir, const std::vector<std::string>& argv, std::string& why);

// Deletes the namespaces of earlier runs that died without their TearDown
// (a meson timeout kills the test): only names of this suite's pattern whose
// pid no longer exists. Their processes died with the test (PDEATHSIG).
void sweep_stale_namespaces(const TempDir& dir);

class Link {
  public:
    explicit Link(const TempDir& dir);
    ~Link(); // deletes both namespaces (their veth ends go with them)
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    // Creates the namespaces and the veth pair. warmgate's end: up,
    // promiscuous (net_af_packet must see the VRRP multicast MAC and the
    // virtual MAC), no address; IPv6 off on both sides so that no router
    // solicitations or DAD frames reach the DPDK port.
    bool up(std::string& why);

    const std::string& warmgate_ns() const { return wg_ns_; }
    const std::string& keepalived_ns() const { return ka_ns_; }
    const std::string& warmgate_if() const { return wg_if_; }
    const std::string& keepalived_if() const { return ka_if_; }

    // argv prefixed with `ip netns exec NS`: `ip` execs argv in place (no
    // fork), so the child's pid is the program's own.
    std::vector<std::string> in_ns(const std::string& ns, const std::vector<std::string>& argv) const;

  private:
    const TempDir& dir_;
    std::string ip_;
    std::string wg_ns_, ka_ns_, wg_if_, ka_if_;
    bool created_ = false;
};

// tcpdump of the VRRP and ARP frames on keepalived's interface, decoded into
// the failure report so that a CI failure shows what was on the wire.
// Best effort: without tcpdump it records nothing.
class Capture {
  public:
    Capture(const TempDir& dir, const Link& link);
    ~Capture();
    Capture(const Capture&) = delete;
    Capture& operator=(const Capture&) = delete;
    // Stops the capture and decodes it (tcpdump -nn -e -vv).
    std::string decode();

  private:
    const TempDir& dir_;
    std::string tcpdump_, file_;
    std::unique_ptr<apptest::Process> proc_;
};

} // namespace wg::interop
