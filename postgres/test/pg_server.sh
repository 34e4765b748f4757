#!/usr/bin/env bash
# Sourced by pg_test.sh and measure.sh: a PostgreSQL 15 server of its own on a temporary
# directory and a Unix socket, with the extension, stopped and removed on exit.
#
#   start_server MODULE.so PG_BINDIR PG_PKGLIBDIR PG_SHAREDIR   sets tmp, psql (an array), query()
#   load_data PROSPECTS SEED [MEAN_ACTIVITIES]   generates data into $tmp/gen, creates the extension, registers
#                              policy.lr as 'test' and loads tables prospects, activities, lines
#
# Nothing is installed into the system: the server runs from a private copy of PostgreSQL's
# binaries under the temporary directory, which finds share/ and lib/ relative to itself (Debian's
# PostgreSQL is relocatable), with the system's files linked in and the extension's added. As
# root (CI) the server runs as the `postgres` user, which owns the directory: PostgreSQL refuses
# to run as root.
start_server() {
  local module pkglibdir=$3 sharedir=$4 here f
  module=$(realpath "$1")
  pg_bindir=$2
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  tmp=$(mktemp -d /tmp/leadrules-pg.XXXXXX)
  as_server=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "pg_test: running as root needs a postgres user" >&2; exit 1; }
    as_server=(runuser -u postgres --)
  fi
  inst=$tmp/inst
  server_cleanup() {
    status=$?
    if [ -f "$tmp/data/postmaster.pid" ]; then
      "${as_server[@]}" "$inst$pg_bindir/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    if [ $status -ne 0 ] && [ -f "$tmp/server.log" ]; then
      echo "--- server log (tail) ---" >&2
      tail -30 "$tmp/server.log" >&2
    fi
    rm -rf "$tmp"
  }
  trap server_cleanup EXIT

  # The private installation, laid out as the real one.
  mkdir -p "$inst$pg_bindir" "$inst$pkglibdir" "$inst$sharedir/extension"
  cp "$pg_bindir/postgres" "$pg_bindir/initdb" "$pg_bindir/pg_ctl" "$inst$pg_bindir/"
  for f in "$pkglibdir"/*; do [ "$(basename "$f")" = leadrules.so ] || ln -s "$f" "$inst$pkglibdir/"; done
  for f in "$sharedir"/*; do [ "$(basename "$f")" = extension ] || ln -s "$f" "$inst$sharedir/"; done
  for f in "$sharedir"/extension/*; do
    case $(basename "$f") in leadrules.control | leadrules--*) ;; *) ln -s "$f" "$inst$sharedir/extension/" ;; esac
  done
  cp "$module" "$inst$pkglibdir/leadrules.so"
  cp "$here/../leadrules.control" "$here"/../leadrules--*.sql "$inst$sharedir/extension/"
  [ ${#as_server[@]} -eq 0 ] || chown -R postgres "$tmp"

  "${as_server[@]}" "$inst$pg_bindir/initdb" -D "$tmp/data" -A trust -U postgres -E UTF8 --locale=C --no-sync >/dev/null
  "${as_server[@]}" "$inst$pg_bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -s \
    -o "-k $tmp -c listen_addresses= -c fsync=off -c max_connections=20 -c shared_buffers=64MB" start
  psql=("$pg_bindir/psql" -h "$tmp" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1)
  # A query's output is read as written: no alignment, no header.
  query() { "${psql[@]}" -At "$@"; }
}

load_data() {
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  python3 "$here/gen_data.py" --prospects "$1" --seed "$2" --mean-activities "${3:-12}" --out-dir "$tmp/gen"
  "${psql[@]}" <<SQL
CREATE EXTENSION leadrules;
\set source \`cat "$here/policy.lr"\`
SELECT leadrules.register('test', :'source') AS summary \gset
CREATE TABLE prospects (id text PRIMARY KEY, account text, email text, first_name text, company text,
                        title text, employees float8, country text, status text, assigned_at timestamptz,
                        tags text[], fired jsonb);
CREATE TABLE activities (prospect_id text, type text, at timestamptz, page text, form text, asset text);
\copy prospects FROM '$tmp/gen/prospects.csv' WITH (FORMAT csv, HEADER)
\copy activities FROM '$tmp/gen/activities.csv' WITH (FORMAT csv, HEADER)
CREATE INDEX ON activities (prospect_id);
CREATE TABLE scores (id text, score float8, scores jsonb, grade text, segments text[], actions jsonb, set jsonb);
-- The JSON Lines file itself, one jsonb per line, for leadrules.score (quote and delimiter bytes
-- that JSON text never holds).
CREATE TABLE lines (line jsonb);
\copy lines FROM '$tmp/gen/prospects.jsonl' WITH (FORMAT csv, QUOTE e'\x01', DELIMITER e'\x02')
ANALYZE;
SQL
}
