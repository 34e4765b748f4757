#!/usr/bin/env bash
# ctest postgres.sql: a real PostgreSQL 15 on a temporary directory and a Unix socket, 20k
# generated prospects (LEADRULES_PG_PROSPECTS) and their activities loaded into tables, scored in
# SQL by leadrules.score_tables and leadrules.score and compared row by row with `leadrules run`
# on the same data; PostgreSQL's JIT forced on in several call orders; errors for a bad policy
# and bad rows, the backend alive after each.
#
#   pg_test.sh MODULE.so LEADRULES_CLI PG_BINDIR PG_PKGLIBDIR PG_SHAREDIR
# The server: pg_server.sh.
set -euo pipefail
module=$(realpath "$1") cli=$(realpath "$2") bindir=$3 pkglibdir=$4 sharedir=$5
here=$(cd "$(dirname "$0")" && pwd)
prospects=${LEADRULES_PG_PROSPECTS:-20000}
now=2026-11-22T00:00:00Z

source "$here/pg_server.sh"
start_server "$module" "$bindir" "$pkglibdir" "$sharedir"

load_data "$prospects" 7
"$cli" run "$here/policy.lr" --input "$tmp/gen/prospects.jsonl" --now $now --output "$tmp/run.jsonl" 2>/dev/null
echo "pg_test: $(query -c 'SELECT count(*) FROM prospects') prospects, $(query -c 'SELECT count(*) FROM activities') activities loaded"

# The table function, as a user would fill a table with it; timed, for docs/scale-out.md.
start=$(date +%s%N)
"${psql[@]}" -c "INSERT INTO scores SELECT * FROM leadrules.score_tables('test', 'SELECT * FROM prospects',
                 'SELECT * FROM activities', '$now')"
end=$(date +%s%N)
echo "pg_test: score_tables scored $prospects prospects in $(((end - start) / 1000000)) ms (a new backend: compiling included)"

dump_scores="SELECT json_build_object('id', id, 'score', score, 'scores', scores, 'grade', grade,
             'segments', segments, 'actions', actions, 'set', set) FROM scores ORDER BY id"
query -c "$dump_scores" >"$tmp/table.jsonl"
# leadrules.score scores one prospect alone: run agrees only for prospects without an account.
query -c "SELECT leadrules.score('test', line, '$now') FROM lines WHERE line->>'account' IS NULL" >"$tmp/one.jsonl"
python3 "$here/compare.py" "$tmp/run.jsonl" "$tmp/table.jsonl" "$tmp/one.jsonl"

empty=$(query -c "SELECT count(*) FROM leadrules.score_tables('test', 'SELECT * FROM prospects WHERE false',
                  'SELECT * FROM activities', '$now')")
[ "$empty" = 0 ] || { echo "pg_test: no prospects gave $empty rows" >&2; exit 1; }

# PostgreSQL's JIT (llvmjit.so, LLVM 14) in the same backend as leadrules' (LLVM 19), in several
# orders; each session compiles the policy anew (a new backend) and must score as run does.
jit_on="SET jit = on; SET jit_above_cost = 0; SET jit_inline_above_cost = 0; SET jit_optimize_above_cost = 0;"
pg_jit_query="SELECT sum(employees * 2 + length(email)) FROM prospects WHERE country <> 'XX';"
same_as_scores="SELECT count(*) FROM leadrules.score_tables('test', 'SELECT * FROM prospects',
  'SELECT * FROM activities', '$now') AS s FULL JOIN scores AS t USING (id)
  WHERE s.score IS DISTINCT FROM t.score OR s.scores IS DISTINCT FROM t.scores OR s.grade IS DISTINCT FROM t.grade
     OR s.segments IS DISTINCT FROM t.segments OR s.actions IS DISTINCT FROM t.actions OR s.set IS DISTINCT FROM t.set;"
one_score="SELECT leadrules.score('test', line, '$now')::text FROM lines WHERE line->>'id' = 'p000003';"
expected_one=$(query -c "$one_score")
expected_sum=$(query -c "$pg_jit_query")
check_order() {  # name, SQL: each output line is 0 differences, the sum, the score of p000003 or t
  local name=$1 sql=$2 out
  out=$(query -c "$jit_on" -c "$sql") || { echo "pg_test: JIT order '$name' failed (backend crashed?)" >&2; exit 1; }
  while IFS= read -r line; do
    if [ "$line" != 0 ] && [ "$line" != t ] && [ "$line" != "$expected_sum" ] && [ "$line" != "$expected_one" ]; then
      echo "pg_test: JIT order '$name': unexpected output: $line" >&2
      exit 1
    fi
  done <<<"$out"
}
# The JIT really runs: EXPLAIN ANALYZE reports its functions.
query -c "$jit_on" -c "EXPLAIN (ANALYZE) $pg_jit_query" | grep -q "Functions:" ||
  { echo "pg_test: PostgreSQL's JIT did not run" >&2; exit 1; }
check_order "PostgreSQL JIT, then leadrules compiles and scores" "$pg_jit_query $same_as_scores"
check_order "leadrules compiles and scores, then PostgreSQL JIT" "$same_as_scores $pg_jit_query $same_as_scores"
check_order "score one, JIT, re-register (recompile), JIT, score tables" \
  "$one_score $pg_jit_query SELECT leadrules.register('test2', source) IS NOT NULL FROM leadrules.policies WHERE name = 'test'; $pg_jit_query $one_score $same_as_scores"
check_order "leadrules' interpreter under PostgreSQL's JIT" "SET leadrules.engine = interp; $same_as_scores $pg_jit_query $one_score"
# Once more with the differences dumped in full, under the JIT.
"${psql[@]}" -c "$jit_on" -c "TRUNCATE scores" -c "INSERT INTO scores SELECT * FROM leadrules.score_tables('test',
  'SELECT * FROM prospects', 'SELECT * FROM activities', '$now')"
query -c "$dump_scores" >"$tmp/table-jit.jsonl"
python3 "$here/compare.py" "$tmp/run.jsonl" "$tmp/table-jit.jsonl"
echo "pg_test: JIT on in 4 call orders: no crash, same results"

# Errors: an ERROR with the position, and the backend goes on (the last line of each session).
expect_error() {  # name, pattern the error must match, SQL
  local name=$1 pattern=$2 sql=$3 out
  out=$(query -v ON_ERROR_STOP=0 -c "$jit_on" -c "$sql" -c "SELECT 'still alive'" 2>&1) || true
  if ! grep -Eq "$pattern" <<<"$out"; then
    echo "pg_test: $name: expected an error matching /$pattern/, got:" >&2
    echo "$out" >&2
    exit 1
  fi
  if [ "$(tail -1 <<<"$out")" != "still alive" ]; then
    echo "pg_test: $name: the backend did not survive:" >&2
    echo "$out" >&2
    exit 1
  fi
}
bad_policy=$'policy "Bad"\nschema prospect {\n  id: string\n  email: string\n}\npoints +5 if emial == "x"\n'
expect_error "bad policy" 'ERROR: +<bad>:6:14: .*emial' "SELECT leadrules.register('bad', \$p\$$bad_policy\$p\$)"
expect_error "bad policy: caret" '\^' "SELECT leadrules.register('bad', \$p\$$bad_policy\$p\$)"
expect_error "bad policy: hint" 'HINT: .*email' "SELECT leadrules.register('bad', \$p\$$bad_policy\$p\$)"
expect_error "bad policy: not registered" 'no policy named "bad"' "SELECT leadrules.score('bad', '{}', now())"
expect_error "bad row: a field of the wrong type" \
  'ERROR: +leadrules: row 3 of the prospects query: data error in `employees`' \
  "SELECT * FROM leadrules.score_tables('test', \$q\$SELECT id, email, CASE WHEN id = 'p000002' THEN to_jsonb('many'::text) ELSE to_jsonb(employees) END AS employees FROM prospects ORDER BY id\$q\$, NULL, now())"
expect_error "bad row: the record in DETAIL" 'DETAIL: +the record: .*"id": ?"p000002"' \
  "SELECT * FROM leadrules.score_tables('test', \$q\$SELECT id, email, CASE WHEN id = 'p000002' THEN to_jsonb('many'::text) ELSE to_jsonb(employees) END AS employees FROM prospects ORDER BY id\$q\$, NULL, now())"
expect_error "bad row: a bad activity time" 'row 1 of the prospects query: data error in `(activities.*)?at`' \
  "SELECT * FROM leadrules.score_tables('test', \$q\$SELECT id, email FROM prospects WHERE id = 'p000001'\$q\$, \$q\$SELECT prospect_id, type, 'last tuesday' AS at FROM activities\$q\$, now())"
expect_error "bad row: a missing required field" 'data error in `email`' \
  "SELECT * FROM leadrules.score_tables('test', 'SELECT id FROM prospects', NULL, now())"
expect_error "score: a bad prospect" 'row 1 of the prospect: data error in `employees`' \
  "SELECT leadrules.score('test', '{\"id\": \"x\", \"email\": \"a@b\", \"employees\": \"many\"}', now())"
expect_error "bad prospects query" 'syntax error' "SELECT * FROM leadrules.score_tables('test', 'SELEKT 1', NULL, now())"
expect_error "now must be finite" 'now must be finite' "SELECT leadrules.score('test', '{\"id\": \"x\", \"email\": \"a@b\"}', 'infinity')"
# A rule set compiled ahead of time (`leadrules compile --shared`), registered by path and loaded
# by each backend: the same rows as run, with PostgreSQL's JIT on.
"$cli" compile "$here/policy.lr" --shared "$tmp/policy.so" >/dev/null
chmod a+r "$tmp/policy.so"
query -c "SELECT leadrules.register_compiled('aot', '$tmp/policy.so')" | grep -q "scoring rules" ||
  { echo "pg_test: register_compiled gave no summary" >&2; exit 1; }
"${psql[@]}" -c "$jit_on" -c "TRUNCATE scores" -c "$pg_jit_query" -c "INSERT INTO scores SELECT * FROM
  leadrules.score_tables('aot', 'SELECT * FROM prospects', 'SELECT * FROM activities', '$now')" >/dev/null
query -c "$dump_scores" >"$tmp/table-aot.jsonl"
python3 "$here/compare.py" "$tmp/run.jsonl" "$tmp/table-aot.jsonl"
[ "$(query -c "SELECT leadrules.score('aot', line, '$now')::text FROM lines WHERE line->>'id' = 'p000003'")" = "$expected_one" ] ||
  { echo "pg_test: score() on the rule set differs" >&2; exit 1; }
expect_error "compiled: not a rule set" 'is a shared object but not a leadrules rule set' \
  "SELECT leadrules.register_compiled('x', '$module')"
expect_error "compiled: relative path" 'must be absolute' "SELECT leadrules.register_compiled('x', 'policy.so')"
expect_error "compiled: superusers only" 'permission denied for function register_compiled' \
  "CREATE ROLE lr_plain; GRANT USAGE ON SCHEMA leadrules TO lr_plain; SET ROLE lr_plain; SELECT leadrules.register_compiled('x', '$tmp/policy.so')"
echo "pg_test: a compiled rule set registered and scored as run does"

if grep -q "terminated by signal" "$tmp/server.log"; then
  echo "pg_test: a backend crashed:" >&2
  grep "terminated by signal" "$tmp/server.log" >&2
  exit 1
fi
echo "pg_test: errors carry positions, no backend crashed"
