// The actions that build declarations: the policy header, schemas, sets, lets, score
// blocks, decay, grades, zones, segments, rules and tests. Needs parser_actions_expr.hpp first. PEGTL:
// included by parser.cpp alone.
#pragma once

#include <fmt/format.h>

#include "grammar/grammar.hpp"
#include "grammar/parser_actions_expr.hpp"
#include "grammar/parser_internal.hpp"

namespace leadrules::parser_detail {

namespace pg = tao::pegtl;
namespace g = leadrules::grammar;

// Declarations --------------------------------------------------------------------------------

template <>
struct action<g::policy_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    PolicyItem p;
    auto& name = std::get<StrItem>(items[0]);
    p.name = std::move(name.text);
    p.name_span = name.span;
    if (items.size() > 1) {
      auto& tz = std::get<StrItem>(items[1]);
      p.tz = std::move(tz.text);
      p.tz_span = tz.span;
    }
    p.span = st.span(in);
    st.push(std::move(p));
  }
};

template <>
struct action<g::schema_target> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.push(TargetItem{in.string_view() == "activity"});
  }
};

template <>
struct action<g::bad_type> {
  template <typename In>
  static void apply(In const& in, State& st) {
    std::string w = in.string();
    std::string hint = kTypes;
    auto close = closest_name(w, {"string", "number", "bool", "time", "duration", "grade"});
    if (w == "int" || w == "integer" || w == "float" || w == "double") close = "number";
    if (w == "boolean") close = "bool";
    if (w == "datetime" || w == "timestamp" || w == "date") close = "time";
    if (!close.empty()) hint = fmt::format("did you mean `{}`? {}", close, kTypes);
    fail(st.span(in), fmt::format("unknown type `{}`", w), hint);
  }
};

template <>
struct action<g::type_ref> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.take();
    std::string_view t = in.string_view();
    TypeRef r;
    r.span = st.span(in);
    r.optional = t.back() == '?';
    if (t[0] == '[') {
      r.list = true;
      r.base = TypeRef::Base::String;
    } else {
      size_t n = 0;
      while (n < t.size() && is_ident_char(t[n])) ++n;
      auto w = t.substr(0, n);
      r.base = w == "string"     ? TypeRef::Base::String
               : w == "number"   ? TypeRef::Base::Number
               : w == "bool"     ? TypeRef::Base::Bool
               : w == "time"     ? TypeRef::Base::Time
               : w == "duration" ? TypeRef::Base::Duration
                                 : TypeRef::Base::Grade;
    }
    st.push(std::move(r));
  }
};

template <>
struct action<g::from_clause> {
  template <typename In>
  static void apply(In const&, State& st) {
    st.push(FromItem{st.pop<StrItem>().text});
  }
};

template <>
struct action<g::missing_clause> {
  template <typename In>
  static void apply(In const&, State& st) {
    auto items = st.take();
    MissingItem m;
    for (auto& i : items) m.values.push_back(std::move(std::get<StrItem>(i).text));
    st.push(std::move(m));
  }
};

template <>
struct action<g::field_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    FieldDecl f;
    f.span = st.span(in);
    for (auto& i : items) {
      if (auto* id = std::get_if<Ident>(&i))
        f.name = std::move(*id);
      else if (auto* t = std::get_if<TypeRef>(&i))
        f.type = *t;
      else if (auto* e = std::get_if<ExprItem>(&i))
        f.default_value = std::move(e->e);
      else if (auto* fr = std::get_if<FromItem>(&i))
        f.from = std::move(fr->column);
      else if (auto* m = std::get_if<MissingItem>(&i))
        f.missing = std::move(m->values);
    }
    st.push(std::move(f));
  }
};

template <>
struct action<g::kind_name> {
  template <typename In>
  static void apply(In const&, State& st) {
    st.push(KindItem{st.pop<Ident>()});
  }
};
template <>
struct action<g::kind_plain> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.push(KindItem{Ident{in.string(), st.span(in)}});
  }
};

template <>
struct action<g::schema_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    SchemaDecl s;
    s.span = st.span(in);
    for (auto& i : items) {
      if (auto* t = std::get_if<TargetItem>(&i))
        s.activity = t->activity;
      else if (auto* k = std::get_if<KindItem>(&i)) {
        if (!s.activity)
          fail(k->kind.span, "only `schema activity` declares `kinds`",
               "schema activity { kinds visit, form  page: string? }");
        s.kinds.push_back(std::move(k->kind));
      } else if (auto* f = std::get_if<FieldDecl>(&i)) {
        s.fields.push_back(std::move(*f));
      }
    }
    st.push(DeclItem{std::move(s)});
  }
};

template <>
struct action<g::file_ref> {
  template <typename In>
  static void apply(In const&, State& st) {
    auto str = st.pop<StrItem>();
    st.push(FileItem{std::move(str.text), str.span});
  }
};

template <>
struct action<g::set_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    SetDecl s;
    s.span = st.span(in);
    s.name = std::move(std::get<Ident>(items[0]));
    if (auto* f = std::get_if<FileItem>(&items[1])) {
      s.file = std::move(f->path);
      s.file_span = f->span;
    } else {
      auto& lit = std::get<ExprItem>(items[1]);
      for (auto& m : lit.e->args) {
        s.values.push_back(std::move(m->text));
        s.value_spans.push_back(m->span);
      }
    }
    st.push(DeclItem{std::move(s)});
  }
};

template <>
struct action<g::let_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    LetDecl l;
    l.span = st.span(in);
    l.name = std::move(std::get<Ident>(items[0]));
    l.value = std::move(std::get<ExprItem>(items[1]).e);
    st.push(DeclItem{std::move(l)});
  }
};

template <>
struct action<g::rule_cap> {
  template <typename In>
  static void apply(In const&, State& st) {
    st.push(CapItem{st.pop<Number>()});
  }
};
template <>
struct action<g::block_cap> {
  template <typename In>
  static void apply(In const&, State& st) {
    st.push(CapItem{st.pop<Number>()});
  }
};
template <>
struct action<g::block_floor> {
  template <typename In>
  static void apply(In const&, State& st) {
    st.push(FloorItem{st.pop<Number>()});
  }
};
template <>
struct action<g::once_per> {
  template <typename In>
  static void apply(In const&, State& st) {
    st.push(OnceItem{st.pop<Ident>()});
  }
};

template <>
struct action<g::points_rule> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    PointsRule r;
    r.span = st.span(in);
    for (auto& i : items) {
      if (auto* n = std::get_if<Number>(&i))
        r.points = std::move(*n);
      else if (auto* k = std::get_if<Ident>(&i)) {
        r.per = true;
        r.kind = std::move(*k);
      } else if (auto* w = std::get_if<WhereItem>(&i))
        r.where = std::move(w->cond.e);
      else if (auto* d = std::get_if<WithinItem>(&i))
        r.within = std::move(d->window.e);
      else if (auto* o = std::get_if<OnceItem>(&i))
        r.once_per = std::move(o->field);
      else if (auto* c = std::get_if<CapItem>(&i))
        r.cap = std::move(c->n);
      else if (auto* e = std::get_if<ExprItem>(&i))
        r.condition = std::move(e->e);
    }
    st.push(std::move(r));
  }
};

template <>
struct action<g::points_decl> {
  template <typename In>
  static void apply(In const&, State& st) {
    st.push(DeclItem{st.pop<PointsRule>()});
  }
};

template <typename In>
inline void push_bound(In const& in, State& st, bool cap) {
  ScoreBound b;
  b.is_cap = cap;
  b.value = st.pop<Number>();
  b.span = st.span(in);
  st.push(DeclItem{std::move(b)});
}
template <>
struct action<g::score_bound_cap> {
  template <typename In>
  static void apply(In const& in, State& st) {
    push_bound(in, st, true);
  }
};
template <>
struct action<g::score_bound_floor> {
  template <typename In>
  static void apply(In const& in, State& st) {
    push_bound(in, st, false);
  }
};

template <>
struct action<g::score_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    // The body pushed the declaration; a block's span starts at its name: widen it to `score`.
    auto& d = std::get<DeclItem>(st.items.back()).decl;
    std::visit([&](auto& x) { x.span = st.span(in); }, d);
  }
};

template <>
struct action<g::score_block> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    ScoreDecl s;
    s.span = st.span(in);
    for (auto& i : items) {
      if (auto* id = std::get_if<Ident>(&i))
        s.name = std::move(*id);
      else if (auto* c = std::get_if<CapItem>(&i))
        s.cap = std::move(c->n);
      else if (auto* f = std::get_if<FloorItem>(&i))
        s.floor = std::move(f->n);
      else if (auto* r = std::get_if<PointsRule>(&i))
        s.rules.push_back(std::move(*r));
    }
    st.push(DeclItem{std::move(s)});
  }
};

template <>
struct action<g::decay_per> {
  template <typename In>
  static void apply(In const&, State& st) {
    st.push(LinearItem{});
  }
};

template <>
struct action<g::decay_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    DecayDecl d;
    d.span = st.span(in);
    d.percent = std::move(std::get<Number>(items[0]));
    d.duration = std::move(std::get<ExprItem>(items[1]).e);
    d.linear = items.size() > 2;
    st.push(DeclItem{std::move(d)});
  }
};

template <>
struct action<g::grade_start> {
  template <typename In>
  static void apply(In const&, State& st) {
    GradeStart gs;
    gs.grade = std::move(st.pop<ExprItem>().e);
    st.push(DeclItem{std::move(gs)});
  }
};

template <>
struct action<g::grade_move> {
  template <typename In>
  static void apply(In const&, State& st) {
    auto items = st.take();
    GradeMove m;
    auto& mv = std::get<MoveItem>(items[0]);
    m.thirds = mv.thirds;
    m.text = std::move(mv.text);
    m.condition = std::move(std::get<ExprItem>(items[1]).e);
    if (items.size() > 2) {
      auto& e = std::get<MoveItem>(items[2]);
      m.else_thirds = e.thirds;
      m.else_text = std::move(e.text);
    }
    st.push(DeclItem{std::move(m)});
  }
};

template <>
struct action<g::grade_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto& d = std::get<DeclItem>(st.items.back()).decl;
    std::visit([&](auto& x) { x.span = st.span(in); }, d);
  }
};

template <>
struct action<g::zone_row> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    ZoneRow r;
    r.span = st.span(in);
    r.grade = std::move(std::get<ExprItem>(items[0]).e);
    r.condition = std::move(std::get<ExprItem>(items[1]).e);
    st.push(std::move(r));
  }
};

template <>
struct action<g::zone_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    ZoneDecl z;
    z.span = st.span(in);
    z.name = std::move(std::get<Ident>(items[0]));
    for (size_t i = 1; i < items.size(); ++i) z.rows.push_back(std::move(std::get<ZoneRow>(items[i])));
    st.push(DeclItem{std::move(z)});
  }
};

template <>
struct action<g::segment_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    SegmentDecl s;
    s.span = st.span(in);
    s.name = std::move(std::get<Ident>(items[0]));
    s.condition = std::move(std::get<ExprItem>(items[1]).e);
    st.push(DeclItem{std::move(s)});
  }
};

// Rules.
template <>
struct action<g::max_clause> {
  template <typename In>
  static void apply(In const&, State& st) {
    ExprItem n = st.pop<ExprItem>();
    Number m;
    m.value = n.e->number;
    m.text = n.e->text;
    m.span = n.e->span;
    st.push(MaxItem{std::move(m)});
  }
};
template <>
struct action<g::max_count> {
  template <typename In>
  static void apply(In const& in, State& st) {
    if (in.string_view().find('.') != std::string_view::npos)
      fail(st.span(in), "`max` takes a whole number", "rule \"x\" every 7d max 3 when …");
    st.push(number_node(in.string_view(), st.span(in)));
  }
};
template <>
struct action<g::q_once> {
  template <typename In>
  static void apply(In const&, State& st) {
    st.push(QualItem{RuleDecl::Qualifier::Once, nullptr, {}});
  }
};
template <>
struct action<g::q_always> {
  template <typename In>
  static void apply(In const&, State& st) {
    auto items = st.take();
    QualItem q{RuleDecl::Qualifier::Always, nullptr, {}};
    if (!items.empty()) q.max = std::move(std::get<MaxItem>(items[0]).n);
    st.push(std::move(q));
  }
};
template <>
struct action<g::q_every> {
  template <typename In>
  static void apply(In const&, State& st) {
    auto items = st.take();
    QualItem q{RuleDecl::Qualifier::Every, std::move(std::get<ExprItem>(items[0]).e), {}};
    if (items.size() > 1) q.max = std::move(std::get<MaxItem>(items[1]).n);
    st.push(std::move(q));
  }
};

template <>
struct action<g::action_call> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    Action a;
    a.span = st.span(in);
    a.name = std::move(std::get<Ident>(items[0]));
    for (size_t i = 1; i < items.size(); ++i) a.args.push_back(std::move(std::get<ExprItem>(items[i]).e));
    st.push(std::move(a));
  }
};
template <>
struct action<g::set_action> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    Action a;
    a.span = st.span(in);
    a.name = Ident{"set", {a.span.begin, a.span.begin + 3}};
    a.field = std::move(std::get<Ident>(items[0]));
    a.value = std::move(std::get<ExprItem>(items[1]).e);
    st.push(std::move(a));
  }
};
template <>
struct action<g::set_compare> {
  template <typename In>
  static void apply(In const& in, State& st) {
    fail(st.span(in), "`set` gives a field a value with `=`, not `==`",
         "do set status = \"MQL\" (in a test, `expect set status == \"MQL\"` compares)");
  }
};

template <>
struct action<g::action_comma> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.last_comma = st.span(in);
  }
};
template <>
struct action<g::trailing_comma> {
  template <typename In>
  static void apply(In const&, State& st) {
    fail(st.last_comma, "trailing comma after the last action",
         "an action list has no trailing comma; remove it");
  }
};

template <>
struct action<g::rule_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    RuleDecl r;
    r.span = st.span(in);
    for (auto& i : items) {
      if (auto* s = std::get_if<StrItem>(&i)) {
        r.name = std::move(s->text);
        r.name_span = s->span;
      } else if (auto* q = std::get_if<QualItem>(&i)) {
        r.qualifier = q->q;
        r.qualifier_written = true;
        r.every = std::move(q->every);
        r.max = std::move(q->max);
      } else if (auto* e = std::get_if<ExprItem>(&i)) {
        r.condition = std::move(e->e);
      } else if (auto* a = std::get_if<Action>(&i)) {
        r.actions.push_back(std::move(*a));
      }
    }
    st.push(DeclItem{std::move(r)});
  }
};

// Tests.
template <>
struct action<g::test_name> {
  template <typename In>
  static void apply(In const&, State& st) {
    st.open_name = std::get<StrItem>(st.items.back()).text;
  }
};

template <>
struct action<g::test_field> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    TestField f;
    f.span = st.span(in);
    f.name = std::move(std::get<Ident>(items[0]));
    f.value = std::move(std::get<ExprItem>(items[1]).e);
    st.push(std::move(f));
  }
};

template <>
struct action<g::test_activity> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    TestActivity a;
    a.span = st.span(in);
    a.kind = std::move(std::get<Ident>(items[0]));
    for (size_t i = 1; i < items.size(); ++i) a.fields.push_back(std::move(std::get<TestField>(items[i])));
    st.push(std::move(a));
  }
};

template <typename In>
inline void push_prospect(In const& in, State& st, bool colleague) {
  auto items = st.take();
  ProspectItem p{{}, colleague};
  p.p.span = st.span(in);
  for (auto& i : items) {
    if (auto* f = std::get_if<TestField>(&i))
      p.p.fields.push_back(std::move(*f));
    else if (auto* a = std::get_if<TestActivity>(&i))
      p.p.activities.push_back(std::move(*a));
  }
  st.push(std::move(p));
}
template <>
struct action<g::test_prospect> {
  template <typename In>
  static void apply(In const& in, State& st) {
    push_prospect(in, st, false);
  }
};
template <>
struct action<g::test_colleague> {
  template <typename In>
  static void apply(In const& in, State& st) {
    push_prospect(in, st, true);
  }
};

template <>
struct action<g::test_history> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    TestHistory h;
    h.span = st.span(in);
    auto& name = std::get<StrItem>(items[0]);
    h.rule = std::move(name.text);
    h.rule_span = name.span;
    for (size_t i = 1; i < items.size(); ++i) h.fields.push_back(std::move(std::get<TestField>(items[i])));
    st.push(std::move(h));
  }
};

template <>
struct action<g::test_now> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.push(NowItem{std::move(st.pop<ExprItem>().e), st.span(in)});
  }
};

template <>
struct action<g::expect_set> {
  template <typename In>
  static void apply(In const&, State& st) {
    auto items = st.take();
    Expect e;
    e.kind = Expect::Kind::Set;
    e.field = std::move(std::get<Ident>(items[0]));
    e.value = std::move(std::get<ExprItem>(items[1]).e);
    st.push(std::move(e));
  }
};
template <>
struct action<g::expect_action> {
  template <typename In>
  static void apply(In const&, State& st) {
    Expect e;
    e.kind = Expect::Kind::Action;
    e.action = st.pop<Action>();
    st.push(std::move(e));
  }
};
template <>
struct action<g::expect_condition> {
  template <typename In>
  static void apply(In const&, State& st) {
    Expect e;
    e.kind = Expect::Kind::Condition;
    e.condition = std::move(st.pop<ExprItem>().e);
    st.push(std::move(e));
  }
};
template <>
struct action<g::test_expect> {
  template <typename In>
  static void apply(In const& in, State& st) {
    std::get<Expect>(st.items.back()).span = st.span(in);
  }
};

template <>
struct action<g::test_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    TestDecl t;
    t.span = st.span(in);
    std::optional<Span> now_span, prospect_span;
    for (auto& i : items) {
      if (auto* s = std::get_if<StrItem>(&i)) {
        t.name = std::move(s->text);
        t.name_span = s->span;
      } else if (auto* n = std::get_if<NowItem>(&i)) {
        if (now_span) fail(n->span, "a test has one `now`", "remove one of the `now` lines");
        now_span = n->span;
        t.now = std::move(n->time);
      } else if (auto* p = std::get_if<ProspectItem>(&i)) {
        if (p->colleague) {
          t.colleagues.push_back(std::move(p->p));
        } else {
          if (prospect_span)
            fail(p->p.span, "a test has one `prospect` block",
                 "other prospects of the same account are written `colleague { … }`");
          prospect_span = p->p.span;
          t.prospect = std::move(p->p);
        }
      } else if (auto* a = std::get_if<TestActivity>(&i)) {
        t.activities.push_back(std::move(*a));
      } else if (auto* h = std::get_if<TestHistory>(&i)) {
        t.history.push_back(std::move(*h));
      } else if (auto* e = std::get_if<Expect>(&i)) {
        t.expects.push_back(std::move(*e));
      }
    }
    st.push(DeclItem{std::move(t)});
  }
};

}  // namespace leadrules::parser_detail
