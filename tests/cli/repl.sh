#!/usr/bin/env bash
# Scripted sessions of `leadrules repl` (tests/cli/repl/NAME.script against NAME.expected).
#
#   repl.sh LEADRULES [NAME...]            run the named scripts (default: all)
#   repl.sh --bless LEADRULES [NAME...]    (re)write NAME.expected from the current output
#
# Each session runs in a fresh temporary directory holding a copy of examples/pardot/ (policy.lr,
# prospects.jsonl), as `leadrules repl policy.lr --input prospects.jsonl --now 2026-11-22T00:00:00Z`
# with NO_COLOR=1 and standard input a pipe (so: no prompt, no colour, no history file). The
# runner feeds the script a line at a time and waits for the REPL to answer each line before the
# next (it sends a sync expression and reads up to its answer), so the transcript it records
# shows every entry as `lr> ENTRY` followed by what the REPL printed for it, and ends with
# `[exit N]`. Script lines:
#   #args ARGS...     replaces the arguments after `repl` (word-split by the shell)
#   #setup COMMAND    runs COMMAND in the directory before the session starts
#   #then COMMAND     after the session, runs COMMAND in the directory (with $LEADRULES set, and
#                     the transcript so far in transcript.txt) and appends its output
#   # ...             a comment (not sent)
#   !COMMAND          runs COMMAND in the directory at that point (e.g. edit policy.lr before a
#                     :reload); recorded as `$ COMMAND`
#   "  more"          a line that starts with a space continues the previous entry (sent without
#                     a sync in between: the REPL reads it as the rest of an unbalanced entry)
#   anything else     sent to the REPL
# Bless only after reading every new .expected against the policy (examples/pardot/policy.lr):
# the scores, grades and messages in it are the contract.
set -u

bless=0
if [[ "${1:-}" == "--bless" ]]; then
  bless=1
  shift
fi
if [[ $# -lt 1 ]]; then
  echo "usage: $0 [--bless] LEADRULES [NAME...]" >&2
  exit 2
fi
export LEADRULES=$(realpath "$1")
shift
here=$(cd "$(dirname "$0")" && pwd)
suite=$here/repl
example=$(cd "$here/../../examples/pardot" && pwd)
names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
  for f in "$suite"/*.script; do names+=("$(basename "$f" .script)"); done
fi

trap "" PIPE   # a REPL that exits early must not take the runner with it
sync_entry='"~sync~"'
sync_answer='"~sync~" : string'

# run_session SCRIPT DIR OUT: writes the transcript of SCRIPT to OUT.
run_session() {
  local script=$1 dir=$2 out=$3
  local args="policy.lr --input prospects.jsonl --now 2026-11-22T00:00:00Z"
  local -a thens=() setups=()
  local -a lines=()
  while IFS= read -r line || [[ -n "$line" ]]; do
    case "$line" in
      '#args '*) args=${line#\#args } ;;
      '#then '*) thens+=("${line#\#then }") ;;
      '#setup '*) setups+=("${line#\#setup }") ;;
      '#'* | '') ;;
      *) lines+=("$line") ;;
    esac
  done <"$script"
  : >"$out"
  local cmd
  for cmd in "${setups[@]}"; do
    printf '$ %s\n' "$cmd" >>"$out"
    (cd "$dir" && bash -c "$cmd") >>"$out" 2>&1
  done
  # Named pipes rather than a coproc: bash unsets a coproc's descriptors when it exits, so a REPL
  # that stops at once (a policy with errors) could lose its output to the race.
  local in_pipe=$dir/.repl-in out_pipe=$dir/.repl-out to from pid
  rm -f "$in_pipe" "$out_pipe"
  mkfifo "$in_pipe" "$out_pipe"
  # shellcheck disable=SC2086
  (cd "$dir" && exec env NO_COLOR=1 HOME="$dir" timeout 60 "$LEADRULES" repl $args <"$in_pipe" >"$out_pipe" 2>&1) &
  pid=$!
  exec {to}>"$in_pipe" {from}<"$out_pipe"  # the same order as the REPL opens them: no deadlock
  # wait_answer: copies the REPL's output to $out up to the sync answer (false at end of output).
  wait_answer() {
    echo "$sync_entry" >&"$to" 2>/dev/null || true
    local reply
    while IFS= read -r -t 30 reply <&"$from"; do
      [[ "$reply" == "$sync_answer" ]] && return 0
      printf '%s\n' "$reply" >>"$out"
    done
    return 1
  }
  local alive=1 i
  for ((i = 0; i < ${#lines[@]}; i++)); do
    local line=${lines[$i]} next=${lines[$((i + 1))]:-x}
    if [[ "$line" == '!'* ]]; then
      printf '$ %s\n' "${line:1}" >>"$out"
      (cd "$dir" && bash -c "${line:1}") >>"$out" 2>&1
      continue
    fi
    if [[ "$line" == [[:space:]]* ]]; then printf '... %s\n' "${line#"${line%%[![:space:]]*}"}" >>"$out"
    else printf 'lr> %s\n' "$line" >>"$out"; fi
    [[ $alive == 1 ]] || continue
    echo "$line" >&"$to" 2>/dev/null || alive=0
    [[ "$next" == [[:space:]]* ]] && continue   # the entry goes on: no sync inside it
    wait_answer || alive=0
  done
  exec {to}>&-
  cat <&"$from" >>"$out"
  wait "$pid"
  echo "[exit $?]" >>"$out"
  exec {from}<&-
  rm -f "$in_pipe" "$out_pipe"
  for cmd in "${thens[@]}"; do
    printf '$ %s\n' "$cmd" >>"$out"
    cp "$out" "$dir/transcript.txt"
    (cd "$dir" && bash -c "$cmd") >>"$out" 2>&1
    echo "[exit $?]" >>"$out"
  done
}

failed=0
for name in "${names[@]}"; do
  script=$suite/$name.script
  expected=$suite/$name.expected
  if [[ ! -f "$script" ]]; then
    echo "FAIL $name: no $script" >&2
    failed=1
    continue
  fi
  dir=$(mktemp -d)
  cp "$example/policy.lr" "$example/prospects.jsonl" "$dir/"
  actual=$(mktemp)
  run_session "$script" "$dir" "$actual"
  if [[ $bless == 1 ]]; then
    cp "$actual" "$expected"
    echo "blessed $expected"
  elif [[ ! -f "$expected" ]]; then
    echo "FAIL $name: no $expected (run with --bless, then read it)" >&2
    failed=1
  elif ! diff -u --label "$name.expected" --label "$name (actual)" "$expected" "$actual" >&2; then
    echo "FAIL $name: the transcript differs from $name.expected" >&2
    failed=1
  else
    echo "ok $name"
  fi
  rm -rf "$dir" "$actual"
done
exit $failed
