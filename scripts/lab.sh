#!/usr/bin/env bash
# The seed's network (docs/seed.md, figure 1; docs/lab.md) in network namespaces:
#
#   wg-hosts (h0: hosts 10.1.1.101..)     wg-core (br-core: 192.0.2.254, the network side)
#        |                                   |                 |
#   wg-lsw (br-lsw, the LSW)            csw-a            csw-b
#     |            |                     |                 |
#   a-user      b-user               a-core            b-core
#   [ wg-a: warmgate DeviceA ]       [ wg-b: warmgate DeviceB ]
#         a-sync 172.16.12.1/30 ---- b-sync 172.16.12.2/30
#         lo 1.1.1.1/32                 lo 2.2.2.2/32
#
# Each device runs warmgate on net_af_packet ports over its veths, with the
# configs of config/examples. The network side follows the Master like a real
# network does: the examples' second VRRP group on the network-side interfaces
# (vrid 2, VIP 192.0.2.100) tracks the admin group 1 (track_admin), and the
# network-side router routes the user subnet to that VIP. Only these
# namespaces are ever addressed. docs/lab.md describes the lab.
#
# Modes (the devices only; the topology is the same):
#   warmgate         warmgate with the examples' configs (remote backup configured)
#   warmgate-nosync  warmgate without remote backup: no remote_backup_service,
#                    no remote_backup_profile (so VRRP authentication is none
#                    on both devices): the standby must relearn every host
#   linux            the kernel forwards, keepalived runs VRRP (scripts/lab-linux.sh)
#
#   scripts/lab.sh up [--hosts N] [--mode M] [--fast] [--host-emulator [--host-opts "OPTS"]]
#                                   create namespaces, configs, certificates; start both devices.
#                                   Hosts (default 200): kernel addresses of h0 (1..10000), or with
#                                   --host-emulator (1..100000) `wg-trafgen hosts` on h0 answers ARP
#                                   for every host itself (OPTS: its options, e.g. "--late-share 0.3
#                                   --late-ms 100-300"; docs/lab.md); h0 then has no address and the
#                                   kernel of wg-hosts sends nothing.
#                                   --fast: fast detection: every VRRP group that runs VRRP on
#                                   both devices speaks VRRPv3 (RFC 5798) with 100 ms adverts
#                                   instead of the seed's VRRPv2 at 1 s (keepalived likewise in
#                                   linux mode); priorities and preempt stay the seed's. VRRPv3 has
#                                   no authentication (RFC 5798 §9): the profile's md5 becomes none.
#                                   The interval in use is in LAB_DIR/advert-ms (docs/lab.md).
#   scripts/lab.sh down             stop the devices, delete the namespaces
#   scripts/lab.sh status           namespaces, processes, VRRP state of both devices
#   scripts/lab.sh state a|b        the user-side group's state: master, backup, ... ("" when unknown)
#   scripts/lab.sh start a|b        (re)start one device;  stop a|b [--kill]  (--kill: the device fails)
#
# Environment: WARMGATE_BUILD (default build/), LAB_DIR (default lab-run/),
#              LAB_RECOVER_DELAY (default 2: the seed's 20 s shortened for a 2-minute demo),
#              LAB_PREEMPT_DELAY (default 600, the seed's: the returning Device A's preempt delay;
#              the lab suite shortens it),
#              LAB_NOTIFY_MASTER (a command; the device's name is appended; run when a device
#              becomes Master of the user-side group),
#              LAB_CONFIG_HOOK (a command; the config file and a|b are appended; run by up
#              after each device's config is written, before it is checked).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WARMGATE_BUILD:-$root/build}
lab=${LAB_DIR:-$root/lab-run}
recover=${LAB_RECOVER_DELAY:-2}
preempt=${LAB_PREEMPT_DELAY:-600}
namespaces=(wg-lsw wg-hosts wg-a wg-b wg-core)

die() { echo "lab.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# shellcheck source=scripts/lab-linux.sh
. "$root/scripts/lab-linux.sh"
# shellcheck source=scripts/lab-scale.sh
. "$root/scripts/lab-scale.sh"

# The mode of the lab that is up (lab.sh up writes it).
lab_mode() { cat "$lab/mode" 2>/dev/null || echo warmgate; }
# Its VRRP advert interval in ms: 1000 (the seed's VRRPv2 timers) or, after
# `up --fast`, 100 (VRRPv3).
lab_advert_ms() { cat "$lab/advert-ms" 2>/dev/null || echo 1000; }

veth() { # veth NAME_A NS_A NAME_B NS_B
  ip link add "$1" netns "$2" type veth peer name "$3" netns "$4"
  nsx "$2" ip link set "$1" up
  nsx "$4" ip link set "$3" up
}

device_config() { # device_config a|b
  # Lab overrides of the seed's example: control sockets in the lab dir and
  # a short recover delay (the seed's 20 s, shortened for a 2-minute demo);
  # the preempt delay only when LAB_PREEMPT_DELAY asks (tests/lab).
  # The certificates are the lab's own (certs/ next to the config).
  # The example's static ARP entry (10.1.1.50 at 02:00:00:00:00:50) would
  # point a lab host at a MAC nobody owns: the lab learns every host.
  # The user subnet is widened from the seed's /24 to a /14 (10.0.0.0 to
  # 10.3.255.255) so that the lab can hold 100k hosts (10.1.1.101 upwards,
  # up to 10.2.135.180; the devices stay 10.1.1.1/.2 and the VIP 10.1.1.100).
  sed -e "s#/run/warmgate/Device\(.\)\.sock#$lab/Device\1.sock#" \
      -e "s#address: 10\.1\.1\.\([12]\)/24#address: 10.1.1.\1/14#" \
      -e "s#recover_delay: 20 #recover_delay: $recover #" \
      -e "s#preempt: {delay: 600}#preempt: {delay: $preempt}#" \
      -e '/^arp_static:/,+1d' \
      "$root/config/examples/device-$1.yaml" > "$lab/device-$1.yaml"
  # warmgate-nosync: the same device without remote backup. The top-level
  # remote_backup_service and remote_backup_profile sections go, and so does
  # each interface's `remote_backup_profile:` reference. The VRRP
  # authentication came from the profile: it is none on both devices.
  if [ "$(lab_mode)" = warmgate-nosync ]; then
    local tmp
    tmp=$(mktemp)
    awk '
      /^[^ #]/ { skip = ($1 == "remote_backup_service:" || $1 == "remote_backup_profile:") }
      skip { next }
      /^ +remote_backup_profile:/ { next }
      { print }
    ' "$lab/device-$1.yaml" > "$tmp"
    mv "$tmp" "$lab/device-$1.yaml"
  fi
  # --fast: VRRPv3 at 100 ms on every group that runs VRRP (a track_admin
  # follower has no timers of its own). The Master_Down_Interval becomes
  # 3 x 100 ms + Skew_Time, (256 - priority) / 256 x 100 ms (RFC 5798 §6.1):
  # 361 ms for Device B at priority 100. VRRPv3 carries no authentication
  # (RFC 5798 §9; docs/vrrp-auth.md): the profile's md5 becomes none, as in
  # warmgate-nosync and linux. The remote-backup timers (RBS heartbeat and
  # dead time, the profile's digest interval) do not depend on the adverts.
  if [ "$(lab_advert_ms)" != 1000 ]; then
    sed -i -e "s/^\( *\)version: 2\b/\1version: 3/" \
        -e "s/^\( *\)advert_interval_ms: 1000\b/\1advert_interval_ms: $(lab_advert_ms)/" \
        -e 's/authentication: {mode: md5, key: [^}]*}/authentication: {mode: none}/' "$lab/device-$1.yaml"
    grep -q "advert_interval_ms: $(lab_advert_ms)\b" "$lab/device-$1.yaml" ||
      die "--fast: no advert_interval_ms in $lab/device-$1.yaml to rewrite"
  fi
  # Table size only, so that it is not what a run measures (scripts/lab-scale.sh).
  lab_scale_warmgate "$lab/device-$1.yaml" "$(cat "$lab/hosts")"
  # LAB_NOTIFY_MASTER: a notify hook on the user-side group (the demo marks
  # the moment a device becomes Master with it, on the traffic tools' clock).
  if [ -n "${LAB_NOTIFY_MASTER:-}" ]; then
    local tmp
    tmp=$(mktemp)
    awk -v cmd="$LAB_NOTIFY_MASTER" -v dev="Device${1^^}" '
      { print }
      /^        recover_delay:/ && !done { gsub(/"/, "\\\"", cmd); printf "        notify: {master: \"%s%s\"}\n", cmd, dev; done = 1 }
    ' "$lab/device-$1.yaml" > "$tmp"
    mv "$tmp" "$lab/device-$1.yaml"
  fi
}

start_device() { # start_device a|b
  [ "$(lab_mode)" = linux ] && { linux_start "$1"; return; }
  local d=$1 name
  name=Device${d^^}
  [ -x "$build/main/warmgate" ] || die "no $build/main/warmgate: run scripts/setup.sh"
  if [ -f "$lab/$d.pid" ] && kill -0 "$(cat "$lab/$d.pid")" 2>/dev/null; then
    echo "lab.sh: $name already running"; return 0
  fi
  # `ip netns exec` forks: the shell records its own pid, then becomes warmgate.
  rm -f "$lab/$d.pid"
  nsx "wg-$d" sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$lab/$d.pid" \
      "$build/main/warmgate" --no-huge -m 512 --no-pci -l 0-1 --file-prefix "wg-lab-$d" \
      --log-level='*:warning' -- --config "$lab/device-$d.yaml" > "$lab/$d.log" 2>&1 &
  for _ in $(seq 50); do [ -s "$lab/$d.pid" ] && break; sleep 0.05; done
  # Up to 60 s: a config of tens of thousands of static entries (tests/hostile) loads first.
  for _ in $(seq 600); do
    [ -S "$lab/$name.sock" ] && return 0
    kill -0 "$(cat "$lab/$d.pid")" 2>/dev/null || { cat "$lab/$d.log" >&2; die "$name exited"; }
    sleep 0.1
  done
  die "$name did not open its control socket"
}

stop_device() { # stop_device a|b [--kill]
  [ "$(lab_mode)" = linux ] && { linux_stop "$@"; return; }
  local d=$1 sig=TERM pid
  [ "${2:-}" = --kill ] && sig=KILL
  [ -f "$lab/$d.pid" ] || return 0
  pid=$(cat "$lab/$d.pid")
  kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$lab/$d.pid"
  [ "$sig" = KILL ] && rm -f "$lab/Device${d^^}.sock" && rm -rf "/var/run/dpdk/wg-lab-$d"
  return 0
}

# The host emulator (--host-emulator): `wg-trafgen hosts` on h0 in wg-hosts
# for the lab's whole life. It answers ARP for every host, logs every ARP
# request it sees to $lab/arp.log (the demo counts the new Master's) and
# writes its counters to $lab/hosts.json when stopped.
start_host_emulator() { # start_host_emulator HOSTS OPTS
  local t=$build/scripts/tools/wg-trafgen
  [ -x "$t" ] || die "no $t: run scripts/setup.sh"
  rm -f "$lab/hosts-emu.pid" "$lab/hosts.json" "$lab/arp.log"
  # shellcheck disable=SC2086 # OPTS is a list of options
  nsx wg-hosts sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$lab/hosts-emu.pid" \
    "$t" --no-huge -m 256 --no-pci -l 1 --file-prefix wg-lab-hosts --log-level='*:warning' \
    --vdev net_af_packet0,iface=h0 -- hosts --hosts "$1" --first 10.1.1.101 \
    --arp-log "$lab/arp.log" --out "$lab/hosts.json" $2 > "$lab/hosts-emu.log" 2>&1 &
  for _ in $(seq 100); do
    grep -q running "$lab/hosts-emu.log" 2>/dev/null && return 0
    [ -s "$lab/hosts-emu.pid" ] && ! kill -0 "$(cat "$lab/hosts-emu.pid")" 2>/dev/null && break
    sleep 0.1
  done
  cat "$lab/hosts-emu.log" >&2
  die "the host emulator did not start"
}

stop_host_emulator() {
  local pid
  [ -f "$lab/hosts-emu.pid" ] || return 0
  pid=$(cat "$lab/hosts-emu.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$lab/hosts-emu.pid"
  rm -rf /var/run/dpdk/wg-lab-hosts
}

up() {
  local hosts=200 mode=warmgate emulator=0 host_opts='' advert_ms=1000
  while [ $# -gt 0 ]; do
    case $1 in
      --hosts) hosts=$2; shift 2 ;;
      --mode) mode=$2; shift 2 ;;
      --host-emulator) emulator=1; shift ;;
      --host-opts) host_opts=$2; shift 2 ;;
      --fast) advert_ms=100; shift ;;
      *) die "unknown option $1" ;;
    esac
  done
  case $mode in
    warmgate | warmgate-nosync | linux) ;;
    *) die "--mode must be warmgate, warmgate-nosync or linux" ;;
  esac
  # Hosts live above the VIP (10.1.1.100): 10.1.1.101, .102, ... counting on
  # through 10.1.2.x and up (the lab's user subnet is a /14). Kernel hosts
  # stop at 10k: the kernel answers them, but a namespace of 100k addresses
  # is not what the lab should measure (docs/lab.md).
  if [ $emulator = 1 ]; then
    [ "$hosts" -ge 1 ] && [ "$hosts" -le 100000 ] || die "--hosts must be 1..100000"
  else
    [ "$hosts" -ge 1 ] && [ "$hosts" -le 10000 ] || die "--hosts must be 1..10000 (up to 100000 with --host-emulator)"
  fi
  [ "$mode" = linux ] && linux_check_hosts "$hosts"
  down >/dev/null 2>&1 || true
  mkdir -p "$lab"
  echo "$mode" > "$lab/mode"
  echo "$advert_ms" > "$lab/advert-ms"
  for ns in "${namespaces[@]}"; do ip netns add "$ns"; nsx "$ns" ip link set lo up; done
  # Emulated hosts: the kernel of wg-hosts must send nothing on h0 (no IPv6
  # link-local, no router solicitations; set before h0 exists).
  [ $emulator = 1 ] && nsx wg-hosts sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1

  nsx wg-lsw ip link add br-lsw type bridge
  nsx wg-lsw ip link set br-lsw up
  nsx wg-core ip link add br-core type bridge
  nsx wg-core ip link set br-core up
  veth a-user wg-a lsw-a wg-lsw
  veth b-user wg-b lsw-b wg-lsw
  veth h0 wg-hosts lsw-h wg-lsw
  veth a-core wg-a csw-a wg-core
  veth b-core wg-b csw-b wg-core
  veth a-sync wg-a b-sync wg-b
  for p in lsw-a lsw-b lsw-h; do nsx wg-lsw ip link set "$p" master br-lsw; done
  for p in csw-a csw-b; do nsx wg-core ip link set "$p" master br-core; done
  # The traffic generator's port (wg-trafgen on net_af_packet) on the network side.
  veth gen0 wg-core gen-br wg-core
  nsx wg-core ip link set gen-br master br-core
  # No IPv6 on the devices (also not on interfaces created later, such as
  # keepalived's vmac: it would speak from the virtual MAC while Backup).
  # warmgate: the DPDK ports' kernel sides carry no addresses.
  for d in a b; do
    nsx "wg-$d" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    [ "$mode" = linux ] && continue
    for i in user core; do nsx "wg-$d" ip link set "$d-$i" promisc on; done
  done

  # Sync link between the loopbacks 1.1.1.1 and 2.2.2.2 (RBS source/peer).
  nsx wg-a ip addr add 1.1.1.1/32 dev lo
  nsx wg-b ip addr add 2.2.2.2/32 dev lo
  nsx wg-a ip addr add 172.16.12.1/30 dev a-sync
  nsx wg-b ip addr add 172.16.12.2/30 dev b-sync
  nsx wg-a ip route add 2.2.2.2/32 via 172.16.12.2
  nsx wg-b ip route add 1.1.1.1/32 via 172.16.12.1

  # User hosts: the host emulator (no address on h0, no ARP from its
  # kernel), or one namespace whose kernel answers ARP for every address.
  if [ $emulator = 1 ]; then
    nsx wg-hosts ip link set h0 arp off
    echo emulator > "$lab/host-kind"
  else
    local batch
    batch=$(mktemp)
    for i in $(seq 0 $((hosts - 1))); do
      local n=$((256 + 101 + i)) # offset from 10.1.0.0
      echo "address add 10.1.$((n / 256)).$((n % 256))/16 dev h0" # /16: tests/hostile deletes them so
    done > "$batch"
    nsx wg-hosts ip -batch "$batch"
    rm -f "$batch"
    nsx wg-hosts ip route add default via 10.1.1.100
    echo kernel > "$lab/host-kind"
  fi
  echo "$hosts" > "$lab/hosts"

  # Network side: the router that sends downlink traffic to the Master.
  nsx wg-core ip addr add 192.0.2.254/24 dev br-core
  nsx wg-core ip route add 10.0.0.0/14 via 192.0.2.100

  if [ "$mode" = linux ]; then
    linux_neigh_raise "$hosts" # gc_thresh1..3 for the run (scripts/lab-linux.sh)
    linux_config a
    linux_config b
    linux_neigh_record
  else
    "$root/scripts/gen-certs.sh" "$lab/certs" >/dev/null
    device_config a
    device_config b
    # LAB_CONFIG_HOOK: a command run with each device's config file and its
    # letter before the check (tests/hostile adds VRRP peers, static entries).
    if [ -n "${LAB_CONFIG_HOOK:-}" ]; then
      for d in a b; do sh -c "$LAB_CONFIG_HOOK \"\$1\" \"\$2\"" sh "$lab/device-$d.yaml" "$d"; done
    fi
    "$build/config/warmgate-config" check "$lab/device-a.yaml" >/dev/null
    "$build/config/warmgate-config" check "$lab/device-b.yaml" >/dev/null
  fi
  # The emulator first: the devices' first ARP requests find it answering.
  [ $emulator = 1 ] && start_host_emulator "$hosts" "$host_opts"
  start_device a
  start_device b
  echo "lab.sh: up ($mode, VRRP adverts every $advert_ms ms): $hosts hosts ($(cat "$lab/host-kind")), DeviceA and DeviceB running (logs in $lab/)"
}

down() {
  for d in a b; do stop_device "$d" 2>/dev/null || true; done
  stop_host_emulator 2>/dev/null || true
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf /var/run/dpdk/wg-lab-a /var/run/dpdk/wg-lab-b
  linux_neigh_restore # gc_thresh1..3 as they were before a linux run (scripts/lab-linux.sh)
  echo "lab.sh: down"
}

# The user-side group's state, lower case; "" when the device does not answer.
state() { # state a|b
  local d=$1
  if [ "$(lab_mode)" = linux ]; then
    linux_running "$d" && cat "$lab/$d.state" 2>/dev/null || true
    return 0
  fi
  "$build/control/warmgatectl" --socket "$lab/Device${d^^}.sock" --json display vrrp 2>/dev/null | tr -d ' \n' |
    grep -o '"vrid":1,"state":"[a-z]*"' | sed 's/.*"state":"//; s/"//' || true
}

status() {
  ip netns list | grep -E '^wg-' || echo "no lab namespaces"
  echo "mode: $(lab_mode)"
  for d in a b; do
    [ "$(lab_mode)" = linux ] && { linux_status "$d"; continue; }
    local name=Device${d^^}
    if [ -f "$lab/$d.pid" ] && kill -0 "$(cat "$lab/$d.pid")" 2>/dev/null; then
      echo "== $name (pid $(cat "$lab/$d.pid"))"
      "$build/control/warmgatectl" --socket "$lab/$name.sock" display vrrp | grep -E 'Interface|State  |Master IP' || true
    else
      echo "== $name: not running"
    fi
  done
}

cmd=${1:-status}
shift || true
case $cmd in
  up) up "$@" ;;
  down) down ;;
  status) status ;;
  state) state "${1:?a or b}" ;;
  start) start_device "${1:?a or b}" ;;
  stop) stop_device "${1:?a or b}" "${2:-}" ;;
  *) die "usage: lab.sh up [--hosts N] [--mode warmgate|warmgate-nosync|linux] [--fast] [--host-emulator [--host-opts OPTS]] | down | status | state a|b | start a|b | stop a|b [--kill]" ;;
esac
