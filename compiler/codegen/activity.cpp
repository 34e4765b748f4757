// Activity aggregates (count, any, no, last, first over a prospect's activities), the decay of
// per-activity points, and the fused activity pass that computes many of them in one loop.
#include "compiler/codegen/codegen_internal.hpp"

namespace leadrules::jit::codegen {

Value* Codegen::decay_factor(Value* age) {
  auto const& d = P.decay;
  switch (d.kind) {
    case plan::Decay::Kind::None: return cf(1.0);
    case plan::Decay::Kind::Steps: {
      Value* factor = cf(1.0);
      for (auto const& s : d.steps)
        factor = B.CreateSelect(B.CreateICmpSGT(age, c64(s.after)), cf(s.factor), factor);
      return factor;
    }
    case plan::Decay::Kind::Linear: {
      Value* ratio = B.CreateFDiv(B.CreateSIToFP(age, f64), cf(double(d.per)));
      Value* f = B.CreateFSub(cf(1.0), B.CreateFMul(cf(d.percent / 100.0), ratio));
      return B.CreateSelect(B.CreateFCmpOGT(f, cf(0.0)), f, cf(0.0));
    }
  }
  return cf(1.0);
}

Val Codegen::gen_activity_agg(plan::Node const& n, Ctx const& c) {
  auto agg_kind = plan::Agg(n.sub);
  int32_t node_index = int32_t(&n - P.nodes.data());
  if (int32_t item = L.pass_of_node[size_t(node_index)]; item >= 0) {
    // Counted by the fused activity pass.
    call_decl(pass_fn, c);
    Value* fp = frame(c);
    Value* k = B.CreateLoad(i64, byte_gep(fp, L.item_a[size_t(item)]));
    switch (agg_kind) {
      case plan::Agg::Count: return {yes(), B.CreateSIToFP(k, f64)};
      case plan::Agg::Any: return boolean(B.CreateICmpSGT(k, c64(0)));
      case plan::Agg::No: return boolean(B.CreateICmpEQ(k, c64(0)));
      case plan::Agg::Last:
        return {B.CreateICmpSGT(k, c64(0)), B.CreateLoad(i64, byte_gep(fp, L.item_b[size_t(item)]))};
      case plan::Agg::First:
        return {B.CreateICmpSGT(k, c64(0)), B.CreateLoad(i64, byte_gep(fp, L.item_c[size_t(item)]))};
      default: return missing(n.type);
    }
  }
  auto* count = local(i64, "count");
  auto* last = local(i64, "last");
  auto* first = local(i64, "first");
  B.CreateStore(c64(0), count);
  B.CreateStore(c64(std::numeric_limits<int64_t>::min()), last);
  B.CreateStore(c64(std::numeric_limits<int64_t>::max()), first);
  auto agg = plan::Agg(n.sub);
  for_matching(c, n.index, n.a, n.b, [&](Value*, Value* at) {
    B.CreateStore(B.CreateAdd(B.CreateLoad(i64, count), c64(1)), count);
    if (agg == plan::Agg::Last) {
      Value* l = B.CreateLoad(i64, last);
      B.CreateStore(B.CreateSelect(B.CreateICmpSGT(at, l), at, l), last);
    } else if (agg == plan::Agg::First) {
      Value* f = B.CreateLoad(i64, first);
      B.CreateStore(B.CreateSelect(B.CreateICmpSLT(at, f), at, f), first);
    }
  });
  Value* k = B.CreateLoad(i64, count);
  switch (agg) {
    case plan::Agg::Count: return {yes(), B.CreateSIToFP(k, f64)};
    case plan::Agg::Any: return boolean(B.CreateICmpSGT(k, c64(0)));
    case plan::Agg::No: return boolean(B.CreateICmpEQ(k, c64(0)));
    case plan::Agg::Last: return {B.CreateICmpSGT(k, c64(0)), B.CreateLoad(i64, last)};
    case plan::Agg::First: return {B.CreateICmpSGT(k, c64(0)), B.CreateLoad(i64, first)};
    default: return missing(n.type);
  }
}

// One loop over the prospect's activities updates every fused item: activities are dispatched
// on their kind, each item tests its window and condition and adds to its own accumulator.
void Codegen::gen_pass() {
  Ctx c = begin_function(pass_fn);
  auto const& items = L.pass_items;
  // With few instants (now and the past() offsets), one loop serves them all: a call for any
  // of them fills every one's frame. With many, each instant has its own loop.
  bool together = L.offsets.size() <= 4;
  size_t n_inst = together ? L.offsets.size() : 1;
  std::vector<Ctx> inst(n_inst, c);
  if (together) {
    Value* env_now = env_field(c.env, offsetof(LrEnv, now), i64);
    for (size_t j = 0; j < n_inst; ++j) {
      inst[j].off = c32(int64_t(j));
      inst[j].now = B.CreateSub(env_now, c64(L.offsets[j]));
    }
  }
  Value* fp0 = frame(c);
  BasicBlock* cached = block("pass.cached");
  BasicBlock* compute = block("pass.compute");
  B.CreateCondBr(B.CreateICmpNE(B.CreateLoad(i8, byte_gep(fp0, L.pass_done)), B.getInt8(0)), cached, compute);
  B.SetInsertPoint(compute);

  size_t n_items = items.size();
  auto at_ij = [&](size_t i, size_t j) { return i * n_inst + j; };
  std::vector<llvm::AllocaInst*> acc_a(n_items * n_inst), acc_b(n_items * n_inst), acc_c(n_items * n_inst),
      acc_n(n_items * n_inst);
  std::vector<Value*> lo(n_items * n_inst, nullptr);
  for (size_t i = 0; i < n_items; ++i)
    for (size_t j = 0; j < n_inst; ++j) {
      size_t k = at_ij(i, j);
      acc_a[k] = local(items[i].rule ? f64 : i64);
      acc_b[k] = local(i64);
      acc_c[k] = local(i64);
      acc_n[k] = local(i32);
      B.CreateStore(items[i].rule ? cf(0.0) : c64(0), acc_a[k]);
      B.CreateStore(c64(std::numeric_limits<int64_t>::min()), acc_b[k]);
      B.CreateStore(c64(std::numeric_limits<int64_t>::max()), acc_c[k]);
      B.CreateStore(c32(0), acc_n[k]);
      if (items[i].window >= 0) lo[k] = window_start(inst[j].now, c64(items[i].window));
    }
  bool any_rule = std::any_of(items.begin(), items.end(), [](auto const& it) { return it.rule; });
  Value* kinds = env_field(c.env, offsetof(LrEnv, act_kind), ptr);
  Value* ats = env_field(c.env, offsetof(LrEnv, act_at), ptr);
  ActivityLoop loop = open_loop(c, "pass.head");
  Value* a = loop.a;
  Value* at = elem(i64, ats, a);
  std::vector<Value*> visible(n_inst), factor(n_inst, nullptr);
  for (size_t j = 0; j < n_inst; ++j) {
    visible[j] = B.CreateICmpSLE(at, inst[j].now);  // after the instant: invisible
    if (any_rule) factor[j] = decay_factor(B.CreateSub(inst[j].now, at));
  }
  // Branch-free where the condition compiled without control flow (the common case: lookups
  // in precomputed predicate tables): a select adds +0.0, which leaves an accumulator that is
  // never -0.0 bit-for-bit unchanged, so the sums equal the interpreter's.
  auto emit_item = [&](size_t i, size_t j) {
    auto const& it = items[i];
    size_t k = at_ij(i, j);
    Value* ok = visible[j];
    if (lo[k]) ok = B.CreateAnd(ok, B.CreateICmpSGE(at, lo[k]));
    BasicBlock* skip = nullptr;
    if (it.where >= 0) {
      Ctx inner = inst[j];
      inner.act = a;
      BasicBlock* before = B.GetInsertBlock();
      Val w = gen(it.where, inner);
      ok = B.CreateAnd(ok, is_true(w));
      if (B.GetInsertBlock() != before) {  // the condition branches: keep the update behind a branch
        skip = block("item.skip");
        BasicBlock* hit = block("item.hit");
        B.CreateCondBr(ok, hit, skip);
        B.SetInsertPoint(hit);
        ok = yes();
      }
    }
    if (it.rule) {
      double pts = P.points[size_t(it.index)].points;
      Value* add = B.CreateSelect(ok, B.CreateFMul(cf(pts), factor[j]), cf(0.0));
      B.CreateStore(B.CreateFAdd(B.CreateLoad(f64, acc_a[k]), add), acc_a[k]);
      B.CreateStore(B.CreateAdd(B.CreateLoad(i32, acc_n[k]), B.CreateZExt(ok, i32)), acc_n[k]);
    } else {
      // Only what the aggregate reads: the count always, the latest / earliest time for last / first.
      auto agg = plan::Agg(P.nodes[size_t(it.index)].sub);
      B.CreateStore(B.CreateAdd(B.CreateLoad(i64, acc_a[k]), B.CreateZExt(ok, i64)), acc_a[k]);
      if (agg == plan::Agg::Last) {
        Value* l = B.CreateLoad(i64, acc_b[k]);
        B.CreateStore(B.CreateSelect(B.CreateAnd(ok, B.CreateICmpSGT(at, l)), at, l), acc_b[k]);
      }
      if (agg == plan::Agg::First) {
        Value* f = B.CreateLoad(i64, acc_c[k]);
        B.CreateStore(B.CreateSelect(B.CreateAnd(ok, B.CreateICmpSLT(at, f)), at, f), acc_c[k]);
      }
    }
    if (skip) {
      B.CreateBr(skip);
      B.SetInsertPoint(skip);
    }
  };
  // Items of any kind first, then a switch on the activity's kind (each item has its own
  // accumulator, so the order between items does not matter).
  for (size_t i = 0; i < n_items; ++i)
    if (items[i].kind < 0)
      for (size_t j = 0; j < n_inst; ++j) emit_item(i, j);
  Value* kind = B.CreateZExt(elem(i16, kinds, a), i32);
  auto* sw = B.CreateSwitch(kind, loop.next);
  for (size_t kd = 0; kd < P.schema.kinds.size(); ++kd) {
    bool has =
        std::any_of(items.begin(), items.end(), [&](auto const& it) { return it.kind == int32_t(kd); });
    if (!has) continue;
    BasicBlock* kb = block("pass.kind");
    sw->addCase(llvm::cast<llvm::ConstantInt>(c32(int64_t(kd))), kb);
    B.SetInsertPoint(kb);
    for (size_t i = 0; i < n_items; ++i)
      if (items[i].kind == int32_t(kd))
        for (size_t j = 0; j < n_inst; ++j) emit_item(i, j);
    B.CreateBr(loop.next);
  }
  close_loop(loop, false);  // other kinds go straight to `next`
  for (size_t j = 0; j < n_inst; ++j) {
    Value* fp = frame(inst[j]);
    for (size_t i = 0; i < n_items; ++i) {
      size_t k = at_ij(i, j);
      B.CreateStore(B.CreateLoad(items[i].rule ? f64 : i64, acc_a[k]), byte_gep(fp, L.item_a[i]));
      B.CreateStore(B.CreateLoad(i64, acc_b[k]), byte_gep(fp, L.item_b[i]));
      B.CreateStore(B.CreateLoad(i64, acc_c[k]), byte_gep(fp, L.item_c[i]));
      B.CreateStore(B.CreateLoad(i32, acc_n[k]), byte_gep(fp, L.item_n[i]));
    }
    B.CreateStore(B.getInt8(1), byte_gep(fp, L.pass_done));
  }
  B.CreateBr(cached);
  B.SetInsertPoint(cached);
  B.CreateRetVoid();
}

}  // namespace leadrules::jit::codegen
