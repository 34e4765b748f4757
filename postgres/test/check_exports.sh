#!/usr/bin/env bash
# The extension exports PostgreSQL's entry points only (exports.map): Pg_magic_func, _PG_init,
# pg_finfo_* and the SQL-callable functions. Anything else -- LLVM 19's inline and template code
# above all -- could be bound by PostgreSQL's own JIT (llvmjit.so, LLVM 14) in the same backend.
set -euo pipefail
module=$1
exported=$(nm -D --defined-only "$module" | awk '{ print $3 }' | sort)
allowed='^(Pg_magic_func|_PG_init|pg_finfo_lrpg_[a-z_]+|lrpg_(register|register_compiled|unregister|score|score_tables))$'
status=0
if ! grep -qx Pg_magic_func <<<"$exported"; then
  echo "check_exports: $module does not export Pg_magic_func" >&2
  status=1
fi
unexpected=$(grep -Ev "$allowed" <<<"$exported" || true)
if [ -n "$unexpected" ]; then
  echo "check_exports: $module exports $(wc -l <<<"$unexpected") symbols besides PostgreSQL's entry points:" >&2
  head -20 <<<"$unexpected" >&2
  status=1
fi
[ $status -eq 0 ] && echo "check_exports: $(wc -l <<<"$exported") symbols exported, all PostgreSQL entry points"
exit $status
