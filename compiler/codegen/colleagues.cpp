// Colleague aggregates: count, any, sum, min and max over the other prospects of the same account.
#include "compiler/codegen/codegen_internal.hpp"

namespace leadrules::jit::codegen {

Val Codegen::gen_colleague_agg(plan::Node const& n, Ctx const& c) {
  // The group holds exactly this prospect's account (or only the prospect when it has none).
  auto agg = plan::Agg(n.sub);
  Type t = n.type;
  auto* count = local(i64, "ccount");
  auto* sum = local(f64, "csum");
  auto* isum = local(i64, "cisum");
  auto* isum_ok = local(i1, "cisum.ok");
  Var best = var(t == Type::Bool ? Type::Number : t);
  B.CreateStore(c64(0), count);
  B.CreateStore(cf(0.0), sum);
  B.CreateStore(c64(0), isum);
  B.CreateStore(B.getTrue(), isum_ok);
  if (agg == plan::Agg::Min || agg == plan::Agg::Max) put(best, missing(t));

  Value* rows = env_field(c.env, offsetof(LrEnv, group_rows), ptr);
  Value* size = env_field(c.env, offsetof(LrEnv, group_size), i32);
  // Without an account the prospect has no colleagues.
  Val account = gen_column(c, false, P.schema.account_field, Type::String, c.row);
  BasicBlock* pre = B.GetInsertBlock();
  BasicBlock* head = block("col.head");
  BasicBlock* body = block("col.body");
  BasicBlock* next = block("col.next");
  BasicBlock* done = block("col.done");
  B.CreateCondBr(account.present, head, done);
  B.SetInsertPoint(head);
  auto* i = B.CreatePHI(i32, 2, "i");
  i->addIncoming(c32(0), pre);
  B.CreateCondBr(B.CreateICmpULT(i, size), body, done);
  B.SetInsertPoint(body);
  Value* other = elem(i32, rows, i);
  BasicBlock* work = block("col.work");
  B.CreateCondBr(B.CreateICmpEQ(other, c.row), next, work);  // never one's own colleague
  B.SetInsertPoint(work);
  Ctx cc = c;
  cc.row = other;
  cc.act = nullptr;
  switch (agg) {
    case plan::Agg::Count:
    case plan::Agg::Any: {
      Value* hit = yes();
      if (n.a >= 0) hit = is_true(gen(n.a, cc));
      B.CreateStore(B.CreateAdd(B.CreateLoad(i64, count), B.CreateZExt(hit, i64)), count);
      break;
    }
    case plan::Agg::Sum: {
      Val v = gen(n.a, cc);
      BasicBlock* add = block("col.add");
      BasicBlock* after = block("col.added");
      B.CreateCondBr(v.present, add, after);
      B.SetInsertPoint(add);
      if (t == Type::Number) {
        B.CreateStore(B.CreateFAdd(B.CreateLoad(f64, sum), v.v0), sum);
      } else {
        auto* r = B.CreateBinaryIntrinsic(llvm::Intrinsic::sadd_with_overflow, B.CreateLoad(i64, isum), v.v0);
        // On overflow the interpreter keeps the old sum and marks it missing.
        Value* ovf = B.CreateExtractValue(r, 1);
        B.CreateStore(B.CreateSelect(ovf, B.CreateLoad(i64, isum), B.CreateExtractValue(r, 0)), isum);
        B.CreateStore(B.CreateAnd(B.CreateLoad(i1, isum_ok), B.CreateNot(ovf)), isum_ok);
      }
      B.CreateBr(after);
      B.SetInsertPoint(after);
      break;
    }
    case plan::Agg::Min:
    case plan::Agg::Max: {
      Val v = gen(n.a, cc);
      BasicBlock* consider = block("col.consider");
      BasicBlock* after = block("col.considered");
      B.CreateCondBr(v.present, consider, after);
      B.SetInsertPoint(consider);
      Val cur = get(best);
      Value* cmp = compare3(v, cur, t);
      Value* better = agg == plan::Agg::Min ? B.CreateICmpSLT(cmp, c32(0)) : B.CreateICmpSGT(cmp, c32(0));
      Value* take = B.CreateOr(B.CreateNot(cur.present), better);
      BasicBlock* set = block("col.take");
      B.CreateCondBr(take, set, after);
      B.SetInsertPoint(set);
      put(best, v);
      B.CreateBr(after);
      B.SetInsertPoint(after);
      break;
    }
    default: break;
  }
  B.CreateBr(next);
  B.SetInsertPoint(next);
  i->addIncoming(B.CreateAdd(i, c32(1)), next);
  B.CreateBr(head);
  B.SetInsertPoint(done);
  switch (agg) {
    case plan::Agg::Count: return {yes(), B.CreateSIToFP(B.CreateLoad(i64, count), f64)};
    case plan::Agg::Any: return boolean(B.CreateICmpSGT(B.CreateLoad(i64, count), c64(0)));
    case plan::Agg::Sum:
      if (t == Type::Number) return number(B.CreateLoad(f64, sum));
      return {B.CreateLoad(i1, isum_ok), B.CreateLoad(i64, isum)};
    case plan::Agg::Min:
    case plan::Agg::Max: return get(best);
    default: return missing(t);
  }
}

}  // namespace leadrules::jit::codegen
