// Expressions: the dispatch from a plan node to the code that computes its value. Each family of
// expressions has its own file (values, logic, builtins, activity, colleagues).
#include "compiler/codegen/codegen_internal.hpp"

namespace leadrules::jit::codegen {

Val Codegen::gen(int32_t index, Ctx const& c) {
  auto const& n = P.nodes[size_t(index)];
  if (pred_of_node[size_t(index)] >= 0) return gen_predicate(index, c);
  switch (n.op) {
    case Op::Const: return gen_const(P.constants[size_t(n.index)]);
    case Op::Now: return present_int(c.now);
    case Op::Field: return gen_column(c, false, n.index, n.type, c.row);
    case Op::ActField: return gen_column(c, true, n.index, n.type, c.act);
    case Op::ActAt: return present_int(elem(i64, env_field(c.env, offsetof(LrEnv, act_at), ptr), c.act));
    case Op::ActType: return gen_activity_type(c);
    case Op::Let: {
      call_decl(let_fn[size_t(n.index)], c);
      return load_slot(byte_gep(frame(c), L.let_slot[size_t(n.index)]), n.type);
    }
    case Op::Block: return number(call_decl(block_fn[size_t(n.index)], c));
    case Op::Total: return number(call_decl(total_fn, c));
    case Op::Grade: return present_int(B.CreateSExt(call_decl(grade_fn, c), i64));
    case Op::Segment: return boolean(B.CreateICmpNE(call_decl(seg_fn[size_t(n.index)], c), B.getInt8(0)));
    case Op::Neg: return gen_neg(n, c);
    case Op::Not: return gen_not(n, c);
    case Op::And: return gen_and_or(n, c, true);
    case Op::Or: return gen_and_or(n, c, false);
    case Op::Arith: return gen_arith(n, c);
    case Op::Coalesce: return gen_coalesce(n, c);
    case Op::Compare: return gen_compare(n, c);
    case Op::Match: return gen_match(n, c);
    case Op::InSet: return gen_in_set(n, c);
    case Op::InList: return gen_in_list(n, c);
    case Op::Within: return gen_within(n, c);
    case Op::Call: return gen_call(n, c);
    case Op::ActAgg: return gen_activity_agg(n, c);
    case Op::ColAgg: return gen_colleague_agg(n, c);
    case Op::Past: return gen_past(n, index, c);
    case Op::Fired:
    case Op::Template: throw std::runtime_error("this expression only appears in tests and actions");
  }
  throw std::runtime_error("unknown expression");
}

}  // namespace leadrules::jit::codegen
