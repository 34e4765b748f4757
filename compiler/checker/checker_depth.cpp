// Checker, long policies without deep recursion: lets are checked dependencies first by an
// explicit stack (not by the recursion name -> let -> expr), the number of declarations is
// bounded, and so is the depth of chains of declarations reading each other, because the
// interpreter, the JIT's frame layout and code generation follow such chains recursively.

#include "compiler/checker/checker_internal.hpp"

namespace leadrules::checker_detail {

namespace {

// The lets an expression reads, in the order the checker meets them (as name() resolves them:
// inside an activity `where` the activity's fields, `at` and `type` come first; a colleague
// aggregate starts a fresh scope).
template <class IsLet>
void lets_read(ast::Expr const& root, plan::Schema const& schema, IsLet is_let, std::vector<int32_t>& out) {
  std::vector<std::pair<ast::Expr const*, bool>> todo{{&root, false}};  // (expr, activity scope)
  while (!todo.empty()) {
    auto [e, activity] = todo.back();
    todo.pop_back();
    if (e->kind == ast::ExprKind::Name) {
      bool activity_name =
          activity && (e->text == "at" || e->text == "type" || schema.activity_field(e->text) >= 0);
      if (!activity_name)
        if (int32_t let = is_let(e->text); let >= 0) out.push_back(let);
      continue;
    }
    bool inner = e->kind == ast::ExprKind::ColleagueAgg ? false : activity;
    // Pushed in reverse so that they are taken in the order written.
    for (auto it = e->pieces.rbegin(); it != e->pieces.rend(); ++it)
      if (it->expr) todo.push_back({it->expr.get(), inner});
    if (e->within) todo.push_back({e->within.get(), inner});
    if (e->where) todo.push_back({e->where.get(), e->kind == ast::ExprKind::ActivityAgg ? true : inner});
    for (auto it = e->args.rbegin(); it != e->args.rend(); ++it) todo.push_back({it->get(), inner});
  }
}

}  // namespace

// The unchecked lets `let` needs, dependencies before what reads them, `let` last: the order
// in which checking `let` by recursion would have finished them (so diagnostics keep their
// order). A let already on the way (a cycle) is left to the cycle check.
std::vector<int32_t> Checker::unchecked_lets_below(int32_t let) const {
  auto is_let = [&](std::string const& id) -> int32_t {
    auto it = names_.find(id);
    return it != names_.end() && it->second.kind == NameKind::Let ? it->second.index : -1;
  };
  std::vector<int32_t> order;
  std::vector<uint8_t> seen(let_decls_.size(), 0);
  struct Frame {
    int32_t let;
    std::vector<int32_t> reads;
    size_t next = 0;
  };
  std::vector<Frame> path;
  auto enter = [&](int32_t l) {
    seen[size_t(l)] = 1;
    Frame f{l, {}, 0};
    lets_read(*let_decls_[size_t(l)]->value, plan_->schema, is_let, f.reads);
    path.push_back(std::move(f));
  };
  enter(let);
  while (!path.empty()) {
    auto& top = path.back();
    if (top.next == top.reads.size()) {
      order.push_back(top.let);
      path.pop_back();
      continue;
    }
    int32_t next = top.reads[top.next++];
    if (!seen[size_t(next)] && let_state_[size_t(next)] == 0) enter(next);
  }
  return order;
}

int32_t Checker::let_type_ready(int32_t let) {
  auto state = let_state_[size_t(let)];
  if (state == 2) return 0;
  if (state == 1 || state == 3) return -1;  // a cycle (reported by the graph) or a failed let
  for (int32_t l : unchecked_lets_below(let))
    if (let_state_[size_t(l)] == 0) check_let(l);
  return let_state_[size_t(let)] == 2 ? 0 : -1;
}

int32_t Checker::check_let(int32_t let) {
  auto& state = let_state_[size_t(let)];
  state = 1;
  int saved = current_decl_;
  int32_t saved_depth = expr_depth_;
  current_decl_ = decl_let(let);
  expr_depth_ = 0;
  int32_t n = expr(*let_decls_[size_t(let)]->value, Scope{});
  current_decl_ = saved;
  expr_depth_ = saved_depth;
  if (n < 0) {
    let_state_[size_t(let)] = 3;
    return -1;
  }
  plan_->lets[size_t(let)].expr = n;
  plan_->lets[size_t(let)].type = type_of(n);
  let_state_[size_t(let)] = 2;
  return 0;
}

bool Checker::check_declaration_count() {
  if (policy_.decls.size() <= limits_.declarations) return true;
  auto const& first_over = policy_.decls[size_t(limits_.declarations)];
  ast::Span span = std::visit([](auto const& d) { return d.span; }, first_over);
  error(span,
        fmt::format("too many declarations: the policy has {}, the limit is {}", policy_.decls.size(),
                    limits_.declarations),
        "split the policy, or " + Limits::how_to_raise("declarations", limits_.declarations));
  return false;
}

// Levels of a declaration: one, or the most of its references' (expression levels down to the
// reference + the levels of what it reads). Computed in dependency order, without recursion.
bool Checker::check_depth() {
  size_t n = size_t(decl_count());
  std::vector<uint64_t> levels(n, 1);
  std::vector<int32_t> via(n, -1);  // the edge that gives the most levels
  for (auto const& ref : plan_->order) {
    int d = 0;
    switch (ref.kind) {
      case plan::DeclRef::Kind::Let: d = decl_let(ref.index); break;
      case plan::DeclRef::Kind::Block: d = decl_block(ref.index); break;
      case plan::DeclRef::Kind::Total: d = decl_total(); break;
      case plan::DeclRef::Kind::Grade: d = decl_grade(); break;
      case plan::DeclRef::Kind::Segment: d = decl_segment(ref.index); break;
    }
    auto const& edges = deps_[size_t(d)];
    for (size_t i = 0; i < edges.size(); ++i) {
      uint64_t through = uint64_t(std::max(edges[i].nesting, 1)) + levels[size_t(edges[i].to)];
      if (through > levels[size_t(d)]) {
        levels[size_t(d)] = through;
        via[size_t(d)] = int32_t(i);
      }
    }
    if (levels[size_t(d)] <= limits_.depth) continue;
    // The first declaration over the limit: point at its reference; name where the chain starts.
    auto const& edge = deps_[size_t(d)][size_t(via[size_t(d)])];
    int start = edge.to;
    size_t chain = 2;
    while (via[size_t(start)] >= 0) {
      start = deps_[size_t(start)][size_t(via[size_t(start)])].to;
      ++chain;
    }
    ast::Span span = edge.span;
    if (span.end <= span.begin)  // the total reading its blocks: no text of its own
      for (auto const& e : deps_[size_t(d)])
        if (e.span.end > e.span.begin) span = e.span;
    auto line_of_decl = [&](int x) -> std::string {
      uint32_t line = x < decl_block(0)      ? plan_->lets[size_t(x)].line
                      : x >= decl_segment(0) ? plan_->segments[size_t(x - decl_segment(0))].line
                                             : 0;
      return line ? fmt::format(" (line {})", line) : std::string();
    };
    error(span,
          fmt::format(
              "declarations read each other too deeply: {} reads a chain {} levels deep (the limit is {})",
              decl_label(d), levels[size_t(d)], limits_.depth),
          fmt::format(
              "the chain runs through {} declarations down to {}, where it starts; compute values from "
              "fields and aggregates directly instead of each from the one before, or {}",
              chain, decl_label(start) + line_of_decl(start), Limits::how_to_raise("depth", limits_.depth)));
    return false;
  }
  return true;
}

}  // namespace leadrules::checker_detail
