#include "repl_session.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace leadrules::cli::repl {

std::vector<Command> const& commands() {
  static std::vector<Command> const all = {
      {":help", "", "list the commands"},
      {":load", "ID", "study a prospect of the input, with its activities, history and colleagues"},
      {":new", "", "start over with a blank prospect"},
      {":show", "", "print the prospect: fields, numbered activities, history, colleagues"},
      {":why", "", "explain the result: points by rule, grade moves, zone rows, fired rules"},
      {":whynot", "NAME", "which condition fails for a segment, zone or rule, with its values"},
      {":set", "FIELD = VALUE", "what if a field had this value (VALUE as in test blocks)"},
      {":unset", "FIELD", "what if a field were missing"},
      {":add", "KIND [FIELD=VALUE ...] [at=TIME]",
       "what if there were one more activity (TIME: -1h, @2026-11-20)"},
      {":drop", "N", "what if activity N (see :show) had not happened"},
      {":history", "\"RULE\" [count=N] [last=TIME]", "what if the rule had fired before"},
      {":now", "TIME", "evaluate at another time: @2026-11-24, +2d, -1h"},
      {":undo", "", "take the last edit back"},
      {":reload", "", "re-read the policy file and show what the new version changes here"},
      {":diff", "", "after a :reload: what changes over the whole input"},
      {":test", "", "run the policy's test blocks"},
      {":save", "NAME", "print the prospect as a test block that expects the current result"},
      {":quit", "", "leave (Ctrl-D does too)"},
  };
  return all;
}

Session::Session(Config config, Policy policy, std::optional<Batch> batch, int64_t now)
    : config_(std::move(config)), policy_(std::move(policy)), batch_(std::move(batch)) {
  state_.prospect = ProspectModel::blank(policy_);
  state_.now = now;
  style_.colour = config_.colour;
}

std::vector<std::string> Session::names() const {
  std::vector<std::string> out = {"score", "grade"};
  for (auto const& f : policy_.fields()) out.push_back(f.name);
  for (auto const& k : policy_.activity_kinds()) out.push_back(k);
  for (auto const& f : policy_.activity_fields()) out.push_back(f.name);
  for (auto const& b : policy_.blocks()) out.push_back(b);
  for (auto const& s : policy_.segments()) out.push_back(s.name);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result Session::evaluate(Policy const& policy, State const& state) const {
  ProspectBuilder builder(policy);
  state.prospect.build(policy, builder);
  Scratch scratch;
  return policy.evaluate(builder, state.now, scratch).to_result();
}

bool Session::execute(std::string const& entry, std::ostream& out) {
  entry_ = entry;
  Scanner s(entry_, 0);
  if (s.done()) return true;
  try {
    if (s.peek() != ':') {
      expression(out);
    } else {
      size_t b = s.pos();
      s.eat(':');
      std::string name = ":" + std::string(s.identifier());
      static std::vector<std::pair<char const*, Handler>> const handlers = {
          {":help", &Session::cmd_help},       {":load", &Session::cmd_load},
          {":new", &Session::cmd_new},         {":show", &Session::cmd_show},
          {":why", &Session::cmd_why},         {":whynot", &Session::cmd_whynot},
          {":set", &Session::cmd_set},         {":unset", &Session::cmd_unset},
          {":add", &Session::cmd_add},         {":drop", &Session::cmd_drop},
          {":history", &Session::cmd_history}, {":now", &Session::cmd_now},
          {":undo", &Session::cmd_undo},       {":reload", &Session::cmd_reload},
          {":diff", &Session::cmd_diff},       {":test", &Session::cmd_test},
          {":save", &Session::cmd_save},       {":quit", &Session::cmd_quit},
          {":q", &Session::cmd_quit},          {":exit", &Session::cmd_quit},
          {":h", &Session::cmd_help},
      };
      auto it =
          std::find_if(handlers.begin(), handlers.end(), [&](auto const& h) { return name == h.first; });
      if (it == handlers.end()) {
        std::vector<std::string> names;
        for (auto const& c : commands()) names.push_back(c.name + 1);
        size_t e = s.pos();
        while (e < entry_.size() && entry_[e] != ' ' && entry_[e] != '\t') ++e;
        std::string typed = entry_.substr(b, e - b);
        std::string hint = did_you_mean(typed.substr(1), names, ":");
        throw Failure{fmt::format("unknown command `{}`", typed), Span{b, e},
                      hint.empty() ? ":help lists the commands" : hint};
      }
      (this->*(it->second))(s, out);
    }
  } catch (Failure const& f) {
    out << render_failure(f, entry_, style_);
  } catch (leadrules::Error const& e) {
    out << render_failure(Failure{e.what(), std::nullopt, {}}, entry_, style_);
  }
  out.flush();
  return !quit_;
}

void Session::no_more(Scanner& s) {
  if (!s.done()) {
    size_t b = s.pos();
    throw Failure{"unexpected text after the command", Span{b, entry_.size()}, {}};
  }
}

std::string Session::name_argument(Scanner& s, char const* what) {
  if (s.done()) throw Failure{fmt::format("{} expected", what), Span{entry_.size(), entry_.size() + 1}, {}};
  if (s.peek() == '"') {
    auto name = s.string_literal();
    no_more(s);
    return *name;
  }
  return std::string(s.rest());
}

FieldInfo const& Session::field_argument(Scanner& s, std::vector<FieldInfo> const& fields, char const* what) {
  size_t b = (s.skip_space(), s.pos());
  std::string_view name = s.identifier();
  if (name.empty()) {
    size_t e = b;
    while (e < entry_.size() && entry_[e] != ' ') ++e;
    throw Failure{fmt::format("{} name expected", what), Span{b, std::max(e, b + 1)}, {}};
  }
  for (auto const& f : fields)
    if (f.name == name) return f;
  std::vector<std::string> names;
  for (auto const& f : fields) names.push_back(f.name);
  throw Failure{fmt::format("unknown {} `{}`", what, name), Span{b, s.pos()}, did_you_mean(name, names)};
}

Value Session::value_argument(std::string_view text, size_t at, FieldInfo const& field, int64_t now) {
  Span span{at, at + text.size()};
  if (text.empty()) throw Failure{fmt::format("a value for `{}` expected", field.name), Span{at, at + 1}, {}};
  std::string error;
  auto v = parse_literal(text, field.type, now, &error);
  if (!v)
    throw Failure{fmt::format("malformed value for `{}` (a {}): {}", field.name, type_name(field.type),
                              error.empty() ? "not a literal of that type" : error),
                  span,
                  {}};
  return *v;
}

void Session::edit(std::string const& what, std::ostream& out,
                   std::function<std::string(State&)> const& change, bool report_changes) {
  State next = state_;
  std::string said = change(next);
  Result before = evaluate(policy_, state_);
  Result after = evaluate(policy_, next);  // throws leadrules::Error on a value the builder refuses
  undo_.emplace_back(std::move(state_), what);
  state_ = std::move(next);
  if (!said.empty()) out << said << "\n";
  if (report_changes) print_changes(before, after, out);
}

std::string Session::action_text(Action const& a) const {
  if (a.action == "set" && a.args.size() == 2) {
    auto f = policy_.field_index(a.args[0]);
    bool text = !f || policy_.fields()[*f].type == ValueType::string;
    return fmt::format("set {} = {}", a.args[0], text ? quote(a.args[1]) : a.args[1]);
  }
  std::string args;
  for (auto const& arg : a.args) {
    bool duration = !arg.empty() && std::isdigit(static_cast<unsigned char>(arg[0])) &&
                    std::isalpha(static_cast<unsigned char>(arg.back())) && parse_duration(arg);
    args += (args.empty() ? "" : ", ") + (duration ? arg : quote(arg));
  }
  return fmt::format("{}({})", a.action, args);
}

std::string Session::summary(Result const& r) const {
  std::string out = fmt::format("score {}, grade {}", format_number(r.score), r.grade);
  if (!r.segments.empty()) {
    std::string list;
    for (auto const& s : r.segments) list += (list.empty() ? "" : ", ") + s;
    out += "; in " + list;
  }
  if (!r.fired.empty()) {
    std::string list;
    for (auto const& f : r.fired) list += (list.empty() ? "" : ", ") + quote(f);
    out += "; fires " + list;
  }
  return out;
}

void Session::print_changes(Result const& before, Result const& after, std::ostream& out) const {
  std::vector<std::string> lines;
  auto arrow = [&](std::string const& a, std::string const& b) { return a + " → " + b; };
  if (before.score != after.score)
    lines.push_back("score " + arrow(format_number(before.score), format_number(after.score)));
  if (after.scores.size() > 1)
    for (auto const& now_block : after.scores) {
      auto it = std::find_if(before.scores.begin(), before.scores.end(),
                             [&](auto const& b) { return b.first == now_block.first; });
      if (it != before.scores.end() && it->second != now_block.second)
        lines.push_back(fmt::format("  {} {}", now_block.first,
                                    arrow(format_number(it->second), format_number(now_block.second))));
    }
  if (before.grade != after.grade) lines.push_back("grade " + arrow(before.grade, after.grade));
  auto kind = [&](std::string const& name) {
    for (auto const& s : policy_.segments())
      if (s.name == name) return s.zone ? "zone" : "segment";
    return "segment";
  };
  auto has = [](std::vector<std::string> const& v, std::string const& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  for (auto const& s : after.segments)
    if (!has(before.segments, s))
      lines.push_back(style_.paint(fmt::format("entered {} {}", kind(s), s), "32"));
  for (auto const& s : before.segments)
    if (!has(after.segments, s)) lines.push_back(style_.paint(fmt::format("left {} {}", kind(s), s), "31"));
  for (auto const& r : after.fired)
    if (!has(before.fired, r))
      lines.push_back(style_.paint(fmt::format("rule {} now fires", quote(r)), "32"));
  for (auto const& r : before.fired)
    if (!has(after.fired, r))
      lines.push_back(style_.paint(fmt::format("rule {} no longer fires", quote(r)), "31"));
  std::vector<std::string> a0, a1;
  for (auto const& a : before.actions) a0.push_back(action_text(a));
  for (auto const& a : after.actions) a1.push_back(action_text(a));
  for (auto const& a : a1)
    if (!has(a0, a)) lines.push_back("new action " + a);
  for (auto const& a : a0)
    if (!has(a1, a)) lines.push_back("action " + a + " gone");
  if (lines.empty()) lines.push_back(fmt::format("no change ({})", summary(after)));
  for (auto const& l : lines) out << l << "\n";
}

void Session::expression(std::ostream& out) {
  ProspectBuilder builder(policy_);
  state_.prospect.build(policy_, builder);
  auto result = policy_.evaluate_expression(entry_, builder, state_.now);
  for (auto const& d : result.diagnostics.items) {
    if (d.severity == Severity::Error) continue;
    out << style_.paint(d.severity == Severity::Warning ? "warning:" : "note:", "1;35") << " " << d.message
        << (d.hint.empty() ? "" : " (" + d.hint + ")") << "\n";
  }
  if (!result.value) {
    for (auto const& d : result.diagnostics.items)
      if (d.severity == Severity::Error) {
        std::optional<Span> at;
        if (d.line == 1 && d.byte_end >= d.byte_begin && d.byte_begin <= entry_.size())
          at = Span{d.byte_begin, std::max(d.byte_end, d.byte_begin + 1)};
        throw Failure{d.message, at, d.hint};
      }
    throw Failure{"the expression cannot be evaluated", std::nullopt, {}};
  }
  out << result.value->to_literal() << " : " << type_name(result.value->type) << "\n";
}

void Session::cmd_help(Scanner& s, std::ostream& out) {
  no_more(s);
  size_t width = 0;
  for (auto const& c : commands())
    width = std::max(width, std::string_view(c.name).size() + 1 + std::string_view(c.args).size());
  for (auto const& c : commands())
    out << fmt::format("  {:<{}}  {}\n", fmt::format("{}{}{}", c.name, *c.args ? " " : "", c.args), width,
                       c.help);
  out << "  anything else is an expression, evaluated for the prospect: score, grade, hot,\n"
         "  count(visit within 7d), past(score, 1d), days_since(last(activity)), fired(\"Hot list\")\n";
}

void Session::cmd_load(Scanner& s, std::ostream& out) {
  size_t b = (s.skip_space(), s.pos());
  std::string id = name_argument(s, "a prospect id");
  if (!batch_) throw Failure{"no input to load from: start the REPL with --input FILE", std::nullopt, {}};
  auto row = batch_->find(id);
  if (!row) {
    std::vector<std::string> ids;
    for (size_t r = 0; r < batch_->size() && r < 100000; ++r) ids.emplace_back(batch_->id(r));
    throw Failure{fmt::format("no prospect with id {} in {}", quote(id), config_.input),
                  Span{b, entry_.size()}, did_you_mean(id, ids)};
  }
  edit(
      entry_, out,
      [&](State& st) {
        st.prospect = ProspectModel::from_batch(policy_, *batch_, *row);
        size_t n = st.prospect.self.activities.size(), c = st.prospect.colleagues.size();
        return fmt::format("loaded {} ({} activit{}, {} colleague{}): {}", quote(id), n, n == 1 ? "y" : "ies",
                           c, c == 1 ? "" : "s", summary(evaluate(policy_, st)));
      },
      false);
}

bool Session::required(FieldInfo const& field) const {
  if (field.optional) return false;
  if (policy_.field_index(field.name) == policy_.id_field()) return true;
  ProspectBuilder builder(policy_);
  ProspectModel::blank(policy_).build(policy_, builder);
  auto v = policy_.evaluate_expression(field.name, builder, state_.now);
  return !v.value || v.value->missing;  // no default fills it in
}

void Session::cmd_new(Scanner& s, std::ostream& out) {
  no_more(s);
  edit(
      entry_, out,
      [&](State& st) {
        st.prospect = ProspectModel::blank(policy_);
        // Required fields without a default get a placeholder, so :save writes a valid test.
        std::string filled;
        for (auto const& f : policy_.fields()) {
          if (policy_.field_index(f.name) == policy_.id_field() || !required(f)) continue;
          Value v = f.type == ValueType::number     ? Value::of_number(0)
                    : f.type == ValueType::boolean  ? Value::of_bool(false)
                    : f.type == ValueType::time     ? Value::of_time(st.now)
                    : f.type == ValueType::grade    ? *Value::of_grade("D")
                    : f.type == ValueType::duration ? Value::of_duration(0)
                                                    : Value::of_string("");
          if (f.type == ValueType::string_list) continue;
          filled += fmt::format(", {} {}", f.name, v.to_literal());
          st.prospect.self.fields[f.name] = v;
        }
        return fmt::format("a blank prospect (id \"new\"{}): {}", filled, summary(evaluate(policy_, st)));
      },
      false);
}

void Session::cmd_show(Scanner& s, std::ostream& out) {
  no_more(s);
  out << show(state_.prospect, policy_, state_.now);
  out << "result: " << summary(evaluate(policy_, state_)) << "\n";
}

void Session::cmd_why(Scanner& s, std::ostream& out) {
  no_more(s);
  ProspectBuilder builder(policy_);
  state_.prospect.build(policy_, builder);
  Scratch scratch;
  out << policy_.evaluate(builder, state_.now, scratch, /*explain=*/true).explain(style_.colour);
}

void Session::cmd_whynot(Scanner& s, std::ostream& out) {
  size_t b = (s.skip_space(), s.pos());
  std::string name = name_argument(s, "a segment, zone or rule name");
  ProspectBuilder builder(policy_);
  state_.prospect.build(policy_, builder);
  auto why = policy_.why_not(name, builder, state_.now);
  if (!why) {
    std::vector<std::string> names;
    for (auto const& seg : policy_.segments()) names.push_back(seg.name);
    for (auto const& r : policy_.rules()) names.push_back(r);
    throw Failure{fmt::format("no segment, zone or rule named {}", quote(name)), Span{b, entry_.size()},
                  did_you_mean(name, names)};
  }
  std::string what;
  if (auto seg = policy_.segment_index(name))
    what = fmt::format("{} {}", policy_.segments()[*seg].zone ? "zone" : "segment", name);
  else
    what = "rule " + quote(name);
  if (why->empty()) {
    out << what << (policy_.segment_index(name) ? " holds" : " fires") << "\n";
    return;
  }
  out << *why;
  if (why->back() != '\n') out << "\n";
}

void Session::cmd_undo(Scanner& s, std::ostream& out) {
  no_more(s);
  if (undo_.empty()) throw Failure{"nothing to undo", std::nullopt, {}};
  auto [previous, what] = std::move(undo_.back());
  undo_.pop_back();
  previous.prospect.adapt(policy_);  // it may predate a :reload
  Result before = evaluate(policy_, state_);
  Result after = evaluate(policy_, previous);
  state_ = std::move(previous);
  out << "undid " << what << "\n";
  print_changes(before, after, out);
}

void Session::cmd_test(Scanner& s, std::ostream& out) {
  no_more(s);
  size_t passed = 0, failed = 0;
  for (auto const& t : policy_.run_tests()) {
    if (t.passed) {
      ++passed;
      out << style_.paint("PASS", "32") << " " << t.name << "\n";
    } else {
      ++failed;
      out << style_.paint("FAIL", "1;31") << " " << t.name << "  (" << config_.policy_path << ":" << t.line
          << ")\n";
      for (auto const& f : t.failures) out << "    expect failed on " << f << "\n";
    }
  }
  out << fmt::format("{} passed, {} failed\n", passed, failed);
}

void Session::cmd_save(Scanner& s, std::ostream& out) {
  std::string name = name_argument(s, "a test name");
  out << save_test(name, state_.prospect, policy_, state_.now, evaluate(policy_, state_));
}

void Session::cmd_quit(Scanner& s, std::ostream&) {
  no_more(s);
  quit_ = true;
}

int run_script(Session& session, std::istream& in, std::ostream& out, size_t max_entries) {
  std::string line, pending;
  size_t entries = 0;
  while (entries < max_entries && std::getline(in, line)) {
    while (!line.empty() && line.back() == '\r') line.pop_back();
    size_t first = line.find_first_not_of(" \t");
    if (pending.empty() && first != std::string::npos && line[first] == '#') continue;  // a comment line
    pending += (pending.empty() ? "" : " ") + line;
    if (continues(pending)) continue;
    std::string entry = std::move(pending);
    pending.clear();
    ++entries;
    if (!session.execute(entry, out)) return 0;
  }
  if (!pending.empty()) session.execute(pending, out);  // an unbalanced last entry: report its error
  return 0;
}

}  // namespace leadrules::cli::repl
