#!/usr/bin/env bash
# Set files stay in the policy's folder (issue 12 item 4): a file("...") path that leads out of
# it (`..`, an absolute path, a symbolic link made here) is a policy error on every command that
# compiles a policy, unless `--allow-path DIR` names a directory that holds the file.
#
#   set_paths.sh LEADRULES    (ctest -R cli.set_paths)
#
# Works in a temporary directory: policy/policy.lr (examples/agency's, its set file moved to
# shared/), policy/prospects.jsonl.
set -u
leadrules=$(realpath "$1")
source "$(dirname "$0")/testlib.sh"
agency=$(cd "$(dirname "$0")/../../examples/agency" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir policy shared
cp "$agency/prospects.jsonl" policy/
cp "$agency/priority_accounts.txt" shared/
sed 's#file("priority_accounts.txt")#file("../shared/priority_accounts.txt")#' "$agency/policy.lr" >policy/policy.lr
cd policy
now=(--now 2026-11-22T00:00:00Z)

case_name="check: .. out of the folder"
lr check policy.lr
expect_rc 1
expect_err 'policy.lr:34:30: error: the set file "../shared/priority_accounts.txt" is outside the policy'"'"'s folder'
expect_err "--allow-path DIR"
lr check policy.lr --allow-path ../shared
expect_rc 0
lr check --allow-path ../shared policy.lr  # one directory per --allow-path: policy.lr is not taken
expect_rc 0
lr check policy.lr --allow-path ../shar  # a prefix of the folder's name is not the folder
expect_rc 1
lr check policy.lr --allow-path /nowhere --allow-path "$work/shared"  # repeatable
expect_rc 0

case_name="every command that compiles a policy"
for cmd in "test" "run --input prospects.jsonl" "explain --input prospects.jsonl --id c-01" \
  "report --input prospects.jsonl --by grade" "bench --input prospects.jsonl --repeat 1 --threads 1"; do
  case_name="$cmd"
  args=("${now[@]}")
  [[ $cmd == test ]] && args=()
  # shellcheck disable=SC2086
  lr $cmd policy.lr "${args[@]}"
  expect_rc 1
  expect_err "is outside the policy's folder"
  # shellcheck disable=SC2086
  lr $cmd policy.lr "${args[@]}" --allow-path ../shared
  expect_rc 0
done
case_name="diff"
lr diff policy.lr policy.lr --input prospects.jsonl "${now[@]}"
expect_rc 1
expect_err "is outside the policy's folder"
lr diff policy.lr policy.lr --input prospects.jsonl "${now[@]}" --allow-path ../shared
expect_rc 0
case_name="backtest"
lr backtest policy.lr --input prospects.jsonl --label converted "${now[@]}"
expect_rc 1
expect_err "is outside the policy's folder"
lr backtest policy.lr --input prospects.jsonl --label converted "${now[@]}" --allow-path ../shared
[[ "$err" != *"outside the policy's folder"* ]] || fail "backtest --allow-path: $err"

case_name="repl"
printf 'account in priority_accounts\n' >script.txt
NO_COLOR=1 timeout 60 "$leadrules" repl policy.lr "${now[@]}" <script.txt >out.txt 2>err.txt
rc=$?
err=$(cat err.txt)
expect_rc 1
expect_err "is outside the policy's folder"
NO_COLOR=1 timeout 60 "$leadrules" repl policy.lr "${now[@]}" --allow-path ../shared <script.txt >out.txt 2>err.txt
rc=$?
out=$(cat out.txt)
err=$(cat err.txt)
expect_rc 0
expect_out "missing : bool"  # no prospect loaded: the account is missing

case_name="a symbolic link out of the folder"
ln -s "$work/shared/priority_accounts.txt" accounts_link.txt
sed -i 's#file("../shared/priority_accounts.txt")#file("accounts_link.txt")#' policy.lr
lr check policy.lr
expect_rc 1
expect_err 'error: the set file "accounts_link.txt" (it leads to "'"$work"'/shared/priority_accounts.txt") is outside'
lr check policy.lr --allow-path "$work/shared"
expect_rc 0

case_name="a symbolic link in an allowed directory that leads out of it"
mkdir ../elsewhere
mv "$work/shared/priority_accounts.txt" ../elsewhere/
ln -s "$work/elsewhere/priority_accounts.txt" "$work/shared/priority_accounts.txt"
lr check policy.lr --allow-path ../shared
expect_rc 1
expect_err "(it leads to \"$work/elsewhere/priority_accounts.txt\")"

case_name="a symbolic folder inside the policy's folder"
ln -s ../elsewhere linked_dir
sed -i 's#file("accounts_link.txt")#file("linked_dir/priority_accounts.txt")#' policy.lr
lr check policy.lr
expect_rc 1
lr check policy.lr --allow-path ../elsewhere
expect_rc 0

case_name="an allowed device is still refused: it would never end"
sed -i 's#file("linked_dir/priority_accounts.txt")#file("/dev/zero")#' policy.lr
lr check policy.lr
expect_rc 1
expect_err "is outside the policy's folder"
lr check policy.lr --allow-path /dev
expect_rc 1
expect_err 'cannot read the set file "/dev/zero": it is not a regular file (a device, FIFO or socket)'

finish set_paths
