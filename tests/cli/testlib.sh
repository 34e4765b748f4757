# Shared by the CLI test scripts (sourced): run leadrules, check what it said, count failures.
# The script sets `leadrules` (the binary) and `case_name` (before each case), and works in a
# temporary directory of its own.
failures=0
fail() { echo "FAIL [${case_name:-?}] $*" >&2; failures=$((failures + 1)); }
# lr ARGS...: runs leadrules (no colour, 60 s at most); sets rc, out and err (also out.txt, err.txt).
lr() { NO_COLOR=1 timeout 60 "$leadrules" "$@" >out.txt 2>err.txt; rc=$?; out=$(cat out.txt); err=$(cat err.txt); }
expect_rc() { [[ $rc -eq $1 ]] || fail "exit code $rc, expected $1; stderr: $err"; }
expect_err() { [[ "$err" == *"$1"* ]] || fail "stderr lacks: $1; stderr was: $err"; }
expect_out() { [[ "$out" == *"$1"* ]] || fail "stdout lacks: $1; stdout was: $out"; }
# finish NAME: the script's verdict and exit code.
finish() {
  if [[ $failures -ne 0 ]]; then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  echo "$1: all checks passed"
  exit 0
}
