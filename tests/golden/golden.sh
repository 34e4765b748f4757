#!/usr/bin/env bash
# Golden outputs of the examples: `leadrules run` (JSON Lines, --explain, --format csv) and
# `leadrules explain` for one prospect, at --now 2026-11-22T00:00:00Z, compared byte for byte.
#
#   golden.sh LEADRULES CASE ENGINE          regenerate into a temp dir and diff with tests/golden/
#   golden.sh --bless LEADRULES CASE         rewrite the golden files (always with --engine interp)
#
# ENGINE is interp, jit or aot: both are diffed against the SAME files (the engines must agree
# byte for byte). CASE is one of the names in `cases` below. The commands run from the
# repository root with relative paths, so the outputs do not depend on where the checkout is.
#
# xeducation reads the X Education export (examples/xeducation/Leads.csv, or the maintainers'
# copy ../shared/data/xeducation-leads.csv), whose licence is not stated: its
# outputs (which carry the export's lead ids) are not copied here. Its golden is the sha256 of
# each output plus summary.txt, a few aggregate counts that help to see what changed.
# Without that file the case is skipped (exit 77, which ctest reports as skipped).
set -u
set -o pipefail

bless=0
if [[ "${1:-}" == "--bless" ]]; then
  bless=1
  shift
fi
if [[ $# -lt 2 ]]; then
  echo "usage: $0 [--bless] LEADRULES CASE [ENGINE]" >&2
  exit 2
fi
leadrules=$(realpath "$1")
case_name=$2
engine=${3:-interp}
[[ $bless == 1 ]] && engine=interp

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 2
now=2026-11-22T00:00:00Z

# case -> policy, input options, golden folder, prospect for `explain` (empty: none)
golden=$case_name
explain_id=
case $case_name in
  pardot)     policy=examples/pardot/policy.lr;  input=(--input examples/pardot/prospects.jsonl);  explain_id=p-005 ;;
  marketo)    policy=examples/marketo/policy.lr; input=(--input examples/marketo/prospects.jsonl); explain_id=L-1001 ;;
  agency)     policy=examples/agency/policy.lr;  input=(--input examples/agency/prospects.jsonl);  explain_id=c-01 ;;
  nurture)    policy=examples/nurture/policy.lr; input=(--input examples/nurture/prospects.jsonl); explain_id=n-01 ;;
  # The same prospects as a CSV pair: the results must equal the JSON Lines run's.
  nurture-csv)
    policy=examples/nurture/policy.lr
    input=(--input examples/nurture/prospects.csv --activities examples/nurture/activities.csv)
    golden=nurture ;;
  xeducation)
    # The export is not in the repository (examples/xeducation/README.md says where to get it):
    # the user's copy, else the maintainers' copy beside the checkout.
    policy=examples/xeducation/policy.lr
    csv=examples/xeducation/Leads.csv
    [[ -f $csv ]] || csv=../shared/data/xeducation-leads.csv
    input=(--input "$csv")
    if [[ ! -f $csv ]]; then
      echo "skipped: the X Education export is not there; download Leads.csv to examples/xeducation/Leads.csv (see examples/xeducation/README.md)"
      exit 77
    fi ;;
  *) echo "unknown case $case_name" >&2; exit 2 ;;
esac
if [[ $bless == 1 && $case_name == nurture-csv ]]; then
  echo "nurture-csv shares the goldens of nurture: bless nurture" >&2
  exit 2
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0

# run NAME ARGS...: stdout to $out/NAME; a non-zero exit fails the case.
run() {
  local name=$1
  shift
  if ! "$leadrules" "$@" >"$out/$name" 2>"$out/$name.stderr"; then
    echo "FAIL $case_name/$name ($engine): leadrules $* exited non-zero:" >&2
    cat "$out/$name.stderr" >&2
    status=1
  fi
  # A native engine that fell back to the interpreter would prove nothing about itself.
  if grep -q "it runs on the interpreter" "$out/$name.stderr"; then
    echo "FAIL $case_name/$name ($engine): the $engine engine was not used:" >&2
    cat "$out/$name.stderr" >&2
    status=1
  fi
}
common=("$policy" "${input[@]}" --now "$now" --engine "$engine")
run run.jsonl run "${common[@]}"
run explain.jsonl run "${common[@]}" --explain
run run.csv run "${common[@]}" --format csv
[[ -n $explain_id ]] && run "explain-$explain_id.txt" explain "${common[@]}" --id "$explain_id"
# Thread count must not change anything.
run run-1thread.jsonl run "${common[@]}" --threads 1
if ! cmp -s "$out/run.jsonl" "$out/run-1thread.jsonl"; then
  echo "FAIL $case_name ($engine): --threads 1 gives other results than the default" >&2
  diff "$out/run.jsonl" "$out/run-1thread.jsonl" | head -20 >&2
  status=1
fi
rm -f "$out/run-1thread.jsonl" "$out"/*.stderr

files=(run.jsonl explain.jsonl run.csv)
[[ -n $explain_id ]] && files+=("explain-$explain_id.txt")

summary() {   # aggregate counts of a JSON Lines result (no ids): grades, segments, rules, scores
  python3 - "$1" <<'EOF'
import collections, json, sys
grades, segs, rules, scores = collections.Counter(), collections.Counter(), collections.Counter(), []
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    n += 1
    grades[r["grade"]] += 1
    segs.update(r["segments"])
    rules.update({a["rule"] for a in r["actions"]})
    scores.append(r["score"])
print(f"prospects {n}")
if scores: print(f"score total {sum(scores):.6f} min {min(scores)} max {max(scores)}")
for k in sorted(grades): print(f"grade {k} {grades[k]}")
for k in sorted(segs): print(f"segment {k} {segs[k]}")
for k in sorted(rules): print(f"rule {k} {rules[k]}")
EOF
}

dir=$here/$golden
if [[ $bless == 1 && $status != 0 ]]; then
  echo "not blessing $case_name: a command failed" >&2
  exit 1
fi
if [[ $case_name == xeducation ]]; then
  (cd "$out" && sha256sum "${files[@]}") >"$out/sha256"
  summary "$out/run.jsonl" >"$out/summary.txt" || status=1
  if [[ $bless == 1 ]]; then
    mkdir -p "$dir"
    cp "$out/sha256" "$out/summary.txt" "$dir/"
    echo "blessed $dir"
    exit $status
  fi
  if ! diff -u --label "expected summary" --label "actual summary ($engine)" "$dir/summary.txt" "$out/summary.txt" >&2; then
    echo "FAIL $case_name ($engine): the aggregate summary differs" >&2
    status=1
  fi
  if ! diff -u --label "expected sha256" --label "actual sha256 ($engine)" "$dir/sha256" "$out/sha256" >&2; then
    echo "FAIL $case_name ($engine): outputs differ from the goldens (see the sha256 lines)" >&2
    status=1
  fi
  exit $status
fi

if [[ $bless == 1 ]]; then
  mkdir -p "$dir"
  for f in "${files[@]}"; do cp "$out/$f" "$dir/$f"; done
  echo "blessed $dir"
  exit $status
fi
for f in "${files[@]}"; do
  if [[ ! -f $dir/$f ]]; then
    echo "FAIL $case_name ($engine): no golden $dir/$f" >&2
    status=1
  elif ! diff -u --label "golden/$golden/$f" --label "actual ($engine)" "$dir/$f" "$out/$f" >&2; then
    echo "FAIL $case_name ($engine): $f differs from golden/$golden/$f" >&2
    status=1
  fi
done
exit $status
