// Declarations for the formatter: the policy header, schemas, sets, lets, score blocks and
// points, decays, grades, zones, segments, rules and tests, each printed in the house style.
#include <fmt/format.h>
#include <algorithm>

#include "grammar/format_internal.hpp"

namespace leadrules::formatting {

namespace {

char const* type_base(TypeRef::Base b) {
  switch (b) {
    case TypeRef::Base::String: return "string";
    case TypeRef::Base::Number: return "number";
    case TypeRef::Base::Bool: return "bool";
    case TypeRef::Base::Time: return "time";
    case TypeRef::Base::Duration: return "duration";
    case TypeRef::Base::Grade: return "grade";
  }
  return "string";
}

std::string field_text(FieldDecl const& f) {
  std::string s = f.name.name + ": ";
  s += f.type.list ? fmt::format("[{}]", type_base(f.type.base)) : type_base(f.type.base);
  if (f.type.optional) s += '?';
  if (f.default_value) s += " = " + text_of(f.default_value.get());
  if (f.from) s += " from " + quoted(*f.from);
  if (!f.missing.empty()) {
    s += " missing ";
    for (size_t i = 0; i < f.missing.size(); ++i) s += (i ? ", " : "") + quoted(f.missing[i]);
  }
  return s;
}

std::string set_text(SetDecl const& d) {
  std::string s = "set " + d.name.name + " = ";
  if (d.file) return s + "file(" + quoted(*d.file) + ")";
  s += '{';
  for (size_t i = 0; i < d.values.size(); ++i) s += (i ? ", " : "") + quoted(d.values[i]);
  return s + '}';
}

std::string points_text(PointsRule const& r, size_t amount_width) {
  std::string s = "points " + pad(number_text(r.points), amount_width) + " ";
  if (r.per) {
    s += "per " + r.kind.name;
    if (r.where) s += " where " + where_text(r.where.get(), r.within != nullptr);
    if (r.within) s += " within " + text_of(r.within.get(), kCoal);
    if (r.once_per) s += " once per " + r.once_per->name;
  } else {
    s += "if " + text_of(r.condition.get());
  }
  if (r.cap) s += " cap " + number_text(*r.cap);
  return s;
}

std::string decay_text(DecayDecl const& d) {
  std::string p = number_text(d.percent);
  if (p.empty() || p.back() != '%') p += '%';
  return "decay " + p + (d.linear ? " per " : " after ") + text_of(d.duration.get());
}

std::string grade_move_text(GradeMove const& g, size_t move_width) {
  std::string s =
      "grade " + pad(move_text(g.text, g.thirds), move_width) + " if " + text_of(g.condition.get());
  if (g.else_thirds) s += " else " + move_text(g.else_text, *g.else_thirds);
  return s;
}

std::string field_value_text(TestField const& f) { return f.name.name + ": " + text_of(f.value.get()); }

std::string expect_text(Expect const& x) {
  switch (x.kind) {
    case Expect::Kind::Condition: return "expect " + text_of(x.condition.get());
    case Expect::Kind::Set:
      return "expect set " + (x.field ? x.field->name : std::string()) +
             " == " + text_of(x.value.get(), kCoal);
    case Expect::Kind::Action: return "expect action " + (x.action ? action_text(*x.action) : std::string());
  }
  return {};
}

}  // namespace

Run run_kind(Decl const& d) {
  return std::visit(
      [](auto const& x) -> Run {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, SetDecl>)
          return kSets;
        else if constexpr (std::is_same_v<T, LetDecl>)
          return kLets;
        else if constexpr (std::is_same_v<T, ScoreBound>)
          return kBounds;
        else if constexpr (std::is_same_v<T, PointsRule>)
          return kPoints;
        else if constexpr (std::is_same_v<T, DecayDecl>)
          return kDecays;
        else if constexpr (std::is_same_v<T, GradeStart> || std::is_same_v<T, GradeMove>)
          return kGrades;
        else if constexpr (std::is_same_v<T, SegmentDecl>)
          return kSegments;
        else
          return kAlone;  // schema, score block, zone, rule, test: a group each
      },
      d);
}

void Formatter::header() {
  if (!policy_.name) return;
  std::string s = "policy " + quoted(*policy_.name);
  uint32_t end = policy_.name_span.end;
  if (policy_.timezone) {
    s += " timezone " + quoted(*policy_.timezone);
    end = std::max(end, policy_.timezone_span.end);
  }
  uint32_t begin = policy_.name_span.begin;
  uint32_t first = skip_blank(text_.starts_with("\xEF\xBB\xBF") ? 3 : 0);  // after a BOM
  if (first < begin && std::string_view(text_).substr(first, 6) == "policy") begin = first;
  add(0, std::move(s), begin, end);
}

void Formatter::declaration(Decl const& d, bool blank) {
  std::visit([&](auto const& x) { decl(x, blank); }, d);
}

void Formatter::decl(SchemaDecl const& s, bool blank) {
  std::string head = s.activity ? "schema activity" : "schema prospect";
  if (!open_block(0, head, s.span, s.span.begin, s.kinds.empty() && s.fields.empty(), blank)) return;
  struct Item {
    uint32_t begin;
    int kind;
    size_t index;
  };
  std::vector<Item> items;
  if (!s.kinds.empty()) {
    uint32_t b = s.kinds.front().span.begin;
    items.push_back({keyword_before(b, "kinds"), 0, 0});
  }
  for (size_t i = 0; i < s.fields.size(); ++i) items.push_back({s.fields[i].span.begin, 1, i});
  std::stable_sort(items.begin(), items.end(),
                   [](Item const& a, Item const& b) { return a.begin < b.begin; });
  for (auto const& it : items) {
    if (it.kind == 0) {
      std::string t = "kinds ";
      uint32_t e = it.begin;
      for (size_t i = 0; i < s.kinds.size(); ++i) {
        t += (i ? ", " : "") + s.kinds[i].name;
        e = std::max(e, s.kinds[i].span.end);
      }
      add(1, std::move(t), it.begin, e);
    } else {
      auto const& f = s.fields[it.index];
      add(1, field_text(f), f.span.begin, f.span.end);
    }
  }
  close_block(0, s.span);
}

void Formatter::decl(SetDecl const& d, bool blank) { add(0, set_text(d), d.span.begin, d.span.end, blank); }

void Formatter::decl(LetDecl const& d, bool blank) {
  add(0, "let " + d.name.name + " = " + text_of(d.value.get()), d.span.begin, d.span.end, blank);
}

void Formatter::decl(ScoreDecl const& d, bool blank) {
  std::string head = "score " + d.name.name;
  uint32_t from = d.name.span.end;
  if (d.cap) {
    head += " cap " + number_text(*d.cap);
    from = std::max(from, d.cap->span.end);
  }
  if (d.floor) {
    head += " floor " + number_text(*d.floor);
    from = std::max(from, d.floor->span.end);
  }
  if (!open_block(0, head, d.span, from, d.rules.empty(), blank)) return;
  size_t w = 0;
  for (auto const& r : d.rules) w = std::max(w, width(number_text(r.points)));
  for (auto const& r : d.rules) add(1, points_text(r, w), r.span.begin, r.span.end);
  close_block(0, d.span);
}

void Formatter::decl(ScoreBound const& d, bool blank) {
  add(0, std::string(d.is_cap ? "score cap " : "score floor ") + number_text(d.value), d.span.begin,
      d.span.end, blank);
}

void Formatter::decl(PointsRule const& d, bool blank) {
  add(0, points_text(d, align_), d.span.begin, d.span.end, blank);
}

void Formatter::decl(DecayDecl const& d, bool blank) {
  add(0, decay_text(d), d.span.begin, d.span.end, blank);
}

void Formatter::decl(GradeStart const& d, bool blank) {
  add(0, "grade start " + text_of(d.grade.get()), d.span.begin, d.span.end, blank);
}

void Formatter::decl(GradeMove const& d, bool blank) {
  add(0, grade_move_text(d, align_), d.span.begin, d.span.end, blank);
}

void Formatter::decl(ZoneDecl const& d, bool blank) {
  if (!open_block(0, "zone " + d.name.name, d.span, d.name.span.end, d.rows.empty(), blank)) return;
  for (auto const& r : d.rows) {
    // A condition that starts with a minus sign is parenthesised: `A -x` reads as a spaced `A-`.
    std::string cond = text_of(r.condition.get());
    if (cond.starts_with("-")) cond = "(" + cond + ")";
    add(1, pad(text_of(r.grade.get()), 3) + " " + cond, r.span.begin, r.span.end);
  }
  close_block(0, d.span);
}

void Formatter::decl(SegmentDecl const& d, bool blank) {
  add(0, "segment " + d.name.name + " when " + text_of(d.condition.get()), d.span.begin, d.span.end, blank);
}

void Formatter::decl(RuleDecl const& d, bool blank) {
  std::string head = "rule " + quoted(d.name);
  switch (d.qualifier) {
    case RuleDecl::Qualifier::Once:
      if (d.qualifier_written) head += " once";
      break;
    case RuleDecl::Qualifier::Always: head += " always"; break;
    case RuleDecl::Qualifier::Every: head += " every " + text_of(d.every.get()); break;
  }
  if (d.max && d.qualifier != RuleDecl::Qualifier::Once) head += " max " + number_text(*d.max);
  head += " when " + text_of(d.condition.get());
  std::string actions = "do ";
  for (size_t i = 0; i < d.actions.size(); ++i) actions += (i ? ", " : "") + action_text(d.actions[i]);
  std::string one = head + " " + actions;
  if (width(one) <= kMaxWidth) {
    add(0, std::move(one), d.span.begin, d.span.end, blank);
    return;
  }
  uint32_t cond_end = d.condition ? d.condition->span.end : d.name_span.end;
  uint32_t do_at = d.actions.empty() ? d.span.end : d.actions.front().span.begin;
  do_at = std::max(keyword_before(do_at, "do"), cond_end);
  add(0, std::move(head), d.span.begin, cond_end, blank);
  add(1, std::move(actions), do_at, d.span.end);
}

// One record: `prospect { … }`, an activity, `colleague { … }` or `history "r" { … }`.
void Formatter::record(int indent, std::string const& head, Span span, uint32_t search_from,
                       std::vector<TestField> const& fields, std::vector<TestActivity> const* nested) {
  uint32_t brace = open_brace(search_from, span.end);
  bool has_nested = nested && !nested->empty();
  if (!has_nested && !comment_inside(brace, span.end)) {
    std::string one = head + (fields.empty() ? " {}" : " { ");
    for (size_t i = 0; i < fields.size(); ++i) one += (i ? ", " : "") + field_value_text(fields[i]);
    if (!fields.empty()) one += " }";
    if (size_t(indent) * 2 + width(one) <= kMaxWidth) {
      add(indent, std::move(one), span.begin, span.end);
      return;
    }
  }
  add(indent, head + " {", span.begin, std::min(brace + 1, span.end));
  struct Item {
    uint32_t begin;
    bool activity;
    size_t index;
  };
  std::vector<Item> items;
  for (size_t i = 0; i < fields.size(); ++i) items.push_back({fields[i].span.begin, false, i});
  if (nested)
    for (size_t i = 0; i < nested->size(); ++i) items.push_back({(*nested)[i].span.begin, true, i});
  std::stable_sort(items.begin(), items.end(),
                   [](Item const& a, Item const& b) { return a.begin < b.begin; });
  for (auto const& it : items) {
    if (it.activity) {
      activity(indent + 1, (*nested)[it.index]);
    } else {
      auto const& f = fields[it.index];
      add(indent + 1, field_value_text(f), f.span.begin, f.span.end);
    }
  }
  close_block(indent, span);
}

void Formatter::activity(int indent, TestActivity const& a) {
  record(indent, a.kind.name, a.span, a.kind.span.end, a.fields, nullptr);
}

void Formatter::decl(TestDecl const& t, bool blank) {
  bool empty = !t.now && !t.prospect && t.activities.empty() && t.colleagues.empty() && t.history.empty() &&
               t.expects.empty();
  if (!open_block(0, "test " + quoted(t.name), t.span, t.name_span.end, empty, blank)) return;
  // The tree keeps the items by kind; print them in source order.
  enum Kind { Now, Prospect, Activity, Colleague, History, Expect };
  struct Item {
    uint32_t begin;
    Kind kind;
    size_t index;
  };
  std::vector<Item> items;
  if (t.now) items.push_back({keyword_before(t.now->span.begin, "now"), Now, 0});
  if (t.prospect) items.push_back({t.prospect->span.begin, Prospect, 0});
  for (size_t i = 0; i < t.activities.size(); ++i) items.push_back({t.activities[i].span.begin, Activity, i});
  for (size_t i = 0; i < t.colleagues.size(); ++i)
    items.push_back({t.colleagues[i].span.begin, Colleague, i});
  for (size_t i = 0; i < t.history.size(); ++i) items.push_back({t.history[i].span.begin, History, i});
  for (size_t i = 0; i < t.expects.size(); ++i) items.push_back({t.expects[i].span.begin, Expect, i});
  std::stable_sort(items.begin(), items.end(),
                   [](Item const& a, Item const& b) { return a.begin < b.begin; });
  for (auto const& it : items) {
    switch (it.kind) {
      case Now: add(1, "now " + text_of(t.now.get()), it.begin, t.now->span.end); break;
      case Prospect:
        record(1, "prospect", t.prospect->span, t.prospect->span.begin, t.prospect->fields,
               &t.prospect->activities);
        break;
      case Activity: activity(1, t.activities[it.index]); break;
      case Colleague: {
        auto const& c = t.colleagues[it.index];
        record(1, "colleague", c.span, c.span.begin, c.fields, &c.activities);
        break;
      }
      case History: {
        auto const& h = t.history[it.index];
        record(1, "history " + quoted(h.rule), h.span, h.rule_span.end, h.fields, nullptr);
        break;
      }
      case Expect: {
        auto const& x = t.expects[it.index];
        add(1, expect_text(x), x.span.begin, x.span.end);
        break;
      }
    }
  }
  close_block(0, t.span);
}

}  // namespace leadrules::formatting
