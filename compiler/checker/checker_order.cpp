// Checker, dependency order: the declaration graph's labels, strata (colleague aggregates),
// cycles and the evaluation order.

#include "compiler/checker/checker_internal.hpp"

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
// them). Segments, zones and the lets only they use may. Cycles are reported before (this runs
// on an acyclic graph, after order_declarations). No recursion: policies may be long.
void Checker::check_strata() {
  int n = decl_count();
  auto scoring = [&](int d) { return (d >= decl_block(0) && d <= decl_total()) || d == decl_grade(); };
  // Does d read a score or the grade, directly or through anything it reads? In dependency
  // order, so what d reads is known before d.
  std::vector<uint8_t> reads(size_t(n), 0);
  for (int d : topo_) {
    bool r = scoring(d);
    for (auto const& e : deps_[size_t(d)]) r = r || reads[size_t(e.to)];
    reads[size_t(d)] = r;
  }
  // From every points block and the grade, follow what they read (depth first, edges in the
  // order written); a colleague edge on the way must not lead to scores or grades.
  std::vector<uint8_t> seen(size_t(n), 0);
  std::vector<std::pair<int, size_t>> path;  // (declaration, next edge)
  auto walk = [&](int root) {
    if (seen[size_t(root)]) return false;
    seen[size_t(root)] = 1;
    path.assign(1, {root, 0});
    while (!path.empty()) {
      auto& [d, next] = path.back();
      auto const& edges = deps_[size_t(d)];
      if (next == edges.size()) {
        path.pop_back();
        continue;
      }
      Edge const& e = edges[next++];
      if (e.colleague && reads[size_t(e.to)]) {
        error(e.span,
              fmt::format("a colleague aggregate used by points or grades reads {} of the colleagues",
                          decl_label(e.to)),
              "points and grade rules may count colleagues by their fields and activities (`count(colleague "
              "where "
              "any activity within 30d)`), not use their scores or grades; a segment can: "
              "`segment hot_account when sum(colleague, score) + score >= 150`");
        return true;
      }
      if (!e.colleague && !seen[size_t(e.to)]) {
        seen[size_t(e.to)] = 1;
        path.push_back({e.to, 0});
      }
    }
    return false;
  };
  for (size_t b = 0; b < plan_->blocks.size(); ++b)
    if (walk(decl_block(int(b)))) return;
  walk(decl_grade());
}

void Checker::order_declarations() {
  // The total depends on every block.
  for (size_t b = 0; b < plan_->blocks.size(); ++b)
    deps_[size_t(decl_total())].push_back({decl_block(int(b)), {}, false});
  int n = decl_count();
  std::vector<int8_t> state(size_t(n), 0);  // 0 new, 1 on the path, 2 done
  // The path of the depth-first search: each declaration with the edge that entered it and its
  // next edge to follow (an explicit stack: chains may be long).
  struct Step {
    int decl;
    Edge entered;
    size_t next;
  };
  std::vector<Step> stack;
  bool reported = false;
  auto report_cycle = [&](int d, Edge const& e) {
    (void)d;
    reported = true;
    // Name the cycle from e.to around to d and back.
    std::string path = decl_label(e.to);
    bool through_colleague = e.colleague;
    ast::Span where = e.span;
    size_t start = 0;
    for (size_t i = 0; i < stack.size(); ++i)
      if (stack[i].decl == e.to) start = i;
    for (size_t i = start + 1; i < stack.size(); ++i) {
      path += " → " + decl_label(stack[i].decl);
      through_colleague |= stack[i].entered.colleague;
      // Implicit edges (the total reads every block) have no place in the text: point at
      // the first reference the user wrote, the colleague one when there is one.
      auto const& edge = stack[i].entered;
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
  };
  for (int root = 0; root < n; ++root) {
    if (state[size_t(root)] != 0) continue;
    state[size_t(root)] = 1;
    stack.push_back({root, Edge{root, {}, false}, 0});
    while (!stack.empty()) {
      Step& top = stack.back();
      auto const& edges = deps_[size_t(top.decl)];
      if (top.next == edges.size()) {
        state[size_t(top.decl)] = 2;
        plan_->order.push_back(decl_ref(top.decl));
        topo_.push_back(top.decl);
        stack.pop_back();
        continue;
      }
      Edge e = edges[top.next++];
      if (state[size_t(e.to)] == 1) {
        if (!reported) report_cycle(top.decl, e);
        continue;
      }
      if (state[size_t(e.to)] == 0) {
        state[size_t(e.to)] = 1;
        stack.push_back({e.to, e, 0});
      }
    }
  }
}

}  // namespace leadrules::checker_detail
