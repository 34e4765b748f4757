#include "compiler/plan/frame_layout.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

namespace leadrules::jit {

namespace {

using plan::Op;

// At most this many distinct instants compile natively (each is a frame per prospect).
constexpr size_t kMaxInstants = 256;

// Every instant a declaration may be evaluated at: past(E, d) moves E back by d, and what E
// reads is evaluated there too. The dependency graph is acyclic, so this terminates; each
// (declaration, instant) is walked once, so the work is declarations × instants, and nested
// past() cannot multiply instants beyond kMaxInstants (the walk stops there). The recursion
// follows chains of declarations, whose depth the checker bounds (Limits::depth).
std::runtime_error too_many_instants() {
  return std::runtime_error(
      fmt::format("past() in the policy reaches more than {} distinct instants; at most {} compile natively",
                  kMaxInstants, kMaxInstants));
}

struct OffsetWalker {
  plan::Plan const& p;
  std::set<int64_t> offsets;
  std::set<std::tuple<int, int32_t, int64_t>> seen;  // (decl kind, index, offset)

  void decl(int kind, int32_t index, int64_t off) {
    if (!seen.insert({kind, index, off}).second) return;
    switch (kind) {
      case 0: expr(p.lets[size_t(index)].expr, off); break;
      case 1:
        for (int32_t r : p.blocks[size_t(index)].rules) {
          auto const& pr = p.points[size_t(r)];
          expr(pr.where, off);
          expr(pr.within, off);
          expr(pr.condition, off);
        }
        break;
      case 2:
        for (auto const& m : p.grade_moves) expr(m.condition, off);
        break;
      case 3: {
        auto const& s = p.segments[size_t(index)];
        expr(s.condition, off);
        if (s.zone) {
          decl(2, 0, off);
          for (auto const& r : s.rows) expr(r.condition, off);
        }
        break;
      }
    }
  }

  void expr(int32_t n, int64_t off) {
    if (n < 0) return;
    if (offsets.insert(off).second && offsets.size() > kMaxInstants) throw too_many_instants();
    auto const& node = p.nodes[size_t(n)];
    switch (node.op) {
      case Op::Let: decl(0, node.index, off); break;
      case Op::Block: decl(1, node.index, off); break;
      case Op::Total:
        for (size_t b = 0; b < p.blocks.size(); ++b) decl(1, int32_t(b), off);
        break;
      case Op::Grade: decl(2, 0, off); break;
      case Op::Segment: decl(3, node.index, off); break;
      case Op::Past: expr(node.a, off + node.imm); return;
      case Op::Template:
        for (auto const& piece : p.templates[size_t(node.index)].pieces) expr(piece.expr, off);
        return;
      default: break;
    }
    expr(node.a, off);
    expr(node.b, off);
    for (int32_t x : node.args) expr(x, off);
  }
};

// A condition the fused pass can evaluate for any activity without leaving it: no declaration,
// no aggregate, no colleague, no past().
bool pass_pure(plan::Plan const& p, int32_t n) {
  if (n < 0) return true;
  auto const& node = p.nodes[size_t(n)];
  switch (node.op) {
    case Op::Let:
    case Op::Block:
    case Op::Total:
    case Op::Grade:
    case Op::Segment:
    case Op::ActAgg:
    case Op::ColAgg:
    case Op::Past:
    case Op::Fired:
    case Op::Template: return false;
    default: break;
  }
  if (!pass_pure(p, node.a) || !pass_pure(p, node.b)) return false;
  for (int32_t x : node.args)
    if (!pass_pure(p, x)) return false;
  return true;
}

// The window of an aggregate or rule as a constant, if it is one (-2: not constant).
int64_t constant_window(plan::Plan const& p, int32_t n) {
  if (n < 0) return -1;
  auto const& node = p.nodes[size_t(n)];
  if (node.op != Op::Const || node.type != plan::Type::Duration) return -2;
  int64_t w = p.constants[size_t(node.index)].micros;
  return w >= 0 ? w : -2;
}

}  // namespace

FrameLayout FrameLayout::build(plan::Plan const& p) {
  FrameLayout L;
  OffsetWalker w{p, {0}, {}};
  for (size_t i = 0; i < p.lets.size(); ++i) w.decl(0, int32_t(i), 0);
  for (size_t i = 0; i < p.blocks.size(); ++i) w.decl(1, int32_t(i), 0);
  w.decl(2, 0, 0);
  for (size_t i = 0; i < p.segments.size(); ++i) w.decl(3, int32_t(i), 0);
  for (auto const& r : p.rules) {
    w.expr(r.condition, 0);
    for (auto const& a : r.actions)
      for (int32_t x : a.args) w.expr(x, 0);
  }
  L.offsets.assign(w.offsets.begin(), w.offsets.end());  // ascending: 0 first

  L.past_slot.assign(p.nodes.size(), -1);
  std::vector<int64_t> past_imm;
  for (size_t n = 0; n < p.nodes.size(); ++n)
    if (p.nodes[n].op == Op::Past) {
      L.past_slot[n] = L.past_count++;
      past_imm.push_back(p.nodes[n].imm);
    }
  L.past_map.assign(L.offsets.size() * size_t(L.past_count), -1);
  for (size_t o = 0; o < L.offsets.size(); ++o)
    for (int32_t s = 0; s < L.past_count; ++s) {
      auto it = std::lower_bound(L.offsets.begin(), L.offsets.end(), L.offsets[o] + past_imm[size_t(s)]);
      if (it != L.offsets.end() && *it == L.offsets[o] + past_imm[size_t(s)])
        L.past_map[o * size_t(L.past_count) + size_t(s)] = int32_t(it - L.offsets.begin());
    }

  // The fused activity pass.
  L.pass_of_rule.assign(p.points.size(), -1);
  L.pass_of_node.assign(p.nodes.size(), -1);
  for (size_t r = 0; r < p.points.size(); ++r) {
    auto const& pr = p.points[r];
    int64_t w = constant_window(p, pr.within);
    if (!pr.per || pr.once_per >= 0 || w == -2 || !pass_pure(p, pr.where)) continue;
    L.pass_of_rule[r] = int32_t(L.pass_items.size());
    L.pass_items.push_back({true, int32_t(r), pr.kind, pr.where, w});
  }
  for (size_t n = 0; n < p.nodes.size(); ++n) {
    auto const& node = p.nodes[n];
    if (node.op != Op::ActAgg) continue;
    int64_t w = constant_window(p, node.b);
    if (w == -2 || !pass_pure(p, node.a)) continue;
    L.pass_of_node[n] = int32_t(L.pass_items.size());
    L.pass_items.push_back({false, int32_t(n), node.index, node.a, w});
  }

  // Byte layout: 8-byte values first, then 4-byte, then bytes.
  uint32_t at = 0;
  auto take = [&](uint32_t bytes, uint32_t align) {
    at = (at + align - 1) / align * align;
    uint32_t here = at;
    at += bytes;
    return here;
  };
  for (size_t i = 0; i < p.lets.size(); ++i) L.let_slot.push_back(take(48, 8));
  for (size_t i = 0; i < p.blocks.size(); ++i) L.block_value.push_back(take(8, 8));
  L.total_value = take(8, 8);
  for (size_t i = 0; i < p.points.size(); ++i) L.point_value.push_back(take(8, 8));
  for (size_t i = 0; i < L.pass_items.size(); ++i) {
    L.item_a.push_back(take(8, 8));
    L.item_b.push_back(take(8, 8));
    L.item_c.push_back(take(8, 8));
  }
  for (size_t i = 0; i < L.pass_items.size(); ++i) L.item_n.push_back(take(4, 4));
  L.grade_value = take(4, 4);
  for (size_t i = 0; i < p.segments.size(); ++i) L.zone_row.push_back(take(4, 4));
  for (size_t i = 0; i < p.points.size(); ++i) L.point_matches.push_back(take(4, 4));
  L.rules_done = take(1, 1);
  L.pass_done = take(1, 1);
  for (size_t i = 0; i < p.rules.size(); ++i) L.fires.push_back(take(1, 1));
  for (size_t i = 0; i < p.blocks.size(); ++i) L.block_done.push_back(take(1, 1));
  L.total_done = take(1, 1);
  L.grade_done = take(1, 1);
  for (size_t i = 0; i < p.segments.size(); ++i) L.segment_state.push_back(take(1, 1));
  for (size_t i = 0; i < p.points.size(); ++i) L.point_capped.push_back(take(1, 1));
  for (size_t i = 0; i < p.grade_moves.size(); ++i) L.grade_outcome.push_back(take(1, 1));
  L.size = std::max<uint32_t>(8, (at + 7) / 8 * 8);
  return L;
}

namespace {

// The single string column a pure subtree reads, if it reads exactly one and nothing else that
// varies per prospect (no lets, no aggregates, no `now`).
struct PureScan {
  plan::Plan const& p;
  bool ok = true;
  std::optional<std::pair<bool, int32_t>> column;

  void visit(int32_t n) {
    if (n < 0 || !ok) return;
    auto const& node = p.nodes[size_t(n)];
    switch (node.op) {
      case Op::Const: return;
      case Op::Field:
      case Op::ActField: {
        std::pair<bool, int32_t> c{node.op == Op::ActField, node.index};
        if (node.type != plan::Type::String || (column && *column != c)) {
          ok = false;
          return;
        }
        column = c;
        return;
      }
      case Op::Call:
        switch (plan::Builtin(node.sub)) {
          case plan::Builtin::Lower:
          case plan::Builtin::Upper:
          case plan::Builtin::Len:
          case plan::Builtin::Contains:
          case plan::Builtin::StartsWith:
          case plan::Builtin::EndsWith:
          case plan::Builtin::Domain:
          case plan::Builtin::Present:
          case plan::Builtin::Abs:
          case plan::Builtin::Round:
          case plan::Builtin::Clamp:
          case plan::Builtin::Min:
          case plan::Builtin::Max: break;
          default: ok = false; return;
        }
        break;
      case Op::Match:
      case Op::InSet:
      case Op::Compare:
      case Op::Not:
      case Op::And:
      case Op::Or:
      case Op::Coalesce:
      case Op::Arith:
      case Op::Neg: break;
      default: ok = false; return;
    }
    visit(node.a);
    visit(node.b);
    for (int32_t x : node.args) visit(x);
  }
};

}  // namespace

std::vector<ColumnPredicate> find_column_predicates(plan::Plan const& p) {
  std::vector<ColumnPredicate> out;
  std::vector<uint8_t> taken(p.nodes.size(), 0);
  // Children come before parents in the node array, so walk from the end: the first eligible
  // node met is maximal; mark its subtree so no part of it is listed again.
  std::function<void(int32_t)> mark = [&](int32_t n) {
    if (n < 0 || taken[size_t(n)]) return;
    taken[size_t(n)] = 1;
    auto const& node = p.nodes[size_t(n)];
    mark(node.a);
    mark(node.b);
    for (int32_t x : node.args) mark(x);
  };
  for (size_t i = p.nodes.size(); i-- > 0;) {
    if (taken[i] || p.nodes[i].type != plan::Type::Bool || p.nodes[i].op == Op::Const) continue;
    PureScan scan{p};
    scan.visit(int32_t(i));
    if (!scan.ok || !scan.column) continue;
    ColumnPredicate pred{int32_t(i), scan.column->first, scan.column->second, -1};
    // Is every read of the column the direct argument of one and the same string function?
    std::optional<uint8_t> via;
    bool direct = false;
    std::function<void(int32_t, int32_t)> reads = [&](int32_t n, int32_t parent) {
      if (n < 0) return;
      auto const& node = p.nodes[size_t(n)];
      if (node.op == Op::Field || node.op == Op::ActField) {
        auto const* par = parent >= 0 ? &p.nodes[size_t(parent)] : nullptr;
        bool ok = par && par->op == Op::Call && par->args.size() == 1 &&
                  (plan::Builtin(par->sub) == plan::Builtin::Domain ||
                   plan::Builtin(par->sub) == plan::Builtin::Lower ||
                   plan::Builtin(par->sub) == plan::Builtin::Upper);
        if (!ok || (via && *via != par->sub))
          direct = true;
        else
          via = par->sub;
        return;
      }
      reads(node.a, n);
      reads(node.b, n);
      for (int32_t x : node.args) reads(x, n);
    };
    reads(int32_t(i), -1);
    if (via && !direct) pred.via = *via;
    out.push_back(pred);
    mark(int32_t(i));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace leadrules::jit
