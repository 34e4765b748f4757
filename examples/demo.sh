#!/usr/bin/env bash
# `make demo`: the Pardot-style example end to end — check, test, score, explain.
set -euo pipefail
bin=${1:-build/leadrules}
here=$(cd "$(dirname "$0")" && pwd)
ex=$here/pardot
now=2026-11-22T00:00:00Z
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
step "$bin" check "$ex/policy.lr"
step "$bin" test "$ex/policy.lr"
step "$bin" run "$ex/policy.lr" --input "$ex/prospects.jsonl" --now "$now"
first_id=$(head -n 1 "$ex/prospects.jsonl" | sed -E 's/^\{"id": *"([^"]*)".*/\1/')
step "$bin" explain "$ex/policy.lr" --input "$ex/prospects.jsonl" --now "$now" --id "$first_id"
