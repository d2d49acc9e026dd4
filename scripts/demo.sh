#!/usr/bin/env bash
# The README's main job: the seed's failover in the lab, measured.
#
#   lab up → Device A Master, B Backup → Device A learns every host → paced
#   downlink traffic to every host → the operator view of both devices →
#   Device A killed (kill -9) → Device B Master → every lost packet
#   attributed (before / detection window / after takeover = ARP misses) →
#   results/failover.json and results/failover.png → lab down.
#
#   scripts/demo.sh [--hosts N] [--pps RATE]      (root; after scripts/setup.sh)
#
# Remote backup (the RBS/RBP that would have given Device B every ARP entry
# before the failover) is not built yet: today Device B must relearn, and
# the demo shows exactly that cost as lost_arp_miss.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WARMGATE_BUILD:-$root/build}
export WARMGATE_BUILD=$build
lab=${LAB_DIR:-$root/lab-run}
export LAB_DIR=$lab
results=$root/results
hosts=150
pps=1500
while [ $# -gt 0 ]; do
  case $1 in
    --hosts) hosts=$2; shift 2 ;;
    --pps) pps=$2; shift 2 ;;
    *) echo "usage: demo.sh [--hosts N] [--pps RATE]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: needs root (network namespaces)" >&2; exit 1; }
for p in main/warmgate control/warmgatectl scripts/tools/wg-trafgen; do
  [ -x "$build/$p" ] || { echo "demo.sh: no $build/$p: run scripts/setup.sh first" >&2; exit 1; }
done

ctl() { "$build/control/warmgatectl" --socket "$lab/Device$1.sock" "${@:2}"; }
trafgen=$build/scripts/tools/wg-trafgen
events=$lab/events
mkdir -p "$results" "$lab"
step() { printf '\n== %s\n' "$*"; }

# State of the user-side group (vrid 1) of a device, "" when unreachable.
vrrp_state() {
  ctl "$1" --json display vrrp 2>/dev/null | tr -d ' \n' |
    grep -o '"vrid":1,"state":"[a-z]*"' | sed 's/.*"state":"//; s/"//' || true
}
wait_state() { # wait_state A master SECONDS
  local deadline=$((SECONDS + $3))
  while [ "$(vrrp_state "$1")" != "$2" ]; do
    [ $SECONDS -lt $deadline ] || { echo "demo.sh: Device$1 not $2 after $3 s" >&2; return 1; }
    sleep 0.2
  done
}

tx_pid=
rx_pid=
cleanup() {
  [ -n "$tx_pid" ] && kill "$tx_pid" 2>/dev/null || true
  [ -n "$rx_pid" ] && kill "$rx_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf /var/run/dpdk/wg-demo-tx /var/run/dpdk/wg-demo-rx /var/run/dpdk/wg-demo-warm
  "$root/scripts/lab.sh" down >/dev/null 2>&1 || true
}
trap cleanup EXIT

step "lab up: the seed's network, $hosts user hosts"
# Each device's notify hook marks "master_DeviceX" on the traffic tools'
# clock the moment its user-side group becomes Master.
LAB_NOTIFY_MASTER="$trafgen mark $events master_" "$root/scripts/lab.sh" up --hosts "$hosts"
wait_state A master 30
wait_state B backup 10
echo "Device A: Master, Device B: Backup"

gen() { # gen PREFIX SECONDS RATE OUT: paced probes from the network side to every host
  ip netns exec wg-core "$trafgen" --no-huge -m 256 --no-pci -l 0 --file-prefix "$1" \
    --log-level='*:warning' --vdev net_af_packet0,iface=gen0 -- \
    tx --dst-mac 00:00:5e:00:01:02 --hosts "$hosts" --first 10.1.1.101 --pps "$3" --seconds "$2" --out "$4"
}

step "Device A learns the hosts (one round of traffic: ARP resolution on arp_miss)"
gen wg-demo-warm 2 "$((hosts * 2))" "$lab/warm.json" > /dev/null
rm -rf /var/run/dpdk/wg-demo-warm
ctl A display arp | tail -n 7

step "downlink traffic: $pps pps over $hosts hosts, through the Master"
ip netns exec wg-hosts "$trafgen" --no-huge -m 256 --no-pci -l 1 --file-prefix wg-demo-rx \
  --log-level='*:warning' --vdev net_af_packet0,iface=h0 -- \
  rx --seconds 0 --out "$lab/rx.json" --events "$events" --tx "$lab/tx.json" --hosts "$hosts" --bucket-ms 100 \
  > "$lab/rx.log" 2>&1 &
rx_pid=$!
for _ in $(seq 100); do grep -q running "$lab/rx.log" 2>/dev/null && break; sleep 0.1; done
gen wg-demo-tx 16 "$pps" "$lab/tx.json" > "$lab/tx.log" 2>&1 &
tx_pid=$!
sleep 4

step "operator view (Device A, Device B)"
for d in A B; do
  echo "-- Device$d: display vrrp"
  ctl $d display vrrp | grep -E 'Virtual Router|State  |Master IP' || true
  # display remote-backup-profile / remote-backup-service: shown here once
  # remote backup exists; asking today only lists the commands there are.
  if ctl $d help 2>/dev/null | grep -q remote-backup; then
    ctl $d display remote-backup-profile profile1 || true
    ctl $d display remote-backup-service service1 || true
  else
    echo "-- Device$d: remote backup (RBS service1, RBP profile1) is not built yet"
  fi
done
entries_a=$(ctl A --json display statistics | tr -d ' \n' | grep -o '"adjacency_entries":[0-9]*' | cut -d: -f2)
entries_b=$(ctl B --json display statistics | tr -d ' \n' | grep -o '"adjacency_entries":[0-9]*' | cut -d: -f2)
echo "adjacency entries: Device A $entries_a, Device B $entries_b"

step "Device A killed (kill -9)"
: > "$events"
"$trafgen" mark "$events" kill > /dev/null
"$root/scripts/lab.sh" stop a --kill
wait_state B master 15
echo "Device B: Master"
wait "$tx_pid" || true
tx_pid=
sleep 1
kill -TERM "$rx_pid" 2>/dev/null || true
wait "$rx_pid" || true
rx_pid=

step "report"
arp_miss_b=$(ctl B --json display statistics | tr -d ' \n' | grep -o '"total":{[^}]*' | grep -o '"arp_miss":[0-9]*' | cut -d: -f2)
"$build/scripts/tools/wg-failover-report" --rx "$lab/rx.json" --tx "$lab/tx.json" --events "$events" \
  --arp-miss-b "${arp_miss_b:-0}" --entries-a "${entries_a:-0}" --entries-b "${entries_b:-0}" \
  --json "$results/failover.json" --series "$results/failover.dat"
if command -v gnuplot >/dev/null; then
  gnuplot <<EOF
set terminal pngcairo size 900,420
set output "$results/failover.png"
set title "warmgate failover: downlink packets delivered per 100 ms ($hosts hosts, $pps pps offered)"
set xlabel "seconds since Device A was killed"
set ylabel "packets per 100 ms"
set grid
set arrow from 0, graph 0 to 0, graph 1 nohead lc rgb "red" dt 2
set label "kill -9 Device A" at 0.1, graph 0.95 tc rgb "red"
plot "$results/failover.dat" using 1:2 with steps lw 2 title "delivered", \
     "$results/failover.dat" using 1:3 with steps lw 1 title "lost"
EOF
  echo "plot: $results/failover.png"
fi
echo "results: $results/failover.json"
