// The what-if edits: :set, :unset, :add, :drop, :history, :now. Each one changes a copy of the
// state; Session::edit() keeps it (undoably) and prints what changed.
#include <algorithm>

#include <fmt/format.h>

#include "repl_session.hpp"

namespace leadrules::cli::repl {

namespace {

std::string when(int64_t at, int64_t now) { return fmt::format("{} ({})", format_time(at), ago(at, now)); }

}  // namespace

void Session::cmd_set(Scanner& s, std::ostream& out) {
  FieldInfo const& field = field_argument(s, policy_.fields(), "field");
  if (!s.eat('=') && !s.eat(':')) {
    size_t p = s.pos();
    throw Failure{fmt::format("`=` expected after `{}`", field.name), Span{p, p + 1},
                  "write :set FIELD = VALUE"};
  }
  size_t vb = (s.skip_space(), s.pos());
  std::string text(s.rest());
  Value v = value_argument(text, vb, field, state_.now);
  std::string name = field.name;
  if (v.missing && required(field))
    throw Failure{fmt::format("`{}` is required (the schema declares it without `?` or a default)", name),
                  Span{vb, entry_.size()},
                  {}};
  edit(entry_, out, [&](State& st) {
    bool missing = v.type == ValueType::string_list ? v.list.empty() : v.missing;
    if (missing)
      st.prospect.self.fields.erase(name);
    else
      st.prospect.self.fields[name] = v;
    return std::string();
  });
}

void Session::cmd_unset(Scanner& s, std::ostream& out) {
  FieldInfo const& field = field_argument(s, policy_.fields(), "field");
  no_more(s);
  std::string name = field.name;
  if (required(field))
    throw Failure{fmt::format("`{}` is required (the schema declares it without `?` or a default)", name),
                  Span{entry_.find(name), entry_.find(name) + name.size()},
                  {}};
  edit(entry_, out, [&](State& st) {
    st.prospect.self.fields.erase(name);
    return std::string();
  });
}

void Session::cmd_add(Scanner& s, std::ostream& out) {
  size_t kb = (s.skip_space(), s.pos());
  std::string kind(s.identifier());
  auto const& kinds = policy_.activity_kinds();
  if (kind.empty()) throw Failure{"an activity kind expected", Span{kb, kb + 1}, did_you_mean("", kinds)};
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
    std::string known;
    for (auto const& k : kinds) known += (known.empty() ? "" : ", ") + k;
    std::string hint = did_you_mean(kind, kinds);
    throw Failure{fmt::format("unknown activity kind `{}`", kind), Span{kb, s.pos()},
                  hint.empty() ? "the kinds are " + known : hint};
  }
  ActivityModel a{kind, state_.now, {}};
  bool brace = s.eat('{');
  while (true) {
    s.eat(',');
    if (brace && s.eat('}')) break;
    if (s.done()) {
      if (brace) throw Failure{"`}` expected", Span{entry_.size(), entry_.size() + 1}, {}};
      break;
    }
    size_t nb = (s.skip_space(), s.pos());
    std::string name(s.identifier());
    if (name.empty()) {
      size_t e = nb;
      while (e < entry_.size() && entry_[e] != ' ') ++e;
      throw Failure{"FIELD=VALUE expected", Span{nb, std::max(e, nb + 1)}, "e.g. page=\"/pricing\" at=-1h"};
    }
    size_t ne = s.pos();
    if (!s.eat('=') && !s.eat(':'))
      throw Failure{fmt::format("`=` expected after `{}`", name), Span{s.pos(), s.pos() + 1}, {}};
    size_t vb = (s.skip_space(), s.pos());
    std::string text(s.literal_text());
    if (name == "at") {
      a.at = value_argument(text, vb, FieldInfo{"at", ValueType::time, false, "at"}, state_.now).micros;
      continue;
    }
    auto const& fields = policy_.activity_fields();
    auto f = std::find_if(fields.begin(), fields.end(), [&](FieldInfo const& fi) { return fi.name == name; });
    if (f == fields.end()) {
      std::vector<std::string> names = {"at"};
      for (auto const& fi : fields) names.push_back(fi.name);
      throw Failure{fmt::format("unknown activity field `{}`", name), Span{nb, ne},
                    did_you_mean(name, names)};
    }
    Value v = value_argument(text, vb, *f, state_.now);
    if (v.type == ValueType::string_list ? v.list.empty() : v.missing)
      a.fields.erase(name);
    else
      a.fields[name] = std::move(v);
  }
  no_more(s);
  edit(entry_, out, [&](State& st) {
    st.prospect.self.activities.push_back(a);
    return fmt::format("added activity {}: {} at {}", st.prospect.self.activities.size(), a.kind,
                       when(a.at, st.now));
  });
}

void Session::cmd_drop(Scanner& s, std::ostream& out) {
  size_t b = (s.skip_space(), s.pos());
  std::string_view text = s.literal_text();
  size_t count = state_.prospect.self.activities.size();
  size_t n = 0;
  bool number = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
  if (number) n = std::stoul(std::string(text.substr(0, 9)));
  if (!number || n < 1 || n > count)
    throw Failure{count == 0 ? "the prospect has no activities"
                             : fmt::format("no activity {}: :show numbers them 1 to {}",
                                           text.empty() ? "number" : std::string(text), count),
                  Span{b, std::max(b + 1, s.pos())},
                  {}};
  no_more(s);
  edit(entry_, out, [&](State& st) {
    auto& acts = st.prospect.self.activities;
    ActivityModel gone = acts[n - 1];
    acts.erase(acts.begin() + long(n - 1));
    return fmt::format("dropped activity {}: {} at {}", n, gone.kind, when(gone.at, st.now));
  });
}

void Session::cmd_history(Scanner& s, std::ostream& out) {
  size_t b = (s.skip_space(), s.pos());
  std::string rule;
  if (auto quoted = s.string_literal())
    rule = *quoted;
  else
    rule = std::string(s.identifier());
  if (rule.empty())
    throw Failure{"a rule name expected", Span{b, b + 1}, "e.g. :history \"Hot list\" count=1 last=-3d"};
  if (!policy_.rule_index(rule))
    throw Failure{fmt::format("no rule named {}", quote(rule)), Span{b, s.pos()},
                  did_you_mean(rule, policy_.rules())};
  FiringModel h{rule, 1, std::nullopt};
  while (!s.done()) {
    s.eat(',');
    size_t nb = (s.skip_space(), s.pos());
    std::string name(s.identifier());
    if (name != "count" && name != "last")
      throw Failure{
          name.empty() ? "count=N or last=TIME expected" : fmt::format("unknown history field `{}`", name),
          Span{nb, std::max(s.pos(), nb + 1)}, did_you_mean(name, {"count", "last"})};
    if (!s.eat('=') && !s.eat(':'))
      throw Failure{fmt::format("`=` expected after `{}`", name), Span{s.pos(), s.pos() + 1}, {}};
    size_t vb = (s.skip_space(), s.pos());
    std::string text(s.literal_text());
    if (name == "count") {
      Value v = value_argument(text, vb, FieldInfo{"count", ValueType::number, false, "count"}, state_.now);
      if (v.missing || v.number < 0 || v.number != double(int64_t(v.number)))
        throw Failure{"count must be a whole number, 0 or more", Span{vb, s.pos()}, {}};
      h.count = int64_t(v.number);
    } else {
      Value v = value_argument(text, vb, FieldInfo{"last", ValueType::time, false, "last"}, state_.now);
      if (!v.missing) h.last = v.micros;
    }
  }
  edit(entry_, out, [&](State& st) {
    auto& hs = st.prospect.history;
    std::erase_if(hs, [&](FiringModel const& x) { return x.rule == h.rule; });
    hs.push_back(h);
    return std::string();
  });
}

void Session::cmd_now(Scanner& s, std::ostream& out) {
  size_t b = (s.skip_space(), s.pos());
  std::string text(s.rest());
  if (text.empty()) {
    out << "now " << format_time(state_.now) << "\n";
    return;
  }
  int64_t t = 0;
  if (auto plain = parse_time(text))
    t = *plain;
  else
    t = value_argument(text, b, FieldInfo{"now", ValueType::time, false, "now"}, state_.now).micros;
  int64_t before = state_.now;
  edit(entry_, out, [&](State& st) {
    st.now = t;
    return fmt::format("now {} ({})", format_time(t),
                       t == before  ? "unchanged"
                       : t > before ? "+" + format_duration(t - before)
                                    : "-" + format_duration(before - t));
  });
}

}  // namespace leadrules::cli::repl
