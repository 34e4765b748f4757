#include "compiler/plan/fingerprint.hpp"

#include <cstring>

#include <fmt/format.h>

namespace leadrules {

namespace {

// Two independent 64-bit FNV-1a style streams; the plan is fed field by field with lengths,
// so no two different plans feed the same bytes.
struct Hasher {
  uint64_t a = 0xcbf29ce484222325ull, b = 0x84222325cbf29ce4ull;
  void bytes(void const* p, size_t n) {
    auto const* s = static_cast<unsigned char const*>(p);
    for (size_t i = 0; i < n; ++i) {
      a = (a ^ s[i]) * 0x100000001b3ull;
      b = (b ^ s[i]) * 0x00000100000001b3ull + 0x9e3779b97f4a7c15ull;
    }
  }
  template <class T>
  void pod(T const& v) {
    bytes(&v, sizeof v);
  }
  void str(std::string const& s) {
    pod(uint64_t(s.size()));
    bytes(s.data(), s.size());
  }
  void constant(plan::Constant const& c) {
    pod(c.type);
    pod(c.missing);
    pod(c.number);
    pod(c.micros);
    pod(c.grade);
    pod(c.boolean);
    str(c.text);
    pod(uint64_t(c.list.size()));
    for (auto const& s : c.list) str(s);
  }
  void field(plan::Field const& f) {
    str(f.name);
    pod(f.type);
    pod(f.optional);
    pod(f.default_value.has_value());
    if (f.default_value) constant(*f.default_value);
  }
  template <class T>
  void opt(std::optional<T> const& v) {
    pod(v.has_value());
    if (v) pod(*v);
  }
};

}  // namespace

std::string plan_fingerprint(plan::Plan const& p) {
  Hasher h;
  h.str(p.timezone);
  h.pod(uint64_t(p.schema.prospect.size()));
  for (auto const& f : p.schema.prospect) h.field(f);
  h.pod(uint64_t(p.schema.activity.size()));
  for (auto const& f : p.schema.activity) h.field(f);
  h.pod(uint64_t(p.schema.kinds.size()));
  for (auto const& k : p.schema.kinds) h.str(k);
  h.pod(p.schema.id_field);
  h.pod(p.schema.account_field);
  h.pod(uint64_t(p.nodes.size()));
  for (auto const& n : p.nodes) {
    h.pod(n.op);
    h.pod(n.type);
    h.pod(n.sub);
    h.pod(n.a);
    h.pod(n.b);
    h.pod(n.index);
    h.pod(n.imm);
    h.pod(uint64_t(n.args.size()));
    for (int32_t x : n.args) h.pod(x);
  }
  h.pod(uint64_t(p.constants.size()));
  for (auto const& c : p.constants) h.constant(c);
  h.pod(uint64_t(p.templates.size()));
  for (auto const& t : p.templates) {
    h.pod(uint64_t(t.pieces.size()));
    for (auto const& piece : t.pieces) {
      h.str(piece.text);
      h.pod(piece.expr);
      h.pod(piece.has_fallback);
      h.str(piece.fallback);
    }
  }
  h.pod(uint64_t(p.regexes.size()));
  for (auto const& r : p.regexes) {
    h.str(r.pattern);
    h.pod(r.case_insensitive);
  }
  h.pod(uint64_t(p.sets.size()));
  for (auto const& s : p.sets) {
    h.pod(uint64_t(s.values.size()));
    for (auto const& v : s.values) h.str(v);
  }
  h.pod(uint64_t(p.lets.size()));
  for (auto const& l : p.lets) {
    h.pod(l.expr);
    h.pod(l.type);
  }
  h.pod(uint64_t(p.points.size()));
  for (auto const& r : p.points) {
    h.pod(r.block);
    h.pod(r.points);
    h.pod(r.per);
    h.pod(r.kind);
    h.pod(r.where);
    h.pod(r.within);
    h.pod(r.once_per);
    h.pod(r.condition);
    h.opt(r.cap);
  }
  h.pod(uint64_t(p.blocks.size()));
  for (auto const& b : p.blocks) {
    h.pod(uint64_t(b.rules.size()));
    for (int32_t r : b.rules) h.pod(r);
    h.opt(b.cap);
    h.opt(b.floor);
  }
  h.opt(p.total_cap);
  h.opt(p.total_floor);
  h.pod(p.decay.kind);
  h.pod(p.decay.percent);
  h.pod(p.decay.per);
  h.pod(uint64_t(p.decay.steps.size()));
  for (auto const& s : p.decay.steps) {
    h.pod(s.after);
    h.pod(s.factor);
  }
  h.pod(p.grade_start);
  h.pod(uint64_t(p.grade_moves.size()));
  for (auto const& m : p.grade_moves) {
    h.pod(m.thirds);
    h.pod(m.has_else);
    h.pod(m.else_thirds);
    h.pod(m.condition);
  }
  h.pod(uint64_t(p.segments.size()));
  for (auto const& s : p.segments) {
    h.pod(s.zone);
    h.pod(s.condition);
    h.pod(uint64_t(s.rows.size()));
    for (auto const& r : s.rows) {
      h.pod(r.grade);
      h.pod(r.condition);
    }
  }
  h.pod(uint64_t(p.rules.size()));
  for (auto const& r : p.rules) {
    h.pod(r.qualifier);
    h.pod(r.every);
    h.opt(r.max);
    h.pod(r.condition);
    h.pod(uint64_t(r.actions.size()));
    for (auto const& a : r.actions) {
      h.pod(a.kind);
      h.pod(a.field);
      h.pod(uint64_t(a.args.size()));
      for (int32_t x : a.args) h.pod(x);
    }
  }
  h.pod(p.uses_colleagues);
  return fmt::format("{:016x}{:016x}", h.a, h.b);
}

}  // namespace leadrules
