#!/usr/bin/env bash
# `leadrules report` (issue 10): counts per value of a field, the grade or a segment, with --where;
# the JSON counts are recomputed independently from `leadrules run`'s output; the HTML report is
# rendered in headless Chromium (tests/cli/html_render.py).
#
#   report.sh LEADRULES
set -u
[[ $# -eq 1 ]] || { echo "usage: $0 LEADRULES" >&2; exit 2; }
leadrules=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
pardot=("$root/examples/pardot/policy.lr" --input "$root/examples/pardot/prospects.jsonl" --now 2026-11-22T00:00:00Z)

source "$root/tests/cli/testlib.sh"

case_name=setup
"$leadrules" run "${pardot[@]}" --output run.jsonl 2>/dev/null || fail "run failed"

# check_json BY [WHERE_PYTHON]: report --format json against counts from run.jsonl (+ the input).
check_json() {
  python3 - report.json run.jsonl "$root/examples/pardot/prospects.jsonl" "$1" "${2:-True}" <<'PY' || fail "JSON counts differ from run's output"
import collections, json, sys
report = json.load(open(sys.argv[1]))
results = [json.loads(l) for l in open(sys.argv[2])]
inputs = {json.loads(l)["id"]: json.loads(l) for l in open(sys.argv[3])}
by, where = sys.argv[4], sys.argv[5]
expected = collections.defaultdict(lambda: {"count": 0, "grades": collections.Counter(),
                                            "segments": collections.Counter(), "rules": collections.Counter()})
matched = 0
for r in results:
    if not eval(where, {"r": r}):
        continue
    matched += 1
    if by == "grade": key = r["grade"]
    elif by == "hot": key = "true" if "hot" in r["segments"] else "false"
    else: key = str(inputs[r["id"]].get(by) or "(missing)")
    g = expected[key]
    g["count"] += 1
    g["grades"][r["grade"]] += 1
    g["segments"].update(r["segments"])
    g["rules"].update({a["rule"] for a in r["actions"]} | set(r.get("fired", [])))
assert report["prospects"] == len(results), (report["prospects"], len(results))
assert report["matched"] == matched, (report["matched"], matched)
got = {g["value"]: g for g in report["groups"]}
assert set(got) == set(expected), (sorted(got), sorted(expected))
for key, e in expected.items():
    g = got[key]
    assert g["count"] == e["count"], (key, g["count"], e["count"])
    assert g["grades"] == dict(e["grades"]), (key, g["grades"], e["grades"])
    for seg, n in g["segments"].items():
        assert n == e["segments"][seg], (key, seg, n, e["segments"][seg])
print(f"report by {by}: {len(got)} groups, {matched} prospects agree with run")
PY
}

case_name=by_grade_json
lr report "${pardot[@]}" --by grade --format json
expect_rc 0
echo "$out" >report.json
check_json grade

case_name=by_segment_json
lr report "${pardot[@]}" --by hot --format json
expect_rc 0
echo "$out" >report.json
check_json hot

case_name=by_field_json
lr report "${pardot[@]}" --by country --format json
expect_rc 0
echo "$out" >report.json
check_json country

case_name=where_json
lr report "${pardot[@]}" --by grade --where "score >= 40 and grade >= C" --format json
expect_rc 0
echo "$out" >report.json
check_json grade 'r["score"] >= 40 and r["grade"] in ("C","C+","B-","B","B+","A-","A","A+")'

case_name=text
lr report "${pardot[@]}" --by grade --where "score - past(score, 1d) >= 10"
expect_rc 0
expect_out "2 of 14 prospects where score - past(score, 1d) >= 10, by grade: 2 groups"
expect_out "B+  1 (50.0%)"
expect_out '  rules     "Hot list" 1 · "Hot and active today" 1 · "MQL" 1'

case_name=where_error
lr report "${pardot[@]}" --by grade --where "scroe >= 10"
expect_rc 1
expect_err "--where:1:1: error: unknown name \`scroe\`"
expect_err "did you mean \`score\`?"
lr report "${pardot[@]}" --by grade --where "score >="
expect_rc 1
expect_err "the end of the condition"

case_name=by_unknown
lr report "${pardot[@]}" --by grdae
expect_rc 2
expect_err "--by grdae: not a field, \`grade\` or a segment of the policy; did you mean \`grade\`?"

case_name=bad_data
lr report "$root/tests/cli/data/policy.lr" --input "$root/tests/cli/data/wrong_type.jsonl" --by email \
  --now 2026-11-22T00:00:00Z
expect_rc 2
expect_err "wrong_type.jsonl:"

case_name=html
lr report "${pardot[@]}" --by country --html report.html
expect_rc 0
[[ -s report.html ]] || fail "no HTML report"
python3 "$root/tests/cli/html_render.py" report.html --min-charts 3
case $? in
  0) ;;
  77) echo "html: skipped (no Chromium)" ;;
  *) fail "the HTML report does not render" ;;
esac

finish report
