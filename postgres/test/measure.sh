#!/usr/bin/env bash
# Throughput inside PostgreSQL against the CLI on the same data (docs/scale-out.md); not a test.
#
#   [MEAN_ACTIVITIES=12] measure.sh MODULE.so LEADRULES_CLI PROSPECTS [PG_BINDIR PG_PKGLIBDIR PG_SHAREDIR]
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
load_data "$prospects" 11 "${MEAN_ACTIVITIES:-12}" >/dev/null
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

# Citus by simulation: the prospects cut into 4 shards by a hash of the account (a prospect
# without one by its id), each with its activities, as create_distributed_table(..., 'account')
# would place them; each shard scored by its own score_tables call, two backends at once (the
# machine's cores), and the union compared with the whole table's scores.
"${psql[@]}" <<'SQL'
CREATE TABLE shard_of AS SELECT id, abs(hashtext(coalesce(account, id))) % 4 AS shard FROM prospects;
CREATE TABLE scores_sharded (LIKE scores);
DO $$ BEGIN
  FOR s IN 0..3 LOOP
    EXECUTE format('CREATE TABLE prospects_%s AS SELECT p.* FROM prospects p JOIN shard_of USING (id) WHERE shard = %s', s, s);
    EXECUTE format('CREATE TABLE activities_%s AS SELECT a.* FROM activities a JOIN shard_of s ON s.id = a.prospect_id WHERE shard = %s', s, s);
  END LOOP;
END $$;
SQL
score_shard() {
  query -c "INSERT INTO scores_sharded SELECT * FROM leadrules.score_tables('test', 'SELECT * FROM prospects_$1',
            'SELECT * FROM activities_$1', '$now')" >/dev/null
}
start=$(ms)
(score_shard 0 && score_shard 1) &
(score_shard 2 && score_shard 3) &
wait
t=$(($(ms) - start))
echo "measure: 4 account shards, 2 backends at once (compiling included): $t ms ($(rate $t))"
differences=$(query -c "SELECT count(*) FROM scores_sharded s FULL JOIN scores t USING (id)
  WHERE s.score IS DISTINCT FROM t.score OR s.scores IS DISTINCT FROM t.scores OR s.grade IS DISTINCT FROM t.grade
     OR s.segments IS DISTINCT FROM t.segments OR s.actions IS DISTINCT FROM t.actions OR s.set IS DISTINCT FROM t.set")
echo "measure: sharded scores differing from the whole table's: $differences"
