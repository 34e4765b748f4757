#include "runtime/data/result.hpp"

#include <algorithm>

namespace leadrules::runtime {

void Results::reset(plan::Plan const& plan, size_t n) {
  rows = n;
  n_blocks = plan.blocks.size();
  n_segments = plan.segments.size();
  n_rules = plan.rules.size();
  total.assign(n, 0);
  blocks.assign(n * n_blocks, 0);
  grade.assign(n, 0);
  segments.assign(n * n_segments, 0);
  zone_rows.assign(n * n_segments, -1);
  fired.assign(n * n_rules, 0);
  actions.assign(n, {});
  sets.assign(n, {});
  points_why.assign(n, {});
  grade_why.assign(n, {});
}

void Results::clear_row(size_t i) {
  total[i] = 0;
  std::fill_n(blocks.begin() + long(i * n_blocks), n_blocks, 0.0);
  grade[i] = 0;
  std::fill_n(segments.begin() + long(i * n_segments), n_segments, uint8_t(0));
  std::fill_n(zone_rows.begin() + long(i * n_segments), n_segments, -1);
  std::fill_n(fired.begin() + long(i * n_rules), n_rules, uint8_t(0));
  actions[i].clear();
  sets[i].clear();
  points_why[i].clear();
  grade_why[i].clear();
}

void Results::set_row(size_t i, ProspectResult&& r) {
  total[i] = r.total;
  for (size_t b = 0; b < n_blocks; ++b) blocks[i * n_blocks + b] = r.blocks[b];
  grade[i] = int8_t(r.grade);
  for (size_t s = 0; s < n_segments; ++s) {
    segments[i * n_segments + s] = r.segments[s];
    zone_rows[i * n_segments + s] = r.zone_rows[s];
  }
  for (int32_t f : r.fired) fired[i * n_rules + size_t(f)] = 1;
  actions[i] = std::move(r.actions);
  sets[i] = std::move(r.sets);
  points_why[i] = std::move(r.points_why);
  grade_why[i] = std::move(r.grade_why);
}

ProspectResult Results::row(size_t i) const {
  ProspectResult r;
  row_into(i, r);
  return r;
}

void Results::row_into(size_t i, ProspectResult& r, bool variable_parts) const {
  r.total = total[i];
  r.blocks.assign(blocks.begin() + long(i * n_blocks), blocks.begin() + long((i + 1) * n_blocks));
  r.grade = grade[i];
  r.segments.assign(segments.begin() + long(i * n_segments), segments.begin() + long((i + 1) * n_segments));
  r.zone_rows.assign(zone_rows.begin() + long(i * n_segments),
                     zone_rows.begin() + long((i + 1) * n_segments));
  r.fired.clear();
  for (size_t x = 0; x < n_rules; ++x)
    if (fired[i * n_rules + x]) r.fired.push_back(int32_t(x));
  if (!variable_parts) return;
  r.actions = actions[i];
  r.sets = sets[i];
  r.points_why = points_why[i];
  r.grade_why = grade_why[i];
}

}  // namespace leadrules::runtime
