#!/usr/bin/env bash
# Forwarding benchmark (docs/benchmarks.md, targets there): warmgate against DPDK's l3fwd (LPM)
# and dpdk-testpmd in io mode (the ceiling: no lookup, no rewrite), all on the
# same virtual devices (net_pcap replaying a 64-byte downlink pcap in,
# net_null out) and the same forwarding lcore (1; main/control on 0).
# A benchmark, not a test: it prints a table and one JSON line, and writes
# results/bench-forward.json. Method and how to read it: docs/benchmarks.md.
#
#   scripts/bench-forward.sh [--seconds N] [--rounds N] [--quick]
#
#   --seconds N  measurement window per run (default 5; --quick: 2)
#   --rounds N   interleaved rounds, testpmd l3fwd warmgate testpmd ... (default 3; --quick: 1)
#   --quick      short windows, one round (under a minute)
# Environment: WARMGATE_BUILD=DIR (default build/, as scripts/setup.sh makes it).
#
# Peers are read the same way: DPDK telemetry through dpdk-telemetry.py at the
# start and the end of a window (warmgate: /warmgate/statistics forwarded;
# testpmd and l3fwd: /ethdev/stats of the output port, opackets).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WARMGATE_BUILD:-build}
case "$build" in /*) ;; *) build=$root/$build ;; esac

seconds="" rounds="" quick=0
usage() {
  sed -n '9,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit "${1:-2}"
}
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) [ $# -ge 2 ] || usage; seconds=$2; shift 2 ;;
    --rounds) [ $# -ge 2 ] || usage; rounds=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    -h | --help) usage 0 ;;
    *) usage ;;
  esac
done
if [ "$quick" = 1 ]; then
  : "${seconds:=2}" "${rounds:=1}"
  warmup=0.5
else
  : "${seconds:=5}" "${rounds:=3}"
  warmup=1
fi
[[ "$seconds" =~ ^[1-9][0-9]*$ && "$rounds" =~ ^[1-9][0-9]*$ ]] || usage

die() { echo "bench-forward: $*" >&2; exit 1; }
log() { echo "bench-forward: $*" >&2; }

# ---- tools -------------------------------------------------------------------
python=/usr/bin/python3
telemetry=/usr/bin/dpdk-telemetry.py
examples=/usr/share/dpdk/examples
warmgate=$build/main/warmgate
ctl=$build/control/warmgatectl
pcapgen=$build/scripts/tools/wg-pcapgen
wgconfig=$build/config/warmgate-config
testpmd=$(command -v dpdk-testpmd || true)
for f in "$warmgate" "$ctl" "$pcapgen" "$wgconfig"; do
  [ -x "$f" ] || die "$f missing: run scripts/setup.sh (or set WARMGATE_BUILD)"
done
[ -n "$testpmd" ] || die "dpdk-testpmd missing (Debian package dpdk-dev)"
[ -f "$telemetry" ] && [ -x "$python" ] || die "$telemetry missing (Debian package dpdk-dev)"
[ -d "$examples/l3fwd" ] || die "$examples/l3fwd missing (Debian package dpdk-doc)"
command -v make >/dev/null && command -v cc >/dev/null && pkg-config --exists libdpdk ||
  die "make, cc and libdpdk-dev are needed to build l3fwd"
[ "$(id -u)" = 0 ] || die "run as root (DPDK runtime directories, telemetry sockets)"

bench=$build/bench
run=$bench/run
mkdir -p "$run"
samples=$run/samples.tsv
: > "$samples"

# ---- l3fwd from Debian's examples, patched in a copy --------------------------
# Patches (never committed; applied to build/bench/examples at build time):
#  1. RX offloads masked with the device's rx_offload_capa (22.11's l3fwd asks
#     for RTE_ETH_RX_OFFLOAD_CHECKSUM unconditionally; net_pcap/net_null refuse).
#  2. The mbuf pool's floor (8192) can be raised with L3FWD_MIN_MBUFS: net_pcap's
#     infinite_rx keeps the whole pcap in mbufs (1M frames for the 1M scenario).
# Neither touches the forwarding path.
build_l3fwd() {
  local dst=$bench/examples l3=$bench/examples/l3fwd
  local want
  want="patch-v1 $(pkg-config --modversion libdpdk) $(stat -c %Y "$examples/l3fwd/main.c")"
  if [ -x "$l3/build/l3fwd" ] && [ "$(cat "$dst/stamp" 2>/dev/null)" = "$want" ]; then return; fi
  log "building l3fwd from $examples (patched copy in $dst)"
  rm -rf "$dst"
  mkdir -p "$dst"
  cp -r "$examples/l3fwd" "$examples/common" "$dst/"
  sed -i \
    -e 's/^\([[:space:]]*\)local_port_conf\.rx_adv_conf\.rss_conf\.rss_hf &=$/\1local_port_conf.rxmode.offloads \&= dev_info.rx_offload_capa;\n&/' \
    -e 's/rxq_conf\.offloads = port_conf\.rxmode\.offloads;/rxq_conf.offloads = port_conf.rxmode.offloads \& dev_info.rx_offload_capa;/' \
    -e 's/(unsigned)8192)/(unsigned)(getenv("L3FWD_MIN_MBUFS") ? strtoul(getenv("L3FWD_MIN_MBUFS"), NULL, 0) : 8192))/' \
    "$l3/main.c"
  [ "$(grep -c 'rx_offload_capa' "$l3/main.c")" = 2 ] && grep -q L3FWD_MIN_MBUFS "$l3/main.c" ||
    die "l3fwd's main.c no longer matches the patch (DPDK $(pkg-config --modversion libdpdk)): update build_l3fwd()"
  (cd "$l3" && make -j2 >"$dst/build.log" 2>&1) || die "l3fwd build failed: $dst/build.log"
  echo "$want" >"$dst/stamp"
}
build_l3fwd
l3fwd=$bench/examples/l3fwd/build/l3fwd

# ---- traffic and tables ------------------------------------------------------
# net_pcap's first port has MAC 02:70:63:61:70:00; warmgate drops unicast
# frames for other MACs, l3fwd and testpmd do not look.
dst_mac=02:70:63:61:70:00
first_host=10.1.0.1
hosts_1k=1000
hosts_1m=1048576
printf 'R10.0.0.0/8 1\n' >"$bench/l3fwd-v4.cfg"     # port 1 = net_null: every 10/8 host
printf 'R2001:db8::/32 1\n' >"$bench/l3fwd-v6.cfg"  # l3fwd wants both files; unused

# warmgate sizes its mbuf pool from ports x queues x descriptors; net_pcap's
# infinite_rx needs one mbuf per pcap frame on top. `dataplane.mbufs` raises
# the floor where warmgate has it; without it the 1M scenario replays a pcap
# that fits the default pool (4096 frames to the first 4096 of the 1M hosts).
cat >"$run/probe.yaml" <<EOF
sysname: bench
dataplane: {workers: 1, mbufs: 16384}
interfaces:
  core: {port: "net_pcap0,rx_pcap=$run/none.pcap,infinite_rx=1", address: 192.0.2.1/24}
  user: {port: "net_null0,no-rx=1", address: 10.0.0.1/8}
control: {socket: $run/wg.sock}
EOF
if "$wgconfig" check "$run/probe.yaml" >/dev/null 2>&1; then has_mbufs=1; else has_mbufs=0; fi
frames_1m=$hosts_1m
if [ "$has_mbufs" = 0 ]; then
  frames_1m=4096
  log "warmgate has no dataplane.mbufs: the 1M scenario replays $frames_1m frames (1M-entry table, small working set)"
fi

gen_pcap() { # FILE HOSTS FRAMES
  [ -s "$1" ] && [ "$1" -nt "$pcapgen" ] && [ "$(cat "$1.params" 2>/dev/null)" = "$2 $3" ] && return
  "$pcapgen" --out "$1" --hosts "$2" --packets "$3" --size 64 --dst-base "$first_host" --dst-mac "$dst_mac" >/dev/null
  echo "$2 $3" >"$1.params"
}
gen_pcap "$bench/downlink-1k.pcap" "$hosts_1k" "$hosts_1k"
gen_pcap "$bench/downlink-1m.pcap" "$hosts_1m" "$frames_1m"

# ---- process and telemetry helpers -------------------------------------------
app_pid="" app_name="" tele_pid=""
tele_close() {
  if [ -n "$tele_pid" ]; then
    exec {TELE_IN}>&- {TELE_OUT}<&-
    wait "$tele_pid" 2>/dev/null || true
    tele_pid=""
  fi
}
app_stop() {
  tele_close
  [ -n "$app_pid" ] || return 0
  if kill -0 "$app_pid" 2>/dev/null; then
    kill -INT "$app_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$app_pid" 2>/dev/null || true
  fi
  wait "$app_pid" 2>/dev/null || true
  app_pid=""
}
trap 'app_stop' EXIT
trap 'exit 130' INT TERM

# app_start NAME PREFIX LOG CMD...: background, own file prefix, own session.
# On a shared machine the peer should get its lcore's CPU first: the kernel's
# autogroup scheduling weighs sessions, not processes, so the peer gets a
# session of its own (setsid) whose autogroup runs at nice -20. What it did
# not get anyway is measured (on-CPU time of the forwarding thread).
start_limit=${BENCH_START_LIMIT_S:-300} # a peer must forward within this many seconds of its start
app_start() {
  app_name=$1 prefix=$2
  start_deadline=$((SECONDS + start_limit))
  local logf=$3
  shift 3
  rm -rf "/var/run/dpdk/$prefix"
  setsid nice -n -20 "$@" </dev/null >"$logf" 2>&1 &
  app_pid=$!
  local own group=""
  own=$(cut -d' ' -f1 /proc/$$/autogroup 2>/dev/null || true)
  for _ in $(seq 1 300); do # until setsid(2) has given the peer its own autogroup
    group=$(cut -d' ' -f1 "/proc/$app_pid/autogroup" 2>/dev/null || true)
    [ -n "$group" ] && [ "$group" != "$own" ] && break
    sleep 0.01
  done
  if [ -n "$group" ] && [ "$group" != "$own" ]; then
    echo -20 >"/proc/$app_pid/autogroup" 2>/dev/null || true
  fi
}
# oncpu: nanoseconds the peer's threads pinned to the forwarding lcore's CPU
# alone have run (/proc/PID/task/TID/schedstat, first field).
oncpu() {
  local t ns=0 line run rest
  for t in /proc/"$app_pid"/task/*; do
    while IFS= read -r line; do
      [[ "$line" == Cpus_allowed_list:* ]] || continue
      if [ "${line##*[[:space:]]}" = "$fwd_cpu" ]; then
        read -r run rest <"$t/schedstat"
        ns=$((ns + run))
      fi
      break
    done <"$t/status"
  done
  echo "$ns"
}
app_alive() { kill -0 "$app_pid" 2>/dev/null || die "$app_name exited early; see its log in $run"; }

# One dpdk-telemetry.py per run, driven through pipes, so a sample costs a
# socket round trip (not a Python start) and its timestamp is tight.
tele_open() {
  local sock=/var/run/dpdk/$prefix/dpdk_telemetry.v2
  while ((SECONDS < start_deadline)); do
    [ -S "$sock" ] && break
    app_alive
    sleep 0.1
  done
  [ -S "$sock" ] || die "$app_name: no telemetry socket $sock within ${start_limit} s"
  local fifo_in=$run/tele.in fifo_out=$run/tele.out
  rm -f "$fifo_in" "$fifo_out"
  mkfifo "$fifo_in" "$fifo_out"
  "$python" -u "$telemetry" -f "$prefix" <"$fifo_in" >"$fifo_out" 2>&1 &
  tele_pid=$!
  exec {TELE_IN}>"$fifo_in" {TELE_OUT}<"$fifo_out"
  rm -f "$fifo_in" "$fifo_out"
}
# tele QUERY [TIMEOUT_S]: sets REPLY (one JSON line) and T0/T1 (the round
# trip's ends, s). A started peer answers in milliseconds; the default 10 s
# only bounds a hung one.
tele() {
  T0=$EPOCHREALTIME
  echo "$1" >&"$TELE_IN"
  IFS= read -r -t "${2:-10}" REPLY <&"$TELE_OUT" || die "$app_name: no telemetry answer to $1 within ${2:-10} s"
  T1=$EPOCHREALTIME
  case "$REPLY" in '{'*) ;; *) die "$app_name: telemetry: $REPLY" ;; esac
}
# record SCENARIO PEER ROUND PHASE QUERY
record() {
  tele "$5"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$T0" "$T1" "$REPLY" >>"$samples"
}
# wait_flow QUERY KEY: until the counter KEY moves (forwarding has begun),
# at most until the start deadline.
wait_flow() {
  while ((SECONDS < start_deadline)); do
    tele "$1"
    [[ "$REPLY" =~ \"$2\":\ ([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt 0 ] && return
    app_alive
    sleep 0.1
  done
  die "$app_name: nothing forwarded within ${start_limit} s of its start (see $run)"
}
# check_out_port: port 1 must be net_null in every peer (vdev/config order).
# The first query waits for the peer to have started its ports: net_pcap's
# infinite_rx reads the whole pcap into mbufs first (seconds for 1M frames on
# a slow disk), and telemetry answers only after that. Bounded by the start
# deadline, not a fixed wait.
check_out_port() {
  local left=$((start_deadline - SECONDS))
  ((left > 0)) || left=1
  tele "/ethdev/info,1" "$left"
  [[ "$REPLY" == *'"name": "net_null0"'* ]] || die "$app_name: port 1 is not net_null0: $REPLY"
}

# ---- the three peers ---------------------------------------------------------
eal_mem() { [ "$1" = 1k ] && echo 1024 || echo 4608; } # 1M: one 4 KiB page per mbuf without hugepages
pcap_of() { [ "$1" = 1k ] && echo "$bench/downlink-1k.pcap" || echo "$bench/downlink-1m.pcap"; }
mbufs_of() { [ "$1" = 1k ] && echo 16384 || echo $((frames_1m + 16384)); }
hosts_of() { [ "$1" = 1k ] && echo "$hosts_1k" || echo "$hosts_1m"; }
vdev_in() { echo "net_pcap0,rx_pcap=$(pcap_of "$1"),infinite_rx=1"; }
vdev_out=net_null0,no-rx=1
fwd_cpu=1 # the forwarding lcore, pinned 1:1 to CPU 1 by EAL in every peer

window() { # SCENARIO PEER ROUND QUERY...
  local s=$1 p=$2 r=$3
  shift 3
  local q t
  t=$EPOCHREALTIME
  printf '%s\t%s\t%s\tstart\toncpu\t%s\t%s\t%s\n' "$s" "$p" "$r" "$t" "$t" "$(oncpu)" >>"$samples"
  for q in "$@"; do record "$s" "$p" "$r" start "$q"; done
  sleep "$seconds"
  for q in "$@"; do record "$s" "$p" "$r" end "$q"; done
  t=$EPOCHREALTIME
  printf '%s\t%s\t%s\tend\toncpu\t%s\t%s\t%s\n' "$s" "$p" "$r" "$t" "$t" "$(oncpu)" >>"$samples"
}

run_testpmd() { # SCENARIO ROUND
  app_start testpmd wgbench-testpmd "$run/testpmd-$1.log" \
    "$testpmd" --no-huge -m "$(eal_mem "$1")" --no-pci -l 0-1 --file-prefix wgbench-testpmd \
    --vdev "$(vdev_in "$1")" --vdev "$vdev_out" -- \
    --forward-mode=io --nb-cores=1 --rxq=1 --txq=1 --burst=32 \
    --total-num-mbufs="$(mbufs_of "$1")" --stats-period=3600 --auto-start
  tele_open
  check_out_port
  wait_flow "/ethdev/stats,1" opackets
  sleep "$warmup"
  window "$1" testpmd_io "$2" "/ethdev/stats,1"
  app_stop
}

run_l3fwd() { # SCENARIO ROUND
  # -l 1: l3fwd forwards on its main lcore, and wants one TX queue per lcore
  # (net_pcap has one); its control threads stay on CPU 0 like the others'.
  app_start l3fwd wgbench-l3fwd "$run/l3fwd-$1.log" \
    env L3FWD_MIN_MBUFS="$(mbufs_of "$1")" \
    "$l3fwd" --no-huge -m "$(eal_mem "$1")" --no-pci -l 1 --file-prefix wgbench-l3fwd \
    --vdev "$(vdev_in "$1")" --vdev "$vdev_out" -- \
    -p 0x3 --config="(0,0,1),(1,0,1)" --lookup=lpm --parse-ptype \
    --rule_ipv4="$bench/l3fwd-v4.cfg" --rule_ipv6="$bench/l3fwd-v6.cfg"
  tele_open
  check_out_port
  wait_flow "/ethdev/stats,1" opackets
  sleep "$warmup"
  window "$1" l3fwd_lpm "$2" "/ethdev/stats,1"
  app_stop
}

run_warmgate() { # SCENARIO ROUND
  local s=$1 r=$2 cfg=$run/warmgate-$1.yaml sock=$run/wg.sock hosts
  hosts=$(hosts_of "$s")
  local dp="workers: 1, adjacency_capacity: $hosts_1m"
  [ "$has_mbufs" = 1 ] && dp="$dp, mbufs: $(mbufs_of "$s")"
  # core (net_pcap) first: port 0 in, port 1 out, as for the others.
  cat >"$cfg" <<EOF
sysname: bench
dataplane: {$dp}
interfaces:
  core: {port: "$(vdev_in "$s")", address: 192.0.2.1/24}
  user: {port: "$vdev_out", address: 10.0.0.1/8}
control: {socket: $sock}
EOF
  rm -f "$sock"
  app_start warmgate wgbench-warmgate "$run/warmgate-$s.log" \
    "$warmgate" --no-huge -m "$(eal_mem "$s")" --no-pci -l 0-1 --file-prefix wgbench-warmgate -- --config "$cfg"
  while ((SECONDS < start_deadline)); do [ -S "$sock" ] && break; app_alive; sleep 0.1; done
  [ -S "$sock" ] || die "warmgate: no control socket $sock within ${start_limit} s"
  "$ctl" --socket "$sock" debug adjacency fill "$hosts" "$first_host" user >"$run/fill.out" ||
    die "warmgate: adjacency fill failed: $(cat "$run/fill.out")"
  tele_open
  check_out_port
  wait_flow "/warmgate/statistics" forwarded
  sleep "$warmup"
  window "$s" warmgate "$r" "/warmgate/statistics" "/ethdev/stats,1"
  # The same process with 100k table updates/s round-robin over its hosts:
  # paired with the idle window just measured.
  local t0 t1 out
  t0=$EPOCHREALTIME
  "$ctl" --socket "$sock" debug adjacency churn 100000 "$hosts" "$first_host" user >/dev/null
  sleep 0.5
  window "$s" warmgate_churn "$r" "/warmgate/statistics" "/ethdev/stats,1"
  out=$("$ctl" --socket "$sock" debug adjacency churn 0)
  t1=$EPOCHREALTIME
  [[ "$out" =~ after\ ([0-9]+)\ updates ]] || die "warmgate: churn stop: $out"
  printf '%s\twarmgate_churn\t%s\tupdates\t-\t%s\t%s\t%s\n' "$s" "$r" "$t0" "$t1" "${BASH_REMATCH[1]}" >>"$samples"
  app_stop
}

# ---- rounds ------------------------------------------------------------------
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$EPOCHREALTIME
log "windows of ${seconds}s, $rounds round(s), warm-up ${warmup}s; logs in $run"
for r in $(seq 1 "$rounds"); do
  for s in 1k 1M; do
    sc=${s,,}
    log "round $r/$rounds, $s hosts: testpmd io"
    run_testpmd "$sc" "$r"
    log "round $r/$rounds, $s hosts: l3fwd lpm"
    run_l3fwd "$sc" "$r"
    log "round $r/$rounds, $s hosts: warmgate (idle, then 100k updates/s)"
    run_warmgate "$sc" "$r"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$("$python" -c "print(round($EPOCHREALTIME - $started))")
cpu_mhz=$(awk -F: '/^cpu MHz/ {printf "%.0f", $2; exit}' /proc/cpuinfo)
: "${cpu_mhz:=0}"
cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo | tr -d '"\\')
# The SIMD levels DPDK's lookups and our code can use here (none is assumed).
cpu_simd=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'sse4_2|avx2|avx512f|avx512bw' | paste -sd, - || true)
build_opts=$(meson introspect --buildoptions "$build" 2>/dev/null | "$python" -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o.get("buildtype", "?"), "-O" + str(o.get("optimization", "?")), "b_ndebug=" + str(o.get("b_ndebug", "?")),
      "cpp_args=" + (" ".join(o.get("cpp_args", [])) or "-"))' 2>/dev/null || echo unknown)
compiler=$(c++ --version 2>/dev/null | head -1 || echo unknown)

# ---- report ------------------------------------------------------------------
mkdir -p "$root/results"
"$python" - "$samples" "$root/results/bench-forward.json" <<EOF
import json, statistics, sys, time
samples, out = sys.argv[1], sys.argv[2]
meta = {"seconds": $seconds, "rounds": $rounds, "frames_1M": $frames_1m, "elapsed_s": $elapsed,
        "loadavg_before": "$load_before", "loadavg_after": "$load_after", "cpu_mhz": $cpu_mhz,
        "date": time.strftime("%Y-%m-%d"), "machine": "$(uname -m), $(nproc) CPUs",
        "cpu_model": "$cpu_model", "cpu_simd": "$cpu_simd", "build": "$build_opts", "compiler": "$compiler",
        "dpdk": "$(pkg-config --modversion libdpdk)", "kernel": "$(uname -r)"}
win, churn_updates = {}, {}
for line in open(samples):
    s, peer, rnd, phase, query, t0, t1, reply = line.rstrip("\n").split("\t", 7)
    if phase == "updates":
        churn_updates.setdefault(s, []).append(int(reply) / (float(t1) - float(t0)))
        continue
    t = (float(t0) + float(t1)) / 2  # the counters were read within this round trip
    value = int(reply) if query == "oncpu" else json.loads(reply)
    win.setdefault((s, peer, rnd), {}).setdefault(query, {})[phase] = (t, value)

def delta(w, query, pick):
    (t0, a), (t1, b) = w[query]["start"], w[query]["end"]
    return pick(b) - pick(a), t1 - t0

eth_out = lambda j: j["/ethdev/stats"]["opackets"]
wg_total = lambda j: j["/warmgate/statistics"]["total"]
mpps, share, cpp, xcheck = {}, {}, {}, []
for key, w in win.items():
    s, peer, rnd = key
    if peer.startswith("warmgate"):
        n, dt = delta(w, "/warmgate/statistics", lambda j: wg_total(j)["forwarded"])
        n_out, dt_out = delta(w, "/ethdev/stats,1", eth_out)
        if abs(n_out / dt_out - n / dt) > 0.02 * n / dt:
            xcheck.append(f"{s} {peer} round {rnd}: forwarded {n / dt / 1e6:.2f} vs port opackets {n_out / dt_out / 1e6:.2f} Mpps")
        a, b = (wg_total(w["/warmgate/statistics"][p][1]) for p in ("start", "end"))
        pk = (b["rx"] + b["injected"]) - (a["rx"] + a["injected"])
        if "busy_cycles" in b:
            cyc = b["busy_cycles"] - a["busy_cycles"]
        else:  # from the cumulative average (an integer): within a cycle or two
            cyc = b["cycles_per_packet"] * (b["rx"] + b["injected"]) - a["cycles_per_packet"] * (a["rx"] + a["injected"])
        cpp[key] = cyc / pk if pk else 0.0
    else:
        n, dt = delta(w, "/ethdev/stats,1", eth_out)
    mpps[key] = n / dt / 1e6
    ns, dt_cpu = delta(w, "oncpu", lambda v: v)
    share[key] = min(1.0, ns / 1e9 / dt_cpu) if dt_cpu > 0 else 0.0

rounds = sorted({k[2] for k in mpps}, key=int)
med = lambda xs: statistics.median(xs) if xs else None
def keys(s, peer): return [(s, peer, r) for r in rounds if (s, peer, r) in mpps]
def wall(s, peer): return [mpps[k] for k in keys(s, peer)]
norm = lambda k: mpps[k] / share[k] if share[k] > 0 else 0.0
def oncpu(s, peer): return [norm(k) for k in keys(s, peer) if share[k] > 0]
def ratio(s, a, b, f=lambda k: mpps[k]):
    # per round, then the median: the peers of a round ran a minute apart at most
    return med([f((s, a, r)) / f((s, b, r)) for r in rounds
                if (s, a, r) in mpps and (s, b, r) in mpps and f((s, b, r)) > 0])
rnd_ = lambda x, d: None if x is None else round(x, d)

result = {"bench": "forward", "scenarios": {}}
for s, name in (("1k", "1k"), ("1m", "1M")):
    result["scenarios"][name] = {
        "testpmd_io_mpps": rnd_(med(wall(s, "testpmd_io")), 2),
        "l3fwd_lpm_mpps": rnd_(med(wall(s, "l3fwd_lpm")), 2),
        "warmgate_mpps": rnd_(med(wall(s, "warmgate")), 2),
        "ratio_vs_l3fwd": rnd_(ratio(s, "warmgate", "l3fwd_lpm"), 3),
        "ratio_vs_testpmd_io": rnd_(ratio(s, "warmgate", "testpmd_io"), 3),
        "warmgate_cycles_per_packet": rnd_(med([cpp[k] for k in keys(s, "warmgate")]), 1),
        # per second of CPU the forwarding thread actually got (shared machine)
        "testpmd_io_mpps_oncpu": rnd_(med(oncpu(s, "testpmd_io")), 2),
        "l3fwd_lpm_mpps_oncpu": rnd_(med(oncpu(s, "l3fwd_lpm")), 2),
        "warmgate_mpps_oncpu": rnd_(med(oncpu(s, "warmgate")), 2),
        "ratio_vs_l3fwd_oncpu": rnd_(ratio(s, "warmgate", "l3fwd_lpm", norm), 3),
        "ratio_vs_testpmd_io_oncpu": rnd_(ratio(s, "warmgate", "testpmd_io", norm), 3),
        "cpu_share_min": rnd_(min([share[k] for p in ("testpmd_io", "l3fwd_lpm", "warmgate") for k in keys(s, p)],
                                  default=None), 3),
    }
for s, name in (("1k", "1k_churn_100k"), ("1m", "1M_churn_100k")):
    pairs = [((s, "warmgate_churn", r), (s, "warmgate", r)) for r in rounds
             if (s, "warmgate_churn", r) in mpps and mpps.get((s, "warmgate", r))]
    result["scenarios"][name] = {
        "warmgate_mpps": rnd_(med(wall(s, "warmgate_churn")), 2),
        "loss_vs_idle_pct": rnd_(med([100.0 * (1 - mpps[c] / mpps[i]) for c, i in pairs]), 2),
        "updates_per_s": round(med(churn_updates.get(s, [])) or 0),
        "warmgate_cycles_per_packet": rnd_(med([cpp[k] for k in keys(s, "warmgate_churn")]), 1),
        "warmgate_mpps_oncpu": rnd_(med(oncpu(s, "warmgate_churn")), 2),
        "loss_vs_idle_pct_oncpu": rnd_(med([100.0 * (1 - norm(c) / norm(i)) for c, i in pairs if norm(i)]), 2),
    }
result["meta"] = meta

def spread(xs):
    return f"{min(xs):.2f}-{max(xs):.2f}" if len(xs) > 1 else ""
def row(label, peer, s, extra=""):
    ks = keys(s, peer)
    on = med(oncpu(s, peer))
    cyc = meta["cpu_mhz"] / on if on else 0
    print(f"{label:<15}{peer.replace('_churn', ''):<12}{med(wall(s, peer)):7.2f} {spread(wall(s, peer)):>12}"
          f"{on or 0:8.2f}{med([share[k] for k in ks]):6.2f}{cyc:9.0f}{extra}")
print()
print(f"Forwarding 64-byte frames on 1 lcore, net_pcap -> net_null; median of {len(rounds)} round(s) of"
      f" {meta['seconds']} s; load average {meta['loadavg_before']} -> {meta['loadavg_after']}")
print(f"{meta['date']}, {meta['cpu_model']} ({meta['machine']}; {meta['cpu_simd']}), DPDK {meta['dpdk']},"
      f" build {meta['build']}")
print(f"{'scenario':<15}{'peer':<12}{'Mpps':>7} {'min-max':>12}{'on-CPU':>8}{'CPU':>6}{'cyc/pkt':>9}"
      f"{'vs l3fwd':>10}{'vs io':>7}{'wg cyc/pkt':>11}")
for s, name in (("1k", "1k"), ("1m", "1M")):
    sc = result["scenarios"][name]
    for peer in ("testpmd_io", "l3fwd_lpm", "warmgate"):
        if keys(s, peer):
            extra = (f"{sc['ratio_vs_l3fwd'] or 0:10.3f}{sc['ratio_vs_testpmd_io'] or 0:7.3f}"
                     f"{sc['warmgate_cycles_per_packet']:11.0f}") if peer == "warmgate" else ""
            row(name + " hosts", peer, s, extra)
for s, name in (("1k", "1k_churn_100k"), ("1m", "1M_churn_100k")):
    sc = result["scenarios"][name]
    if keys(s, "warmgate_churn"):
        row(name, "warmgate_churn", s, f"   loss {sc['loss_vs_idle_pct']:.1f}% (on-CPU {sc['loss_vs_idle_pct_oncpu']:.1f}%)"
                                       f" at {sc['updates_per_s']} updates/s")
print("on-CPU: Mpps per second the forwarding thread ran; CPU: that share of the window; cyc/pkt: cpu MHz / on-CPU Mpps;"
      "\nratios: wall-clock, per round, median; wg cyc/pkt: warmgate's own busy-poll TSC cycles per packet")
for x in xcheck:
    print("warning: " + x)
if meta["frames_1M"] < 1048576:
    print(f"note: the 1M scenario replays {meta['frames_1M']} frames (warmgate without dataplane.mbufs)")
with open(out, "w") as f:
    f.write(json.dumps(result, indent=2) + "\n")
print(json.dumps(result, separators=(", ", ":")))
EOF
