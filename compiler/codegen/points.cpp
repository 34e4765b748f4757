// The points of one scoring rule: a condition's points, or a sum over matching activities
// (decayed, once per a value, capped), stored in the frame for the explanation.
#include "compiler/codegen/codegen_internal.hpp"

namespace leadrules::jit::codegen {

Value* Codegen::rule_points(Ctx const& c, int32_t index, Value* fp) {
  (void)fp;
  auto const& r = P.points[size_t(index)];
  auto* total = local(f64, "rule.total");
  auto* matches = local(i64, "rule.matches");
  B.CreateStore(cf(0.0), total);
  B.CreateStore(c64(0), matches);
  if (r.per && L.pass_of_rule[size_t(index)] >= 0) {
    // Summed by the fused activity pass.
    int32_t item = L.pass_of_rule[size_t(index)];
    call_decl(pass_fn, c);
    Value* fpp = frame(c);
    B.CreateStore(B.CreateLoad(f64, byte_gep(fpp, L.item_a[size_t(item)])), total);
    B.CreateStore(B.CreateZExt(B.CreateLoad(i32, byte_gep(fpp, L.item_n[size_t(item)])), i64), matches);
  } else if (r.per) {
    if (r.once_per >= 0) {
      // Collect, keep the most recent of each distinct value, then sum in input order.
      Value* offsets = env_field(c.env, offsetof(LrEnv, act_offsets), ptr);
      Value* n_acts = B.CreateZExt(
          B.CreateSub(elem(i32, offsets, B.CreateAdd(c.row, c32(1))), elem(i32, offsets, c.row)), i64);
      Value* buf = B.CreateCall(runtime("lr_scratch", ptr, {ptr, i64}), {c.env, n_acts});
      auto* n = local(i64, "n");
      B.CreateStore(c64(0), n);
      for_matching(c, r.kind, r.where, r.within, [&](Value* a, Value*) {
        Value* k = B.CreateLoad(i64, n);
        B.CreateStore(a, B.CreateInBoundsGEP(i32, buf, k));
        B.CreateStore(B.CreateAdd(k, c64(1)), n);
      });
      Value* kept = B.CreateCall(runtime("lr_once_per", i64, {ptr, i32, ptr, i64}),
                                 {c.env, c32(r.once_per), buf, B.CreateLoad(i64, n)});
      B.CreateStore(kept, matches);
      Value* ats = env_field(c.env, offsetof(LrEnv, act_at), ptr);
      BasicBlock* pre = B.GetInsertBlock();
      BasicBlock* head = block("once.head");
      BasicBlock* body = block("once.body");
      BasicBlock* done = block("once.done");
      B.CreateBr(head);
      B.SetInsertPoint(head);
      auto* k = B.CreatePHI(i64, 2);
      k->addIncoming(c64(0), pre);
      B.CreateCondBr(B.CreateICmpSLT(k, kept), body, done);
      B.SetInsertPoint(body);
      Value* a = B.CreateLoad(i32, B.CreateInBoundsGEP(i32, buf, k));
      Value* age = B.CreateSub(c.now, elem(i64, ats, a));
      B.CreateStore(B.CreateFAdd(B.CreateLoad(f64, total), B.CreateFMul(cf(r.points), decay_factor(age))),
                    total);
      k->addIncoming(B.CreateAdd(k, c64(1)), body);
      B.CreateBr(head);
      B.SetInsertPoint(done);
    } else {
      for_matching(c, r.kind, r.where, r.within, [&](Value*, Value* at) {
        Value* age = B.CreateSub(c.now, at);
        B.CreateStore(B.CreateFAdd(B.CreateLoad(f64, total), B.CreateFMul(cf(r.points), decay_factor(age))),
                      total);
        B.CreateStore(B.CreateAdd(B.CreateLoad(i64, matches), c64(1)), matches);
      });
    }
  } else {
    Value* holds = is_true(gen(r.condition, c));
    B.CreateStore(B.CreateSelect(holds, cf(r.points), cf(0.0)), total);
    B.CreateStore(B.CreateZExt(holds, i64), matches);
  }
  Value* t = B.CreateLoad(f64, total);
  Value* bounded = t;
  if (r.cap) {
    if (r.points >= 0)
      bounded = B.CreateSelect(B.CreateFCmpOLT(cf(*r.cap), t), cf(*r.cap), t);  // std::min
    else
      bounded = B.CreateSelect(B.CreateFCmpOLT(t, cf(-*r.cap)), cf(-*r.cap), t);  // std::max
  }
  Value* frame_now = frame(c);
  B.CreateStore(bounded, byte_gep(frame_now, L.point_value[size_t(index)]));
  B.CreateStore(B.CreateTrunc(B.CreateLoad(i64, matches), i32),
                byte_gep(frame_now, L.point_matches[size_t(index)]));
  B.CreateStore(B.CreateZExt(B.CreateFCmpUNE(bounded, t), i8),
                byte_gep(frame_now, L.point_capped[size_t(index)]));
  return bounded;
}

}  // namespace leadrules::jit::codegen
