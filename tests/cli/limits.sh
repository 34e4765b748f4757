#!/usr/bin/env bash
# Resource limits (issue 12): each is an error naming the limit and how to raise it
# (`--limit NAME=VALUE`), never a crash. Lowered limits stand in for huge inputs.
#   tests/cli/limits.sh build/leadrules
set -u
leadrules=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
source "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/testlib.sh"

cat > p.lr <<'LR'
schema prospect {
  id: string
  account: string?
  note: string?
}
schema activity {
  kinds visit
}
let team = count(colleague where any visit)
segment busy when count(visit) >= 2
segment shared when team >= 1
LR
printf '%s\n' '{"id":"a","account":"acme","activities":[{"type":"visit","at":"2025-12-01"},{"type":"visit","at":"2025-12-02"},{"type":"visit","at":"2025-12-03"}]}' \
  '{"id":"b","account":"acme","note":"0123456789012345678901234567890123456789"}' \
  '{"id":"c","account":"acme"}' > in.jsonl
run() { lr run p.lr --input "$@" --now 2026-01-01 --engine interp; }

case_name=defaults
run in.jsonl
expect_rc 0

case_name=policy-bytes
lr check --limit policy-bytes=100 p.lr
expect_rc 1
expect_err "p.lr: error: the policy is too large: 212 bytes, the limit is 100"
expect_err "raise the limit policy-bytes (100) with \`--limit policy-bytes=200\`"

case_name=declarations
lr check --limit declarations=3 p.lr
expect_rc 1
expect_err "p.lr:10:1: error: too many declarations: the policy has 5, the limit is 3"

case_name=nesting
{ printf 'schema prospect {\n  id: string\n  n: number?\n}\nsegment deep when '; printf '(%.0s' {1..300}; printf 'n > 1'; printf ')%.0s' {1..300}; echo; } > nest.lr
lr check nest.lr
expect_rc 1
expect_err "may nest at most 200 levels"

case_name=line-bytes.jsonl
run in.jsonl --limit line-bytes=120
expect_rc 2
expect_err "in.jsonl:1: data error: the line is 147 bytes long, over the limit of 120; raise the limit line-bytes (120) with \`--limit line-bytes=240\`"
run in.jsonl --limit line-bytes=120 --rejects rej.jsonl
expect_rc 0
grep -q '"line":1' rej.jsonl || fail "line 1 not in the rejects"

case_name=line-bytes.csv
printf 'id,account,note\na,acme,short\nb,acme,0123456789012345678901234567890123456789\n' > in.csv
run in.csv --limit line-bytes=30
expect_rc 2
expect_err "in.csv:3"
expect_err "over the limit of 30"

case_name=activities
run in.jsonl --limit activities=2
expect_rc 2
expect_err "in.jsonl:1"
expect_err "the prospect has 3 activities, over the limit of 2"
expect_err "--limit activities=4"
printf 'prospect_id,type,at\na,visit,2025-12-01\na,visit,2025-12-02\na,visit,2025-12-03\n' > acts.csv
run in.csv --activities acts.csv --limit activities=2
expect_rc 2
expect_err "the prospect has 3 activities, over the limit of 2"

case_name=account-prospects
run in.jsonl --limit account-prospects=2
expect_rc 2
expect_err "in.jsonl:3"
expect_err "the account \"acme\" has 3 prospects, over the limit of 2"
expect_err "--limit account-prospects=4"
run in.jsonl --limit account-prospects=3
expect_rc 0

case_name=usage
lr check --limit depth p.lr
expect_rc 2
expect_err "expected NAME=VALUE"
lr check --limit nope=3 p.lr
expect_rc 2
expect_err "unknown limit \"nope\""
lr run --help
expect_out "--limit"
expect_out "account-prospects=20000"
finish limits
