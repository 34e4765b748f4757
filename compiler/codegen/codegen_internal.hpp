// Private to compiler/codegen: the state of one module's generation (the Codegen class), the
// values it passes around (Val, Ctx) and its small IR-building helpers. Each part of the
// generator lives in its own file (see the comments on the member declarations); the public
// entry point is generate_module() in codegen.hpp.
#pragma once

#include <algorithm>
#include <cstddef>
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

#include "compiler/codegen/codegen.hpp"
#include "stdlib/abi.hpp"

namespace leadrules::jit::codegen {

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
  Value* present = nullptr;  // i1
  Value* v0 = nullptr;
  Value* v1 = nullptr;
  Value* v2 = nullptr;
  Value* v3 = nullptr;
};

// Where an expression is evaluated: which prospect, at which instant, which activity.
struct Ctx {
  Value* env;
  Value* row;  // i32
  Value* off;  // i32: index into FrameLayout::offsets
  Value* now;  // i64
  Value* act;  // i32 activity index, or null outside activities
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

  std::unique_ptr<llvm::Module> run();  // codegen.cpp

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
  Value* col_member(Value* col, size_t off, llvm::Type* ty = nullptr) {
    return iload(ty ? ty : ptr, byte_gep(col, int64_t(off)));
  }

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
    Value* idx = B.CreateAdd(B.CreateMul(B.CreateZExt(slot, i64), c64(int64_t(L.offsets.size()))),
                             B.CreateZExt(c.off, i64));
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
    B.CreateStore(v.v0 ? v.v0
                       : llvm::Constant::getNullValue(t == Type::Number                            ? f64
                                                      : t == Type::String || t == Type::StringList ? ptr
                                                                                                   : i64),
                  byte_gep(p, 8));
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
      case Type::String:
        v.v0 = llvm::ConstantPointerNull::get(llvm::PointerType::get(C, 0));
        v.v1 = c64(0);
        break;
      default: v.v0 = c64(0); break;
    }
    return v;
  }
  Val number(Value* d) {  // a computed number: not finite -> missing (like Value::number)
    Val v;
    Value* fin = B.CreateFCmpOLT(B.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, d),
                                 cf(std::numeric_limits<double>::infinity()));
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

  // Generates n items in order: inline when few, else as a chain of part functions of
  // kItemsPerPart items each, called in order from the current function (LLVM's passes grow
  // faster than linearly with a function's size: 5,000 rules in one function took seconds).
  // `acc` (may be null) is threaded through: each item takes the running value and returns the
  // next, so sums keep the interpreter's order. Returns the final value.
  static constexpr size_t kItemsPerPart = 64;
  using PartItem = std::function<Value*(Ctx const&, size_t, Value*)>;
  Value* in_parts(Ctx const& c, std::string const& name, size_t n, Value* acc, PartItem const& item);

  void gen_let(size_t i);  // declarations.cpp
  void gen_block(size_t b);
  void gen_total();
  void gen_grade();
  void gen_segment(size_t s);
  void gen_rules();                                        // rules.cpp
  void gen_pass();                                         // activity.cpp
  void gen_entry();                                        // codegen.cpp
  Value* rule_points(Ctx const& c, int32_t r, Value* fp);  // points.cpp

  // --- expressions ---------------------------------------------------------------------------
  Val gen(int32_t node, Ctx const& c);  // the dispatch on the node's op (expressions.cpp)
  // values.cpp
  Val gen_predicate(int32_t index, Ctx const& c);
  Val gen_const(plan::Constant const& k);
  Val gen_column(Ctx const& c, bool act, int32_t index, Type t, Value* rowv);
  Val gen_activity_type(Ctx const& c);
  Val gen_past(plan::Node const& n, int32_t index, Ctx const& c);
  // logic.cpp
  Val gen_neg(plan::Node const& n, Ctx const& c);
  Val gen_not(plan::Node const& n, Ctx const& c);
  Val gen_and_or(plan::Node const& n, Ctx const& c, bool is_and);
  Val gen_coalesce(plan::Node const& n, Ctx const& c);
  Val gen_arith(plan::Node const& n, Ctx const& c);
  Val gen_compare(plan::Node const& n, Ctx const& c);
  Value* compare3(Val const& a, Val const& b, Type t);  // i32 -1/0/1 like the interpreter's compare
  Val gen_within(plan::Node const& n, Ctx const& c);
  // builtins.cpp
  Val gen_match(plan::Node const& n, Ctx const& c);
  Val gen_in_set(plan::Node const& n, Ctx const& c);
  Val gen_in_list(plan::Node const& n, Ctx const& c);
  Val gen_call(plan::Node const& n, Ctx const& c);
  Val gen_activity_agg(plan::Node const& n, Ctx const& c);   // activity.cpp
  Val gen_colleague_agg(plan::Node const& n, Ctx const& c);  // colleagues.cpp
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
    if (fall_through) B.CreateBr(loop.next);  // else every path already branched to `next`
    B.SetInsertPoint(loop.next);
    loop.a->addIncoming(B.CreateAdd(loop.a, c32(1)), loop.next);
    B.CreateBr(loop.a->getParent());
    B.SetInsertPoint(loop.done);
  }
  template <class Body>
  void for_matching(Ctx const& c, int32_t kind, int32_t where, int32_t within, Body body);
  Value* decay_factor(Value* age);  // activity.cpp

  void emit_actions(Ctx const& c);  // rules.cpp
  void emit_value_arg(int32_t node, Ctx const& c, bool has_fallback, std::string const& fallback);
  void emit_arg(int32_t node, Ctx const& c);
};

// Loops over the activities of c.row that match kind / window / where, in input order; `body`
// gets the activity's index and time. Used by activity aggregates and per-activity points.
template <class Body>
void Codegen::for_matching(Ctx const& c, int32_t kind, int32_t where, int32_t within, Body body) {
  Value* from = c64(std::numeric_limits<int64_t>::min());
  BasicBlock* unknown_window = nullptr;
  if (within >= 0) {
    Val w = gen(within, c);
    BasicBlock* known = block("acts.window");
    unknown_window = block("acts.nowindow");
    B.CreateCondBr(w.present, known, unknown_window);  // an unknown window matches nothing
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

}  // namespace leadrules::jit::codegen
