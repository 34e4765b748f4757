// Shrinks a failing differential case (a policy and its JSON Lines data) while it still fails:
// greedy delta debugging over the policy's declarations and the lines inside them (score-block
// rules, zone rows, schema fields, rule actions), the data's prospects, their activities, their
// keys and their firing-history entries. Textual and generator-agnostic: it only assumes one
// declaration starts at column 0 and the data is one JSON object a line.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace leadrules::difftest {

struct CaseText {
  std::string policy;
  std::string data;
  int64_t now = 0;
};

// `fails` is called on candidates; it must return true when the candidate still shows the bug
// (and false when the policy no longer checks, the data no longer reads, or the engines agree).
// `log`, when given, receives a line of progress now and then.
CaseText minimize(CaseText start, std::function<bool(CaseText const&)> const& fails,
                  std::function<void(std::string const&)> const& log = {});

}  // namespace leadrules::difftest
