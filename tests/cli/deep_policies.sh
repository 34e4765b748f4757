#!/usr/bin/env bash
# Long chains of declarations (issue 12): the checker refuses a chain over the `depth` limit with
# a message (never a stack overflow), and a chain just under it checks and runs the same on both
# engines. The policies are generated here.
#   tests/cli/deep_policies.sh build/leadrules [fast|jit]
# `fast`: the checker's messages and the interpreter at the default limit (also under ASan);
# `jit`: interp and JIT on chains at the default limit (several seconds of LLVM: label slow).
set -u
leadrules=$(realpath "$1")
part=${2:-fast}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
source "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/testlib.sh"

# gen KIND N > file: lets (x_i = x_{i-1} + 1), fwd (s_i reads s_{i+1}), back (s_i reads s_{i-1}),
# wide (100 layers, each segment reads 8 of the layer below: wide, not deep).
gen() {
  python3 - "$1" "$2" <<'PY'
import sys
kind, n = sys.argv[1], int(sys.argv[2])
out = ['schema prospect {', '  id: string', '  n: number?', '}']
if kind == 'lets':
    out.append('let x0 = n')
    out += [f'let x{i} = x{i-1} + 1' for i in range(1, n)]
    out.append(f'segment top when x{n-1} > 0')
elif kind == 'fwd':
    out += [f'segment s{i} when s{i+1}' for i in range(n - 1)]
    out.append(f'segment s{n-1} when n > 0')
elif kind == 'back':
    out.append('segment s0 when n > 0')
    out += [f'segment s{i} when s{i-1}' for i in range(1, n)]
elif kind == 'wide':
    w = max(1, n // 100)
    out += [f'segment s0_{j} when n > {j % 5}' for j in range(w)]
    for layer in range(1, 100):
        out += [f'segment s{layer}_{j} when ' + ' or '.join(
            f'(s{layer-1}_{(j*7+k*13) % w} and n > {k})' for k in range(8)) for j in range(w)]
print('\n'.join(out))
PY
}
printf '{"id":"a","n":3}\n{"id":"b","n":0}\n{"id":"c"}\n' > in.jsonl

if [[ $part == fast ]]; then
  # Far over the limit: one error at the declaration where the chain passes it, naming the limit,
  # the chain's start and the option. (5,000 lets crashed the checker; 20,000 segments the
  # interpreter.)
  case_name=lets.too_deep
  gen lets 5000 > lets.lr
  lr check lets.lr
  expect_rc 1
  expect_err "lets.lr:505:12: error: declarations read each other too deeply: let \`x500\` reads a chain 1001 levels deep (the limit is 1000)"
  expect_err "down to let \`x0\` (line 5), where it starts"
  expect_err "--limit depth=2000"

  case_name=segments.too_deep
  gen fwd 20000 > fwd.lr
  lr check fwd.lr
  expect_rc 1
  expect_err "fwd.lr:19004:21: error: declarations read each other too deeply: segment \`s18999\` reads a chain 1001 levels deep"
  expect_err "down to segment \`s19999\` (line 20004)"
  lr run fwd.lr --input in.jsonl --now 2026-01-01 --engine interp
  expect_rc 1

  case_name=segments.back.too_deep
  gen back 50000 > back.lr
  lr check back.lr
  expect_rc 1
  expect_err "segment \`s1000\` reads a chain 1001 levels deep"

  case_name=limit.raised
  gen fwd 1001 > fwd1001.lr
  lr check fwd1001.lr
  expect_rc 1
  lr check --limit depth=1001 fwd1001.lr
  expect_rc 0

  # Just under the limit: checks, and the interpreter runs it (with a quarter of the usual stack:
  # the limit leaves a margin for bigger frames, as under ASan).
  for spec in "fwd 1000" "back 1000" "lets 499"; do
    set -- $spec
    case_name=under_limit.$1
    gen "$1" "$2" > "$1.under.lr"
    lr check "$1.under.lr"
    expect_rc 0
    (ulimit -s 2048 && NO_COLOR=1 "$leadrules" run "$1.under.lr" --input in.jsonl --now 2026-01-01 --engine interp > "$1.out" 2> /dev/null)
    [[ $? -eq 0 ]] || fail "the interpreter failed with a 2 MB stack"
    grep -q '"id":"a"' "$1.out" || fail "no result for a"
  done

  # Width is not depth: 20,000 segments reading 8 each of the layer below (depth 100).
  case_name=wide
  gen wide 20000 > wide.lr
  lr check wide.lr
  expect_rc 0
  lr run wide.lr --input in.jsonl --now 2026-01-01 --engine interp
  expect_rc 0
else
  # The JIT follows the same chains (frame layout, code generation, the compiled code): same
  # results as the interpreter, no fallback warning.
  for spec in "fwd 1000" "back 1000" "lets 499"; do
    set -- $spec
    case_name=jit.$1
    gen "$1" "$2" > "$1.lr"
    lr run "$1.lr" --input in.jsonl --now 2026-01-01 --engine interp
    expect_rc 0
    cp out.txt interp.out
    lr run "$1.lr" --input in.jsonl --now 2026-01-01 --engine jit
    expect_rc 0
    [[ "$err" != *"runs on the interpreter"* ]] || fail "the JIT fell back: $err"
    cmp -s out.txt interp.out || fail "interp and jit differ"
  done
fi
finish "deep_policies ($part)"
