#!/usr/bin/env bash
# `--state` locking (issue 12): a run holds the state file's SQLite write lock from before it reads
# its input until it records; a second run on the same file is refused at once (exit 2, a message
# that says why, nothing written), a dry run still reads, and the first run completes normally.
# The first run reads its input from a FIFO: opening the FIFO's writing end returns only once
# that run is reading, i.e. holds the lock, so nothing here depends on timing.
#
#   state_lock.sh LEADRULES
set -u
[[ $# -eq 1 ]] || { echo "usage: $0 LEADRULES" >&2; exit 2; }
leadrules=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
data=$root/tests/cli/data
now=(--now 2026-11-22T00:00:00Z)
work=$(mktemp -d)
first_pid= watchdog_pid=
cleanup() {
  [[ -n $first_pid ]] && kill "$first_pid" 2>/dev/null
  [[ -n $watchdog_pid ]] && kill "$watchdog_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 2
source "$root/tests/cli/testlib.sh"

# A state with history: p1 had "Welcome" (once) recorded by an earlier run.
case_name=setup
lr run "$data/policy.lr" --input "$data/good.jsonl" "${now[@]}" --state s.db --output setup.jsonl
expect_rc 0
cp s.db before.db

mkfifo in.jsonl
NO_COLOR=1 timeout 60 "$leadrules" run "$data/policy.lr" --input in.jsonl "${now[@]}" --state s.db \
  --output first.jsonl >first.out 2>first.err &
first_pid=$!
# Should the first run die before it opens the FIFO, this opens it instead so the test goes on.
{ while kill -0 "$first_pid" 2>/dev/null; do sleep 0.2; done; exec 4<in.jsonl; } &
watchdog_pid=$!
exec 3>in.jsonl  # returns when the first run opened its input: it holds the lock by then

case_name=second_run_refused
lr run "$data/policy.lr" --input "$data/good.jsonl" "${now[@]}" --state s.db --output second.jsonl
expect_rc 2
expect_err "leadrules: the state file s.db is in use by another run (SQLite lock); nothing was written"
[[ ! -e second.jsonl ]] || fail "the refused run wrote its output"

case_name=refused_run_writes_no_rejects
lr run "$data/policy.lr" --input "$data/good.jsonl" "${now[@]}" --state s.db --rejects r.jsonl
expect_rc 2
[[ ! -e r.jsonl ]] || fail "the refused run wrote its rejects"

case_name=dry_run_reads_meanwhile
lr run "$data/policy.lr" --input "$data/good.jsonl" "${now[@]}" --state s.db --dry-run --output dry.jsonl
expect_rc 0
grep -q '"rule":"Welcome"' dry.jsonl && fail "the dry run did not read the recorded history (Welcome fired again)"

case_name=first_run_completes
cat "$data/good.jsonl" >&3
exec 3>&-
wait "$first_pid"
rc=$?
first_pid=
[[ $rc -eq 0 ]] || fail "the first run failed (exit $rc): $(cat first.err)"
grep -q '"rule":"Welcome"' first.jsonl && fail "the first run fired Welcome again"
[[ $(grep -c '"rule":"Seen"' first.jsonl) -eq 3 ]] || fail "the first run's output lacks its 3 Seen firings"
# The first run recorded: Seen's count went from 1 to 2 for p1.
python3 - s.db <<'PY' || fail "the first run's firings were not recorded"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = dict(((bytes(p), bytes(r)), c) for p, r, c in db.execute("SELECT prospect_id, rule, count FROM firing"))
sys.exit(0 if rows.get((b"p1", b"Seen")) == 2 and rows.get((b"p1", b"Welcome")) == 1 else 1)
PY

case_name=lock_released
lr run "$data/policy.lr" --input "$data/good.jsonl" "${now[@]}" --state s.db --output third.jsonl
expect_rc 0

finish state_lock
