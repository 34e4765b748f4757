#!/usr/bin/env bash
# `make difftest-long`: the differential test over many generated cases (default 100,000),
# split into JOBS processes with disjoint seed ranges. Each failing case is minimised and kept
# (policy, data, every engine's output) under OUT/case-<seed>/. Prints progress per process
# every CHUNK cases and a total; exits 1 if any case failed.
#   tests/differential/long_run.sh DIFFTEST CASES FIRST_SEED JOBS OUT
set -euo pipefail
difftest=$1 cases=$2 seed=$3 jobs=$4 out=$5
chunk=1000
mkdir -p "$out"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
start=$(date +%s)
per=$(((cases + jobs - 1) / jobs))
run_range() {  # first seed, count, log
  local first=$1 count=$2 log=$3 done=0 n
  while [ "$done" -lt "$count" ]; do
    n=$((count - done < chunk ? count - done : chunk))
    "$difftest" --cases "$n" --seed $((first + done)) --minimize --keep "$out" >>"$log" 2>&1 || true
    done=$((done + n))
    echo "difftest-long: seeds $first..$((first + done - 1)): $(grep -c '^==== FAILED' "$log" || true) failed so far ($(($(date +%s) - start)) s)"
  done
}
pids=()
for ((j = 0; j < jobs; ++j)); do
  first=$((seed + j * per))
  count=$((cases - j * per < per ? cases - j * per : per))
  [ "$count" -gt 0 ] || continue
  run_range "$first" "$count" "$logs/$j.log" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
passed=$(cat "$logs"/*.log | awk '/^[0-9]+ passed, / {s += $1} END {print s + 0}')
failed=$(cat "$logs"/*.log | awk '/^[0-9]+ passed, / {s += $3} END {print s + 0}')
cat "$logs"/*.log | grep -A40 '^---- minimized' >"$out/minimized.txt" || true
echo "difftest-long: $passed passed, $failed failed in $(($(date +%s) - start)) s (interp vs JIT vs the C++ and C APIs)"
[ "$failed" -eq 0 ] || { echo "difftest-long: failing cases kept in $out (minimised: $out/minimized.txt)"; exit 1; }
