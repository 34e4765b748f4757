#!/usr/bin/env bash
# Runs one fuzz target for a while (ctest's fuzz.run.*, `make fuzz`) and prints its figures.
#
#   run_fuzzer.sh FUZZ_BINARY TARGET SECONDS WORK_DIR [--fresh]
#
# WORK_DIR/seeds/TARGET (make_seeds.sh) seeds WORK_DIR/corpus/TARGET, which keeps what the runs
# find (--fresh, for ctest: an empty corpus each time, so the run's length does not grow with
# what earlier runs kept); a crash, hang (-timeout), leak or sanitizer report is written to WORK_DIR/artifacts/TARGET/
# and fails the run: minimise it (FUZZ_BINARY -minimize_crash=1 FILE), fix the cause and add it
# under tests/fuzz/regressions/TARGET/ (docs/testing.md). The full log is WORK_DIR/logs/TARGET.log;
# the figures line is also appended to WORK_DIR/summary.txt (`make fuzz` adds them up).
set -uo pipefail
bin=$1 target=$2 seconds=$3 work=$4 fresh=${5:-}
here=$(cd "$(dirname "$0")" && pwd)

# -max_len keeps inputs small enough for many runs a second and, for policies, below 300 chained
# declarations (long chains are the depth limit's business, tested by their own cases).
case $target in
  policy_check | policy_format) max_len=4096 dict=policy.dict ;;
  template) max_len=512 dict=policy.dict ;;
  jsonl | capi) max_len=4096 dict=jsonl.dict ;;
  csv) max_len=4096 dict=csv.dict ;;
  repl) max_len=2048 dict=repl.dict ;;
  *) echo "run_fuzzer.sh: unknown target $target" >&2; exit 2 ;;
esac
corpus=$work/corpus/$target
if [[ $fresh == --fresh ]]; then
  corpus=$work/corpus-fresh/$target
  rm -rf "$corpus"
fi
mkdir -p "$corpus" "$work/artifacts/$target" "$work/logs" "$work/seeds/$target"
log=$work/logs/$target.log
# Leaks fail too (LeakSanitizer runs after each input that grew the heap); UBSan stops at once.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=$max_len \
  -dict="$here/$dict" -print_final_stats=1 -artifact_prefix="$work/artifacts/$target/" \
  "$corpus" "$work/seeds/$target" >"$log" 2>&1
status=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
kept=$(ls "$corpus" | wc -l)
printf 'fuzz %-14s %3ss  %10s executions  %-22s corpus %s\n' "$target" "$seconds" "${execs:-?}" \
  "${cov:-cov: ? ft: ?}" "$kept" | tee -a "$work/summary.txt"
if [[ $status -ne 0 ]]; then
  echo "fuzz $target: FAILED (exit $status); the end of $log:" >&2
  tail -40 "$log" >&2
  ls "$work/artifacts/$target" >&2
fi
exit $status
