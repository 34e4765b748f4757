#!/usr/bin/env bash
# What `leadrules run` says and writes for people and spreadsheets (issue 13): the outcome summary,
# --state --dry-run, CSV with --keep and action columns, one-line usage errors with a
# did-you-mean, --version.
#
#   run_output.sh LEADRULES
set -u
[[ $# -eq 1 ]] || { echo "usage: $0 LEADRULES" >&2; exit 2; }
leadrules=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
data=$root/tests/cli/data
now=(--now 2026-11-22T00:00:00Z)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2

source "$root/tests/cli/testlib.sh"
# A usage error is one line, names no CLI11 exception, and never dumps the help.
expect_one_line_usage() {
  expect_rc 2
  [[ $(wc -l <err.txt) -eq 1 ]] || fail "usage error is not one line: $err"
  [[ "$err" != *Error:* && "$err" != *Options:* ]] || fail "library exception name or help shown: $err"
}

case_name=summary
lr run "$root/examples/pardot/policy.lr" --input "$root/examples/pardot/prospects.jsonl" "${now[@]}"
expect_rc 0
expect_err "  segments hot 5 · mql 1"
expect_err '  rules    "Hot list" 4 · "Hot and active today" 2 · "MQL" 1 · "Opted out" 1'

case_name=summary_thousands
python3 - "$work/many.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(1234):
        f.write(json.dumps({"id": f"m{i}", "email": f"m{i}@x.example", "activities": []}) + "\n")
PY
lr run "$data/policy.lr" --input many.jsonl "${now[@]}" --output res.jsonl
expect_rc 0
expect_err "read 1,234 prospects"
expect_err '"Seen" 1,234'

case_name=dry_run
lr run "$data/policy.lr" --input "$data/good.jsonl" "${now[@]}" --state s.db --dry-run --output a.jsonl
expect_rc 0
expect_err "--dry-run: the firing history in s.db is unchanged"
lr run "$data/policy.lr" --input "$data/good.jsonl" "${now[@]}" --state s.db --output b.jsonl
expect_rc 0
grep -q '"Welcome"' b.jsonl || fail "after a dry run, the real run must still fire \"Welcome\" (once)"
lr run "$data/policy.lr" --input "$data/good.jsonl" "${now[@]}" --state s.db --dry-run --output c.jsonl
grep -q '"Welcome"' c.jsonl && fail "a dry run reads the history: \"Welcome\" fired once already"
lr run "$data/policy.lr" --input "$data/good.jsonl" "${now[@]}" --dry-run --output d.jsonl
expect_one_line_usage
expect_err "--dry-run requires --state"

case_name=csv_columns
lr run "$root/examples/pardot/policy.lr" --input "$root/examples/pardot/prospects.jsonl" "${now[@]}" \
  --format csv --keep email,company
expect_rc 0
header=$(head -1 out.txt)
[[ $header == "id,email,company,score,score_score,grade,hot,mql,add_to_list,remove_from_list,tag,untag,notify,task,set_status" ]] ||
  fail "CSV header: $header"
expect_out 'p-005,m.garcia@globex.example,Globex,100,100,B-,true,true,HOT,,hot,,owner: Maria at Globex is hot and was active in the last day (m.garcia@globex.example),Call Maria at Globex (due 48h),MQL'
# Every line has as many cells as the header (python's csv reads the quoting).
python3 - out.txt <<'PY' || fail "ragged CSV"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert all(len(r) == len(rows[0]) for r in rows), [len(r) for r in rows]
PY

case_name=keep_unknown_field
lr run "$root/examples/pardot/policy.lr" --input "$root/examples/pardot/prospects.jsonl" "${now[@]}" \
  --format csv --keep emial --output never.csv
expect_rc 2
expect_err "the schema has no field \`emial\`; did you mean \`email\`?"
[[ ! -e never.csv ]] || fail "an output file was written"

case_name=keep_needs_csv
lr run "$data/policy.lr" --input "$data/good.jsonl" "${now[@]}" --keep email
expect_rc 2
expect_err "add --format csv"

case_name=unknown_command
lr tset "$data/policy.lr"
expect_one_line_usage
expect_err "unknown command \`tset\` (did you mean \`test\`?)"

case_name=unknown_option
lr run "$data/policy.lr" --input "$data/good.jsonl" --activity acts.csv
expect_one_line_usage
expect_err "leadrules run: unknown option \`--activity\`; did you mean \`--activities\`?"

case_name=unknown_option_before_missing_file
lr explain --idd p1 missing.lr --input "$data/good.jsonl"
expect_one_line_usage
expect_err "unknown option \`--idd\`; did you mean \`--id\`?"

case_name=required_option
lr run "$data/policy.lr"
expect_one_line_usage
expect_err "leadrules run: --input is required"

case_name=missing_file
lr check nothing-here.lr
expect_one_line_usage
expect_err "leadrules check: no such file: nothing-here.lr"

case_name=option_value_like_option
lr explain "$data/policy.lr" --input "$data/good.jsonl" "${now[@]}" --id -p1
expect_rc 2
expect_err 'no prospect with id "-p1"'

case_name=version
lr --version
expect_rc 0
[[ "$out" =~ ^leadrules\ [0-9]+\.[0-9]+\.[0-9]+\ \(LLVM\ 19\.[0-9.]+,\ [A-Za-z]+ ]] || fail "--version: $out"

finish run_output
