#!/usr/bin/env bash
# Seed corpora for the fuzz targets, from the policies and data already in the tree (and, when
# given, cases of the differential test's generator), one directory per target:
#
#   make_seeds.sh SOURCE_DIR OUT_DIR [LEADRULES_DIFFTEST]
#
# OUT_DIR/<target>/ is rewritten each time; tests/fuzz/seeds/<target>/ (hand-made seeds) are
# added as they are. JSON Lines files are cut into one seed per record: the fuzzers mutate
# records, and a whole example file would pass their -max_len.
set -euo pipefail
src=$1 out=$2 difftest=${3:-}
fuzz=$src/tests/fuzz
targets=(policy_check policy_format jsonl csv template capi repl)
for t in "${targets[@]}"; do
  rm -rf "$out/$t"
  mkdir -p "$out/$t"
  if [[ -d $fuzz/seeds/$t ]]; then cp "$fuzz/seeds/$t"/* "$out/$t/"; fi
done

# Policies: the examples, the broken policies of the error tests, the CLI tests' policies.
n=0
for f in "$src"/examples/*/policy.lr "$src"/tests/policies/errors/*.lr "$src"/tests/cli/data/*.lr \
         "$fuzz/fixed_policy.lr"; do
  n=$((n + 1))
  for t in policy_check policy_format; do cp "$f" "$out/$t/tree-$n.lr"; done
done

# Template bodies: every string with a `{` in the examples' policies.
n=0
while IFS= read -r body; do
  n=$((n + 1))
  printf '%s' "$body" >"$out/template/tree-$n"
done < <(cat "$src"/examples/*/policy.lr | grep -o '"[^"]*{[^"]*"' | sed 's/^"//; s/"$//' | sort -u)

# JSON Lines: each record of the examples and the CLI tests' data, for the reader and the C API.
n=0
for f in "$src"/examples/*/prospects.jsonl "$src"/examples/embed/events.jsonl "$src"/tests/cli/data/*.jsonl; do
  while IFS= read -r line || [[ -n $line ]]; do
    [[ -z $line ]] && continue
    n=$((n + 1))
    printf '%s\n' "$line" >"$out/jsonl/tree-$n.jsonl"
    printf '%s' "$line" >"$out/capi/tree-$n.json"
  done <"$f"
done

# CSV: prospects, 0x1E, activities (csv.cpp splits there).
n=0
csv_pair() {
  n=$((n + 1))
  { cat "$1"; if [[ -n ${2:-} ]]; then printf '\x1e'; cat "$2"; fi; } >"$out/csv/tree-$n.csv"
}
csv_pair "$src/examples/nurture/prospects.csv" "$src/examples/nurture/activities.csv"
for f in "$src"/tests/cli/data/*.csv; do
  case $(basename "$f") in
    activities_*) csv_pair "$src/tests/cli/data/good.csv" "$f" ;;
    *) csv_pair "$f" ;;
  esac
done

# REPL: the scripted sessions of tests/cli/repl/ (they run on examples/pardot, as repl.cpp
# does), without the runner's own lines (`!command`, `#setup`, ...).
for f in "$src"/tests/cli/repl/*.script; do
  grep -v '^[!#]' "$f" >"$out/repl/$(basename "$f" .script).txt" || true
done

# Generated cases (tests/differential): each case's policy, and its records.
if [[ -n $difftest && -x $difftest ]]; then
  "$difftest" --cases 40 --seed 1 --max-prospects 4 --print 2>&1 | awk -v out="$out" '
    /^==== case seed / { seed = $4; sub(",", "", seed); part = "policy"; next }
    /^---- data/ { part = "data"; rec = 0; next }
    /^[0-9]+ passed/ { part = ""; next }
    part == "policy" {
      print > (out "/policy_check/gen-" seed ".lr"); print > (out "/policy_format/gen-" seed ".lr") }
    part == "data" && /^\{/ {
      rec++; f = out "/jsonl/gen-" seed "-" rec ".jsonl"; print > f; close(f) }'
fi
for t in "${targets[@]}"; do printf '%s %s\n' "$t" "$(ls "$out/$t" | wc -l)"; done
