#!/usr/bin/env bash
# Builds every libFuzzer target (one per fuzz/*.cpp) with clang under
# AddressSanitizer and UndefinedBehaviorSanitizer, in a build directory of
# its own, and runs each for N executions from its seed corpus (the corpus/
# directory next to the meson.build that defines it). See docs/fuzzing.md.
#   scripts/fuzz.sh [--runs N] [--time S] [--build DIR] [TARGET...]
#     --runs N     executions per target (default 10000000)
#     --time S     stop a target after S seconds even before N executions
#     --build DIR  clang build directory (default build-fuzz)
#     TARGET       fuzz/TARGET.cpp only (default: every fuzz/*.cpp)
# New inputs go to DIR/fuzz-corpus/TARGET (the seeds in the tree are only
# read), crashes to DIR/fuzz-artifacts/. Exit status 1 when a target fails
# to build or finds a crash.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

runs=10000000
time_limit=0
build=build-fuzz
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --time) time_limit=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz.sh: clang++ not found (scripts/setup.sh installs clang and libclang-rt-14-dev)" >&2
  exit 1
fi
# The meson files define a fuzzer executable named after each fuzz/*.cpp
# when the compiler is clang (tests/*/meson.build).
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$build" -Dbuildtype=debugoptimized -Dwerror=false >/dev/null
fi

# TARGET → "BINARY CORPUS_DIR" from meson's introspection.
locate() {
  meson introspect "$build" --targets | python3 -c '
import json, os, sys
name = sys.argv[1]
for t in json.load(sys.stdin):
    if t["name"] == name and t["type"] == "executable":
        print(t["filename"][0], os.path.join(os.path.dirname(t["defined_in"]), "corpus"))
        break
' "$1"
}

status=0
summary=()
mkdir -p "$build/fuzz-corpus" "$build/fuzz-artifacts"
for t in "${targets[@]}"; do
  read -r bin seeds < <(locate "$t") || true
  if [ -z "${bin:-}" ] || ! meson compile -C "$build" "$t" >"$build/fuzz-$t.build.log" 2>&1; then
    echo "fuzz.sh: $t: no clang target built (see $build/fuzz-$t.build.log)" >&2
    summary+=("$(printf '%-22s %12s %9s  %s' "$t" - - "BUILD FAILED")")
    status=1
    continue
  fi
  work="$build/fuzz-corpus/$t"
  mkdir -p "$work"
  [ -d "$seeds" ] || seeds=
  log="$build/fuzz-$t.log"
  echo "fuzz.sh: $t: $runs executions (log: $log)"
  start=$(date +%s.%N)
  result=ok
  # -timeout: an input that takes 10 s is a finding (a quadratic path).
  if ! "$bin" -runs="$runs" -max_total_time="$time_limit" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-artifacts/$t-" "$work" ${seeds:+"$seeds"} >"$log" 2>&1; then
    result="CRASH: $(grep -o "Test unit written to .*" "$log" | head -1 | sed 's/Test unit written to //')"
    status=1
  fi
  end=$(date +%s.%N)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(python3 -c "print(f'{$end - $start:.1f}')")
  summary+=("$(printf '%-22s %12s %9s  %s' "$t" "${execs:-?}" "$secs" "$result")")
done

printf '%-22s %12s %9s  %s\n' target executions seconds result
printf '%s\n' "${summary[@]}"
exit $status
