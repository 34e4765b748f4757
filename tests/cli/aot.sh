#!/usr/bin/env bash
# Rule sets compiled ahead of time (issue 11): `leadrules compile` output run by a program linked
# with libleadrules-runtime only (no LLVM) equals the JIT byte for byte, as a shared object and
# as an object linked in; a damaged rule set, one for another ABI version or for a CPU feature
# the runtime cannot check is refused with a clear error, never a crash.
#   tests/cli/aot.sh build/leadrules build/tests/aot_runtime_check SOURCE_DIR
set -u
leadrules=$(realpath "$1")
check=$(realpath "$2")
src=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
source "$src/tests/cli/testlib.sh"
now=2026-11-22T10:00:00Z

case_name=no-llvm
for bin in "$check" "$(dirname "$check")/../libleadrules-runtime.so"; do
  [[ -e $bin ]] || fail "$bin is missing"
  if ldd "$bin" | grep -qi llvm; then fail "$bin links LLVM: $(ldd "$bin" | grep -i llvm)"; fi
done
ldd "$(dirname "$check")/../libleadrules.so" | grep -qi llvm || fail "libleadrules.so should link LLVM (the check above would prove nothing)"

# Each example as a shared object, through the runtime, against the JIT in the full CLI.
for example in pardot agency marketo nurture; do
  case_name=$example
  cp -r "$src/examples/$example" "$example"
  lr compile "$example/policy.lr" --shared "$example.so"
  expect_rc 0
  expect_out "$example.so: policy"
  # The set files travel inside the rule set: it must not need them any more.
  rm -f "$example"/*.txt
  "$check" "$example.so" "$example/prospects.jsonl" $now >aot.jsonl 2>err.txt ||
    fail "runtime: $(cat err.txt)"
  cp -r "$src/examples/$example" "jit-$example"
  lr run "jit-$example/policy.lr" --engine jit --input "jit-$example/prospects.jsonl" --now $now
  expect_rc 0
  cmp -s aot.jsonl out.txt || fail "the rule set and the JIT differ: $(diff aot.jsonl out.txt | head -5)"
  # The CLI runs a rule set as it runs a policy.
  lr run "$example.so" --input "jit-$example/prospects.jsonl" --now $now
  cmp -s aot.jsonl out.txt || fail "leadrules run $example.so differs from the runtime"
done

case_name=linked
"$check" --linked "$src/examples/pardot/prospects.jsonl" $now >linked.jsonl 2>err.txt || fail "$(cat err.txt)"
lr run "$src/examples/pardot/policy.lr" --input "$src/examples/pardot/prospects.jsonl" --now $now
cmp -s linked.jsonl out.txt || fail "the linked object and the JIT differ"

# The benchmark's policy on 20k generated prospects, when the benchmark is there.
bench=$src/../shared/bench
if [[ -f $bench/gen.py && -f $bench/policy.lr ]]; then
  case_name=bench
  python3 "$bench/gen.py" --prospects 20000 --seed 3 --out-dir . --format jsonl >/dev/null
  lr compile "$bench/policy.lr" --shared bench.so --cpu host
  expect_rc 0
  "$check" bench.so prospects.jsonl $now >aot.jsonl 2>err.txt || fail "runtime: $(cat err.txt)"
  lr run "$bench/policy.lr" --input prospects.jsonl --now $now
  cmp -s aot.jsonl out.txt || fail "bench: the rule set and the JIT differ"
  [[ $(wc -l <aot.jsonl) -eq 20000 ]] || fail "bench: $(wc -l <aot.jsonl) results"
fi

case_name=runtime-has-no-compiler
"$check" --jit "$src/examples/pardot/policy.lr" x >out.txt 2>&1 || fail "compiling text with the runtime failed"
grep -q "libleadrules-runtime has no compiler" out.txt || fail "no warning: $(cat out.txt)"
grep -q "build: runtime only, no compiler" out.txt || fail "build_info: $(cat out.txt)"

# Damaged rule sets: patched copies of pardot.so. Same length, so the ELF file stays valid.
patch() {  # patch FILE OLD NEW: the first OLD (bytes, Python escapes) becomes NEW
  python3 - "$@" <<'PY'
import sys
path, old, new = sys.argv[1], sys.argv[2].encode().decode('unicode_escape').encode('latin-1'), sys.argv[3].encode().decode('unicode_escape').encode('latin-1')
data = open(path, 'rb').read()
assert data.count(old) >= 1, old
open(path, 'wb').write(data.replace(old, new, 1))
PY
}
case_name=abi-version
cp pardot.so abi.so
patch abi.so 'LRRULES\x00\x01\x00\x00\x00' 'LRRULES\x00\x63\x00\x00\x00'
lr run abi.so --input "$src/examples/pardot/prospects.jsonl" --now $now
expect_rc 1
expect_err "abi.so: error: abi.so was compiled for leadrules ABI version 99; this runtime reads version 1"
"$check" abi.so "$src/examples/pardot/prospects.jsonl" $now 2>err.txt && fail "the runtime loaded abi.so"
grep -q "ABI version 99" err.txt || fail "runtime: $(cat err.txt)"

case_name=cpu-feature
cp pardot.so cpu.so
patch cpu.so 'sse4.2,popcnt' 'sse4.2,popcnX'
lr check cpu.so
expect_rc 1
expect_err "cpu.so was compiled for the CPU x86-64-v2, whose feature popcnX this runtime cannot check"

case_name=policy-and-code-differ
cp pardot.so text.so
patch text.so 'points +50 per form ' 'points +60 per form '
lr check text.so
expect_rc 1
expect_err "text.so: error: this rule set's code was generated from a plan with fingerprint"
cp pardot.so broken.so
patch broken.so 'points +50 per form ' 'points +50 per fork '
lr check broken.so
expect_rc 1
expect_err "broken.so: error: the policy inside this rule set does not check with leadrules"

case_name=not-a-rule-set
cp "$(dirname "$check")/../libleadrules-runtime.so" lib.so
lr run lib.so --input "$src/examples/pardot/prospects.jsonl"
expect_rc 1
expect_err "lib.so is a shared object but not a leadrules rule set"
head -c 3000 pardot.so >truncated.so
lr run truncated.so --input "$src/examples/pardot/prospects.jsonl"
expect_rc 1
expect_err "cannot load the rule set truncated.so"

case_name=compile-errors
lr compile "$src/examples/pardot/policy.lr"
expect_rc 2
expect_err "say where to write it"
lr compile "$src/examples/pardot/policy.lr" --shared x.so --cpu pentium9
expect_rc 1
expect_err 'unknown CPU "pentium9"'
[[ -e x.so ]] && fail "x.so was written"
lr compile "$src/examples/pardot/policy.lr" -o x.o --symbol 'not-c'
expect_rc 1
expect_err 'is not a C identifier'

finish aot
