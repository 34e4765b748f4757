// Declarations, memoised in the frame: lets, the points of each scoring rule (with decay),
// score blocks, the total, the grade, segments and zones.
#include "runtime/interp/interpreter_internal.hpp"

namespace leadrules::runtime::interp {

Value Evaluator::let(Frame& f, int32_t i) {
  if (!f.let_done[size_t(i)]) {
    f.lets[size_t(i)] = eval(plan_.lets[size_t(i)].expr, f, -1);
    f.let_done[size_t(i)] = 1;
  }
  return f.lets[size_t(i)];
}

double Evaluator::decay_factor(int64_t age) const {
  auto const& d = plan_.decay;
  switch (d.kind) {
    case plan::Decay::Kind::None: return 1.0;
    case plan::Decay::Kind::Steps: {
      double factor = 1.0;
      for (auto const& s : d.steps)  // ascending: the largest `after` the age exceeds wins
        if (age > s.after) factor = s.factor;
      return factor;
    }
    case plan::Decay::Kind::Linear: {
      double f = 1.0 - (d.percent / 100.0) * (double(age) / double(d.per));
      return f > 0.0 ? f : 0.0;
    }
  }
  return 1.0;
}

std::vector<uint32_t> Evaluator::rule_matches(Frame& f, int32_t index) {
  auto const& r = plan_.points[size_t(index)];
  std::vector<uint32_t> matches;
  for_matching(f, r.kind, r.where, r.within, -1, [&](uint32_t a) { matches.push_back(a); });
  if (r.once_per >= 0 && !matches.empty()) {
    // Only the most recent activity of each distinct value counts (ties: later in input).
    auto const& col = batch_.act_fields[size_t(r.once_per)];
    std::unordered_map<uint64_t, uint32_t> best;  // value key -> activity
    auto key_of = [&](uint32_t a) -> uint64_t {
      switch (col.type) {
        case Type::String: return col.codes[a];
        case Type::Number: {
          double d = col.numbers[a];
          uint64_t k;
          std::memcpy(&k, &d, 8);
          return k;
        }
        case Type::Bool: return col.bools[a];
        case Type::Grade: return uint64_t(col.grades[a]);
        default: return uint64_t(col.micros[a]);
      }
    };
    for (uint32_t a : matches) {
      if (!col.is_present(a)) continue;
      auto [it, fresh] = best.emplace(key_of(a), a);
      if (!fresh && batch_.act_at[a] >= batch_.act_at[it->second]) it->second = a;
    }
    std::vector<uint32_t> kept;
    for (uint32_t a : matches)
      if (!col.is_present(a) || best[key_of(a)] == a) kept.push_back(a);
    matches.swap(kept);
  }
  return matches;
}

PointsWhy Evaluator::rule_points(Frame& f, int32_t index) {
  auto const& r = plan_.points[size_t(index)];
  PointsWhy why;
  why.rule = index;
  double total = 0;
  if (r.per) {
    std::vector<uint32_t> matches = rule_matches(f, index);
    for (uint32_t a : matches) total += r.points * decay_factor(f.now - batch_.act_at[a]);
    why.matches = uint32_t(matches.size());
  } else if (truth(eval(r.condition, f, -1)) == 1) {
    total = r.points;
    why.matches = 1;
  }
  if (r.cap) {
    double bounded = r.points >= 0 ? std::min(total, *r.cap) : std::max(total, -*r.cap);
    why.capped = bounded != total;
    total = bounded;
  }
  why.points = total;
  return why;
}

double Evaluator::block(Frame& f, int32_t b) {
  if (!f.block_done[size_t(b)]) {
    auto const& blk = plan_.blocks[size_t(b)];
    double sum = 0;
    for (int32_t r : blk.rules) {
      f.points[size_t(r)] = rule_points(f, r);
      sum += f.points[size_t(r)].points;
    }
    if (blk.cap) sum = std::min(sum, *blk.cap);
    if (blk.floor) sum = std::max(sum, *blk.floor);
    f.blocks[size_t(b)] = sum;
    f.block_done[size_t(b)] = 1;
  }
  return f.blocks[size_t(b)];
}

double Evaluator::total(Frame& f) {
  if (!f.total_done) {
    double sum = 0;
    for (size_t b = 0; b < plan_.blocks.size(); ++b) sum += block(f, int32_t(b));
    if (plan_.total_cap) sum = std::min(sum, *plan_.total_cap);
    if (plan_.total_floor) sum = std::max(sum, *plan_.total_floor);
    f.total = sum;
    f.total_done = true;
  }
  return f.total;
}

int Evaluator::grade(Frame& f) {
  if (!f.grade_done) {
    int thirds = 0;
    f.grade_outcomes.assign(plan_.grade_moves.size(), -1);
    for (size_t m = 0; m < plan_.grade_moves.size(); ++m) {
      auto const& mv = plan_.grade_moves[m];
      int8_t t = truth(eval(mv.condition, f, -1));
      f.grade_outcomes[m] = t;
      if (t == 1)
        thirds += mv.thirds;
      else if (t == 0 && mv.has_else)
        thirds += mv.else_thirds;
    }
    f.grade = std::clamp(plan_.grade_start + thirds, plan::kGradeF, plan::kGradeAPlus);
    f.grade_done = true;
  }
  return f.grade;
}

bool Evaluator::segment(Frame& f, int32_t s) {
  if (f.segments[size_t(s)] < 0) {
    auto const& seg = plan_.segments[size_t(s)];
    bool holds = false;
    if (!seg.zone) {
      holds = truth(eval(seg.condition, f, -1)) == 1;
    } else {
      int g = grade(f);
      for (size_t r = 0; r < seg.rows.size(); ++r)
        if (g >= seg.rows[r].grade && truth(eval(seg.rows[r].condition, f, -1)) == 1) {
          holds = true;
          f.zone_rows[size_t(s)] = int32_t(r);
          break;
        }
    }
    f.segments[size_t(s)] = holds ? 1 : 0;
  }
  return f.segments[size_t(s)] == 1;
}

}  // namespace leadrules::runtime::interp
