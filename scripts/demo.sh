#!/usr/bin/env bash
# The README's main job: the seed's failover in the lab, measured.
#
#   lab up → Device A Master, B Backup → Device A learns every host → paced
#   downlink traffic to every host → the operator view of both devices →
#   Device A killed (kill -9) → Device B Master → every lost packet
#   attributed (before / detection window / after takeover = ARP misses) →
#   results/failover.json and results/failover.png → lab down.
#
#   scripts/demo.sh [--hosts N] [--pps RATE] [--arp-latency immediate|powersave]
#                   [--host-opts "OPTS"] [--no-compare | --mode MODE]   (root; after scripts/setup.sh)
#   scripts/demo.sh --fast [--hosts N] [...]   (the same runs with VRRPv3 at 100 ms adverts)
#   scripts/demo.sh --sweep [--sweep-hosts "1000 10000 100000"] [--pps RATE] [--host-opts "OPTS"]
#
# The user hosts are the host emulator (`wg-trafgen hosts`, docs/lab.md), up
# for the lab's whole life: --hosts 1..100000 (default 10000). --arp-latency: how they
# answer ARP: immediate (default), or powersave (30 % of the hosts answer a
# broadcast request only after 100-300 ms, like power-saving Wi-Fi clients
# at their DTIM beacon). --pps: default 10000, hosts/5 above 50000 hosts
# (at most 20000: 2 cores carry the generator, both devices and the
# receivers); the probe cycle, hosts/pps, is the floor of time_to_all_hosts.
#
# By default (--compare), then the same failover for the two baselines on the same
# topology (docs/lab.md): warmgate without hot backup (warmgate-nosync: the
# standby relearns) and the Linux kernel with keepalived (linux), written to
# results/failover-<mode>.json; one table of the three, results/compare.json
# (the list of the three reports) and results/compare.png.
# --no-compare: only warmgate's failover (about 30 s).
# --mode MODE: only that mode's failover (warmgate writes failover.json, the
# others failover-<mode>.json).
#
# --fast: fast detection: the same failover (all three modes, or --mode's)
# with VRRPv3 at 100 ms adverts on both devices and keepalived likewise
# (`lab.sh up --fast`): the detection window is 3 x 100 ms + Skew_Time
# instead of the seed's 3 x 1 s + Skew_Time. Written to
# results/failover-fast.json, failover-fast-<mode>.json, compare-fast.json
# and compare-fast.png, so that the 1 s runs' files stay. Whenever a mode
# has both (failover[-<mode>].json and failover-fast[-<mode>].json), their
# detection is shown next to each other: results/detection.json.
#
# --sweep: the failover of the three modes at each of --sweep-hosts (default
# 1000, 10000, 100000) and both ARP latencies (immediate, powersave): 18
# runs, each report in results/sweep/, the table of all of them in
# results/sweep.json and results/sweep.md, the plot in results/sweep.png
# (about 25 minutes on 2 cores). --sweep-report: only the table and the plot,
# from the reports in results/sweep/ (e.g. after runs of --sweep with
# different --sweep-hosts).
#
# Environment: WARMGATE_BUILD (default build/), LAB_DIR (default lab-run/),
#              RESULTS_DIR (default results/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WARMGATE_BUILD:-$root/build}
export WARMGATE_BUILD=$build
lab=${LAB_DIR:-$root/lab-run}
export LAB_DIR=$lab
results=${RESULTS_DIR:-$root/results}
# 10 000 hosts at 1 packet/s each: enough hosts that relearning them all
# at once costs packets (docs/lab.md: the Backup without hot backup relearns
# at arp.requests_per_s, 2000/s), and all three modes in about 3 minutes on
# 2 cores.
hosts=10000
pps_arg=
arp_latency=immediate
extra_host_opts=
compare=1
only=
sweep=0
fast=
sweep_hosts="1000 10000 100000"
usage="usage: demo.sh [--hosts N] [--pps RATE] [--arp-latency immediate|powersave] [--host-opts OPTS] [--no-compare | --mode warmgate|warmgate-nosync|linux] [--fast]
       demo.sh --sweep [--sweep-hosts \"N N ...\"] [--pps RATE] [--host-opts OPTS] | --sweep-report"
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || case $1 in --compare | --no-compare | --sweep | --sweep-report | --fast) ;; *) echo "$usage" >&2; exit 2 ;; esac
  case $1 in
    --hosts) hosts=$2; shift 2 ;;
    --pps) pps_arg=$2; shift 2 ;;
    --arp-latency) arp_latency=$2; shift 2 ;;
    --host-opts) extra_host_opts=$2; shift 2 ;;
    --compare) compare=1; shift ;;
    --no-compare) compare=0; shift ;;
    --mode) only=$2; shift 2 ;;
    --sweep) sweep=1; shift ;;
    --sweep-report) sweep=2; shift ;;
    --fast) fast=1; shift ;;
    --sweep-hosts) sweep_hosts=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
# The relearning pace of warmgate without hot backup: arp.requests_per_s's
# default (docs/config.md). The run's tail leaves it time to reach every host.
arp_rate=2000
# set_scale HOSTS LATENCY: the run's hosts, pace, emulator profile and timeline.
set_scale() {
  hosts=$1
  arp_latency=$2
  case $hosts in '' | *[!0-9]*) echo "demo.sh: --hosts must be a number (1..100000)" >&2; exit 2 ;; esac
  [ "$hosts" -ge 1 ] && [ "$hosts" -le 100000 ] || { echo "demo.sh: --hosts must be 1..100000" >&2; exit 2; }
  pps=${pps_arg:-$((hosts / 5 > 20000 ? 20000 : hosts / 5 > 10000 ? hosts / 5 : 10000))}
  # The host emulator's options for each ARP latency profile (docs/lab.md).
  case $arp_latency in
    immediate) host_opts="--arp-latency 0" ;;
    powersave) host_opts="--arp-latency 0 --late-share 0.3 --late-ms 100-300" ;;
    *) echo "demo.sh: --arp-latency must be immediate or powersave" >&2; exit 2 ;;
  esac
  # --host-opts: more of the emulator's options after the profile's (e.g.
  # "--move-share 0.1 --move-on-event kill --events LAB_DIR/events").
  host_opts="$host_opts${extra_host_opts:+ $extra_host_opts}"
  # The timeline of the measured run: the kill after at least 4 s and two
  # probe cycles (every host delivered to twice), then the detection (~3-4 s),
  # then at least 11 s and two cycles: the new Master's ARP requests are
  # counted over the 10 s after it took over, and every host must get probes
  # again, also from a Backup that relearns them all at arp_rate (1.5 times
  # that time, plus a cycle).
  cycle_ms=$((hosts * 1000 / pps))
  local relearn_s=$(((hosts * 3 / 2 + arp_rate - 1) / arp_rate + (cycle_ms + 999) / 1000))
  kill_after=$(((2 * cycle_ms + 999) / 1000 > 4 ? (2 * cycle_ms + 999) / 1000 : 4))
  tail_s=$(((2 * cycle_ms + 999) / 1000 > 11 ? (2 * cycle_ms + 999) / 1000 : 11))
  [ $relearn_s -le $tail_s ] || tail_s=$relearn_s
  tx_seconds=$((kill_after + 4 + tail_s))
}
set_scale "$hosts" "$arp_latency"
run_warm=4241 run_measured=4242
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: needs root (network namespaces)" >&2; exit 1; }
for p in main/warmgate control/warmgatectl scripts/tools/wg-trafgen scripts/tools/wg-failover-report; do
  [ -x "$build/$p" ] || { echo "demo.sh: no $build/$p: run scripts/setup.sh first" >&2; exit 1; }
done
case $only in
  '' | warmgate | warmgate-nosync | linux) ;;
  *) echo "demo.sh: --mode must be warmgate, warmgate-nosync or linux" >&2; exit 2 ;;
esac
[ -z "$fast" ] || [ $sweep = 0 ] || { echo "demo.sh: --fast is for the compare and --mode runs, not --sweep" >&2; exit 2; }
if { [ $compare = 1 ] || [ $sweep = 1 ] || [ "$only" = linux ]; } && ! command -v keepalived >/dev/null; then
  echo "demo.sh: --compare needs keepalived: run scripts/setup.sh first" >&2; exit 1
fi

ctl() { "$build/control/warmgatectl" --socket "$lab/Device$1.sock" "${@:2}"; }
labsh() { "$root/scripts/lab.sh" "$@"; }
trafgen=$build/scripts/tools/wg-trafgen
events=$lab/events
mkdir -p "$results" "$lab"
step() { printf '\n== %s\n' "$*"; }
started=$SECONDS

wait_state() { # wait_state a master SECONDS: the user-side group's state
  local deadline=$((SECONDS + $3))
  while [ "$(labsh state "$1")" != "$2" ]; do
    [ $SECONDS -lt $deadline ] || { echo "demo.sh: Device${1^^} not $2 after $3 s" >&2; return 1; }
    sleep 0.2
  done
}

tx_pid=
rx_pid=
stop_traffic() {
  [ -n "$tx_pid" ] && kill "$tx_pid" 2>/dev/null || true
  [ -n "$rx_pid" ] && kill "$rx_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  tx_pid='' rx_pid=''
  rm -rf /var/run/dpdk/wg-demo-tx /var/run/dpdk/wg-demo-rx /var/run/dpdk/wg-demo-warm
}
cleanup() {
  stop_traffic
  labsh down >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Always started in the background (`gen ... &`): exec, so that $! is the
# generator itself and `kill $tx_pid` stops it (a subshell killed while it
# waits leaves its child running: the warm-up went on for its full length,
# under the measured run).
gen() { # gen PREFIX SECONDS RATE OUT RUN: paced probes from the network side to every host
  exec ip netns exec wg-core "$trafgen" --no-huge -m 256 --no-pci -l 0 --file-prefix "$1" \
    --log-level='*:warning' --vdev net_af_packet0,iface=gen0 -- \
    tx --dst-mac 00:00:5e:00:01:02 --hosts "$hosts" --first 10.1.1.101 --pps "$3" --seconds "$2" --out "$4" \
    --run "$5"
}

# Resolved user hosts in a device's table: warmgate's adjacencies, or the
# kernel's neighbours on the user side (linux).
entries() { # entries MODE a|b
  if [ "$1" = linux ]; then
    ip -n "wg-$2" neigh show dev "$2-user" 2>/dev/null | grep -c lladdr || true
  else
    ctl "${2^^}" --json display statistics 2>/dev/null | tr -d ' \n' |
      grep -o '"adjacency_entries":[0-9]*' | cut -d: -f2 || true
  fi
}

# The RBP's local digest of a device's ARP table ("" when there is none:
# no remote backup, or the device does not answer). The compact JSON is
# {"profiles": [{..., "local_digest": N, ...}]}; a digest may also be a string.
digest() { # digest A|B
  ctl "$1" --json display remote-backup-profile profile1 2>/dev/null | tr -d ' \n' |
    grep -o '"local_digest":"\{0,1\}[0-9A-Za-z]*' | head -n 1 | sed 's/.*://; s/"//g' || true
}

has_remote_backup() { ctl A help 2>/dev/null | grep -q remote-backup; }

plot() { # plot DAT PNG TITLE
  command -v gnuplot >/dev/null || return 0
  gnuplot <<EOF
set terminal pngcairo size 900,420
set output "$2"
set title "$3: downlink packets delivered per 100 ms ($hosts hosts, $pps pps offered)"
set xlabel "seconds since Device A was killed"
set ylabel "packets per 100 ms"
set grid
set arrow from 0, graph 0 to 0, graph 1 nohead lc rgb "red" dt 2
set label "kill -9 Device A" at 0.1, graph 0.95 tc rgb "red"
plot "$1" using 1:2 with steps lw 2 title "delivered", \
     "$1" using 1:3 with steps lw 1 title "lost"
EOF
}

# One measured failover of the lab in MODE; its report is $results/NAME.json
# (and NAME.dat, the series, and NAME.png).
run_failover() { # run_failover MODE NAME
  local mode=$1 name=$2 t0=$SECONDS entries_a entries_b da='' db='' hot=false arp_miss_b
  step "[$mode] lab up: the seed's network, $hosts user hosts"
  # Each device's notify hook marks "master_DeviceX" on the traffic tools'
  # clock the moment its user-side group becomes Master.
  # The host emulator starts with the lab and answers ARP from then on.
  : > "$events"
  LAB_NOTIFY_MASTER="$trafgen mark $events master_" labsh up --mode "$mode" --hosts "$hosts" \
    --host-emulator --host-opts "$host_opts" ${fast:+--fast}
  # The VRRP timers the lab runs (lab.sh up --fast: VRRPv3 at 100 ms).
  local advert_ms
  advert_ms=$(cat "$lab/advert-ms" 2>/dev/null || echo 1000)
  wait_state a master 30
  wait_state b backup 10
  echo "Device A: Master, Device B: Backup"

  # Until Device A holds every host (and, with hot backup, Device B too): its
  # ARP requests are capped at arp.requests_per_s (2000/s by default), so
  # 100k hosts take about a minute. A fixed 2 s warm-up was what made the lab
  # collapse at 10k hosts (docs/lab.md): the warm-up's held packets, released
  # seconds later, were the first the receiver saw, and it counted that run.
  step "[$mode] Device A learns the hosts (warm-up traffic until every host is resolved: ARP on a miss)"
  local warm_deadline=$((SECONDS + 20 + hosts / 1000)) ea=0 eb= warm_t0=$SECONDS
  gen wg-demo-warm $((20 + hosts / 1000)) "$((hosts < 10000 ? hosts * 2 : 10000))" "$lab/warm.json" $run_warm \
    > "$lab/warm.log" 2>&1 &
  tx_pid=$!
  # warmgate's adjacency count includes the network-side router.
  local want=$((hosts + 1))
  [ "$mode" = linux ] && want=$hosts
  while [ $SECONDS -lt $warm_deadline ] && kill -0 "$tx_pid" 2>/dev/null; do
    ea=$(entries "$mode" a)
    [ "${ea:-0}" -ge "$want" ] && break
    sleep 0.5
  done
  kill -TERM "$tx_pid" 2>/dev/null || true
  wait "$tx_pid" 2>/dev/null || true
  tx_pid=
  rm -rf /var/run/dpdk/wg-demo-warm
  if [ "$mode" = warmgate ]; then
    while [ $SECONDS -lt $((warm_deadline + 10)) ]; do
      eb=$(entries "$mode" b)
      [ "${eb:-0}" -ge "${ea:-0}" ] && break
      sleep 0.5
    done
  fi
  echo "warm-up ($((SECONDS - warm_t0)) s): Device A holds ${ea:-?} entries for $hosts hosts${eb:+, Device B $eb}"
  if [ "$mode" = linux ]; then
    echo "Device A's kernel: $(entries linux a) user hosts resolved"
  else
    ctl A display arp | tail -n 7
  fi

  # The notify hooks' marks since lab up: Device A's first Mastership only,
  # unless VRRP changed Master during the warm-up (a Backup that missed
  # three adverts: at 100 ms adverts, a control core stalled for 0.3 s).
  echo "VRRP Master changes since lab up: $(grep -c ' master_' "$events" || true) (1: Device A's first)"
  step "[$mode] downlink traffic: $pps pps over $hosts hosts (probe cycle $cycle_ms ms), through the Master"
  : > "$events"
  rm -f "$lab/rx.json" "$lab/tx.json"
  ip netns exec wg-hosts "$trafgen" --no-huge -m 256 --no-pci -l 1 --file-prefix wg-demo-rx \
    --log-level='*:warning' --vdev net_af_packet0,iface=h0 -- \
    rx --seconds 0 --out "$lab/rx.json" --events "$events" --tx "$lab/tx.json" --hosts "$hosts" --bucket-ms 100 \
    --run $run_measured --per-host-max 1000 > "$lab/rx.log" 2>&1 &
  rx_pid=$!
  for _ in $(seq 100); do grep -q running "$lab/rx.log" 2>/dev/null && break; sleep 0.1; done
  gen wg-demo-tx "$tx_seconds" "$pps" "$lab/tx.json" $run_measured > "$lab/tx.log" 2>&1 &
  tx_pid=$!
  sleep "$kill_after"

  step "[$mode] operator view (Device A, Device B)"
  if [ "$mode" = linux ]; then
    labsh status | grep -v '^wg-'
  else
    for d in A B; do
      echo "-- Device$d: display vrrp"
      ctl $d display vrrp | grep -E 'Virtual Router|State  |Master IP' || true
      if [ "$mode" = warmgate-nosync ]; then
        echo "-- Device$d: remote backup not configured (warmgate-nosync)"
      elif has_remote_backup; then
        ctl $d display remote-backup-profile profile1 || true
        ctl $d display remote-backup-service service1 || true
      else
        # display remote-backup-profile / remote-backup-service are shown
        # here once remote backup exists.
        echo "-- Device$d: remote backup (RBS service1, RBP profile1) is not built yet"
      fi
    done
  fi
  entries_a=$(entries "$mode" a)
  entries_b=$(entries "$mode" b)
  echo "user hosts resolved before the kill: Device A ${entries_a:-?}, Device B ${entries_b:-?}"
  if [ "$mode" = warmgate ] && has_remote_backup; then
    hot=true
    da=$(digest A)
    db=$(digest B)
    echo "ARP table digests (RBP profile1) before the kill: Device A ${da:-?}, Device B ${db:-?}"
  fi

  step "[$mode] Device A killed (kill -9)"
  "$trafgen" mark "$events" kill > /dev/null
  labsh stop a --kill
  wait_state b master 15
  echo "Device B: Master"
  wait "$tx_pid" || true
  tx_pid=
  sleep 1
  kill -TERM "$rx_pid" 2>/dev/null || true
  wait "$rx_pid" || true
  rx_pid=

  step "[$mode] report"
  if [ "$mode" = linux ]; then
    # The kernel's equivalent of arp_miss: the hosts Device B had to resolve.
    arp_miss_b=$(($(entries linux b) - ${entries_b:-0}))
  else
    arp_miss_b=$(ctl B --json display statistics | tr -d ' \n' | grep -o '"total":{[^}]*' |
      grep -o '"arp_miss":[0-9]*' | cut -d: -f2 || true)
  fi
  # The host emulator flushes its ARP log every 100 ms; the window after the
  # takeover (10 s) ended before the generator stopped.
  sleep 0.3
  # The new Master's ARP requests: from B's address (or its VIP) on the user LAN.
  "$build/scripts/tools/wg-failover-report" --rx "$lab/rx.json" --tx "$lab/tx.json" --events "$events" \
    --mode "$mode" --hot-backup "$hot" --digest-a "$da" --digest-b "$db" --arp-latency "$arp_latency" \
    --arp-miss-b "${arp_miss_b:-0}" --entries-a "${entries_a:-0}" --entries-b "${entries_b:-0}" \
    --arp-log "$lab/arp.log" --arp-from 10.1.1.2,10.1.1.100 \
    --advert-interval-ms "$advert_ms" --vrrp-version "$([ "$advert_ms" = 1000 ] && echo 2 || echo 3)" \
    --backup-priority 100 \
    --json "$results/$name.json" --series "$results/$name.dat"
  plot "$results/$name.dat" "$results/$name.png" "$mode failover"
  labsh down > /dev/null
  cp "$lab/hosts.json" "$results/$name-hosts.json" 2>/dev/null || true
  echo "results: $results/$name.json ($((SECONDS - t0)) s)"
}

# The detection of each given mode at the seed's 1 s adverts and at 100 ms
# (--fast), next to each other, for the modes that have both reports.
detection_step() { # detection_step MODE...
  local m n files=()
  for m in "$@"; do
    n=$([ "$m" = warmgate ] && echo "" || echo "-$m")
    [ -s "$results/failover$n.json" ] && [ -s "$results/failover-fast$n.json" ] || continue
    files+=("$results/failover$n.json" "$results/failover-fast$n.json")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  step "detection: VRRP adverts every 1 s (the seed's) and every 100 ms (--fast)"
  "$build/scripts/tools/wg-failover-report" --detection "$results/detection.json" "${files[@]}"
  echo "results: $results/detection.json"
}
fx=${fast:+-fast}

if [ $sweep != 0 ]; then
  # Every mode at every size and both latencies, smallest first; the lab
  # comes up afresh for each run (run_failover).
  mkdir -p "$results/sweep"
  if [ $sweep = 1 ]; then
    for lat in immediate powersave; do
      for n in $sweep_hosts; do
        set_scale "$n" "$lat"
        for mode in warmgate warmgate-nosync linux; do
          run_failover "$mode" "sweep/$mode-$n-$lat"
        done
      done
    done
  fi
  # The table: every report of the sweep's directory, by latency, hosts, mode.
  reports=()
  for lat in immediate powersave; do
    for n in $(ls "$results/sweep" | sed -n 's/^[a-z-]*-\([0-9]*\)-[a-z]*\.json$/\1/p' | sort -nu); do
      for mode in warmgate warmgate-nosync linux; do
        f=$results/sweep/$mode-$n-$lat.json
        [ -s "$f" ] && reports+=("$f")
      done
    done
  done
  [ ${#reports[@]} -gt 0 ] || { echo "demo.sh: no reports in $results/sweep" >&2; exit 1; }
  step "sweep: the failover of the three modes at $sweep_hosts hosts, two ARP latencies"
  "$build/scripts/tools/wg-failover-report" --sweep "$results/sweep.json" "$results/sweep" "${reports[@]}" |
    tee "$results/sweep.md"
  if command -v gnuplot >/dev/null; then
    # One line per mode and latency (x: hosts, log scale); the data files
    # are the report tool's: hosts, lost_arp_miss, time_to_all_hosts_ms.
    plots_lost='' plots_all=''
    for mode in warmgate warmgate-nosync linux; do
      for lat in immediate powersave; do
        f=$results/sweep/$mode-$lat.dat
        [ -s "$f" ] || continue
        dt=$([ $lat = immediate ] && echo 1 || echo 2)
        lc=$(case $mode in warmgate) echo '"#1f77b4"' ;; warmgate-nosync) echo '"#ff7f0e"' ;; *) echo '"#2ca02c"' ;; esac)
        plots_lost+="${plots_lost:+, }\"$f\" using 1:2 with linespoints lw 2 dt $dt lc rgb $lc title \"$mode ($lat)\""
        plots_all+="${plots_all:+, }\"$f\" using 1:3 with linespoints lw 2 dt $dt lc rgb $lc title \"$mode ($lat)\""
      done
    done
    gnuplot <<EOF
set terminal pngcairo size 1000,800
set output "$results/sweep.png"
set multiplot layout 2,1 title "failover of Device A (kill -9) by user hosts: hosts answering ARP at once (solid) or 30 % after 100-300 ms (dashed)"
set logscale x
set xlabel "user hosts"
set grid
set key outside right
set ylabel "probes lost to ARP misses after takeover"
plot $plots_lost
set ylabel "takeover to every host reached (ms)"
plot $plots_all
unset multiplot
EOF
  fi
  echo "results: $results/sweep.json, $results/sweep.md, $results/sweep.png"
  echo "demo.sh: done in $((SECONDS - started)) s"
  exit 0
fi
if [ -n "$only" ]; then
  run_failover "$only" "$([ "$only" = warmgate ] && echo "failover$fx" || echo "failover$fx-$only")"
  detection_step "$only"
  echo "demo.sh: done in $((SECONDS - started)) s"
  exit 0
fi
run_failover warmgate "failover$fx"
if [ $compare = 1 ]; then
  run_failover warmgate-nosync "failover$fx-warmgate-nosync"
  run_failover linux "failover$fx-linux"
  step "comparison: the same failover, three ways ($hosts hosts, $pps pps${fast:+, VRRP adverts every 100 ms})"
  "$build/scripts/tools/wg-failover-report" --compare "$results/compare$fx.json" "$results/failover$fx.json" \
    "$results/failover$fx-warmgate-nosync.json" "$results/failover$fx-linux.json"
  if command -v gnuplot >/dev/null; then
    gnuplot <<EOF
set terminal pngcairo size 900,420
set output "$results/compare$fx.png"
set title "failover: downlink packets delivered per 100 ms ($hosts hosts, $pps pps offered${fast:+, VRRP adverts 100 ms})"
set xlabel "seconds since Device A was killed"
set ylabel "packets per 100 ms"
set grid
set arrow from 0, graph 0 to 0, graph 1 nohead lc rgb "red" dt 2
plot "$results/failover$fx.dat" using 1:2 with steps lw 2 title "warmgate", \
     "$results/failover$fx-warmgate-nosync.dat" using 1:2 with steps lw 1 title "warmgate-nosync", \
     "$results/failover$fx-linux.dat" using 1:2 with steps lw 1 title "linux + keepalived"
EOF
  fi
  echo "results: $results/compare$fx.json, $results/compare$fx.png"
  detection_step warmgate warmgate-nosync linux
fi
echo "demo.sh: done in $((SECONDS - started)) s"
