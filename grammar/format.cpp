// The canonical formatter behind `leadrules fmt`.
//
// House style (one layout for every policy, like gofmt; everything below is decided from the
// syntax tree alone, never from the user's spacing, so formatting is idempotent):
//
//   - `policy "Name" [timezone "Zone"]` first, then the declarations in source order (never
//     reordered). One blank line separates declaration groups: each schema, the sets, the lets,
//     each score block, a run of top-level `score cap/floor` bounds, a run of top-level points,
//     the decays, the grade lines (`grade start` and the moves), each zone, the segments, each
//     rule and each test. Consecutive declarations of one of the "run" kinds stay together
//     without blank lines. The user's blank lines are not kept.
//   - Two spaces of indentation inside `{ }`. An empty block is `{}` on its header line.
//   - Schema: `kinds a, b, c` on one line, at the place of the first kind, then one field a
//     line: `name: type?` [` = default`] [` from "Col"`] [` missing "a", "b"`].
//   - Points: the amounts of one score block (or of one run of top-level points) are padded to
//     the widest, so the `per`/`if` keywords line up (`points +1  per visit`); the moves of one
//     grade run likewise (`grade +1   if …`). A zone row's grade is padded to three columns
//     (`A-  score >= 20`, `D   score >= 80`).
//   - A rule is one line when it fits in 100 columns (code points; comments are not counted),
//     otherwise `rule "name" [qualifier] when C` and `  do A1, A2` on the next line. A written
//     `once` is kept.
//   - Tests: one item a line, in source order. A record (`prospect`, an activity, `colleague`,
//     `history`) is one line `prospect { id: "t1", email: "a@b" }` when it fits in 100 columns
//     and no comment sits inside its braces; otherwise `prospect {`, one field a line, `}`.
//     A colleague with nested activities is always the long form.
//   - Expressions: single spaces around binary operators and after `,`, none inside `( )`.
//     Every pair of parentheses the user wrote around an expression is kept (like gofmt), even
//     where precedence makes it redundant: `not (a ~* "x")`, `(a ?? "") in s`, `(a and b) or c`
//     stay as written (the tree records them: Expr::parenthesized). Doubled parentheses `((x))`
//     become one pair. Beyond those, parentheses are added only where the grammar needs them
//     (a parsed tree always has them written there; a tree built otherwise may not): by
//     LANGUAGE.md precedence (`not` below comparisons, comparisons not associative, `??` right
//     associative, `+ - * /` left associative); an infix `within` inside an activity
//     aggregate's `where` (or a points rule's `where`); and an `any`/`no` aggregate whose open
//     tail (`where C`, `within D`, or a bare kind before `within`) would swallow what follows
//     it. An expression is never wrapped twice, and no other parentheses are added.
//   - Numbers, durations, times, grades, grade moves and signed numbers print their text as
//     written. Strings are re-escaped: `\"`, `\\`, `\n`, `\t`, other control characters as
//     `\u{XX}`; everything else (UTF-8 included) byte for byte. Templates escape literal braces
//     as `{{`/`}}` and print `{expr}` / `{expr|fallback}` (a `}` in a fallback as `\u{7D}`).
//   - Comments: every comment is printed exactly once, with its trailing blanks removed. Each
//     printed line knows the source range of the code it prints. A comment with code before it
//     on its source line goes to the printed line holding that code, at its end after two
//     spaces; a comment alone on its line goes on its own line before the next printed line
//     that follows it in the source, at that line's indentation (before a closing `}` it keeps
//     the block's inner indentation). Only one comment fits at the end of a line: when several
//     land on one printed line (a multi-line expression joined into one line), the earlier ones
//     go on their own lines above it. Comments after the last declaration end the file, after a
//     blank line.
//   - The output ends with exactly one newline (an empty policy formats as the empty text) and
//     has no trailing blanks.
#include "grammar/format.hpp"

#include <algorithm>
#include <numeric>

#include "grammar/format_internal.hpp"

namespace leadrules {

namespace formatting {

// Declarations in source order, a blank line between groups; runs of one kind stay together.
std::string Formatter::run() {
  header();
  size_t n = policy_.decls.size();
  for (size_t i = 0; i < n;) {
    Decl const& d = policy_.decls[i];
    Run kind = run_kind(d);
    size_t j = i + 1;
    if (kind != kAlone)
      while (j < n && run_kind(policy_.decls[j]) == kind) ++j;
    bool blank = !lines_.empty();
    if (kind == kPoints || kind == kGrades) {  // align the points amounts / grade moves of the run
      size_t w = 0;
      for (size_t k = i; k < j; ++k) {
        if (auto* r = std::get_if<PointsRule>(&policy_.decls[k]))
          w = std::max(w, width(number_text(r->points)));
        if (auto* g = std::get_if<GradeMove>(&policy_.decls[k]))
          w = std::max(w, width(move_text(g->text, g->thirds)));
      }
      align_ = w;
    }
    for (size_t k = i; k < j; ++k) {
      declaration(policy_.decls[k], blank);
      blank = false;
    }
    i = j;
  }
  return render();
}

}  // namespace formatting

std::string format_policy(ast::Policy const& policy, SourceFile const& source) {
  return formatting::Formatter(policy, source).run();
}

}  // namespace leadrules
