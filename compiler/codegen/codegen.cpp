#include "compiler/codegen/codegen.hpp"

#include <cstddef>
#include <algorithm>
#include <functional>
#include <limits>
#include <stdexcept>

#include <llvm/IR/Constants.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include "stdlib/abi.hpp"

namespace leadrules::jit {

namespace {

using llvm::BasicBlock;
using llvm::Function;
using llvm::FunctionType;
using llvm::Value;
using plan::Op;
using plan::Type;

// A value in generated code. Per type:
//   Number: v0 double | Time, Duration, Grade, Bool: v0 i64 | String: v0 ptr, v1 i64 length |
//   StringList: v0 codes ptr, v1 i64 count, v2 dict_ptr, v3 dict_len (always present).
struct Val {
  Value* present = nullptr;   // i1
  Value* v0 = nullptr;
  Value* v1 = nullptr;
  Value* v2 = nullptr;
  Value* v3 = nullptr;
};

// Where an expression is evaluated: which prospect, at which instant, which activity.
struct Ctx {
  Value* env;
  Value* row;   // i32
  Value* off;   // i32: index into FrameLayout::offsets
  Value* now;   // i64
  Value* act;   // i32 activity index, or null outside activities
};

class Codegen {
 public:
  Codegen(plan::Plan const& p, FrameLayout const& layout, std::vector<ColumnPredicate> const& preds,
          llvm::LLVMContext& c)
      : P(p), L(layout), C(c), M(std::make_unique<llvm::Module>("leadrules_policy", c)), B(c) {
    i1 = B.getInt1Ty();
    i8 = B.getInt8Ty();
    i16 = B.getInt16Ty();
    i32 = B.getInt32Ty();
    i64 = B.getInt64Ty();
    f64 = B.getDoubleTy();
    ptr = B.getPtrTy();
    invariant = llvm::MDNode::get(C, {});
    pred_of_node.assign(P.nodes.size(), -1);
    for (size_t k = 0; k < preds.size(); ++k) pred_of_node[size_t(preds[k].node)] = int32_t(k);
  }

  std::unique_ptr<llvm::Module> run();

 private:
  plan::Plan const& P;
  FrameLayout const& L;
  llvm::LLVMContext& C;
  std::unique_ptr<llvm::Module> M;
  llvm::IRBuilder<> B;
  llvm::Type *i1, *i8, *i16, *i32, *i64, *f64, *ptr;
  llvm::MDNode* invariant;
  std::vector<int32_t> pred_of_node;

  std::vector<Function*> let_fn, block_fn, seg_fn;
  Function* total_fn = nullptr;
  Function* grade_fn = nullptr;
  Function* rules_fn = nullptr;
  Function* pass_fn = nullptr;
  Function* cur_fn = nullptr;

  // --- small helpers -------------------------------------------------------------------------
  Value* c32(int64_t v) { return B.getInt32(uint32_t(v)); }
  Value* c64(int64_t v) { return B.getInt64(uint64_t(v)); }
  Value* cf(double v) { return llvm::ConstantFP::get(f64, v); }
  Value* yes() { return B.getTrue(); }
  Value* byte_gep(Value* base, int64_t off) { return B.CreateConstInBoundsGEP1_64(i8, base, uint64_t(off)); }
  // Loads of batch data and of LrEnv never change during an evaluation.
  Value* iload(llvm::Type* ty, Value* p) {
    auto* ld = B.CreateLoad(ty, p);
    ld->setMetadata(llvm::LLVMContext::MD_invariant_load, invariant);
    return ld;
  }
  Value* env_field(Value* env, size_t off, llvm::Type* ty) { return iload(ty, byte_gep(env, int64_t(off))); }
  Value* elem(llvm::Type* ty, Value* base, Value* index) {
    return iload(ty, B.CreateInBoundsGEP(ty, base, B.CreateZExt(index, i64)));
  }
  Value* column(Value* env, bool act, int32_t index) {
    Value* base = env_field(env, act ? offsetof(LrEnv, act_fields) : offsetof(LrEnv, fields), ptr);
    return byte_gep(base, int64_t(index) * int64_t(sizeof(LrColumn)));
  }
  Value* col_member(Value* col, size_t off, llvm::Type* ty = nullptr) { return iload(ty ? ty : ptr, byte_gep(col, int64_t(off))); }

  Function* runtime(char const* name, llvm::Type* ret, std::vector<llvm::Type*> params) {
    auto callee = M->getOrInsertFunction(name, FunctionType::get(ret, params, false));
    return llvm::cast<Function>(callee.getCallee());
  }

  BasicBlock* block(char const* name) { return BasicBlock::Create(C, name, cur_fn); }
  llvm::AllocaInst* local(llvm::Type* ty, char const* name = "") {
    llvm::IRBuilder<> entry(&cur_fn->getEntryBlock(), cur_fn->getEntryBlock().begin());
    return entry.CreateAlloca(ty, nullptr, name);
  }

  Value* frame(Ctx const& c) {
    Value* slots = env_field(c.env, offsetof(LrEnv, frame_slot), ptr);
    Value* slot = elem(i32, slots, c.row);
    Value* idx = B.CreateAdd(B.CreateMul(B.CreateZExt(slot, i64), c64(int64_t(L.offsets.size()))), B.CreateZExt(c.off, i64));
    Value* frames = env_field(c.env, offsetof(LrEnv, frames), ptr);
    return B.CreateInBoundsGEP(i8, frames, B.CreateMul(idx, c64(L.size)));
  }

  // A value of type t at p (present byte at p+1, payload at p+8): the let slot format.
  Val load_slot(Value* p, Type t) {
    Val v;
    v.present = B.CreateICmpNE(B.CreateLoad(i8, byte_gep(p, 1)), B.getInt8(0));
    switch (t) {
      case Type::Number: v.v0 = B.CreateLoad(f64, byte_gep(p, 8)); break;
      case Type::String:
        v.v0 = B.CreateLoad(ptr, byte_gep(p, 8));
        v.v1 = B.CreateLoad(i64, byte_gep(p, 16));
        break;
      case Type::StringList:
        v.present = yes();
        v.v0 = B.CreateLoad(ptr, byte_gep(p, 8));
        v.v1 = B.CreateLoad(i64, byte_gep(p, 16));
        v.v2 = B.CreateLoad(ptr, byte_gep(p, 24));
        v.v3 = B.CreateLoad(ptr, byte_gep(p, 32));
        break;
      default: v.v0 = B.CreateLoad(i64, byte_gep(p, 8)); break;
    }
    return v;
  }
  void store_slot(Value* p, Type t, Val const& v) {
    B.CreateStore(B.CreateZExt(v.present, i8), byte_gep(p, 1));
    B.CreateStore(v.v0 ? v.v0 : llvm::Constant::getNullValue(t == Type::Number ? f64 : t == Type::String || t == Type::StringList ? ptr : i64), byte_gep(p, 8));
    if (t == Type::String || t == Type::StringList) B.CreateStore(v.v1, byte_gep(p, 16));
    if (t == Type::StringList) {
      B.CreateStore(v.v2, byte_gep(p, 24));
      B.CreateStore(v.v3, byte_gep(p, 32));
    }
  }
  // A value kept across control flow: allocas, so branches can write it.
  struct Var {
    llvm::AllocaInst* mem;
    Type t;
  };
  Var var(Type t) {
    auto* mem = local(llvm::ArrayType::get(i8, 48));
    mem->setAlignment(llvm::Align(8));
    return {mem, t};
  }
  void put(Var const& v, Val const& x) { store_slot(v.mem, v.t, x); }
  Val get(Var const& v) { return load_slot(v.mem, v.t); }
  Val missing(Type t) {
    Val v;
    v.present = B.getFalse();
    switch (t) {
      case Type::Number: v.v0 = cf(0); break;
      case Type::String: v.v0 = llvm::ConstantPointerNull::get(llvm::PointerType::get(C, 0)); v.v1 = c64(0); break;
      default: v.v0 = c64(0); break;
    }
    return v;
  }
  Val number(Value* d) {   // a computed number: not finite -> missing (like Value::number)
    Val v;
    Value* fin = B.CreateFCmpOLT(B.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, d), cf(std::numeric_limits<double>::infinity()));
    v.present = fin;
    v.v0 = d;
    return v;
  }
  Val present_int(Value* x) { return {yes(), x}; }
  Val boolean(Value* b1) { return {yes(), B.CreateZExt(b1, i64)}; }
  // Kleene truth as (known, value) i1s.
  Value* is_true(Val const& v) { return B.CreateAnd(v.present, B.CreateICmpNE(v.v0, c64(0))); }

  // --- declarations ------------------------------------------------------------------------
  Function* declare(char const* name, llvm::Type* ret) {
    auto* ft = FunctionType::get(ret, {ptr, i32, i32, i64}, false);
    auto* f = Function::Create(ft, Function::InternalLinkage, name, M.get());
    f->addFnAttr(llvm::Attribute::NoUnwind);
    return f;
  }
  Ctx begin_function(Function* f) {
    cur_fn = f;
    B.SetInsertPoint(BasicBlock::Create(C, "entry", f));
    auto a = f->arg_begin();
    Ctx c{&*a, &*(a + 1), &*(a + 2), &*(a + 3), nullptr};
    return c;
  }
  Value* call_decl(Function* f, Ctx const& c) { return B.CreateCall(f, {c.env, c.row, c.off, c.now}); }

  // Memoised body: if the done flag is set return the stored value, else compute and store.
  template <class Compute>
  void memo(Ctx const& c, uint32_t done_at, Compute compute) {
    Value* fp = frame(c);
    BasicBlock* cached = block("cached");
    BasicBlock* fresh = block("compute");
    B.CreateCondBr(B.CreateICmpNE(B.CreateLoad(i8, byte_gep(fp, done_at)), B.getInt8(0)), cached, fresh);
    B.SetInsertPoint(fresh);
    compute(fp);
    B.CreateStore(B.getInt8(1), byte_gep(frame(c), done_at));
    B.CreateBr(cached);
    B.SetInsertPoint(cached);
  }

  void gen_let(size_t i);
  void gen_block(size_t b);
  void gen_total();
  void gen_grade();
  void gen_segment(size_t s);
  void gen_rules();
  void gen_pass();
  void gen_entry();
  Value* rule_points(Ctx const& c, int32_t r, Value* fp);

  // --- expressions ---------------------------------------------------------------------------
  Val gen(int32_t node, Ctx const& c);
  Val gen_const(plan::Constant const& k);
  Val gen_column(Ctx const& c, bool act, int32_t index, Type t, Value* rowv);
  Val gen_and_or(plan::Node const& n, Ctx const& c, bool is_and);
  Val gen_arith(plan::Node const& n, Ctx const& c);
  Val gen_compare(plan::Node const& n, Ctx const& c);
  Value* compare3(Val const& a, Val const& b, Type t);   // i32 -1/0/1 like the interpreter's compare
  Val gen_call(plan::Node const& n, Ctx const& c);
  Val gen_activity_agg(plan::Node const& n, Ctx const& c);
  Val gen_colleague_agg(plan::Node const& n, Ctx const& c);
  Value* string_global(std::string const& s) { return B.CreateGlobalString(s, "", 0, M.get()); }

  // Loops over the activities of c.row that match kind / window / where, in input order.
  // The start of a window, now - d, saturating like the interpreter's checked subtraction.
  Value* window_start(Value* now, Value* d) {
    auto* sub = B.CreateBinaryIntrinsic(llvm::Intrinsic::ssub_with_overflow, now, d);
    return B.CreateSelect(B.CreateExtractValue(sub, 1), c64(std::numeric_limits<int64_t>::min()),
                          B.CreateExtractValue(sub, 0));
  }
  // A loop over the activities of c.row in input order: `body` is where the current activity's
  // code goes (branch to `next` to skip it); after close_loop the builder is in `done`.
  struct ActivityLoop {
    llvm::PHINode* a;
    BasicBlock* next;
    BasicBlock* done;
  };
  ActivityLoop open_loop(Ctx const& c, char const* name) {
    Value* offsets = env_field(c.env, offsetof(LrEnv, act_offsets), ptr);
    Value* begin = elem(i32, offsets, c.row);
    Value* end = elem(i32, offsets, B.CreateAdd(c.row, c32(1)));
    BasicBlock* pre = B.GetInsertBlock();
    BasicBlock* head = block(name);
    BasicBlock* body = block("acts.body");
    ActivityLoop loop{nullptr, block("acts.next"), block("acts.done")};
    B.CreateBr(head);
    B.SetInsertPoint(head);
    loop.a = B.CreatePHI(i32, 2, "a");
    loop.a->addIncoming(begin, pre);
    B.CreateCondBr(B.CreateICmpULT(loop.a, end), body, loop.done);
    B.SetInsertPoint(body);
    return loop;
  }
  void close_loop(ActivityLoop const& loop, bool fall_through = true) {
    if (fall_through) B.CreateBr(loop.next);   // else every path already branched to `next`
    B.SetInsertPoint(loop.next);
    loop.a->addIncoming(B.CreateAdd(loop.a, c32(1)), loop.next);
    B.CreateBr(loop.a->getParent());
    B.SetInsertPoint(loop.done);
  }
  template <class Body>
  void for_matching(Ctx const& c, int32_t kind, int32_t where, int32_t within, Body body);
  Value* decay_factor(Value* age);

  void emit_actions(Ctx const& c);
  void emit_value_arg(int32_t node, Ctx const& c, bool has_fallback, std::string const& fallback);
  void emit_arg(int32_t node, Ctx const& c);
};

// ---------------------------------------------------------------------------------------------

Val Codegen::gen_const(plan::Constant const& k) {
  Val v;
  v.present = yes();
  switch (k.type) {
    case Type::Number: v.v0 = cf(k.number); break;
    case Type::String: v.v0 = string_global(k.text); v.v1 = c64(int64_t(k.text.size())); break;
    case Type::Bool: v.v0 = c64(k.boolean ? 1 : 0); break;
    case Type::Time: case Type::Duration: v.v0 = c64(k.micros); break;
    case Type::Grade: v.v0 = c64(k.grade); break;
    case Type::StringList: throw std::runtime_error("list constants do not compile");
  }
  return v;
}

Val Codegen::gen_column(Ctx const& c, bool act, int32_t index, Type t, Value* rowv) {
  Value* col = column(c.env, act, index);
  Val v;
  if (t == Type::StringList) {
    Value* offs = col_member(col, offsetof(LrColumn, list_offsets));
    Value* b = elem(i32, offs, rowv);
    Value* e = elem(i32, offs, B.CreateAdd(rowv, c32(1)));
    Value* codes = col_member(col, offsetof(LrColumn, list_codes));
    v.present = yes();
    v.v0 = B.CreateInBoundsGEP(i32, codes, B.CreateZExt(b, i64));
    v.v1 = B.CreateZExt(B.CreateSub(e, b), i64);
    v.v2 = col_member(col, offsetof(LrColumn, dict_ptr));
    v.v3 = col_member(col, offsetof(LrColumn, dict_len));
    return v;
  }
  v.present = B.CreateICmpNE(elem(i8, col_member(col, offsetof(LrColumn, present)), rowv), B.getInt8(0));
  switch (t) {
    case Type::Number: v.v0 = elem(f64, col_member(col, offsetof(LrColumn, numbers)), rowv); break;
    case Type::Time: case Type::Duration: v.v0 = elem(i64, col_member(col, offsetof(LrColumn, micros)), rowv); break;
    case Type::Grade: v.v0 = B.CreateSExt(elem(i8, col_member(col, offsetof(LrColumn, grades)), rowv), i64); break;
    case Type::Bool: v.v0 = B.CreateZExt(elem(i8, col_member(col, offsetof(LrColumn, bools)), rowv), i64); break;
    case Type::String: {
      // A missing value reads the sentinel entry at dict_size (an empty string).
      Value* code = elem(i32, col_member(col, offsetof(LrColumn, codes)), rowv);
      Value* size = col_member(col, offsetof(LrColumn, dict_size), i32);
      Value* idx = B.CreateSelect(v.present, code, size);
      v.v0 = elem(ptr, col_member(col, offsetof(LrColumn, dict_ptr)), idx);
      v.v1 = B.CreateZExt(elem(i32, col_member(col, offsetof(LrColumn, dict_len)), idx), i64);
      break;
    }
    case Type::StringList: break;
  }
  return v;
}

template <class Body>
void Codegen::for_matching(Ctx const& c, int32_t kind, int32_t where, int32_t within, Body body) {
  Value* from = c64(std::numeric_limits<int64_t>::min());
  BasicBlock* unknown_window = nullptr;
  if (within >= 0) {
    Val w = gen(within, c);
    BasicBlock* known = block("acts.window");
    unknown_window = block("acts.nowindow");
    B.CreateCondBr(w.present, known, unknown_window);   // an unknown window matches nothing
    B.SetInsertPoint(known);
    from = window_start(c.now, w.v0);
  }
  Value* kinds = env_field(c.env, offsetof(LrEnv, act_kind), ptr);
  Value* ats = env_field(c.env, offsetof(LrEnv, act_at), ptr);
  ActivityLoop loop = open_loop(c, "acts.head");
  Value* a = loop.a;
  Value* ok = yes();
  if (kind >= 0) ok = B.CreateICmpEQ(elem(i16, kinds, a), B.getInt16(uint16_t(kind)));
  Value* at = elem(i64, ats, a);
  ok = B.CreateAnd(ok, B.CreateAnd(B.CreateICmpSLE(at, c.now), B.CreateICmpSGE(at, from)));
  BasicBlock* test = block("acts.where");
  B.CreateCondBr(ok, test, loop.next);
  B.SetInsertPoint(test);
  if (where >= 0) {
    Ctx inner = c;
    inner.act = a;
    Val w = gen(where, inner);
    BasicBlock* hit = block("acts.hit");
    B.CreateCondBr(is_true(w), hit, loop.next);
    B.SetInsertPoint(hit);
  }
  body(a, at);
  close_loop(loop);
  if (unknown_window) {
    B.CreateBr(unknown_window);
    B.SetInsertPoint(unknown_window);
  }
}

Value* Codegen::decay_factor(Value* age) {
  auto const& d = P.decay;
  switch (d.kind) {
    case plan::Decay::Kind::None: return cf(1.0);
    case plan::Decay::Kind::Steps: {
      Value* factor = cf(1.0);
      for (auto const& s : d.steps) factor = B.CreateSelect(B.CreateICmpSGT(age, c64(s.after)), cf(s.factor), factor);
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

// ---------------------------------------------------------------------------------------------

Val Codegen::gen(int32_t index, Ctx const& c) {
  auto const& n = P.nodes[size_t(index)];
  if (pred_of_node[size_t(index)] >= 0) {
    // Precomputed per dictionary value: preds[k][present ? code : dict_size].
    int32_t k = pred_of_node[size_t(index)];
    // Find the column the predicate reads (the host built the table for it).
    int32_t field = -1;
    bool act = false;
    std::function<void(int32_t)> find = [&](int32_t x) {
      if (x < 0 || field >= 0) return;
      auto const& nx = P.nodes[size_t(x)];
      if (nx.op == Op::Field || nx.op == Op::ActField) {
        field = nx.index;
        act = nx.op == Op::ActField;
        return;
      }
      find(nx.a);
      find(nx.b);
      for (int32_t y : nx.args) find(y);
    };
    find(index);
    Value* rowv = act ? c.act : c.row;
    Value* col = column(c.env, act, field);
    Value* present = B.CreateICmpNE(elem(i8, col_member(col, offsetof(LrColumn, present)), rowv), B.getInt8(0));
    Value* code = elem(i32, col_member(col, offsetof(LrColumn, codes)), rowv);
    Value* size = col_member(col, offsetof(LrColumn, dict_size), i32);
    Value* idx = B.CreateSelect(present, code, size);
    Value* tables = env_field(c.env, offsetof(LrEnv, preds), ptr);
    Value* table = iload(ptr, B.CreateConstInBoundsGEP1_64(ptr, tables, uint64_t(k)));
    Value* t = elem(i8, table, idx);
    return {B.CreateICmpNE(t, B.getInt8(2)), B.CreateZExt(B.CreateICmpEQ(t, B.getInt8(1)), i64)};
  }
  switch (n.op) {
    case Op::Const: return gen_const(P.constants[size_t(n.index)]);
    case Op::Now: return present_int(c.now);
    case Op::Field: return gen_column(c, false, n.index, n.type, c.row);
    case Op::ActField: return gen_column(c, true, n.index, n.type, c.act);
    case Op::ActAt: return present_int(elem(i64, env_field(c.env, offsetof(LrEnv, act_at), ptr), c.act));
    case Op::ActType: {
      // Kind names as constant arrays.
      std::vector<llvm::Constant*> ptrs, lens;
      for (auto const& k : P.schema.kinds) {
        ptrs.push_back(llvm::cast<llvm::Constant>(string_global(k)));
        lens.push_back(B.getInt64(k.size()));
      }
      auto* pty = llvm::ArrayType::get(ptr, ptrs.size());
      auto* lty = llvm::ArrayType::get(i64, lens.size());
      auto* gp = new llvm::GlobalVariable(*M, pty, true, llvm::GlobalValue::PrivateLinkage, llvm::ConstantArray::get(pty, ptrs));
      auto* gl = new llvm::GlobalVariable(*M, lty, true, llvm::GlobalValue::PrivateLinkage, llvm::ConstantArray::get(lty, lens));
      Value* kind = B.CreateZExt(elem(i16, env_field(c.env, offsetof(LrEnv, act_kind), ptr), c.act), i64);
      Val v;
      v.present = yes();
      v.v0 = B.CreateLoad(ptr, B.CreateInBoundsGEP(pty, gp, {c64(0), kind}));
      v.v1 = B.CreateLoad(i64, B.CreateInBoundsGEP(lty, gl, {c64(0), kind}));
      return v;
    }
    case Op::Let: {
      call_decl(let_fn[size_t(n.index)], c);
      return load_slot(byte_gep(frame(c), L.let_slot[size_t(n.index)]), n.type);
    }
    case Op::Block: return number(call_decl(block_fn[size_t(n.index)], c));
    case Op::Total: return number(call_decl(total_fn, c));
    case Op::Grade: return present_int(B.CreateSExt(call_decl(grade_fn, c), i64));
    case Op::Segment: return boolean(B.CreateICmpNE(call_decl(seg_fn[size_t(n.index)], c), B.getInt8(0)));
    case Op::Neg: {
      Val a = gen(n.a, c);
      if (n.type == Type::Number) return {a.present, B.CreateFNeg(a.v0)};
      Value* is_min = B.CreateICmpEQ(a.v0, c64(std::numeric_limits<int64_t>::min()));
      return {B.CreateAnd(a.present, B.CreateNot(is_min)), B.CreateNeg(a.v0)};
    }
    case Op::Not: {
      Val a = gen(n.a, c);
      return {a.present, B.CreateZExt(B.CreateICmpEQ(a.v0, c64(0)), i64)};
    }
    case Op::And: return gen_and_or(n, c, true);
    case Op::Or: return gen_and_or(n, c, false);
    case Op::Arith: return gen_arith(n, c);
    case Op::Coalesce: {
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
    case Op::Compare: return gen_compare(n, c);
    case Op::Match: {
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
    case Op::InSet: {
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
    case Op::InList: {
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
    case Op::Within: {
      Val t = gen(n.a, c);
      Val d = gen(n.b, c);
      Value* after_lo = B.CreateICmpSGE(t.v0, window_start(c.now, d.v0));
      Value* in = B.CreateAnd(after_lo, B.CreateICmpSLE(t.v0, c.now));
      return {B.CreateAnd(t.present, d.present), B.CreateZExt(in, i64)};
    }
    case Op::Call: return gen_call(n, c);
    case Op::ActAgg: return gen_activity_agg(n, c);
    case Op::ColAgg: return gen_colleague_agg(n, c);
    case Op::Past: {
      // The same prospect at now - d: its frame is the offset past_map[off][slot].
      auto* table_ty = llvm::ArrayType::get(i32, L.past_map.size());
      std::vector<llvm::Constant*> entries;
      for (int32_t x : L.past_map) entries.push_back(B.getInt32(uint32_t(x)));
      auto* g = new llvm::GlobalVariable(*M, table_ty, true, llvm::GlobalValue::PrivateLinkage,
                                         llvm::ConstantArray::get(table_ty, entries));
      Value* at = B.CreateAdd(B.CreateMul(B.CreateZExt(c.off, i64), c64(L.past_count)), c64(L.past_slot[size_t(index)]));
      Ctx inner = c;
      inner.off = B.CreateLoad(i32, B.CreateInBoundsGEP(table_ty, g, {c64(0), at}));
      inner.now = B.CreateSub(c.now, c64(n.imm));
      return gen(n.a, inner);
    }
    case Op::Fired:
    case Op::Template:
      throw std::runtime_error("this expression only appears in tests and actions");
  }
  throw std::runtime_error("unknown expression");
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
    Value* decides = B.CreateAnd(v.present, is_and ? B.CreateICmpEQ(v.v0, c64(0)) : B.CreateICmpNE(v.v0, c64(0)));
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
        Value* q = B.CreateFDiv(B.CreateSIToFP(a.v0, f64), B.CreateSIToFP(B.CreateSelect(nonzero, b.v0, c64(1)), f64));
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
    case Bi::Contains: case Bi::StartsWith: case Bi::EndsWith: {
      Val s = arg(0), t = arg(1);
      char const* name = plan::Builtin(n.sub) == Bi::Contains ? "lr_str_contains"
                         : plan::Builtin(n.sub) == Bi::StartsWith ? "lr_str_starts" : "lr_str_ends";
      auto* f = runtime(name, i32, {ptr, i64, ptr, i64});
      Value* both = B.CreateAnd(s.present, t.present);
      return {both, B.CreateZExt(B.CreateICmpNE(B.CreateCall(f, {s.v0, s.v1, t.v0, t.v1}), c32(0)), i64)};
    }
    case Bi::Min: case Bi::Max: {
      // Missing if any is missing; otherwise the first extreme (ties keep the earlier).
      Val best = arg(0);
      Value* present = best.present;
      for (size_t k = 1; k < n.args.size(); ++k) {
        Val v = arg(k);
        present = B.CreateAnd(present, v.present);
        Value* cmp = compare3(v, best, n.type);
        Value* take = plan::Builtin(n.sub) == Bi::Min ? B.CreateICmpSLT(cmp, c32(0)) : B.CreateICmpSGT(cmp, c32(0));
        best.v0 = B.CreateSelect(take, v.v0, best.v0);
        if (best.v1) best.v1 = B.CreateSelect(take, v.v1, best.v1);
      }
      best.present = present;
      return best;
    }
    case Bi::Abs: { Val v = arg(0); return {v.present, B.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v.v0)}; }
    case Bi::Round: { Val v = arg(0); return {v.present, B.CreateUnaryIntrinsic(llvm::Intrinsic::round, v.v0)}; }
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
      Value* d = B.CreateFDiv(B.CreateFSub(B.CreateSIToFP(c.now, f64), B.CreateSIToFP(t.v0, f64)), cf(86400e6));
      return {t.present, d};
    }
    case Bi::Hour: case Bi::Weekday: {
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
      case plan::Agg::Last: return {B.CreateICmpSGT(k, c64(0)), B.CreateLoad(i64, byte_gep(fp, L.item_b[size_t(item)]))};
      case plan::Agg::First: return {B.CreateICmpSGT(k, c64(0)), B.CreateLoad(i64, byte_gep(fp, L.item_c[size_t(item)]))};
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
  B.CreateCondBr(B.CreateICmpEQ(other, c.row), next, work);   // never one's own colleague
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
    case plan::Agg::Min: case plan::Agg::Max: return get(best);
    default: return missing(t);
  }
}

// ---------------------------------------------------------------------------------------------
// Declarations

void Codegen::gen_let(size_t i) {
  Ctx c = begin_function(let_fn[i]);
  auto const& let = P.lets[i];
  memo(c, L.let_slot[i], [&](Value*) {
    Val v = gen(let.expr, c);
    store_slot(byte_gep(frame(c), L.let_slot[i]), let.type, v);
  });
  B.CreateRetVoid();
}

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
      Value* n_acts = B.CreateZExt(B.CreateSub(elem(i32, offsets, B.CreateAdd(c.row, c32(1))), elem(i32, offsets, c.row)), i64);
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
      B.CreateStore(B.CreateFAdd(B.CreateLoad(f64, total), B.CreateFMul(cf(r.points), decay_factor(age))), total);
      k->addIncoming(B.CreateAdd(k, c64(1)), body);
      B.CreateBr(head);
      B.SetInsertPoint(done);
    } else {
      for_matching(c, r.kind, r.where, r.within, [&](Value*, Value* at) {
        Value* age = B.CreateSub(c.now, at);
        B.CreateStore(B.CreateFAdd(B.CreateLoad(f64, total), B.CreateFMul(cf(r.points), decay_factor(age))), total);
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
    if (r.points >= 0) bounded = B.CreateSelect(B.CreateFCmpOLT(cf(*r.cap), t), cf(*r.cap), t);   // std::min
    else bounded = B.CreateSelect(B.CreateFCmpOLT(t, cf(-*r.cap)), cf(-*r.cap), t);               // std::max
  }
  Value* frame_now = frame(c);
  B.CreateStore(bounded, byte_gep(frame_now, L.point_value[size_t(index)]));
  B.CreateStore(B.CreateTrunc(B.CreateLoad(i64, matches), i32), byte_gep(frame_now, L.point_matches[size_t(index)]));
  B.CreateStore(B.CreateZExt(B.CreateFCmpUNE(bounded, t), i8), byte_gep(frame_now, L.point_capped[size_t(index)]));
  return bounded;
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
    visible[j] = B.CreateICmpSLE(at, inst[j].now);   // after the instant: invisible
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
      if (B.GetInsertBlock() != before) {   // the condition branches: keep the update behind a branch
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
    bool has = std::any_of(items.begin(), items.end(), [&](auto const& it) { return it.kind == int32_t(kd); });
    if (!has) continue;
    BasicBlock* kb = block("pass.kind");
    sw->addCase(llvm::cast<llvm::ConstantInt>(c32(int64_t(kd))), kb);
    B.SetInsertPoint(kb);
    for (size_t i = 0; i < n_items; ++i)
      if (items[i].kind == int32_t(kd))
        for (size_t j = 0; j < n_inst; ++j) emit_item(i, j);
    B.CreateBr(loop.next);
  }
  close_loop(loop, false);   // other kinds go straight to `next`
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

void Codegen::gen_block(size_t b) {
  Ctx c = begin_function(block_fn[b]);
  auto const& blk = P.blocks[b];
  memo(c, L.block_done[b], [&](Value* fp) {
    Value* sum = cf(0.0);
    for (int32_t r : blk.rules) sum = B.CreateFAdd(sum, rule_points(c, r, fp));
    if (blk.cap) sum = B.CreateSelect(B.CreateFCmpOLT(cf(*blk.cap), sum), cf(*blk.cap), sum);
    if (blk.floor) sum = B.CreateSelect(B.CreateFCmpOLT(sum, cf(*blk.floor)), cf(*blk.floor), sum);
    B.CreateStore(sum, byte_gep(frame(c), L.block_value[b]));
  });
  B.CreateRet(B.CreateLoad(f64, byte_gep(frame(c), L.block_value[b])));
}

void Codegen::gen_total() {
  Ctx c = begin_function(total_fn);
  memo(c, L.total_done, [&](Value*) {
    Value* sum = cf(0.0);
    for (size_t b = 0; b < P.blocks.size(); ++b) sum = B.CreateFAdd(sum, call_decl(block_fn[b], c));
    if (P.total_cap) sum = B.CreateSelect(B.CreateFCmpOLT(cf(*P.total_cap), sum), cf(*P.total_cap), sum);
    if (P.total_floor) sum = B.CreateSelect(B.CreateFCmpOLT(sum, cf(*P.total_floor)), cf(*P.total_floor), sum);
    B.CreateStore(sum, byte_gep(frame(c), L.total_value));
  });
  B.CreateRet(B.CreateLoad(f64, byte_gep(frame(c), L.total_value)));
}

void Codegen::gen_grade() {
  Ctx c = begin_function(grade_fn);
  memo(c, L.grade_done, [&](Value*) {
    Value* thirds = c32(0);
    for (size_t m = 0; m < P.grade_moves.size(); ++m) {
      auto const& mv = P.grade_moves[m];
      Val v = gen(mv.condition, c);
      Value* t = B.CreateICmpNE(v.v0, c64(0));
      Value* outcome = B.CreateSelect(v.present, B.CreateSelect(t, B.getInt8(1), B.getInt8(0)), B.getInt8(uint8_t(-1)));
      B.CreateStore(outcome, byte_gep(frame(c), L.grade_outcome[m]));
      Value* move = B.CreateSelect(t, c32(mv.thirds), c32(mv.has_else ? mv.else_thirds : 0));
      thirds = B.CreateAdd(thirds, B.CreateSelect(v.present, move, c32(0)));
    }
    Value* g = B.CreateAdd(c32(P.grade_start), thirds);
    g = B.CreateSelect(B.CreateICmpSLT(g, c32(plan::kGradeF)), c32(plan::kGradeF), g);
    g = B.CreateSelect(B.CreateICmpSGT(g, c32(plan::kGradeAPlus)), c32(plan::kGradeAPlus), g);
    B.CreateStore(g, byte_gep(frame(c), L.grade_value));
  });
  B.CreateRet(B.CreateLoad(i32, byte_gep(frame(c), L.grade_value)));
}

void Codegen::gen_segment(size_t s) {
  Ctx c = begin_function(seg_fn[s]);
  auto const& seg = P.segments[s];
  Value* fp = frame(c);
  Value* state_at = byte_gep(fp, L.segment_state[s]);
  BasicBlock* cached = block("cached");
  BasicBlock* fresh = block("compute");
  B.CreateCondBr(B.CreateICmpNE(B.CreateLoad(i8, state_at), B.getInt8(0)), cached, fresh);
  B.SetInsertPoint(fresh);
  B.CreateStore(c32(-1), byte_gep(frame(c), L.zone_row[s]));
  if (!seg.zone) {
    Value* holds = is_true(gen(seg.condition, c));
    B.CreateStore(B.CreateSelect(holds, B.getInt8(2), B.getInt8(1)), byte_gep(frame(c), L.segment_state[s]));
    B.CreateBr(cached);
  } else {
    Value* g = call_decl(grade_fn, c);
    BasicBlock* none = block("zone.none");
    for (size_t r = 0; r < seg.rows.size(); ++r) {
      BasicBlock* cond = block("zone.row");
      BasicBlock* next = block("zone.next");
      B.CreateCondBr(B.CreateICmpSGE(g, c32(seg.rows[r].grade)), cond, next);
      B.SetInsertPoint(cond);
      Value* holds = is_true(gen(seg.rows[r].condition, c));
      BasicBlock* hit = block("zone.hit");
      B.CreateCondBr(holds, hit, next);
      B.SetInsertPoint(hit);
      B.CreateStore(c32(int64_t(r)), byte_gep(frame(c), L.zone_row[s]));
      B.CreateStore(B.getInt8(2), byte_gep(frame(c), L.segment_state[s]));
      B.CreateBr(cached);
      B.SetInsertPoint(next);
    }
    B.CreateBr(none);
    B.SetInsertPoint(none);
    B.CreateStore(B.getInt8(1), byte_gep(frame(c), L.segment_state[s]));
    B.CreateBr(cached);
  }
  B.SetInsertPoint(cached);
  Value* st = B.CreateLoad(i8, byte_gep(frame(c), L.segment_state[s]));
  B.CreateRet(B.CreateZExt(B.CreateICmpEQ(st, B.getInt8(2)), i8));
}

void Codegen::gen_rules() {
  Ctx c = begin_function(rules_fn);
  memo(c, L.rules_done, [&](Value*) {
    auto* hist = runtime("lr_history", i32, {ptr, i32, i32, ptr, ptr, ptr});
    auto* count = local(i64, "h.count");
    auto* last = local(i64, "h.last");
    auto* has_last = local(i32, "h.has_last");
    for (size_t i = 0; i < P.rules.size(); ++i) {
      auto const& r = P.rules[i];
      Value* holds = is_true(gen(r.condition, c));
      BasicBlock* qualify = block("rule.qualify");
      BasicBlock* next = block("rule.next");
      B.CreateCondBr(holds, qualify, next);
      B.SetInsertPoint(qualify);
      B.CreateStore(c64(0), count);
      B.CreateStore(c64(0), last);
      B.CreateStore(c32(0), has_last);
      B.CreateCall(hist, {c.env, c.row, c32(int64_t(i)), count, last, has_last});
      Value* k = B.CreateLoad(i64, count);
      Value* ok = yes();
      if (r.max) ok = B.CreateICmpSLT(k, c64(*r.max));
      switch (r.qualifier) {
        case plan::Rule::Qualifier::Once: ok = B.CreateAnd(ok, B.CreateICmpEQ(k, c64(0))); break;
        case plan::Rule::Qualifier::Always: break;
        case plan::Rule::Qualifier::Every: {
          Value* never = B.CreateOr(B.CreateICmpEQ(k, c64(0)), B.CreateICmpEQ(B.CreateLoad(i32, has_last), c32(0)));
          Value* due = B.CreateICmpSGE(B.CreateSub(c.now, B.CreateLoad(i64, last)), c64(r.every));
          ok = B.CreateAnd(ok, B.CreateOr(never, due));
          break;
        }
      }
      B.CreateStore(B.CreateZExt(ok, i8), byte_gep(frame(c), L.fires[i]));
      B.CreateBr(next);
      B.SetInsertPoint(next);
    }
  });
  B.CreateRetVoid();
}

// An action argument or a template piece: prints as the interpreter's print_node does.
void Codegen::emit_value_arg(int32_t node, Ctx const& c, bool has_fallback, std::string const& fallback) {
  auto const& n = P.nodes[size_t(node)];
  if (n.op == Op::Const && n.type == Type::Duration) {
    auto const& text = P.constants[size_t(n.index)].text;
    B.CreateCall(runtime("lr_arg_text", B.getVoidTy(), {ptr, ptr, i64}), {c.env, string_global(text), c64(int64_t(text.size()))});
    return;
  }
  Val v = gen(node, c);
  Value* fb = string_global(fallback);
  if (n.type == Type::StringList) {
    B.CreateCall(runtime("lr_arg_list", B.getVoidTy(), {ptr, ptr, i64, ptr, ptr, i32, ptr, i64}),
                 {c.env, v.v0, v.v1, v.v2, v.v3, c32(has_fallback), fb, c64(int64_t(fallback.size()))});
    return;
  }
  Value* num = n.type == Type::Number ? v.v0 : cf(0.0);
  Value* iv = (n.type == Type::Number || n.type == Type::String) ? c64(0) : v.v0;
  Value* p = n.type == Type::String ? v.v0 : llvm::ConstantPointerNull::get(llvm::PointerType::get(C, 0));
  Value* len = n.type == Type::String ? v.v1 : c64(0);
  B.CreateCall(runtime("lr_arg_value", B.getVoidTy(), {ptr, i32, i32, f64, i64, ptr, i64, i32, ptr, i64}),
               {c.env, c32(int32_t(n.type)), B.CreateZExt(v.present, i32), num, iv, p, len, c32(has_fallback), fb,
                c64(int64_t(fallback.size()))});
}

// One whole action argument: a template's pieces, or a value.
void Codegen::emit_arg(int32_t x, Ctx const& c) {
  auto* arg_text = runtime("lr_arg_text", B.getVoidTy(), {ptr, ptr, i64});
  auto const& xn = P.nodes[size_t(x)];
  if (xn.op != Op::Template) {
    emit_value_arg(x, c, false, "");
    return;
  }
  for (auto const& piece : P.templates[size_t(xn.index)].pieces) {
    if (!piece.text.empty())
      B.CreateCall(arg_text, {c.env, string_global(piece.text), c64(int64_t(piece.text.size()))});
    if (piece.expr >= 0) emit_value_arg(piece.expr, c, piece.has_fallback, piece.fallback);
  }
}

void Codegen::emit_actions(Ctx const& c) {
  auto* begin = runtime("lr_action_begin", B.getVoidTy(), {ptr, i32, i32, i32});
  auto* arg_begin = runtime("lr_arg_begin", B.getVoidTy(), {ptr});
  auto* arg_text = runtime("lr_arg_text", B.getVoidTy(), {ptr, ptr, i64});
  auto* arg_end = runtime("lr_arg_end", B.getVoidTy(), {ptr});
  for (size_t i = 0; i < P.rules.size(); ++i) {
    BasicBlock* fire = block("fire");
    BasicBlock* next = block("fire.next");
    Value* fired = B.CreateLoad(i8, byte_gep(frame(c), L.fires[i]));
    B.CreateCondBr(B.CreateICmpNE(fired, B.getInt8(0)), fire, next);
    B.SetInsertPoint(fire);
    for (auto const& a : P.rules[i].actions) {
      B.CreateCall(begin, {c.env, c.row, c32(int64_t(i)), c32(int32_t(a.kind))});
      if (a.kind == plan::ActionKind::Set) {
        auto const& fname = P.schema.prospect[size_t(a.field)].name;
        B.CreateCall(arg_begin, {c.env});
        B.CreateCall(arg_text, {c.env, string_global(fname), c64(int64_t(fname.size()))});
        B.CreateCall(arg_end, {c.env});
        B.CreateCall(arg_begin, {c.env});
        emit_arg(a.args[0], c);
        B.CreateCall(arg_end, {c.env});
        Type ft = P.schema.prospect[size_t(a.field)].type;
        if (P.nodes[size_t(a.args[0])].op == Op::Template) {
          // The value is the text just rendered.
          B.CreateCall(runtime("lr_set_from_arg", B.getVoidTy(), {ptr, i32}), {c.env, c32(a.field)});
          continue;
        }
        Val v = gen(a.args[0], c);
        if (ft == Type::StringList) {
          B.CreateCall(runtime("lr_set_list", B.getVoidTy(), {ptr, i32, ptr, i64, ptr, ptr}),
                       {c.env, c32(a.field), v.v0, v.v1, v.v2, v.v3});
        } else {
          Value* num = ft == Type::Number ? v.v0 : cf(0.0);
          Value* iv = (ft == Type::Number || ft == Type::String) ? c64(0) : v.v0;
          Value* p = ft == Type::String ? v.v0 : llvm::ConstantPointerNull::get(llvm::PointerType::get(C, 0));
          Value* len = ft == Type::String ? v.v1 : c64(0);
          B.CreateCall(runtime("lr_set_value", B.getVoidTy(), {ptr, i32, i32, i32, f64, i64, ptr, i64}),
                       {c.env, c32(a.field), c32(int32_t(ft)), B.CreateZExt(v.present, i32), num, iv, p, len});
        }
        continue;
      }
      for (int32_t x : a.args) {
        B.CreateCall(arg_begin, {c.env});
        emit_arg(x, c);
        B.CreateCall(arg_end, {c.env});
      }
    }
    B.CreateBr(next);
    B.SetInsertPoint(next);
  }
}

void Codegen::gen_entry() {
  auto* ft = FunctionType::get(B.getVoidTy(), {ptr, i32, i32}, false);
  auto* f = Function::Create(ft, Function::ExternalLinkage, LR_ENTRY_NAME, M.get());
  cur_fn = f;
  B.SetInsertPoint(BasicBlock::Create(C, "entry", f));
  auto a = f->arg_begin();
  Value* env = &*a;
  Ctx c{env, &*(a + 1), c32(0), env_field(env, offsetof(LrEnv, now), i64), nullptr};
  call_decl(total_fn, c);
  call_decl(grade_fn, c);
  for (auto* s : seg_fn) call_decl(s, c);
  call_decl(rules_fn, c);
  BasicBlock* emit = block("emit");
  BasicBlock* done = block("done");
  B.CreateCondBr(B.CreateICmpNE(&*(a + 2), c32(0)), emit, done);
  B.SetInsertPoint(emit);
  emit_actions(c);
  B.CreateBr(done);
  B.SetInsertPoint(done);
  B.CreateRetVoid();
}

std::unique_ptr<llvm::Module> Codegen::run() {
  for (size_t i = 0; i < P.lets.size(); ++i) let_fn.push_back(declare(("let." + P.lets[i].name).c_str(), B.getVoidTy()));
  for (size_t b = 0; b < P.blocks.size(); ++b) block_fn.push_back(declare(("block." + P.blocks[b].name).c_str(), f64));
  total_fn = declare("total", f64);
  grade_fn = declare("grade", i32);
  for (size_t s = 0; s < P.segments.size(); ++s) seg_fn.push_back(declare(("segment." + P.segments[s].name).c_str(), i8));
  rules_fn = declare("rules", B.getVoidTy());
  pass_fn = declare("activity_pass", B.getVoidTy());
  for (size_t i = 0; i < P.lets.size(); ++i) gen_let(i);
  for (size_t b = 0; b < P.blocks.size(); ++b) gen_block(b);
  gen_total();
  gen_grade();
  for (size_t s = 0; s < P.segments.size(); ++s) gen_segment(s);
  gen_rules();
  gen_pass();
  gen_entry();
  std::string err;
  llvm::raw_string_ostream os(err);
  if (llvm::verifyModule(*M, &os)) throw std::runtime_error("generated code does not verify: " + os.str());
  return std::move(M);
}

}  // namespace

std::unique_ptr<llvm::Module> generate_module(plan::Plan const& plan, FrameLayout const& layout,
                                              std::vector<ColumnPredicate> const& predicates,
                                              llvm::LLVMContext& context) {
  return Codegen(plan, layout, predicates, context).run();
}

}  // namespace leadrules::jit
