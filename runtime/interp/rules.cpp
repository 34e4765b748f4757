// Rules and actions: firing history and qualifiers, which rules fire, and a prospect's whole
// result (scores, grade, segments, actions, set values and the explanation).
#include "runtime/interp/interpreter_internal.hpp"

namespace leadrules::runtime::interp {

FiringRecord const* Evaluator::history(size_t row, int32_t rule) const {
  for (uint32_t h = batch_.history_offsets[row]; h < batch_.history_offsets[row + 1]; ++h)
    if (batch_.history[h].rule == rule) return &batch_.history[h];
  return nullptr;
}

bool Evaluator::qualifies(plan::Rule const& r, size_t row, int32_t index, int64_t now) const {
  auto const* h = history(row, index);
  int64_t count = h ? h->count : 0;
  if (r.max && count >= *r.max) return false;
  switch (r.qualifier) {
    case plan::Rule::Qualifier::Once: return count == 0;
    case plan::Rule::Qualifier::Always: return true;
    case plan::Rule::Qualifier::Every:
      if (count == 0 || !h->has_last) return true;
      return now - h->last >= r.every;
  }
  return false;
}

void Evaluator::rules(Frame& f) {
  if (f.rules_done) return;
  f.fires.assign(plan_.rules.size(), 0);
  for (size_t i = 0; i < plan_.rules.size(); ++i) {
    auto const& r = plan_.rules[i];
    if (truth(eval(r.condition, f, -1)) == 1 && qualifies(r, f.row, int32_t(i), f.now)) f.fires[i] = 1;
  }
  f.rules_done = true;
}

ProspectResult Evaluator::result(size_t row, int64_t now, bool explain) {
  Frame& f = frame(row, now);
  ProspectResult out;
  out.total = total(f);
  out.blocks = f.blocks;
  out.grade = grade(f);
  out.segments.resize(plan_.segments.size());
  for (size_t s = 0; s < plan_.segments.size(); ++s) out.segments[s] = segment(f, int32_t(s)) ? 1 : 0;
  out.zone_rows = f.zone_rows;
  rules(f);
  for (size_t i = 0; i < plan_.rules.size(); ++i) {
    if (!f.fires[i]) continue;
    out.fired.push_back(int32_t(i));
    for (auto const& a : plan_.rules[i].actions) {
      ActionResult ar;
      ar.rule = int32_t(i);
      ar.kind = a.kind;
      if (a.kind == plan::ActionKind::Set) {
        Type ft = plan_.schema.prospect[size_t(a.field)].type;
        Value v = eval(a.args[0], f, -1);
        plan::Constant c = to_constant(v, ft);
        ar.args = {plan_.schema.prospect[size_t(a.field)].name, print_node(a.args[0], v)};
        auto it =
            std::find_if(out.sets.begin(), out.sets.end(), [&](auto const& s) { return s.field == a.field; });
        if (it == out.sets.end()) {
          SetResult sr;
          sr.field = a.field;
          sr.value = std::move(c);
          sr.rules = {int32_t(i)};
          out.sets.push_back(std::move(sr));
        } else {
          it->value = std::move(c);  // the later rule wins
          it->rules.push_back(int32_t(i));
        }
      } else {
        for (int32_t x : a.args) ar.args.push_back(print_node(x, eval(x, f, -1)));
      }
      out.actions.push_back(std::move(ar));
    }
  }
  if (explain) {
    for (size_t b = 0; b < plan_.blocks.size(); ++b)
      for (int32_t r : plan_.blocks[b].rules)
        if (f.points[size_t(r)].points != 0 || f.points[size_t(r)].matches)
          out.points_why.push_back(f.points[size_t(r)]);
    for (size_t m = 0; m < plan_.grade_moves.size(); ++m) {
      auto const& mv = plan_.grade_moves[m];
      GradeWhy g;
      g.move = int32_t(m);
      g.outcome = f.grade_outcomes[m];
      g.thirds = g.outcome == 1 ? mv.thirds : (g.outcome == 0 && mv.has_else ? mv.else_thirds : 0);
      out.grade_why.push_back(g);
    }
  }
  return out;
}

plan::Constant Evaluator::node_value(size_t row, int64_t now, int32_t node) {
  Frame& f = frame(row, now);
  return to_constant(eval(node, f, -1), plan_.nodes[size_t(node)].type);
}

}  // namespace leadrules::runtime::interp
