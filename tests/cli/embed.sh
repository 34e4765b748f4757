#!/usr/bin/env bash
# Install and consume: `cmake --install` the build tree into a temporary prefix, build
# examples/embed/ as a separate project against it (find_package and pkg-config), run the
# programs and check that they use the installed libleadrules.so.
#
#   embed.sh BUILD_DIR SOURCE_DIR          (ctest -L install)
#
# The event service is also run with its input on a FIFO: a broken policy, then a changed one,
# are put in place of its policy file mid-stream and each is announced with SIGHUP; the reload
# must be logged (failure, then success), every event must get its output line, and the events
# after the reload must be scored by the new version.
set -u

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
  exit 2
fi
build=$(realpath "$1")
src=$(realpath "$2")
embed=$src/examples/embed
work=$(mktemp -d)
service_pid=
cleanup() {
  [[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
checks=0
fail() {
  echo "FAIL $*" >&2
  failures=$((failures + 1))
}
check() {   # check DESCRIPTION COMMAND...
  local what=$1
  shift
  checks=$((checks + 1))
  if ! "$@"; then fail "$what"; fi
}
die() {
  echo "embed.sh: $*" >&2
  exit 1
}

prefix=$work/prefix
# --- install
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; die "cmake --install failed"; }
for f in lib/libleadrules.a lib/libleadrules.so lib/libleadrules-runtime.so lib/cmake/leadrules/leadrulesConfig.cmake \
         lib/cmake/leadrules/leadrulesConfigVersion.cmake lib/pkgconfig/leadrules.pc \
         include/leadrules/leadrules.h include/leadrules/leadrules.hpp include/leadrules/value.hpp \
         include/leadrules/diagnostic.hpp; do
  check "installed $f" test -e "$prefix/$f"
done

# --- configure and build the examples against the installed package
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$embed" -B "$work/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_PREFIX_PATH="$prefix" >"$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; die "configuring examples/embed failed"; }
cmake --build "$work/build" -j 2 >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; die "building examples/embed failed"; }
bin=$work/build

# --- score (C, shared library)
expected_score='{"id":"p-100","score":61,"scores":{"score":61},"grade":"B+","segments":["hot"],"actions":[{"rule":"Hot list","action":"add_to_list","args":["HOT"]},{"rule":"Hot list","action":"tag","args":["hot"]}],"set":{}}'
out=$("$bin/score" "$embed/../pardot/policy.lr" 2>"$work/score.err")
check "score prints the result (got: $out)" test "$out" = "$expected_score"
# the same record through the CLI's own path: a data error names the field
out=$("$bin/score" "$embed/../pardot/policy.lr" '{"id":"x","email":"a@b.example","employees":"many"}' 2>&1)
status=$?
check "score: a data error exits 2" test $status -eq 2
check "score: the data error names the field (got: $out)" grep -q 'data error in `employees`' <<<"$out"
printf 'policy "Broken"\nschema prospect {\n  id: string\n}\npoints +1 if nosuch > 1\n' >"$work/broken.lr"
out=$("$bin/score" "$work/broken.lr" 2>&1)
status=$?
check "score: a policy error exits 1" test $status -eq 1
check "score: the diagnostic has line:col (got: $out)" grep -q 'broken.lr:5:14: error' <<<"$out"

# --- it is the installed library that is loaded
ldd_out=$(ldd "$bin/score")
check "score loads $prefix/lib/libleadrules.so (ldd: $ldd_out)" grep -q "libleadrules.so.* => $prefix/lib/libleadrules.so" <<<"$ldd_out"
ldd_out=$(ldd "$bin/event_service")
check "event_service loads $prefix/lib/libleadrules.so" grep -q "libleadrules.so.* => $prefix/lib/libleadrules.so" <<<"$ldd_out"

# --- score_runtime: libleadrules-runtime (no LLVM) runs a rule set from `leadrules compile`
if "$build/leadrules" compile "$embed/../pardot/policy.lr" --shared "$work/pardot.so" >"$work/compile.log" 2>&1; then
  out=$("$bin/score_runtime" "$work/pardot.so" 2>&1)
  check "score_runtime prints the result (got: $out)" test "$out" = "$expected_score"
  ldd_out=$(ldd "$bin/score_runtime")
  check "score_runtime loads $prefix/lib/libleadrules-runtime.so" grep -q "libleadrules-runtime.so.* => $prefix/lib/libleadrules-runtime.so" <<<"$ldd_out"
  check "score_runtime links no LLVM (ldd: $ldd_out)" bash -c "! grep -qi llvm <<<'$ldd_out'"
else
  cat "$work/compile.log" >&2
  fail "leadrules compile --shared failed"
fi

# --- score_static: libleadrules.a and its dependencies from the package config
if [[ -x $bin/score_static ]]; then
  out=$("$bin/score_static" "$embed/../pardot/policy.lr" 2>&1)
  check "score_static prints the result (got: $out)" test "$out" = "$expected_score"
  check "score_static does not load libleadrules.so" bash -c "! ldd '$bin/score_static' | grep -q libleadrules"
else
  fail "score_static was not built"
fi

# --- pkg-config: by CMake's pkg_check_modules, and by hand
if command -v pkg-config >/dev/null; then
  flags=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs leadrules)
  check "pkg-config --cflags --libs leadrules (got: $flags)" grep -q -- '-lleadrules' <<<"$flags"
  # shellcheck disable=SC2086
  if cc -std=c11 "$embed/score.c" $flags -Wl,-rpath,"$prefix/lib" -o "$work/score_pc_by_hand" 2>"$work/cc.log"; then
    out=$("$work/score_pc_by_hand" "$embed/../pardot/policy.lr" 2>&1)
    check "score built with pkg-config prints the result (got: $out)" test "$out" = "$expected_score"
  else
    cat "$work/cc.log" >&2
    fail "cc score.c \$(pkg-config --cflags --libs leadrules) failed"
  fi
  if [[ -x $bin/score_pc ]]; then
    out=$("$bin/score_pc" "$embed/../pardot/policy.lr" 2>&1)
    check "score_pc (pkg_check_modules) prints the result (got: $out)" test "$out" = "$expected_score"
  else
    fail "score_pc (pkg_check_modules) was not built"
  fi
fi

# --- event_service on the sample events, in one go: the expected decisions
events=$embed/events.jsonl
n_events=$(grep -c . "$events")
"$bin/event_service" "$embed/../pardot/policy.lr" <"$events" >"$work/service.out" 2>"$work/service.err"
status=$?
check "event_service exits 0 (stderr: $(cat "$work/service.err"))" test $status -eq 0
if ! diff -u "$embed/events.expected.jsonl" "$work/service.out" >"$work/service.diff"; then
  cat "$work/service.diff" >&2
  fail "event_service output differs from examples/embed/events.expected.jsonl"
fi
checks=$((checks + 1))

# --- event_service with SIGHUP mid-stream: a broken policy (refused), then a changed one
policy=$work/policy.lr
cp "$embed/../pardot/policy.lr" "$policy"
mkfifo "$work/in"
"$bin/event_service" "$policy" <"$work/in" >"$work/hup.out" 2>"$work/hup.err" &
service_pid=$!
exec 3>"$work/in"
wait_for() {   # wait_for FILE PATTERN COUNT: until FILE has COUNT lines matching PATTERN (30 s)
  local i
  for ((i = 0; i < 300; i++)); do
    [[ $(grep -c -- "$2" "$1" 2>/dev/null) -ge $3 ]] && return 0
    sleep 0.1
  done
  echo "timed out waiting for $3 x '$2' in $1:" >&2
  cat "$1" >&2
  return 1
}
head -n 10 "$events" >&3
check "the first 10 events are answered" wait_for "$work/hup.out" '"event":' 10
# The service is now blocked reading: a SIGHUP must wake it up.
cp "$work/broken.lr" "$policy"
kill -HUP "$service_pid"
check "a failed reload is logged" wait_for "$work/hup.err" 'reload of .* failed; keeping version 1' 1
check "the failed reload shows the diagnostic" wait_for "$work/hup.err" 'policy.lr:5:14: error' 1
sed -n 11,12p "$events" >&3
check "events 11-12 are answered" wait_for "$work/hup.out" '"event":' 12
# version 2: pricing visits are worth 30 more points (+40 instead of +10)
sed 's|^points +10 per visit where page ~\* "^/pricing"|points +40 per visit where page ~* "^/pricing"|' \
    "$embed/../pardot/policy.lr" >"$policy"
check "the changed policy differs" bash -c "! cmp -s '$policy' '$embed/../pardot/policy.lr'"
kill -HUP "$service_pid"
check "the reload is logged" wait_for "$work/hup.err" 'reloaded .*policy.lr: version 2' 1
tail -n +13 "$events" >&3
exec 3>&-
wait "$service_pid"
status=$?
service_pid=
check "event_service exits 0 after SIGHUP" test $status -eq 0
check "no event is lost: $n_events output lines" test "$(grep -c '"event":' "$work/hup.out")" -eq "$n_events"
check "no event error" bash -c "! grep -q '\"error\"' '$work/hup.out'"
for i in $(seq 1 "$n_events"); do
  line=$(sed -n "${i}p" "$work/hup.out")
  check "output line $i is event $i" grep -q "^{\"event\":$i," <<<"$line"
  if ((i <= 12)); then
    check "event $i is scored by version 1" grep -q '"policy":1,' <<<"$line"
  else
    check "event $i is scored by version 2" grep -q '"policy":2,' <<<"$line"
  fi
done
# Events 1-12 as in the run without reload; event 14 (p3's visit to /pricing/enterprise) is worth
# 41 on version 2 instead of 11, so p3 scores 30 more than in the expected output from there on.
check "events 1-12 unchanged by the failed reload" \
  cmp -s <(head -n 12 "$work/hup.out") <(head -n 12 "$embed/events.expected.jsonl")
v1_score=$(sed -n 14p "$embed/events.expected.jsonl" | sed 's/.*"score":\([-0-9.]*\),.*/\1/')
v2_score=$(sed -n 14p "$work/hup.out" | sed 's/.*"score":\([-0-9.]*\),.*/\1/')
check "event 14 is worth 30 more on version 2 ($v1_score -> $v2_score)" test "$((v1_score + 30))" = "$v2_score"

echo "embed.sh: $((checks - failures)) of $checks checks passed"
[[ $failures -eq 0 ]]
