// Checker, dependency order: the declaration graph's labels, strata (colleague aggregates),
// cycles and the evaluation order.

#include "compiler/checker/checker_internal.hpp"

#include <functional>

namespace leadrules::checker_detail {

std::string Checker::decl_label(int d) const {
  if (d < decl_block(0)) return fmt::format("let `{}`", plan_->lets[size_t(d)].name);
  if (d < decl_total()) return fmt::format("score block `{}`", plan_->blocks[size_t(d - decl_block(0))].name);
  if (d == decl_total()) return "`score`";
  if (d == decl_grade()) return "`grade`";
  auto const& s = plan_->segments[size_t(d - decl_segment(0))];
  return fmt::format("{} `{}`", s.zone ? "zone" : "segment", s.name);
}

plan::DeclRef Checker::decl_ref(int d) const {
  using K = plan::DeclRef::Kind;
  if (d < decl_block(0)) return {K::Let, d};
  if (d < decl_total()) return {K::Block, d - decl_block(0)};
  if (d == decl_total()) return {K::Total, 0};
  if (d == decl_grade()) return {K::Grade, 0};
  return {K::Segment, d - decl_segment(0)};
}

// LANGUAGE.md's strata: what points and grades need may count colleagues by their fields and
// activities, never read colleagues' scores or grades (nor lets, segments or zones built on
// them). Segments, zones and the lets only they use may. Cycles are reported separately.
void Checker::check_strata() {
  int n = decl_count();
  auto scoring = [&](int d) { return (d >= decl_block(0) && d <= decl_total()) || d == decl_grade(); };
  // Does d read a score or the grade, directly or through anything it reads?
  std::vector<int8_t> reads_scoring(size_t(n), -1);
  std::function<bool(int)> reads = [&](int d) -> bool {
    auto& memo = reads_scoring[size_t(d)];
    if (memo >= 0) return memo == 1;
    memo = 0;  // a cycle is reported elsewhere; treat the back edge as false
    bool r = scoring(d);
    for (auto const& e : deps_[size_t(d)]) r = r || reads(e.to);
    memo = r ? 1 : 0;
    return r;
  };
  // From every points block and the grade, follow what they read; a colleague edge on the way
  // must not lead to scores or grades.
  std::vector<uint8_t> seen(size_t(n), 0);
  bool reported = false;
  std::function<void(int)> walk = [&](int d) {
    if (seen[size_t(d)] || reported) return;
    seen[size_t(d)] = 1;
    for (auto const& e : deps_[size_t(d)]) {
      if (e.colleague && reads(e.to)) {
        error(e.span,
              fmt::format("a colleague aggregate used by points or grades reads {} of the colleagues",
                          decl_label(e.to)),
              "points and grade rules may count colleagues by their fields and activities (`count(colleague "
              "where "
              "any activity within 30d)`), not use their scores or grades; a segment can: "
              "`segment hot_account when sum(colleague, score) + score >= 150`");
        reported = true;
        return;
      }
      if (!e.colleague) walk(e.to);
    }
  };
  for (size_t b = 0; b < plan_->blocks.size(); ++b) walk(decl_block(int(b)));
  walk(decl_grade());
}

void Checker::order_declarations() {
  // The total depends on every block.
  for (size_t b = 0; b < plan_->blocks.size(); ++b)
    deps_[size_t(decl_total())].push_back({decl_block(int(b)), {}, false});
  int n = decl_count();
  std::vector<int8_t> state(size_t(n), 0);  // 0 new, 1 on stack, 2 done
  std::vector<std::pair<int, Edge>> stack;  // the path, with the edge that entered each node
  bool reported = false;
  std::function<void(int)> visit = [&](int d) {
    state[size_t(d)] = 1;
    for (auto const& e : deps_[size_t(d)]) {
      if (state[size_t(e.to)] == 1) {
        if (reported) continue;
        reported = true;
        // Name the cycle from e.to around to d and back.
        std::string path = decl_label(e.to);
        bool through_colleague = e.colleague;
        ast::Span where = e.span;
        size_t start = 0;
        for (size_t i = 0; i < stack.size(); ++i)
          if (stack[i].first == e.to) start = i;
        for (size_t i = start + 1; i < stack.size(); ++i) {
          path += " → " + decl_label(stack[i].first);
          through_colleague |= stack[i].second.colleague;
          // Implicit edges (the total reads every block) have no place in the text: point at
          // the first reference the user wrote, the colleague one when there is one.
          auto const& edge = stack[i].second;
          bool written = edge.span.end > edge.span.begin;
          if (written && (where.end <= where.begin || (edge.colleague && !e.colleague))) where = edge.span;
        }
        path += " → " + decl_label(e.to);
        if (through_colleague)
          error(where, fmt::format("colleague aggregate out of order: {}", path),
                "a colleague aggregate may use only what is computed before the place that uses it: a points "
                "or grade rule can count colleagues but not sum their scores; a segment can");
        else
          error(where, fmt::format("cycle: {}", path),
                "a declaration cannot depend on itself, not even through past()");
        continue;
      }
      if (state[size_t(e.to)] == 0) {
        stack.push_back({e.to, e});
        visit(e.to);
        stack.pop_back();
      }
    }
    state[size_t(d)] = 2;
    plan_->order.push_back(decl_ref(d));
  };
  for (int d = 0; d < n; ++d)
    if (state[size_t(d)] == 0) {
      stack.push_back({d, Edge{d, {}, false}});
      visit(d);
      stack.pop_back();
    }
}

}  // namespace leadrules::checker_detail
