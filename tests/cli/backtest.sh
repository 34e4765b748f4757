#!/usr/bin/env bash
# `leadrules backtest` (issue 10) on a dataset small enough to work out by hand
# (tests/cli/data/backtest_small.csv with backtest_policy.lr), checked to the digit in JSON, the
# text's key lines, the HTML report, and the errors: an unknown label, a label of the wrong type,
# a label that is neither 0 nor 1.
#
#   backtest.sh LEADRULES
#
# The hand computation. Scores a 40, b 20, c 10; grade B with vip, else C. p11 has no label and
# is left out of every figure. Labelled, highest score first:
#   p1 70 B yes · p2 60 C yes · p3 50 B no · p4 40 C yes · p5 30 B no · p6 30 C yes
#   p7 20 C no · p8 10 C no · p9 0 C no · p10 0 C no
# base rate 4/10 = 0.4
# hot (score >= 40): p1 p2 p3 p4: 4, 3 converted: precision 0.75, recall 3/4, lift 0.75/0.4 = 1.875
# top (zone: B with 30+, C with 60+): p1 p3 p5 p2: 4, 2 converted: 0.5, 0.5, lift 1.25
# nobody: 0 prospects: precision and lift null, recall 0
# grades: B p1 p3 p5: 3, 1 converted (1/3); C: 7, 3 converted (3/7)
# deciles (decile = 1 + prospects scoring higher, as n = 10): 70 | 60 | 50 | 40 | 30 30 (decile
#   5, 1 of 2) | decile 6 empty | 20 is decile 7 | 10 is 8 | 0 0 are 9 | 10 empty
# AUC: each converted prospect against the 6 that did not: p1 6, p2 6, p4 5 (p3 scores more),
#   p6 4 + 1/2 (a tie with p5) = 21.5 of 24 = 0.8958333333333334
set -u
[[ $# -eq 1 ]] || { echo "usage: $0 LEADRULES" >&2; exit 2; }
leadrules=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
data=$root/tests/cli/data
policy=$data/backtest_policy.lr
small=$data/backtest_small.csv
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2

source "$root/tests/cli/testlib.sh"

expected_json='{"policy":"POLICY","input":"INPUT","label":"converted","column":"Converted","prospects":11,"labelled":10,"unlabelled":1,"converted":4,"base_rate":0.4,"auc":0.8958333333333334,"segments":{"hot":{"size":4,"converted":3,"precision":0.75,"recall":0.75,"lift":1.875},"top":{"size":4,"converted":2,"precision":0.5,"recall":0.5,"lift":1.25},"nobody":{"size":0,"converted":0,"precision":null,"recall":0,"lift":null}},"zones":["top"],"grades":{"B":{"size":3,"converted":1,"rate":0.3333333333333333},"C":{"size":7,"converted":3,"rate":0.42857142857142855}},"deciles":[{"decile":1,"from":70,"to":70,"count":1,"converted":1,"rate":1},{"decile":2,"from":60,"to":60,"count":1,"converted":1,"rate":1},{"decile":3,"from":50,"to":50,"count":1,"converted":0,"rate":0},{"decile":4,"from":40,"to":40,"count":1,"converted":1,"rate":1},{"decile":5,"from":30,"to":30,"count":2,"converted":1,"rate":0.5},{"decile":7,"from":20,"to":20,"count":1,"converted":0,"rate":0},{"decile":8,"from":10,"to":10,"count":1,"converted":0,"rate":0},{"decile":9,"from":0,"to":0,"count":2,"converted":0,"rate":0}]}'
expected_json=${expected_json/POLICY/$policy}
expected_json=${expected_json/INPUT/$small}

for engine in jit interp; do
  case_name=json.$engine
  lr backtest "$policy" --input "$small" --label converted --format json --engine "$engine" --threads 2
  expect_rc 0
  [[ "$out" == "$expected_json" ]] || fail "JSON differs:
  got      $out
  expected $expected_json"
  expect_err "scored 11, rejected 0"
done

# The label by its input column, and as a number 0/1: the same figures.
case_name=json.column_number
lr backtest "$policy" --input "$small" --label Conv01 --format json
expect_rc 0
[[ "$out" == "${expected_json/'"label":"converted","column":"Converted"'/'"label":"conv01","column":"Conv01"'}" ]] ||
  fail "the 0/1 column gives other figures: $out"

case_name=text
lr backtest "$policy" --input "$small" --label converted --html report.html
expect_rc 0
expect_out 'backtest of "Backtest by hand"'
expect_out 'label `converted` (column "Converted"): 10 prospects labelled, 4 converted, base rate 40.0%'
expect_out '1 prospect without a label was left out'
expect_out 'AUC 0.896: a converted prospect outscores one that did not 89.6% of the time (ties count half)'
expect_out 'segment          size  converted  precision   recall   lift'
expect_out 'hot                 4          3      75.0%    75.0%   1.88'
expect_out 'top (zone)          4          2      50.0%    50.0%   1.25'
expect_out 'nobody              0          0          -     0.0%      -'
expect_out 'B                3          1    33.3%  |#############'
expect_out 'C                7          3    42.9%  |#################'
expect_out '     5      30          2          1    50.0%  |####################'
expect_out '     9       0          2          0     0.0%  |'
expect_err "wrote the report to report.html"
[[ -s report.html ]] || fail "no report.html"
html=$(cat report.html 2>/dev/null)
for chart in 'Lift per segment and zone' 'Cumulative gains' 'Conversion rate per score decile' 'ROC curve (AUC 0.896)' \
  'Conversion rate per grade'; do
  [[ "$html" == *"data-chart=\"$chart"* ]] || fail "report.html lacks the chart $chart"
done
[[ "$html" != *"<script"* && "$html" != *"http://"?*"/"*".css"* ]] || fail "report.html is not self-contained"

case_name=unknown_label
lr backtest "$policy" --input "$small" --label Convertd
expect_rc 2
expect_err 'leadrules backtest: --label Convertd:'
expect_err 'did you mean `converted`?'
lr backtest "$policy" --input "$small" --label Outcome
expect_rc 2
expect_err 'declare it, e.g. `outcome: bool? from "Outcome"`'
[[ -z "$out" ]] || fail "wrote figures: $out"

case_name=string_label
lr backtest "$policy" --input "$small" --label kind
expect_rc 2
expect_err '`kind` is a string field; a label is a bool or a number 0/1'

case_name=not_0_1
lr backtest "$policy" --input "$data/backtest_badlabel.csv" --label conv01
expect_rc 2
expect_err 'backtest_badlabel.csv:4: data error in `Conv01`: the label must be 0 or 1 (or missing), found 2'
expect_err 'nothing was written'
[[ -z "$out" ]] || fail "wrote figures: $out"

case_name=bad_data
printf 'id,a,b,c,vip,Converted,Conv01,kind\nq1,yes,no,no,no,1,1,x\nq2,maybe,no,no,no,0,0,x\nq3,no,no,no,no,0,0,x\n' >bad.csv
lr backtest "$policy" --input bad.csv --label converted
expect_rc 2
expect_err 'bad.csv:3: data error in `a`'
lr backtest "$policy" --input bad.csv --label converted --rejects rejects.jsonl --format json
expect_rc 0
expect_out '"prospects":2,"labelled":2,'
expect_err 'rejected 1 record: see rejects.jsonl'
[[ $(wc -l <rejects.jsonl) -eq 1 ]] || fail "rejects.jsonl: $(cat rejects.jsonl)"

case_name=no_label_at_all
printf 'id,a,b,c,vip,Converted,Conv01,kind\nq1,yes,no,no,no,,,x\n' >unlabelled.csv
lr backtest "$policy" --input unlabelled.csv --label converted
expect_rc 2
expect_err 'no prospect has a label'

# Rendered in headless Chromium when there is one: the page loads with no console message and
# draws its five charts.
if command -v chromium >/dev/null; then
  case_name=chromium
  dom=$(timeout 120 chromium --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 \
    --dump-dom "file://$work/report.html" 2>chromium.err)
  charts=$(grep -o '<svg class="chart"' <<<"$dom" | wc -l)
  [[ $charts -eq 5 ]] || fail "Chromium drew $charts charts, expected 5: $(tail -3 chromium.err)"
  ! grep -q ':CONSOLE' chromium.err || fail "console messages: $(grep ':CONSOLE' chromium.err)"
fi

finish backtest
