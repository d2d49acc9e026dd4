#!/usr/bin/env bash
# Remote-backup benchmark (docs/benchmarks.md): wg-bench-sync runs two complete
# remote-backup stacks (RBS over TLS 1.3 + RBP + ARP service), one thread
# each, on loopback, and measures in one run:
#   - batch backup of N entries (default 1M) to a cold Slave: time, entries/s,
#     bytes per entry on the wire; again with `batch-backup now`;
#   - the ceiling: the same bytes through a plain TCP socket on loopback;
#   - replication lag p50/p99 at 10k and 100k changes/s.
# A benchmark, not a test: it prints a summary, checks the targets of
# docs/benchmarks.md, writes results/bench-sync.json and ends with one JSON line.
#
#   scripts/bench-sync.sh [--entries N] [--seconds S] [--rounds R]
#
# Targets (README): 1M entries <= 250 ms, p99 lag <= 5 ms at 100k/s,
# <= 24 bytes/entry. With --rounds R (default 3) the best batch time and the
# median p99 are judged (a shared 2-core machine has noisy neighbours).
# Environment: WARMGATE_BUILD=DIR (default build/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WARMGATE_BUILD:-build}
case "$build" in /*) ;; *) build=$root/$build ;; esac
entries=1000000 seconds=2 rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --entries) entries=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) sed -n '12,12p' "$0" | sed 's/^# //' >&2; exit 2 ;;
  esac
done
tool=$build/scripts/tools/wg-bench-sync
[ -x "$tool" ] || { echo "bench-sync.sh: no $tool: run scripts/setup.sh" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$root/scripts/gen-certs.sh" "$tmp/certs" >/dev/null
mkdir -p "$root/results"

lines=()
for r in $(seq "$rounds"); do
  echo "== round $r/$rounds"
  "$tool" --certs "$tmp/certs" --entries "$entries" --seconds "$seconds" --rates 10000,100000 \
    2> >(grep -v 'session up\|session down' >&2) | tee "$tmp/out"
  lines+=("$(tail -n 1 "$tmp/out")")
done

# Judge: best batch time, median p99 at 100k/s, worst bytes/entry.
printf '%s\n' "${lines[@]}" > "$tmp/rounds.jsonl"
batch_best=$(grep -o '"batch_ms": [0-9.]*' "$tmp/rounds.jsonl" | awk '{print $2}' | sort -n | head -1)
bpe_worst=$(grep -o '"bytes_per_entry": [0-9.]*' "$tmp/rounds.jsonl" | awk '{print $2}' | sort -n | tail -1)
ratio_best=$(grep -o '"vs_tcp_ceiling": [0-9.]*' "$tmp/rounds.jsonl" | awk '{print $2}' | sort -n | head -1)
p99_100k=$(grep -o '"rate": 100000, "p50_us": [0-9]*, "p99_us": [0-9]*' "$tmp/rounds.jsonl" |
  awk '{print $6}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
p99_10k=$(grep -o '"rate": 10000, "p50_us": [0-9]*, "p99_us": [0-9]*' "$tmp/rounds.jsonl" |
  awk '{print $6}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
ok() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }' && echo yes || echo no; }
scale=$(awk -v e="$entries" 'BEGIN { print 250 * e / 1000000 }')
t_batch=$(ok "$batch_best" "$scale")
t_lag=$(ok "${p99_100k:-999999}" 5000)
t_bytes=$(ok "$bpe_worst" 24)
echo
echo "== targets ($rounds rounds, $entries entries)"
printf '%-44s %12s %10s %s\n' "measure" "measured" "target" "met"
printf '%-44s %12s %10s %s\n' "batch backup (best round), ms" "$batch_best" "$scale" "$t_batch"
printf '%-44s %12s %10s %s\n' "p99 lag at 100k changes/s (median), us" "${p99_100k:--}" 5000 "$t_lag"
printf '%-44s %12s %10s %s\n' "p99 lag at 10k changes/s (median), us" "${p99_10k:--}" - -
printf '%-44s %12s %10s %s\n' "bytes per entry on the wire (worst)" "$bpe_worst" 24 "$t_bytes"
printf '%-44s %12s %10s %s\n' "TLS path / plain-TCP ceiling (best), x" "$ratio_best" - -
json="{\"tool\": \"bench-sync\", \"entries\": $entries, \"rounds\": $rounds, \"batch_ms_best\": $batch_best, \"p99_us_100k_median\": ${p99_100k:-null}, \"p99_us_10k_median\": ${p99_10k:-null}, \"bytes_per_entry\": $bpe_worst, \"vs_tcp_ceiling\": $ratio_best, \"targets_met\": {\"batch\": \"$t_batch\", \"lag\": \"$t_lag\", \"bytes\": \"$t_bytes\"}, \"runs\": [$(paste -sd, "$tmp/rounds.jsonl")]}"
echo "$json" > "$root/results/bench-sync.json"
echo "$json"
