#!/usr/bin/env bash
# The tree is formatted by its .clang-format (clang-format 14): exits 1 naming every file that is
# not, with the fix to run. Files come from git when the tree is a checkout, else from find.
#
#   format_check.sh SOURCE_DIR
set -u
root=$(cd "${1:?usage: $0 SOURCE_DIR}" && pwd)
cd "$root" || exit 2
command -v clang-format >/dev/null || { echo "clang-format is not installed (run .ci/install-deps)" >&2; exit 2; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.c')
else
  mapfile -t files < <(find api cli compiler grammar runtime stdlib include bench tests examples \
    -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.c' | sort)
fi
bad=()
for f in "${files[@]}"; do
  [[ -f $f ]] || continue
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [[ ${#bad[@]} -gt 0 ]]; then
  echo "not formatted (${#bad[@]} of ${#files[@]} files); fix with: clang-format -i ${bad[*]}" >&2
  exit 1
fi
echo "format: ${#files[@]} files formatted"
