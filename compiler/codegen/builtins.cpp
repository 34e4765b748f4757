// Strings, builtins, regular expressions and sets: the calls out to the runtime ABI (stdlib/abi.hpp)
// and the builtins computed inline (min, max, abs, round, clamp, since, days_since).
#include "compiler/codegen/codegen_internal.hpp"

namespace leadrules::jit::codegen {

Val Codegen::gen_match(plan::Node const& n, Ctx const& c) {
  Val s = gen(n.a, c);
  auto* f = runtime("lr_regex", i32, {ptr, i32, ptr, i64});
  Var out = var(Type::Bool);
  put(out, missing(Type::Bool));
  BasicBlock* call = block("regex");
  BasicBlock* done = block("regex.done");
  B.CreateCondBr(s.present, call, done);
  B.SetInsertPoint(call);
  Value* r = B.CreateCall(f, {c.env, c32(n.index), s.v0, s.v1});
  put(out, boolean(B.CreateICmpNE(r, c32(0))));
  B.CreateBr(done);
  B.SetInsertPoint(done);
  return get(out);
}

Val Codegen::gen_in_set(plan::Node const& n, Ctx const& c) {
  Val s = gen(n.a, c);
  auto* f = runtime("lr_in_set", i32, {ptr, i32, ptr, i64});
  Var out = var(Type::Bool);
  put(out, missing(Type::Bool));
  BasicBlock* call = block("inset");
  BasicBlock* done = block("inset.done");
  B.CreateCondBr(s.present, call, done);
  B.SetInsertPoint(call);
  put(out, boolean(B.CreateICmpNE(B.CreateCall(f, {c.env, c32(n.index), s.v0, s.v1}), c32(0))));
  B.CreateBr(done);
  B.SetInsertPoint(done);
  return get(out);
}

Val Codegen::gen_in_list(plan::Node const& n, Ctx const& c) {
  Val s = gen(n.a, c);
  Val l = gen(n.b, c);
  auto* f = runtime("lr_in_list", i32, {ptr, i64, ptr, ptr, ptr, i64});
  Var out = var(Type::Bool);
  put(out, missing(Type::Bool));
  BasicBlock* call = block("inlist");
  BasicBlock* done = block("inlist.done");
  B.CreateCondBr(s.present, call, done);
  B.SetInsertPoint(call);
  put(out, boolean(B.CreateICmpNE(B.CreateCall(f, {l.v0, l.v1, l.v2, l.v3, s.v0, s.v1}), c32(0))));
  B.CreateBr(done);
  B.SetInsertPoint(done);
  return get(out);
}

Val Codegen::gen_call(plan::Node const& n, Ctx const& c) {
  using Bi = plan::Builtin;
  auto arg = [&](size_t k) { return gen(n.args[k], c); };
  auto string_result = [&](char const* fname, Val const& s, bool may_fail) {
    Var out = var(Type::String);
    put(out, missing(Type::String));
    BasicBlock* call = block(fname);
    BasicBlock* done = block("str.done");
    B.CreateCondBr(s.present, call, done);
    B.SetInsertPoint(call);
    auto* p_out = local(ptr);
    auto* l_out = local(i64);
    if (may_fail) {
      auto* f = runtime(fname, i32, {ptr, ptr, i64, ptr, ptr});
      Value* ok = B.CreateICmpNE(B.CreateCall(f, {c.env, s.v0, s.v1, p_out, l_out}), c32(0));
      BasicBlock* got = block("str.got");
      B.CreateCondBr(ok, got, done);
      B.SetInsertPoint(got);
    } else {
      auto* f = runtime(fname, B.getVoidTy(), {ptr, ptr, i64, ptr, ptr});
      B.CreateCall(f, {c.env, s.v0, s.v1, p_out, l_out});
    }
    put(out, Val{yes(), B.CreateLoad(ptr, p_out), B.CreateLoad(i64, l_out)});
    B.CreateBr(done);
    B.SetInsertPoint(done);
    return get(out);
  };
  switch (plan::Builtin(n.sub)) {
    case Bi::Present: {
      Val v = arg(0);
      if (P.nodes[size_t(n.args[0])].type == Type::StringList) return boolean(B.CreateICmpSGT(v.v1, c64(0)));
      return boolean(v.present);
    }
    case Bi::Lower: return string_result("lr_str_lower", arg(0), false);
    case Bi::Upper: return string_result("lr_str_upper", arg(0), false);
    case Bi::Domain: return string_result("lr_str_domain", arg(0), true);
    case Bi::Len: {
      Val v = arg(0);
      if (P.nodes[size_t(n.args[0])].type == Type::StringList) return {yes(), B.CreateSIToFP(v.v1, f64)};
      auto* f = runtime("lr_str_len", i64, {ptr, i64});
      return {v.present, B.CreateSIToFP(B.CreateCall(f, {v.v0, v.v1}), f64)};
    }
    case Bi::Contains:
    case Bi::StartsWith:
    case Bi::EndsWith: {
      Val s = arg(0), t = arg(1);
      char const* name = plan::Builtin(n.sub) == Bi::Contains     ? "lr_str_contains"
                         : plan::Builtin(n.sub) == Bi::StartsWith ? "lr_str_starts"
                                                                  : "lr_str_ends";
      auto* f = runtime(name, i32, {ptr, i64, ptr, i64});
      Value* both = B.CreateAnd(s.present, t.present);
      return {both, B.CreateZExt(B.CreateICmpNE(B.CreateCall(f, {s.v0, s.v1, t.v0, t.v1}), c32(0)), i64)};
    }
    case Bi::Min:
    case Bi::Max: {
      // Missing if any is missing; otherwise the first extreme (ties keep the earlier).
      Val best = arg(0);
      Value* present = best.present;
      for (size_t k = 1; k < n.args.size(); ++k) {
        Val v = arg(k);
        present = B.CreateAnd(present, v.present);
        Value* cmp = compare3(v, best, n.type);
        Value* take =
            plan::Builtin(n.sub) == Bi::Min ? B.CreateICmpSLT(cmp, c32(0)) : B.CreateICmpSGT(cmp, c32(0));
        best.v0 = B.CreateSelect(take, v.v0, best.v0);
        if (best.v1) best.v1 = B.CreateSelect(take, v.v1, best.v1);
      }
      best.present = present;
      return best;
    }
    case Bi::Abs: {
      Val v = arg(0);
      return {v.present, B.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v.v0)};
    }
    case Bi::Round: {
      Val v = arg(0);
      return {v.present, B.CreateUnaryIntrinsic(llvm::Intrinsic::round, v.v0)};
    }
    case Bi::Clamp: {
      Val v = arg(0), lo = arg(1), hi = arg(2);
      // std::min(std::max(v, lo), hi): max(a,b) = a < b ? b : a; min(a,b) = b < a ? b : a.
      Value* mx = B.CreateSelect(B.CreateFCmpOLT(v.v0, lo.v0), lo.v0, v.v0);
      Value* mn = B.CreateSelect(B.CreateFCmpOLT(hi.v0, mx), hi.v0, mx);
      return {B.CreateAnd(v.present, B.CreateAnd(lo.present, hi.present)), mn};
    }
    case Bi::Since: {
      Val t = arg(0);
      auto* r = B.CreateBinaryIntrinsic(llvm::Intrinsic::ssub_with_overflow, c.now, t.v0);
      return {B.CreateAnd(t.present, B.CreateNot(B.CreateExtractValue(r, 1))), B.CreateExtractValue(r, 0)};
    }
    case Bi::DaysSince: {
      Val t = arg(0);
      Value* d =
          B.CreateFDiv(B.CreateFSub(B.CreateSIToFP(c.now, f64), B.CreateSIToFP(t.v0, f64)), cf(86400e6));
      return {t.present, d};
    }
    case Bi::Hour:
    case Bi::Weekday: {
      Val t = arg(0);
      auto* f = runtime(plan::Builtin(n.sub) == Bi::Hour ? "lr_hour" : "lr_weekday", i32, {ptr, i64});
      Var out = var(Type::Number);
      put(out, missing(Type::Number));
      BasicBlock* call = block("tz");
      BasicBlock* done = block("tz.done");
      B.CreateCondBr(t.present, call, done);
      B.SetInsertPoint(call);
      put(out, Val{yes(), B.CreateSIToFP(B.CreateCall(f, {c.env, t.v0}), f64)});
      B.CreateBr(done);
      B.SetInsertPoint(done);
      return get(out);
    }
  }
  return missing(n.type);
}

}  // namespace leadrules::jit::codegen
