#!/usr/bin/env bash
# Error-message tests: `leadrules check X.lr` must exit 1 and print exactly X.expected on stderr.
#
#   check_errors.sh LEADRULES POLICY.lr...            check each policy (ctest runs one a test)
#   check_errors.sh --bless LEADRULES POLICY.lr...    (re)write X.expected from the current output
#
# The CLI runs in the policy's folder with the bare file name, so the messages read
# `X.lr:LINE:COL: error: …` whatever the checkout's path; NO_COLOR=1 keeps escape codes out.
# Bless only after reading every new .expected as a user would: the message, where the caret
# points and the hint are all part of the contract (tests/policies/errors/README.md).
set -u

bless=0
if [[ "${1:-}" == "--bless" ]]; then
  bless=1
  shift
fi
if [[ $# -lt 2 ]]; then
  echo "usage: $0 [--bless] LEADRULES POLICY.lr..." >&2
  exit 2
fi
leadrules=$(realpath "$1")
shift

failed=0
for policy in "$@"; do
  dir=$(dirname "$policy")
  file=$(basename "$policy")
  expected="$dir/${file%.lr}.expected"
  actual=$(mktemp)
  stdout=$(mktemp)
  (cd "$dir" && NO_COLOR=1 timeout 30 "$leadrules" check "$file" >"$stdout" 2>"$actual")
  rc=$?
  if [[ $bless == 1 ]]; then
    cp "$actual" "$expected"
    echo "blessed $expected (exit $rc)"
  else
    ok=1
    if [[ $rc -ne 1 ]]; then
      echo "FAIL $file: exit code $rc, expected 1" >&2
      ok=0
    fi
    if [[ -s "$stdout" ]]; then
      echo "FAIL $file: unexpected standard output:" >&2
      cat "$stdout" >&2
      ok=0
    fi
    if [[ ! -f "$expected" ]]; then
      echo "FAIL $file: no $expected (run with --bless, then read it)" >&2
      ok=0
    elif ! diff -u --label "$file.expected" --label "$file (actual stderr)" "$expected" "$actual" >&2; then
      echo "FAIL $file: stderr differs from ${file%.lr}.expected" >&2
      ok=0
    fi
    [[ $ok == 1 ]] || failed=1
  fi
  rm -f "$actual" "$stdout"
done
exit $failed
