#!/usr/bin/env bash
# Installs every Debian package warmgate needs, generates the lab PKI, and
# configures + builds into build/. Idempotent and fast when all is present.
#   scripts/setup.sh            (as root on Debian 12)
# Environment: WARMGATE_WERROR=1 builds with warnings as errors (CI);
#              WARMGATE_BUILD=DIR builds elsewhere than build/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

packages=(
  # toolchain and build
  g++ make meson ninja-build pkg-config git ca-certificates
  # DPDK 22.11: libraries, testpmd, telemetry client, examples (l3fwd: the benchmark's peer)
  dpdk dpdk-dev libdpdk-dev dpdk-doc libpcap-dev libnuma-dev python3
  # libraries
  libyaml-cpp-dev libssl-dev openssl
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # fuzzing (scripts/fuzz.sh): clang 14 and its libFuzzer/sanitizer runtime
  clang libclang-rt-14-dev
  # the lab and its real peers
  iproute2 iputils-ping keepalived tcpdump tshark procps psmisc gnuplot-nox
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: missing packages: ${missing[*]}; run as root (sudo $0)" >&2
    exit 1
  fi
  echo "setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# keepalived is a test peer, not a service of this machine.
if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled keepalived >/dev/null 2>&1; then
  systemctl disable --now keepalived >/dev/null 2>&1 || true
fi

scripts/gen-certs.sh "$root/config/examples/certs" >/dev/null

build=${WARMGATE_BUILD:-build}
werror=false
[ "${WARMGATE_WERROR:-0}" = 1 ] && werror=true
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" -Dwerror=$werror >/dev/null
elif [ "$(meson introspect "$build" --buildoptions | grep -o '"name": "werror", "value": [a-z]*' | awk '{print $NF}')" != "$werror" ]; then
  meson configure "$build" -Dwerror=$werror >/dev/null
fi
ninja -C "$build" | tail -n 1
echo "setup.sh: built into $build/"
