// :reload (a new version of the policy file, or its diagnostics with the old one kept) and
// :diff (the previous version against the current one over the whole input).
#include <algorithm>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "compare.hpp"
#include "repl_session.hpp"

namespace leadrules::cli::repl {

void Session::cmd_reload(Scanner& s, std::ostream& out) {
  no_more(s);
  auto compiled = Policy::compile_file(config_.policy_path, config_.compile);
  if (!compiled) {
    out << compiled.rendered(style_.colour);
    out << style_.paint("error:", "1;31") << " " << config_.policy_path
        << " has errors; the previous version stays loaded\n";
    return;
  }
  out << compiled.rendered(style_.colour);  // warnings
  Policy next = *compiled.policy;
  std::optional<Batch> next_batch;
  if (!config_.input.empty()) {
    auto data = next.read_file({.prospects = config_.input, .activities = config_.activities});
    if (!data) {
      out << style_.paint("error:", "1;31") << " " << data.errors.front().message()
          << "\n  the new version cannot read the input; the previous version stays loaded\n";
      return;
    }
    next_batch = std::move(data.batch);
  }
  Result before = evaluate(policy_, state_);
  State adapted = state_;
  auto notes = adapted.prospect.adapt(next);
  Result after = evaluate(next, adapted);
  previous_ = Version{policy_, std::move(batch_)};
  policy_ = std::move(next);
  batch_ = std::move(next_batch);
  state_ = std::move(adapted);
  for (auto& u : undo_) u.first.prospect.adapt(policy_);
  out << fmt::format("reloaded {} ({})\n", config_.policy_path, policy_.summary());
  for (auto const& n : notes) out << "  " << n << "\n";
  out << "for this prospect:\n";
  std::ostringstream changes;
  print_changes(before, after, changes);
  std::string text = changes.str();
  for (size_t b = 0; b < text.size();) {
    size_t e = text.find('\n', b);
    out << "  " << text.substr(b, e - b) << "\n";
    b = e + 1;
  }
}

namespace {

std::string examples(std::vector<std::string> const& ids, size_t shown = 3) {
  std::string s;
  for (size_t i = 0; i < ids.size() && i < shown; ++i) s += (i ? ", " : "") + ids[i];
  if (ids.size() > shown) s += fmt::format(" and {} more", ids.size() - shown);
  return s;
}

}  // namespace

// The comparison is compare::compare (cli/compare.cpp), the one `leadrules diff` makes.
void Session::cmd_diff(Scanner& s, std::ostream& out) {
  no_more(s);
  if (!batch_) throw Failure{"no input to compare on: start the REPL with --input FILE", std::nullopt, {}};
  if (!previous_)
    throw Failure{"nothing to compare yet: edit the policy file, then :reload", std::nullopt, {}};
  Policy const& old_policy = previous_->policy;
  Batch const& old_batch = *previous_->batch;
  Batch const& new_batch = *batch_;
  auto old_results = old_policy.evaluate(old_batch, {.now = state_.now});
  auto new_results = policy_.evaluate(new_batch, {.now = state_.now});
  auto c = compare::compare({old_policy, old_batch, old_results}, {policy_, new_batch, new_results});

  out << fmt::format("{} prospects in {}, previous version → current version, at {}:\n", new_batch.size(),
                     config_.input, format_time(state_.now));
  if (auto added = compare::only_in_one(c, true); !added.empty()) out << "  added: " << added << "\n";
  if (auto removed = compare::only_in_one(c, false); !removed.empty())
    out << "  removed: " << removed << "\n";
  std::vector<std::string> same;  // what changes for no prospect
  auto count_line = [&](char const* what, std::vector<compare::Change> const& list) {
    if (list.empty()) {
      same.push_back(what);
      return;
    }
    std::vector<std::string> shown;
    for (auto const& ch : list) shown.push_back(fmt::format("{} {} → {}", ch.id, ch.before, ch.after));
    out << fmt::format("  {}: {} change{}: {}\n", what, list.size(), list.size() == 1 ? "" : "s",
                       examples(shown));
  };
  count_line("score", c.scores);
  count_line("grade", c.grades);
  // "1 enters (p-008), 2 leave (p-001, p-002)" / "fires for 1 more (p-008), for 2 fewer (...)"
  auto move_line = [&](std::string const& label, compare::Moves const& m, bool rule) {
    if (m.in.empty() && m.out.empty()) {
      same.push_back(label);
      return;
    }
    std::string parts;
    auto part = [&](std::vector<std::string> const& ids, bool in) {
      if (ids.empty()) return;
      std::string phrase =
          rule ? fmt::format("{}for {} {}", parts.empty() ? "fires " : "", ids.size(), in ? "more" : "fewer")
               : fmt::format(
                     "{} {}", ids.size(),
                     in ? (ids.size() == 1 ? "enters" : "enter") : (ids.size() == 1 ? "leaves" : "leave"));
      parts += fmt::format("{}{} ({})", parts.empty() ? "" : ", ", phrase, examples(ids));
    };
    part(m.in, true);
    part(m.out, false);
    out << fmt::format("  {}: {}\n", label, parts);
  };
  for (auto const& seg : c.segments)
    move_line(fmt::format("{} {}", seg.zone ? "zone" : "segment", seg.name), c.segment_moves[seg.name],
              false);
  for (auto const& r : c.rules) move_line("rule " + quote(r.name), c.rule_moves[r.name], true);
  if (!same.empty()) {
    std::string list;
    for (auto const& x : same) list += (list.empty() ? "" : ", ") + x;
    out << fmt::format("  the same for every prospect: {}\n", list);
  }
  if (!c.only_new.empty())
    out << fmt::format("  not in the previous version's input: {}\n", examples(c.only_new));
  out << fmt::format("  {} of {} prospects change, {} unchanged\n", c.changed, new_batch.size(),
                     c.pairs.size() - c.changed);
}

}  // namespace leadrules::cli::repl
