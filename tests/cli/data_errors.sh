#!/usr/bin/env bash
# Data errors, rejects, firing state, `leadrules test` and usage errors, through the CLI, on the
# small hand-written inputs in tests/cli/data/.
#
#   data_errors.sh LEADRULES [GROUP...]
#       GROUP: strict rejects state test usage columns ids listing kinds (default: all)
#
# Every run passes --now, so the results do not depend on the clock. Each run works in a fresh
# temporary directory, so "no output file, no temp file" can be checked by listing it.
set -u

if [[ $# -lt 1 ]]; then
  echo "usage: $0 LEADRULES [strict|rejects|state|test|usage|columns|ids|listing|kinds]..." >&2
  exit 2
fi
leadrules=$(realpath "$1")
shift
groups=("$@")
[[ ${#groups[@]} -eq 0 ]] && groups=(strict rejects state test usage columns ids listing kinds)

data=$(cd "$(dirname "$0")/data" && pwd)
policy=$data/policy.lr
now=(--now 2026-11-22T00:00:00Z)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failures=0
checks=0
fail() {
  echo "FAIL [$case_name] $*" >&2
  failures=$((failures + 1))
}
pass() { checks=$((checks + 1)); }

# lr ARGS...: runs leadrules in $work/$case_name (created empty); sets rc, out, err.
lr() {
  local dir=$work/$case_name
  mkdir -p "$dir"
  (cd "$dir" && NO_COLOR=1 timeout 60 "$leadrules" "$@" >"$dir.stdout" 2>"$dir.stderr")
  rc=$?
  out=$(cat "$dir.stdout")
  err=$(cat "$dir.stderr")
}
expect_rc() {
  if [[ $rc -ne $1 ]]; then
    fail "exit code $rc, expected $1; stderr:"
    echo "$err" | sed 's/^/    /' >&2
  else
    pass
  fi
}
expect_err_contains() {
  if [[ "$err" != *"$1"* ]]; then
    fail "stderr lacks: $1"
    echo "  stderr was:" >&2
    echo "$err" | sed 's/^/    /' >&2
  else
    pass
  fi
}
expect_out_contains() {
  if [[ "$out" != *"$1"* ]]; then
    fail "stdout lacks: $1"
    echo "  stdout was:" >&2
    echo "$out" | sed 's/^/    /' >&2
  else
    pass
  fi
}
# The working directory must hold exactly the given files (no output, no temp file).
expect_files() {
  local dir=$work/$case_name
  local have want
  have=$(cd "$dir" && ls -A | sort | tr '\n' ' ')
  want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | tr '\n' ' ')
  if [[ "$have" != "$want" ]]; then
    fail "files in the working directory: [${have% }], expected [${want% }]"
  else
    pass
  fi
}
# Parses "read N prospects ...; scored S, rejected R" from stderr into read_n scored_n rejected_n.
parse_summary() {
  local line
  line=$(grep -E '^leadrules: read [0-9]+ prospects? .*; scored [0-9]+, rejected [0-9]+' <<<"$err")
  if [[ -z $line ]]; then
    fail "no summary line \"read N prospects …; scored S, rejected R\" on stderr"
    read_n=-1 scored_n=-2 rejected_n=-3
    return
  fi
  read_n=$(sed -E 's/^leadrules: read ([0-9]+) prospects?.*/\1/' <<<"$line")
  scored_n=$(sed -E 's/.*; scored ([0-9]+), rejected ([0-9]+).*/\1/' <<<"$line")
  rejected_n=$(sed -E 's/.*; scored ([0-9]+), rejected ([0-9]+).*/\2/' <<<"$line")
  pass
}

# check_reject REJECTS FILE LINE FIELD REASON: the rejects file is JSON Lines, one object
# {"file","line","field","reason","record"} per rejected record, and has one for FILE:LINE with
# that field ("-": null), a reason starting with REASON, and the record as in the input: a JSON
# line that is an object as that object, a CSV row as an object keyed by the header, a broken
# line as its text.
check_reject() {
  local msg
  if msg=$(python3 - "$@" 2>&1 <<'PY'
import csv, io, json, sys
rej, file, line, field, reason = sys.argv[1:6]
line = int(line)
objs = []
for n, text in enumerate(open(rej, encoding="utf-8"), 1):
    o = json.loads(text)
    if sorted(o) != ["field", "file", "line", "reason", "record"]:
        sys.exit(f"line {n} has the keys {sorted(o)}")
    objs.append(o)
match = [o for o in objs if o["file"] == file and o["line"] == line]
if not match:
    sys.exit(f"no object for {file}:{line}; it has " + ", ".join(f'{o["file"]}:{o["line"]}' for o in objs))
o = match[0]
want_field = None if field == "-" else field
if o["field"] != want_field:
    sys.exit(f"field {o['field']!r}, expected {want_field!r}")
if not o["reason"].startswith(reason):
    sys.exit(f"reason {o['reason']!r} does not start with {reason!r}")
raw = open(file, encoding="utf-8", newline="").read().split("\n")[line - 1].rstrip("\r")
rec = o["record"]
if file.endswith(".jsonl"):
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    want = parsed if isinstance(parsed, dict) else raw
else:
    header = [h.strip() for h in next(csv.reader(open(file, encoding="utf-8", newline="")))]
    cells = next(csv.reader([raw]))
    want = dict(zip(header, cells)) if len(cells) == len(header) and raw.count('"') % 2 == 0 else raw
if isinstance(rec, str) and isinstance(want, str):
    rec = rec.rstrip("\r\n")
    if rec.startswith(want + "\n"):  # a broken quote runs on to the end of the file
        rec = want
if rec != want:
    sys.exit(f"record {rec!r}, expected {want!r}")
PY
  ); then pass; else fail "rejects file: $msg"; fi
}

# --------------------------------------------------------------------------------------------
# Data error cases: name | prospects file | activities file | where (file:line) | field | reason
# `where` is relative to tests/cli/data; the CLI is given absolute paths and names them so.
# A field "-" means the error names no field (a broken line, a file-level error).
cases=(
  "broken_json|broken_json.jsonl||broken_json.jsonl:2|-|broken JSON"
  "wrong_type|wrong_type.jsonl||wrong_type.jsonl:2|employees|expected a number, found \"many\""
  "wrong_type_csv|wrong_type.csv||wrong_type.csv:3|employees|expected a number, found \"many\""
  "bad_time|bad_time.jsonl||bad_time.jsonl:2|assigned_at|bad time \"2026-13-45\""
  "bad_activity_time|bad_activity_time.jsonl||bad_activity_time.jsonl:2|activities[0].at|bad time \"yesterday\""
  "duplicate_id|duplicate_id.jsonl||duplicate_id.jsonl:3|id|duplicate id \"p1\" (first on line 1)"
  "missing_required|missing_required.jsonl||missing_required.jsonl:2|email|missing required field"
  "csv_unterminated_quote|unterminated_quote.csv||unterminated_quote.csv:3|-|unterminated quoted field"
  "activities_unknown_id|good.csv|activities_unknown_id.csv|activities_unknown_id.csv:3|prospect_id|no prospect with id \"p9\""
  "activities_bad_time|good.csv|activities_bad_time.csv|activities_bad_time.csv:3|at|bad time \"not-a-time\""
)
# Errors that stop the run even with --rejects (nothing to reject line by line):
# name | prospects file | the message after "tests/cli/data/".
file_cases=(
  "unknown_extension|prospects.txt|prospects.txt: data error: cannot tell the format from the file name (.txt)"
  "missing_input_file|nonexistent.jsonl|nonexistent.jsonl: data error: cannot open the file"
  "csv_missing_required_column|missing_column.csv|missing_column.csv:1: data error in \`email\`: no column \"email\" in the header"
)

group_strict() {
  local spec name input acts where field reason args prefix
  for spec in "${cases[@]}"; do
    IFS='|' read -r name input acts where field reason <<<"$spec"
    case_name=strict.$name
    args=(run "$policy" --input "$data/$input" "${now[@]}" --output out.jsonl)
    [[ -n $acts ]] && args+=(--activities "$data/$acts")
    lr "${args[@]}"
    expect_rc 2
    if [[ $field == - ]]; then prefix="$data/$where: data error: "
    else prefix="$data/$where: data error in \`$field\`: "; fi
    expect_err_contains "$prefix$reason"
    expect_err_contains "nothing was written"
    expect_files   # no out.jsonl, no out.jsonl.tmp-*
    [[ -z $out ]] && pass || fail "standard output is not empty"
  done
  for spec in "${file_cases[@]}"; do
    IFS='|' read -r name input reason <<<"$spec"
    case_name=strict.$name
    lr run "$policy" --input "$data/$input" "${now[@]}" --output out.jsonl
    expect_rc 2
    expect_err_contains "$data/$reason"
    expect_files
    # A file-level error stops the run even with --rejects: nothing to reject line by line.
    case_name=strict.$name.with_rejects
    lr run "$policy" --input "$data/$input" "${now[@]}" --output out.jsonl --rejects rej.txt
    expect_rc 2
    expect_err_contains "$data/$reason"
    expect_files
  done
  # Without --output the results would go to standard output: none of them may appear.
  case_name=strict.stdout_untouched
  lr run "$policy" --input "$data/duplicate_id.jsonl" "${now[@]}"
  expect_rc 2
  [[ -z $out ]] && pass || fail "a failed run wrote results to standard output: $out"
}

group_rejects() {
  local spec name input acts where field reason args lines expected_scored
  for spec in "${cases[@]}"; do
    IFS='|' read -r name input acts where field reason <<<"$spec"
    case_name=rejects.$name
    args=(run "$policy" --input "$data/$input" "${now[@]}" --output out.jsonl --rejects rej.txt)
    [[ -n $acts ]] && args+=(--activities "$data/$acts")
    lr "${args[@]}"
    expect_rc 0
    expect_files out.jsonl rej.txt
    local dir=$work/$case_name
    [[ -f $dir/rej.txt ]] || continue
    # The rejects file names file, line, field and reason, and holds the bad record itself.
    check_reject "$dir/rej.txt" "$data/${where%%:*}" "${where##*:}" "$field" "$reason"
    expect_err_contains "leadrules: rejected "
    expect_err_contains ": see rej.txt"
    # Counts: every prospect read is scored or rejected, and the output has the scored ones.
    parse_summary
    if [[ $read_n -eq $((scored_n + rejected_n)) ]]; then pass
    else fail "summary: read $read_n != scored $scored_n + rejected $rejected_n"; fi
    lines=$(wc -l <"$dir/out.jsonl")
    if [[ $lines -eq $scored_n ]]; then pass
    else fail "out.jsonl has $lines results, the summary says scored $scored_n"; fi
    [[ $scored_n -ge 1 ]] && pass || fail "nothing was scored: the good lines must go on"
  done
  # Exact counts on two inputs with known content.
  case_name=rejects.counts_duplicate_id
  lr run "$policy" --input "$data/duplicate_id.jsonl" "${now[@]}" --output out.jsonl --rejects rej.txt
  parse_summary
  [[ "$read_n $scored_n $rejected_n" == "3 2 1" ]] && pass \
    || fail "duplicate_id.jsonl: read/scored/rejected $read_n/$scored_n/$rejected_n, expected 3/2/1"
  # The first p1 is kept, the second is the reject.
  if grep -q '"id":"p1"' "$work/$case_name/out.jsonl" && grep -q '"id":"p2"' "$work/$case_name/out.jsonl"; then pass
  else fail "p1 (first line) and p2 must be scored"; fi
  case_name=rejects.counts_activities_unknown_id
  lr run "$policy" --input "$data/good.csv" --activities "$data/activities_unknown_id.csv" "${now[@]}" \
     --output out.jsonl --rejects rej.txt
  parse_summary
  [[ "$read_n $scored_n $rejected_n" == "3 3 0" ]] && pass \
    || fail "read/scored/rejected $read_n/$scored_n/$rejected_n, expected 3/3/0 (the bad line is an activity)"
  # p2's own activity (line 4, after the bad line) still counts: a visit, 1 point.
  if grep -q '"id":"p2","score":1,' "$work/$case_name/out.jsonl"; then pass
  else fail "p2 lost its activity after the rejected activity line"; fi
  # A clean run with --rejects writes an empty rejects file.
  case_name=rejects.clean_input
  lr run "$policy" --input "$data/good.jsonl" "${now[@]}" --output out.jsonl --rejects rej.txt
  expect_rc 0
  expect_files out.jsonl rej.txt
  [[ -f $work/$case_name/rej.txt && ! -s $work/$case_name/rej.txt ]] && pass \
    || fail "the rejects file of a clean run should exist and be empty"
  parse_summary
  [[ "$read_n $scored_n $rejected_n" == "3 3 0" ]] && pass \
    || fail "read/scored/rejected $read_n/$scored_n/$rejected_n, expected 3/3/0"
}

group_state() {
  local dir sum_before sum_after
  case_name=state.once_rule
  dir=$work/$case_name
  lr run "$policy" --input "$data/good.jsonl" "${now[@]}" --output first.jsonl --state s.db
  expect_rc 0
  if grep -q '"id":"p1".*"rule":"Welcome"' "$dir/first.jsonl"; then pass
  else fail "first run: the once rule \"Welcome\" should fire for p1"; fi
  lr run "$policy" --input "$data/good.jsonl" "${now[@]}" --output second.jsonl --state s.db
  expect_rc 0
  if grep -q '"rule":"Welcome"' "$dir/second.jsonl"; then
    fail "second run with the same --state fired the once rule \"Welcome\" again"
  else pass; fi
  # The `always` rule fires on every run.
  [[ $(grep -c '"rule":"Seen"' "$dir/second.jsonl") -eq 3 ]] && pass \
    || fail "second run: the always rule \"Seen\" should fire for all three prospects"
  # A later run (a week on) still remembers: once means once ever.
  lr run "$policy" --input "$data/good.jsonl" --now 2026-11-29T00:00:00Z --output third.jsonl --state s.db
  expect_rc 0
  if grep -q '"rule":"Welcome"' "$dir/third.jsonl"; then fail "a week later the once rule fired again"
  else pass; fi
  # A failing run (bad data) leaves the state file unchanged, byte for byte.
  sum_before=$(sha256sum <"$dir/s.db")
  lr run "$policy" --input "$data/wrong_type.jsonl" "${now[@]}" --output fourth.jsonl --state s.db
  expect_rc 2
  sum_after=$(sha256sum <"$dir/s.db")
  [[ "$sum_before" == "$sum_after" ]] && pass || fail "a run that failed on bad data changed the state file"
  expect_files first.jsonl second.jsonl third.jsonl s.db
  # Without the state the rule fires again: the memory is the file, not something else.
  lr run "$policy" --input "$data/good.jsonl" "${now[@]}" --output fresh.jsonl
  if grep -q '"id":"p1".*"rule":"Welcome"' "$dir/fresh.jsonl"; then pass
  else fail "without --state the once rule should fire"; fi

  # A failing run does not create a state file either.
  case_name=state.failed_run_creates_nothing
  lr run "$policy" --input "$data/wrong_type.jsonl" "${now[@]}" --output out.jsonl --state new.db
  expect_rc 2
  expect_files
}

group_test() {
  case_name=test.failing
  lr test "$data/failing_test.lr"
  expect_rc 1
  expect_out_contains "PASS a form is worth 25"
  expect_out_contains "FAIL two visits are worth 3 (wrong: they are worth 2)"
  expect_out_contains "expect score == 3"
  expect_out_contains "score is 2"        # the actual value
  expect_out_contains "expect grade == A"
  expect_out_contains "grade is C"
  local last
  last=$(tail -n 1 <<<"$out")
  [[ "$last" == "1 passed, 2 failed" ]] && pass || fail "last line \"$last\", expected \"1 passed, 2 failed\""

  case_name=test.passing
  lr test "$data/policy.lr"
  expect_rc 0
  expect_out_contains "PASS a form is welcomed once"
  last=$(tail -n 1 <<<"$out")
  [[ "$last" == "1 passed, 0 failed" ]] && pass || fail "last line \"$last\", expected \"1 passed, 0 failed\""

  case_name=test.several_files
  lr test "$data/policy.lr" "$data/failing_test.lr"
  expect_rc 1   # one failing test fails the run
  last=$(tail -n 1 <<<"$out")
  [[ "$last" == "2 passed, 2 failed" ]] && pass || fail "last line \"$last\", expected \"2 passed, 2 failed\""

  # A policy that does not compile: exit 1 with the diagnostic, and no test runs.
  case_name=test.policy_error
  lr test "$data/../../policies/errors/unknown_kind_per.lr"
  expect_rc 1
  expect_err_contains "error: unknown activity kind \`vist\`"
  last=$(tail -n 1 <<<"$out")
  [[ "$last" == "0 passed, 0 failed" ]] && pass || fail "last line \"$last\", expected \"0 passed, 0 failed\""
}

group_usage() {
  case_name=usage.unknown_option
  lr run "$policy" --input "$data/good.jsonl" "${now[@]}" --output out.jsonl --bogus
  expect_rc 2
  expect_err_contains "--bogus"
  expect_files
  case_name=usage.missing_input
  lr run "$policy" "${now[@]}" --output out.jsonl
  expect_rc 2
  expect_err_contains "--input"
  expect_files
  case_name=usage.bad_now
  lr run "$policy" --input "$data/good.jsonl" --now yesterday --output out.jsonl
  expect_rc 2
  expect_err_contains "--now"
  expect_files
  case_name=usage.bad_format
  lr run "$policy" --input "$data/good.jsonl" "${now[@]}" --format xml --output out.jsonl
  expect_rc 2
  expect_err_contains "xml"
  expect_files
  case_name=usage.bad_engine
  lr run "$policy" --input "$data/good.jsonl" "${now[@]}" --engine fast --output out.jsonl
  expect_rc 2
  expect_files
  case_name=usage.no_subcommand
  lr
  expect_rc 2
  case_name=usage.unknown_subcommand
  lr frobnicate "$policy"
  expect_rc 2
  case_name=usage.missing_policy_file
  lr run "$data/no_such_policy.lr" --input "$data/good.jsonl" "${now[@]}" --output out.jsonl
  expect_rc 2
  expect_files
  case_name=usage.activities_with_jsonl
  lr run "$policy" --input "$data/good.jsonl" --activities "$data/activities_good.csv" "${now[@]}" --output out.jsonl
  expect_rc 2
  expect_err_contains "an activities file goes with CSV input"
  expect_files
  case_name=usage.explain_unknown_id
  lr explain "$policy" --input "$data/good.jsonl" "${now[@]}" --id p9
  expect_rc 2
  expect_err_contains "p9"
}

# Columns and keys the schema names that the data lacks (issue 13, item 2).
group_columns() {
  local fp=$data/feedback_policy.lr
  # A `from` column that differs from the header only in case: an error with a did-you-mean.
  case_name=columns.from_column_case
  lr run "$fp" --input "$data/feedback_header_case.csv" "${now[@]}" --output out.jsonl
  expect_rc 2
  expect_err_contains "feedback_header_case.csv:1: data error in \`Total Time Spent On Website\`: no column \"Total Time Spent On Website\" in the header for the field time_on_site; did you mean \"Total Time Spent on Website\"?"
  expect_files
  # The same with --rejects: a header problem stops the run, there is no line to set aside.
  case_name=columns.from_column_case_rejects
  lr run "$fp" --input "$data/feedback_header_case.csv" "${now[@]}" --output out.jsonl --rejects rej.jsonl
  expect_rc 2
  expect_err_contains "did you mean \"Total Time Spent on Website\"?"
  expect_files
  # The required id column: the same did-you-mean.
  case_name=columns.required_id_csv
  lr run "$fp" --input "$data/feedback_prospect_id.csv" "${now[@]}" --output out.jsonl
  expect_rc 2
  expect_err_contains "no column \"Prospect ID\" in the header: every prospect needs its id; did you mean \"Prospect Id\"?"
  # A column a field with a default reads may be absent (status = "Lead"); the header as
  # declared reads fine.
  case_name=columns.good
  lr run "$fp" --input "$data/feedback_good.csv" "${now[@]}" --output out.jsonl
  expect_rc 0
  grep -q '"id":"x1","score":25' "$work/$case_name/out.jsonl" && pass || fail "x1 should score 25"
  # The activities CSV: an activity field's column is required in the header too.
  case_name=columns.activities
  lr run "$fp" --input "$data/feedback_good.csv" --activities "$data/feedback_activities_no_page.csv" \
     "${now[@]}" --output out.jsonl
  expect_rc 2
  expect_err_contains "feedback_activities_no_page.csv:1: data error in \`page\`: no column \"page\" in the header for the activity field page; did you mean \"Page\"?"
  # JSON Lines: a key no record has is a warning in the summary (the run goes on), with a
  # did-you-mean over the keys the records have.
  case_name=columns.jsonl_key_never_present
  lr run "$fp" --input "$data/feedback_key_case.jsonl" "${now[@]}" --output out.jsonl
  expect_rc 0
  expect_err_contains "leadrules: warning: $data/feedback_key_case.jsonl: no record has the key \"Total Time Spent On Website\" (field time_on_site): time_on_site is missing for every record; did you mean \"Total Time Spent on Website\"?"
  # JSON Lines: a required key missing from a record, with the record's keys to suggest from.
  case_name=columns.required_id_jsonl
  lr run "$fp" --input "$data/feedback_prospect_id.jsonl" "${now[@]}" --output out.jsonl
  expect_rc 2
  expect_err_contains "feedback_prospect_id.jsonl:1: data error in \`Prospect ID\`: missing required field (no key \"Prospect ID\"; did you mean \"Prospect Id\"?)"
}

# A rejected line's id stays taken (issue 13, item 3).
group_ids() {
  local input
  for input in rejected_id_reused.jsonl rejected_id_reused.csv; do
    case_name=ids.$input
    lr run "$policy" --input "$data/$input" "${now[@]}" --output out.jsonl --rejects rej.jsonl
    expect_rc 0
    local line=3
    [[ $input == *.csv ]] && line=4
    check_reject "$work/$case_name/rej.jsonl" "$data/$input" $line id "duplicate id \"p1\" (first on line $((line - 2)), which was rejected)"
    if grep -q '"id":"p1"' "$work/$case_name/out.jsonl"; then fail "p1 was scored from its second line"; else pass; fi
    parse_summary
    [[ "$read_n $scored_n $rejected_n" == "3 1 2" ]] && pass \
      || fail "read/scored/rejected $read_n/$scored_n/$rejected_n, expected 3/1/2"
    # Strict mode lists both errors.
    case_name=ids.$input.strict
    lr run "$policy" --input "$data/$input" "${now[@]}" --output out.jsonl
    expect_rc 2
    expect_err_contains "which was rejected"
  done
}

# Strict mode lists up to 20 errors, then how many more; --rejects names its file; a run that
# rejects every prospect fails (issue 13, items 4 and 5).
group_listing() {
  case_name=listing.many
  lr run "$policy" --input "$data/many_errors.jsonl" "${now[@]}" --output out.jsonl
  expect_rc 2
  local n
  n=$(grep -c ': data error in `employees`: expected a number' <<<"$err")
  [[ $n -eq 20 ]] && pass || fail "$n errors listed, expected 20"
  expect_err_contains "leadrules: 5 more; use --rejects FILE to keep going"
  expect_err_contains "nothing was written"
  [[ "$err" != *"many_errors.jsonl:25: data error"* ]] && pass || fail "the 21st error was listed"
  expect_files
  case_name=listing.few
  lr run "$policy" --input "$data/rejected_id_reused.jsonl" "${now[@]}" --output out.jsonl
  expect_rc 2
  expect_err_contains "rejected_id_reused.jsonl:1: data error in \`employees\`"
  expect_err_contains "rejected_id_reused.jsonl:3: data error in \`id\`"
  expect_err_contains "leadrules: 2 data errors; use --rejects FILE"
  expect_files
  case_name=listing.rejects_named
  lr run "$policy" --input "$data/many_errors.jsonl" "${now[@]}" --output out.jsonl --rejects rej.jsonl
  expect_rc 0
  expect_err_contains "leadrules: rejected 25 records: see rej.jsonl"
  [[ $(wc -l <"$work/$case_name/rej.jsonl") -eq 25 ]] && pass || fail "rej.jsonl should hold 25 lines"
  check_reject "$work/$case_name/rej.jsonl" "$data/many_errors.jsonl" 1 employees "expected a number"
  # Activity lines rejected with their prospect are counted apart.
  case_name=listing.rejects_with_activities
  lr run "$policy" --input "$data/good.csv" --activities "$data/activities_bad_time.csv" "${now[@]}" \
     --output out.jsonl --rejects rej.jsonl
  expect_rc 0
  expect_err_contains "leadrules: rejected 2 records (1 prospect, 1 activity line): see rej.jsonl"
  check_reject "$work/$case_name/rej.jsonl" "$data/good.csv" 3 activities "its activity on line 3"
  check_reject "$work/$case_name/rej.jsonl" "$data/activities_bad_time.csv" 3 at "bad time"
  case_name=listing.all_rejected
  lr run "$policy" --input "$data/all_rejected.jsonl" "${now[@]}" --output out.jsonl --rejects rej.jsonl
  expect_rc 2
  expect_err_contains "every prospect was rejected (2): see rej.jsonl"
  expect_files rej.jsonl
  check_reject "$work/$case_name/rej.jsonl" "$data/all_rejected.jsonl" 2 email "missing required field"
}

# Activity types that look like a listed kind (issue 13, item 11).
group_kinds() {
  case_name=kinds.near_misses
  lr run "$data/feedback_policy.lr" --input "$data/feedback_kinds.jsonl" "${now[@]}" --output out.jsonl
  expect_rc 0
  expect_err_contains "skipped activities of kinds the schema does not list: Visit × 1 (did you mean \`visit\`?), chat × 1, page_view × 1 (did you mean \`pageview\`?)"
}

for g in "${groups[@]}"; do
  case $g in
    strict|rejects|state|test|usage|columns|ids|listing|kinds) "group_$g" ;;
    *) echo "unknown group $g" >&2; exit 2 ;;
  esac
done
echo "$checks checks passed, $failures failed"
[[ $failures -eq 0 ]]
