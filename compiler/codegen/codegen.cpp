// The module: declares every generated function, generates them in a fixed order, the entry
// point lr_eval_row, and verification. generate_module() is the public entry (codegen.hpp).
#include "compiler/codegen/codegen_internal.hpp"

namespace leadrules::jit {

namespace codegen {

Value* Codegen::in_parts(Ctx const& c, std::string const& name, size_t n, Value* acc, PartItem const& item) {
  if (n <= kItemsPerPart) {
    for (size_t k = 0; k < n; ++k) acc = item(c, k, acc);
    return acc;
  }
  std::vector<llvm::Type*> params{ptr, i32, i32, i64};
  if (acc) params.push_back(acc->getType());
  auto* type = FunctionType::get(acc ? acc->getType() : B.getVoidTy(), params, false);
  Function* caller = cur_fn;
  for (size_t first = 0; first < n; first += kItemsPerPart) {
    auto* part = Function::Create(type, Function::InternalLinkage, name + ".part", M.get());
    part->addFnAttr(llvm::Attribute::NoUnwind);
    {
      llvm::IRBuilderBase::InsertPointGuard back_to_caller(B);
      Ctx pc = begin_function(part);
      Value* running = acc ? part->getArg(4) : nullptr;
      for (size_t k = first; k < std::min(first + kItemsPerPart, n); ++k) running = item(pc, k, running);
      if (acc)
        B.CreateRet(running);
      else
        B.CreateRetVoid();
    }
    cur_fn = caller;
    std::vector<Value*> args{c.env, c.row, c.off, c.now};
    if (acc) args.push_back(acc);
    Value* result = B.CreateCall(part, args);
    if (acc) acc = result;
  }
  return acc;
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
  for (size_t i = 0; i < P.lets.size(); ++i)
    let_fn.push_back(declare(("let." + P.lets[i].name).c_str(), B.getVoidTy()));
  for (size_t b = 0; b < P.blocks.size(); ++b)
    block_fn.push_back(declare(("block." + P.blocks[b].name).c_str(), f64));
  total_fn = declare("total", f64);
  grade_fn = declare("grade", i32);
  for (size_t s = 0; s < P.segments.size(); ++s)
    seg_fn.push_back(declare(("segment." + P.segments[s].name).c_str(), i8));
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

}  // namespace codegen

std::unique_ptr<llvm::Module> generate_module(plan::Plan const& plan, FrameLayout const& layout,
                                              std::vector<ColumnPredicate> const& predicates,
                                              llvm::LLVMContext& context) {
  return codegen::Codegen(plan, layout, predicates, context).run();
}

}  // namespace leadrules::jit
