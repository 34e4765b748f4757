#include "runtime/data/engine.hpp"

#include <unordered_map>

namespace leadrules::runtime {

AccountGroups group_by_account(plan::Plan const& plan, Batch const& batch) {
  AccountGroups g;
  g.rows.reserve(batch.rows);
  int32_t account = plan.schema.account_field;
  if (account < 0 || !plan.uses_colleagues) {
    // Without colleague aggregates every prospect stands alone.
    g.begin.reserve(batch.rows + 1);
    for (size_t r = 0; r < batch.rows; ++r) {
      g.begin.push_back(uint32_t(r));
      g.rows.push_back(uint32_t(r));
    }
    g.begin.push_back(uint32_t(batch.rows));
    return g;
  }
  auto const& col = batch.fields[size_t(account)];
  // Count per account code, then place rows (a counting sort keeps rows ascending).
  size_t codes = col.dict->size();
  std::vector<uint32_t> first_group(codes, UINT32_MAX);
  std::vector<uint32_t> group_of(batch.rows);
  std::vector<uint32_t> sizes;
  for (size_t r = 0; r < batch.rows; ++r) {
    uint32_t grp;
    if (col.is_present(r)) {
      auto& slot = first_group[col.codes[r]];
      if (slot == UINT32_MAX) {
        slot = uint32_t(sizes.size());
        sizes.push_back(0);
      }
      grp = slot;
    } else {
      grp = uint32_t(sizes.size());
      sizes.push_back(0);
    }
    group_of[r] = grp;
    ++sizes[grp];
  }
  g.begin.resize(sizes.size() + 1);
  g.begin[0] = 0;
  for (size_t i = 0; i < sizes.size(); ++i) g.begin[i + 1] = g.begin[i] + sizes[i];
  g.rows.resize(batch.rows);
  std::vector<uint32_t> fill(g.begin.begin(), g.begin.end() - 1);
  for (size_t r = 0; r < batch.rows; ++r) g.rows[fill[group_of[r]]++] = uint32_t(r);
  return g;
}

}  // namespace leadrules::runtime
