#!/usr/bin/env bash
# The `--state` file under hostile conditions (issue 12): files that are not a leadrules state,
# one from a newer leadrules, corrupt ones, invalid rows, ids with a NUL, format-1 files (TEXT ids,
# 0.1) converted, and full disks (`ulimit -f`) for the state, --output and --rejects. Each is an
# error that names the file, exit 2, never a crash, and leaves what was there as it was.
# Databases are made and read with python3's sqlite3 module (the sqlite3 program may be absent).
#
#   state_files.sh LEADRULES
set -u
[[ $# -eq 1 ]] || { echo "usage: $0 LEADRULES" >&2; exit 2; }
leadrules=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
data=$root/tests/cli/data
policy=$data/policy.lr
now=(--now 2026-11-22T00:00:00Z)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
source "$root/tests/cli/testlib.sh"

# sql DB STATEMENT...: runs statements on a database (python's sqlite3).
sql() { python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
for s in sys.argv[2:]: db.execute(s)' "$@"; }
# dump DB: the firing table, canonically (sorted, ids as bytes), on stdout.
dump() { python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT prospect_id, rule, count, last_micros FROM firing").fetchall()
as_bytes = lambda v: bytes(v) if isinstance(v, (bytes, memoryview)) else v.encode()
print(sorted((as_bytes(p), as_bytes(r), c, l) for p, r, c, l in rows))' "$1"; }
run_state() { lr run "$policy" --input "$data/good.jsonl" "${now[@]}" --output res.jsonl --state "$@"; }
# refused STATE MESSAGE: a real run and a dry run both exit 2 with MESSAGE and leave STATE as it was.
refused() {
  local sum
  sum=$(sha256sum <"$1")
  rm -f res.jsonl
  run_state "$1"
  expect_rc 2
  expect_err "$2"
  [[ ! -e res.jsonl ]] || fail "an output was written"
  run_state "$1" --dry-run
  expect_rc 2
  expect_err "$2"
  [[ $(sha256sum <"$1") == "$sum" ]] || fail "$1 was changed"
}

case_name=new_state_has_version
run_state s.db
expect_rc 0
[[ $(python3 -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1])
print(db.execute("PRAGMA application_id").fetchone()[0], db.execute("PRAGMA user_version").fetchone()[0])' s.db) \
  == "1280460371 2" ]] || fail "application_id / user_version not set"

case_name=dry_run_creates_nothing
run_state never.db --dry-run
expect_rc 0
[[ ! -e never.db ]] || fail "a dry run created the state file"

case_name=not_sqlite
printf 'id,email\np1,a@b.example\n%.0s' {1..50} >text.db
refused text.db "leadrules: text.db is not a leadrules state file (it is not an SQLite database); nothing was written"

case_name=other_database
sql other.db "CREATE TABLE users (name TEXT)" "INSERT INTO users VALUES ('ann')"
refused other.db "other.db is not a leadrules state file (an SQLite database with the tables [users])"
sql appid.db "PRAGMA application_id = 1234"
refused appid.db "appid.db is not a leadrules state file (an SQLite database of another application, application_id 1234)"

case_name=newer_version
cp s.db newer.db
sql newer.db "PRAGMA user_version = 3"
refused newer.db "the state file newer.db was written by a newer leadrules (state format 3; this leadrules reads formats 1 to 2)"

case_name=corrupt
python3 - big.jsonl <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(3000):
        f.write(json.dumps({"id": f"prospect-{i:06}", "email": f"m{i}@x.example",
                            "activities": [{"type": "form", "at": "2026-11-20T10:00:00Z"}]}) + "\n")
PY
lr run "$policy" --input big.jsonl "${now[@]}" --output /dev/null --state big.db
expect_rc 0
size=$(stat -c %s big.db)
head -c $((size / 2)) big.db >truncated.db
refused truncated.db "the state file truncated.db is corrupt"
cp big.db garbage.db
python3 - garbage.db <<'PY'
import random, sys
random.seed(12)
with open(sys.argv[1], "r+b") as f:
    size = f.seek(0, 2)
    for _ in range(20):  # leave the header (first 100 bytes) alone: the pages are what is damaged
        f.seek(random.randrange(4096, size - 64))
        f.write(bytes(random.randrange(256) for _ in range(64)))
PY
lr run "$policy" --input big.jsonl "${now[@]}" --output /dev/null --state garbage.db
expect_rc 2
expect_err "garbage.db"
[[ $rc -lt 128 ]] || fail "crashed on a damaged state file"
head -c 100 big.db >header_only.db
lr run "$policy" --input big.jsonl "${now[@]}" --output /dev/null --state header_only.db
expect_rc 2
expect_err "header_only.db"

case_name=invalid_rows  # each value the interpreter or the JIT would overflow on, and wrong types
for bad in "count = -1" "count = 9223372036854775807" "count = 1000000000000001" "count = 'two'" \
  "count = 1.5" "last_micros = -9223372036854775808" "last_micros = 9223372036854775807" \
  "last_micros = 'yesterday'" "prospect_id = 7"; do
  cp s.db bad.db
  sql bad.db "UPDATE firing SET $bad WHERE prospect_id = CAST('p1' AS BLOB) AND rule = CAST('Welcome' AS BLOB)"
  run_state bad.db
  expect_rc 2
  if [[ $bad == prospect_id* ]]; then
    expect_err 'the state file bad.db has an invalid firing record (prospect "7", rule "Welcome"): the id or rule is not text'
  else
    expect_err 'the state file bad.db has an invalid firing record (prospect "p1", rule "Welcome"): `'"${bad%% *}"'` is'
  fi
done

case_name=nul_ids  # an id with U+0000 keeps its own history; "a" and "a\0c" do not inherit it
python3 - <<'PY'
import json
def line(i): return json.dumps({"id": i, "email": "x@y.example", "activities": [{"type": "form", "at": "2026-11-20T10:00:00Z"}]}) + "\n"
open("nul1.jsonl", "w").write(line("a\0b") + line("x"))
open("nul2.jsonl", "w").write(line("a\0b") + line("a") + line("a\0c") + line("x"))
open("nul.csv", "w").write("id,email\n\"a\0b\",x@y.example\n")
PY
lr run "$policy" --input nul1.jsonl "${now[@]}" --output r1.jsonl --state nul.db
expect_rc 0
lr run "$policy" --input nul2.jsonl "${now[@]}" --output r2.jsonl --state nul.db
expect_rc 0
python3 - r1.jsonl r2.jsonl <<'PY' || fail "once rule and NUL ids: see above"
import json, sys
def welcomed(path):
    return sorted(r["id"] for r in map(json.loads, open(path)) if any(a["rule"] == "Welcome" for a in r["actions"]))
w1, w2 = welcomed(sys.argv[1]), welcomed(sys.argv[2])
ok = w1 == ["a\0b", "x"] and w2 == ["a", "a\0c"]
if not ok: print("welcomed in run 1:", w1, "in run 2:", w2, "(expected ['a\\x00b', 'x'] then ['a', 'a\\x00c'])")
sys.exit(0 if ok else 1)
PY
[[ $(dump nul.db) == *"(b'a\\x00b', b'Welcome', 1, "* ]] || fail "the id with a NUL is not stored whole: $(dump nul.db)"

case_name=format_1_converted  # a 0.1 state: TEXT columns, no version; ids with a NUL were stored whole
sql v1.db "CREATE TABLE firing (prospect_id TEXT NOT NULL, rule TEXT NOT NULL, count INTEGER NOT NULL, last_micros INTEGER, PRIMARY KEY (prospect_id, rule)) WITHOUT ROWID" \
  "INSERT INTO firing VALUES ('p1', 'Welcome', 1, 1795305600000000), ('p2', 'Seen', 4, NULL), ('gone', 'Old rule', 2, NULL)"
sum=$(sha256sum <v1.db)
lr run "$policy" --input "$data/wrong_type.jsonl" "${now[@]}" --output res.jsonl --state v1.db
expect_rc 2
[[ $(sha256sum <v1.db) == "$sum" ]] || fail "a failed run changed a format-1 file"
run_state v1.db --dry-run
expect_rc 0
grep -q '"rule":"Welcome"' res.jsonl && fail "a dry run on a format-1 file did not read its history"
[[ $(sha256sum <v1.db) == "$sum" ]] || fail "a dry run changed a format-1 file"
run_state v1.db
expect_rc 0
grep -q '"rule":"Welcome"' res.jsonl && fail "the format-1 history was lost in the conversion"
python3 - v1.db <<'PY' || fail "format-1 file not converted"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("PRAGMA user_version").fetchone()[0] == 2
assert db.execute("SELECT count(*) FROM firing WHERE typeof(prospect_id) != 'blob'").fetchone()[0] == 0
rows = {(bytes(p), bytes(r)): c for p, r, c in db.execute("SELECT prospect_id, rule, count FROM firing")}
assert rows[(b"p2", b"Seen")] == 5 and rows[(b"gone", b"Old rule")] == 2 and rows[(b"p1", b"Welcome")] == 1, rows
PY

# limited CMD...: runs leadrules with a file size limit of 4 KB and SIGXFSZ ignored, so that
# write() fails with EFBIG (a full disk, as far as the program can tell) instead of killing it.
limited() { (trap '' XFSZ; ulimit -f 4; exec env NO_COLOR=1 "$leadrules" "$@") >out.txt 2>err.txt; rc=$?; err=$(cat err.txt); }
no_temp_files() { [[ -z $(find . -name '.*.tmp-*') ]] || fail "temporary files left: $(find . -name '.*.tmp-*')"; }

case_name=full_disk_output
limited run "$policy" --input big.jsonl "${now[@]}" --output full.jsonl
expect_rc 2
expect_err "cannot write full.jsonl: File too large (it was not created)"
[[ ! -e full.jsonl ]] || fail "a partial output is at the final path"
echo old >full.jsonl
limited run "$policy" --input big.jsonl "${now[@]}" --output full.jsonl
expect_rc 2
expect_err "cannot write full.jsonl: File too large (the file was left as it was)"
[[ $(cat full.jsonl) == old ]] || fail "the previous output was damaged"
no_temp_files

case_name=full_disk_rejects
python3 - badmany.jsonl <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(300):
        f.write(json.dumps({"id": f"b{i}", "email": "a@b.example", "employees": "many"}) + "\n")
    f.write(json.dumps({"id": "ok", "email": "a@b.example"}) + "\n")
PY
limited run "$policy" --input badmany.jsonl "${now[@]}" --output small.jsonl --rejects rej.jsonl
expect_rc 2
expect_err "cannot write rej.jsonl: File too large"
[[ ! -e rej.jsonl ]] || fail "a partial rejects file is at the final path"
no_temp_files

case_name=full_disk_state
cp s.db full.db
before=$(dump full.db)
limited run "$policy" --input big.jsonl "${now[@]}" --output /dev/null --state full.db
expect_rc 2
expect_err "leadrules: cannot write the state file full.db: File too large; the firing history is unchanged"
[[ $(dump full.db) == "$before" ]] || fail "a failed write changed the firing history"

finish state_files
