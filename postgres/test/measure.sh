#!/usr/bin/env bash
# Throughput inside PostgreSQL against the CLI on the same data (docs/scale-out.md); not a test.
#
#   measure.sh MODULE.so LEADRULES_CLI PROSPECTS [PG_BINDIR PG_PKGLIBDIR PG_SHAREDIR]
#
# Prints, for one backend (one core): the CLI's `run --threads 1` (JSON Lines file in, compile
# included, and its own timings), score_tables cold (compile included) and warm, the part of it
# that is SQL (rows to JSON text), and score_tables with leadrules.threads = 2 and the interpreter.
set -euo pipefail
module=$1 cli=$(realpath "$2") prospects=$3
bindir=${4:-/usr/lib/postgresql/15/bin} pkglibdir=${5:-/usr/lib/postgresql/15/lib}
sharedir=${6:-/usr/share/postgresql/15}
here=$(cd "$(dirname "$0")" && pwd)
now=2026-11-22T00:00:00Z
source "$here/pg_server.sh"
start_server "$module" "$bindir" "$pkglibdir" "$sharedir"
load_data "$prospects" 11 >/dev/null
activities=$(query -c 'SELECT count(*) FROM activities')
bytes=$(stat -c %s "$tmp/gen/prospects.jsonl")
echo "measure: $prospects prospects, $activities activities ($((bytes / 1000000)) MB of JSON Lines)"

ms() { echo $(($(date +%s%N) / 1000000)); }
rate() { echo "$((prospects * 1000 / ($1 > 0 ? $1 : 1))) prospects/s"; }

for i in 1 2; do
  start=$(ms)
  "$cli" run "$here/policy.lr" --input "$tmp/gen/prospects.jsonl" --now $now --threads 1 --output /dev/null \
    2>"$tmp/run.err"
  t=$(($(ms) - start))
  echo "measure: leadrules run --threads 1: $t ms ($(rate $t)), run $i"
done
sed 's/^/  run says: /' "$tmp/run.err" | head -5

score_tables="SELECT count(*) FROM leadrules.score_tables('test', 'SELECT * FROM prospects',
  'SELECT * FROM activities', '$now')"
records="SELECT sum(length(row_to_json(a)::text)) FROM activities AS a"
prospect_rows="SELECT sum(length(row_to_json(q)::text)) FROM prospects AS q"
timed() {  # label, SQL...: the last statement's time
  local label=$1 out t
  shift
  out=$(query -c '\timing on' "$@" | grep '^Time:' | tail -1)
  t=$(sed -E 's/^Time: ([0-9]+)\.[0-9]+ ms.*/\1/' <<<"$out")
  echo "measure: $label: $t ms ($(rate "$t"))"
}
timed "score_tables, a new backend (compiling included)" -c "$score_tables"
timed "score_tables, warm (second call in the backend)" -c "$score_tables" -c "$score_tables"
timed "of which SQL: activities as JSON (row_to_json)" -c "$records" -c "$records"
timed "of which SQL: prospects as JSON (row_to_json)" -c "$prospect_rows" -c "$prospect_rows"
timed "score_tables, warm, leadrules.threads = 2" -c "SET leadrules.threads = 2" -c "$score_tables" -c "$score_tables"
timed "score_tables, warm, engine interp" -c "SET leadrules.engine = interp" -c "$score_tables" -c "$score_tables"
timed "INSERT INTO scores SELECT * FROM score_tables, warm" -c "$score_tables" \
  -c "INSERT INTO scores SELECT * FROM leadrules.score_tables('test', 'SELECT * FROM prospects',
      'SELECT * FROM activities', '$now')"
