// Arithmetic, comparison and logic: negation, not, and / or (Kleene), ??, + - * /, comparisons
// and `within`, in the interpreter's order of floating-point operations.
#include "compiler/codegen/codegen_internal.hpp"

namespace leadrules::jit::codegen {

Val Codegen::gen_neg(plan::Node const& n, Ctx const& c) {
  Val a = gen(n.a, c);
  if (n.type == Type::Number) return {a.present, B.CreateFNeg(a.v0)};
  Value* is_min = B.CreateICmpEQ(a.v0, c64(std::numeric_limits<int64_t>::min()));
  return {B.CreateAnd(a.present, B.CreateNot(is_min)), B.CreateNeg(a.v0)};
}

Val Codegen::gen_not(plan::Node const& n, Ctx const& c) {
  Val a = gen(n.a, c);
  return {a.present, B.CreateZExt(B.CreateICmpEQ(a.v0, c64(0)), i64)};
}

Val Codegen::gen_and_or(plan::Node const& n, Ctx const& c, bool is_and) {
  // Left to right; the first false (and) / true (or) decides; otherwise unknown wins.
  Var out = var(Type::Bool);
  auto* unknown = local(i1, "unknown");
  B.CreateStore(B.getFalse(), unknown);
  BasicBlock* done = block(is_and ? "and.done" : "or.done");
  put(out, boolean(is_and ? B.getTrue() : B.getFalse()));
  for (int32_t x : n.args) {
    Val v = gen(x, c);
    Value* decides =
        B.CreateAnd(v.present, is_and ? B.CreateICmpEQ(v.v0, c64(0)) : B.CreateICmpNE(v.v0, c64(0)));
    B.CreateStore(B.CreateOr(B.CreateLoad(i1, unknown), B.CreateNot(v.present)), unknown);
    BasicBlock* decided = block("decided");
    BasicBlock* cont = block("next");
    B.CreateCondBr(decides, decided, cont);
    B.SetInsertPoint(decided);
    put(out, boolean(is_and ? B.getFalse() : B.getTrue()));
    B.CreateBr(done);
    B.SetInsertPoint(cont);
  }
  // No operand decided: unknown if any was, else the neutral value.
  Val neutral = boolean(is_and ? B.getTrue() : B.getFalse());
  neutral.present = B.CreateNot(B.CreateLoad(i1, unknown));
  put(out, neutral);
  B.CreateBr(done);
  B.SetInsertPoint(done);
  return get(out);
}

Val Codegen::gen_coalesce(plan::Node const& n, Ctx const& c) {
  Var out = var(n.type);
  Val a = gen(n.a, c);
  put(out, a);
  BasicBlock* other = block("coalesce.b");
  BasicBlock* done = block("coalesce.done");
  B.CreateCondBr(a.present, done, other);
  B.SetInsertPoint(other);
  put(out, gen(n.b, c));
  B.CreateBr(done);
  B.SetInsertPoint(done);
  return get(out);
}

Val Codegen::gen_arith(plan::Node const& n, Ctx const& c) {
  Val a = gen(n.a, c);
  Val b = gen(n.b, c);
  Value* both = B.CreateAnd(a.present, b.present);
  Type ta = P.nodes[size_t(n.a)].type, tb = P.nodes[size_t(n.b)].type;
  auto op = plan::Arith(n.sub);
  if (ta == Type::Number && tb == Type::Number) {
    Value* r = nullptr;
    switch (op) {
      case plan::Arith::Add: r = B.CreateFAdd(a.v0, b.v0); break;
      case plan::Arith::Sub: r = B.CreateFSub(a.v0, b.v0); break;
      case plan::Arith::Mul: r = B.CreateFMul(a.v0, b.v0); break;
      case plan::Arith::Div: r = B.CreateFDiv(a.v0, b.v0); break;
    }
    Val v = number(r);
    v.present = B.CreateAnd(v.present, both);
    if (op == plan::Arith::Div) v.present = B.CreateAnd(v.present, B.CreateFCmpUNE(b.v0, cf(0.0)));
    return v;
  }
  auto checked = [&](llvm::Intrinsic::ID id) {
    auto* r = B.CreateBinaryIntrinsic(id, a.v0, b.v0);
    return Val{B.CreateAnd(both, B.CreateNot(B.CreateExtractValue(r, 1))), B.CreateExtractValue(r, 0)};
  };
  auto from_double = [&](Value* d) {
    auto* f = runtime("lr_duration_from_double", i32, {f64, ptr});
    auto* out = local(i64);
    B.CreateStore(c64(0), out);
    Value* ok = B.CreateICmpNE(B.CreateCall(f, {d, out}), c32(0));
    return Val{B.CreateAnd(both, ok), B.CreateLoad(i64, out)};
  };
  switch (op) {
    case plan::Arith::Add: return checked(llvm::Intrinsic::sadd_with_overflow);
    case plan::Arith::Sub: return checked(llvm::Intrinsic::ssub_with_overflow);
    case plan::Arith::Mul:
      if (ta == Type::Duration) return from_double(B.CreateFMul(B.CreateSIToFP(a.v0, f64), b.v0));
      return from_double(B.CreateFMul(a.v0, B.CreateSIToFP(b.v0, f64)));
    case plan::Arith::Div:
      if (tb == Type::Duration) {
        // Guard the divisor: a zero duration divides to missing.
        Value* nonzero = B.CreateICmpNE(b.v0, c64(0));
        Value* q = B.CreateFDiv(B.CreateSIToFP(a.v0, f64),
                                B.CreateSIToFP(B.CreateSelect(nonzero, b.v0, c64(1)), f64));
        Val v = number(q);
        v.present = B.CreateAnd(B.CreateAnd(v.present, both), nonzero);
        return v;
      } else {
        Value* nonzero = B.CreateFCmpUNE(b.v0, cf(0.0));
        Val v = from_double(B.CreateFDiv(B.CreateSIToFP(a.v0, f64), B.CreateSelect(nonzero, b.v0, cf(1.0))));
        v.present = B.CreateAnd(v.present, nonzero);
        return v;
      }
  }
  return missing(n.type);
}

Value* Codegen::compare3(Val const& a, Val const& b, Type t) {
  if (t == Type::Number) {
    Value* lt = B.CreateFCmpOLT(a.v0, b.v0);
    Value* gt = B.CreateFCmpOGT(a.v0, b.v0);
    return B.CreateSelect(lt, c32(-1), B.CreateSelect(gt, c32(1), c32(0)));
  }
  if (t == Type::String) {
    auto* f = runtime("lr_str_cmp", i32, {ptr, i64, ptr, i64});
    return B.CreateCall(f, {a.v0, a.v1, b.v0, b.v1});
  }
  Value* lt = B.CreateICmpSLT(a.v0, b.v0);
  Value* gt = B.CreateICmpSGT(a.v0, b.v0);
  return B.CreateSelect(lt, c32(-1), B.CreateSelect(gt, c32(1), c32(0)));
}

Val Codegen::gen_compare(plan::Node const& n, Ctx const& c) {
  Val a = gen(n.args[0], c);
  Val b = gen(n.args[1], c);
  Type t = P.nodes[size_t(n.args[0])].type;
  Value* both = B.CreateAnd(a.present, b.present);
  Value* r = nullptr;
  if (t == Type::String) {
    // Only call out when both are present (a missing string is an empty sentinel anyway).
    Var out = var(Type::Bool);
    put(out, missing(Type::Bool));
    BasicBlock* call = block("strcmp");
    BasicBlock* done = block("strcmp.done");
    B.CreateCondBr(both, call, done);
    B.SetInsertPoint(call);
    Value* cmp = compare3(a, b, t);
    switch (plan::Cmp(n.sub)) {
      case plan::Cmp::Eq: r = B.CreateICmpEQ(cmp, c32(0)); break;
      case plan::Cmp::Ne: r = B.CreateICmpNE(cmp, c32(0)); break;
      case plan::Cmp::Lt: r = B.CreateICmpSLT(cmp, c32(0)); break;
      case plan::Cmp::Le: r = B.CreateICmpSLE(cmp, c32(0)); break;
      case plan::Cmp::Gt: r = B.CreateICmpSGT(cmp, c32(0)); break;
      case plan::Cmp::Ge: r = B.CreateICmpSGE(cmp, c32(0)); break;
    }
    put(out, boolean(r));
    B.CreateBr(done);
    B.SetInsertPoint(done);
    return get(out);
  }
  if (t == Type::Number) {
    switch (plan::Cmp(n.sub)) {
      case plan::Cmp::Eq: r = B.CreateFCmpOEQ(a.v0, b.v0); break;
      case plan::Cmp::Ne: r = B.CreateFCmpUNE(a.v0, b.v0); break;
      case plan::Cmp::Lt: r = B.CreateFCmpOLT(a.v0, b.v0); break;
      case plan::Cmp::Le: r = B.CreateFCmpOLE(a.v0, b.v0); break;
      case plan::Cmp::Gt: r = B.CreateFCmpOGT(a.v0, b.v0); break;
      case plan::Cmp::Ge: r = B.CreateFCmpOGE(a.v0, b.v0); break;
    }
  } else {
    switch (plan::Cmp(n.sub)) {
      case plan::Cmp::Eq: r = B.CreateICmpEQ(a.v0, b.v0); break;
      case plan::Cmp::Ne: r = B.CreateICmpNE(a.v0, b.v0); break;
      case plan::Cmp::Lt: r = B.CreateICmpSLT(a.v0, b.v0); break;
      case plan::Cmp::Le: r = B.CreateICmpSLE(a.v0, b.v0); break;
      case plan::Cmp::Gt: r = B.CreateICmpSGT(a.v0, b.v0); break;
      case plan::Cmp::Ge: r = B.CreateICmpSGE(a.v0, b.v0); break;
    }
  }
  return {both, B.CreateZExt(r, i64)};
}

// t within d: now - d <= t <= now.
Val Codegen::gen_within(plan::Node const& n, Ctx const& c) {
  Val t = gen(n.a, c);
  Val d = gen(n.b, c);
  Value* after_lo = B.CreateICmpSGE(t.v0, window_start(c.now, d.v0));
  Value* in = B.CreateAnd(after_lo, B.CreateICmpSLE(t.v0, c.now));
  return {B.CreateAnd(t.present, d.present), B.CreateZExt(in, i64)};
}

}  // namespace leadrules::jit::codegen
