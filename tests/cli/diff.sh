#!/usr/bin/env bash
# `leadrules diff` (issue 10): its JSON counts against the same counts computed by
# tests/cli/diff_check.py from two `leadrules run` outputs; exit codes with and without
# --fail-on-change; added and removed names; the text report; bad data; the HTML report.
#
#   diff.sh LEADRULES
set -u
[[ $# -eq 1 ]] || { echo "usage: $0 LEADRULES" >&2; exit 2; }
leadrules=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
data=$root/tests/cli/data
old=$root/examples/pardot/policy.lr
new=$data/diff_pardot_v2.lr
input=$root/examples/pardot/prospects.jsonl
now=(--now 2026-11-22T00:00:00Z)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2

source "$root/tests/cli/testlib.sh"
names() {  # the rules, or the segments and zones, of a policy, comma-separated
  if [[ $2 == rules ]]; then
    sed -n 's/^rule "\([^"]*\)".*/\1/p' "$1" | paste -sd,
  else
    sed -n 's/^\(segment\|zone\) \([A-Za-z_][A-Za-z0-9_]*\).*/\2/p' "$1" | paste -sd,
  fi
}
# diff's JSON against diff_check.py over two run outputs, for policies OLD NEW on INPUT [OPTIONS].
check_counts() {
  lr run "$1" --input "$3" "${@:4}" "${now[@]}" --output old.jsonl; expect_rc 0
  lr run "$2" --input "$3" "${@:4}" "${now[@]}" --output new.jsonl; expect_rc 0
  lr diff "$1" "$2" --input "$3" "${@:4}" "${now[@]}" --format json; expect_rc 0
  cp out.txt diff.json
  python3 "$root/tests/cli/diff_check.py" old.jsonl new.jsonl diff.json "$(names "$1" rules)" \
    "$(names "$2" rules)" "$(names "$1" segments)" "$(names "$2" segments)" >check.txt 2>&1 ||
    fail "counts differ: $(cat check.txt)"
}

case_name=counts_pardot_v2
check_counts "$old" "$new" "$input"
python3 - diff.json <<'PY' || fail "JSON shape"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("prospects", "changed", "segments", "rules", "grades", "examples", "added", "removed"):
    assert k in d, k
assert d["prospects"] == 14 and d["changed"] > 0
assert d["added"]["rules"] == ["Pricing page"] and d["removed"]["segments"] == ["mql"], (d["added"], d["removed"])
assert d["segments"]["hot"]["zone"] is True
assert all(set(e) >= {"id", "kind", "old", "new", "why"} for e in d["examples"]) and d["examples"]
assert all(isinstance(l, str) and l[:2] in ("- ", "+ ", "  ") for e in d["examples"] for l in e["why"])
PY
cp diff.json forward.json

case_name=counts_reversed  # NEW → OLD: every entry is a leave, every gain a loss
check_counts "$new" "$old" "$input"

case_name=counts_csv  # CSV input with an activities file; a points value and a threshold changed
csv=$root/examples/nurture
sed 's/^points +10 per webinar within 30d/points +25 per webinar within 30d/; s/^segment engaged when score >= 30/segment engaged when score >= 20/' \
  "$csv/policy.lr" >nurture_v2.lr
cmp -s nurture_v2.lr "$csv/policy.lr" && fail "the sed changed nothing in examples/nurture/policy.lr"
check_counts "$csv/policy.lr" nurture_v2.lr "$csv/prospects.csv" --activities "$csv/activities.csv"

case_name=counts_blocks  # two score blocks, firing histories in the input (marketo)
mk=$root/examples/marketo
sed 's/^  points +25 per form  /  points +35 per form  /; s/^score demographic cap 70 /score demographic cap 60 /' \
  "$mk/policy.lr" >marketo_v2.lr
cmp -s marketo_v2.lr "$mk/policy.lr" && fail "the sed changed nothing in examples/marketo/policy.lr"
check_counts "$mk/policy.lr" marketo_v2.lr "$mk/prospects.jsonl"
grep -q '"blocks":{"behavior":{"changed":[1-9]' diff.json || fail "no behavior block change: $(cat diff.json)"

case_name=engines  # the interpreter gives the same comparison
lr diff "$old" "$new" --input "$input" "${now[@]}" --format json --engine interp --threads 1; expect_rc 0
cmp -s out.txt forward.json || fail "--engine interp differs from the JIT"

case_name=schema_default  # a default changed: each version reads the input with its own schema
sed 's/^  status: string = "Prospect"/  status: string = "New"/' "$old" >default_v2.lr
cmp -s default_v2.lr "$old" && fail "the sed changed nothing in examples/pardot/policy.lr"
check_counts "$old" default_v2.lr "$input"
grep -q '"MQL":{"gained":0,"lost":1}' diff.json || fail "MQL (status now New) should lose p-005: $(cat diff.json)"

case_name=identical
lr diff "$old" "$old" --input "$input" "${now[@]}" --fail-on-change; expect_rc 0
expect_out "0 of 14 prospects change, 14 unchanged"

case_name=fail_on_change
lr diff "$old" "$new" --input "$input" "${now[@]}" --fail-on-change; expect_rc 1
lr diff "$old" "$new" --input "$input" "${now[@]}"; expect_rc 0

case_name=text
lr diff "$old" "$new" --input "$input" "${now[@]}"; expect_rc 0
expect_out 'added:   rule "Pricing page"'
expect_out "removed: segment mql"
expect_out "segment mql (removed)"
expect_out '"Pricing page" (added)'
expect_out "grades (old ↓, new →)"
expect_out "score shifts (new − old)"
expect_out "p-005: leaves segment mql"
expect_out "      + grade C-  (start D)"

case_name=stdin  # read once, for both versions
NO_COLOR=1 timeout 60 "$leadrules" diff "$old" "$new" --input - "${now[@]}" --format json <"$input" >stdin.json 2>err.txt
cmp -s stdin.json forward.json || fail "diff over standard input differs from over the file"

case_name=bad_data
cp "$input" bad.jsonl
echo '{"id": "p-x", "email": "x@y.example", "employees": "lots"}' >>bad.jsonl
lr diff "$old" "$new" --input bad.jsonl "${now[@]}"; expect_rc 2
expect_err "bad.jsonl:15"
lr diff "$old" "$new" --input bad.jsonl "${now[@]}" --rejects rejects.jsonl --format json; expect_rc 0
expect_out '"prospects":14'
[[ $(wc -l <rejects.jsonl) -eq 1 ]] || fail "rejects: $(cat rejects.jsonl)"

case_name=policy_error
printf 'policy "x"\nschema prospect { id: string\n' >broken.lr
lr diff "$old" broken.lr --input "$input" "${now[@]}"; expect_rc 1

case_name=html
lr diff "$old" "$new" --input "$input" "${now[@]}" --html report.html; expect_rc 0
[[ -s report.html ]] || fail "no report.html"
for what in "<svg" "Scores: old against new" "Grades: old (rows) to new (columns)" \
  "Prospects entering and leaving" "Prospects each rule gains and loses" "p-005"; do
  grep -qF "$what" report.html || fail "report.html lacks: $what"
done
python3 "$root/tests/cli/html_render.py" report.html --min-charts 5 >render.txt 2>&1
render=$?
[[ $render -eq 0 || $render -eq 77 ]] || fail "report.html in Chromium: $(cat render.txt)"
lr diff "$old" "$old" --input "$input" "${now[@]}" --html same.html; expect_rc 0
grep -qF "No prospect enters or leaves a segment or zone." same.html || fail "same.html: no word for no change"
python3 "$root/tests/cli/html_render.py" same.html --min-charts 3 >render.txt 2>&1
render=$?
[[ $render -eq 0 || $render -eq 77 ]] || fail "same.html in Chromium: $(cat render.txt)"
! grep -qiE "<script|https?://[^\"]*\.(js|css|woff)" report.html || fail "report.html fetches something"

finish diff
