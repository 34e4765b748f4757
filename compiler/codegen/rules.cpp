// Rules and actions: whether each rule fires (its condition and firing history), and the calls
// that emit the fired rules' actions with their arguments and templates.
#include "compiler/codegen/codegen_internal.hpp"

namespace leadrules::jit::codegen {

void Codegen::gen_rules() {
  Ctx c = begin_function(rules_fn);
  memo(c, L.rules_done, [&](Value*) {
    auto* hist = runtime("lr_history", i32, {ptr, i32, i32, ptr, ptr, ptr});
    in_parts(c, "rules", P.rules.size(), nullptr, [&](Ctx const& c, size_t i, Value*) -> Value* {
      auto* count = local(i64, "h.count");
      auto* last = local(i64, "h.last");
      auto* has_last = local(i32, "h.has_last");
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
          Value* never =
              B.CreateOr(B.CreateICmpEQ(k, c64(0)), B.CreateICmpEQ(B.CreateLoad(i32, has_last), c32(0)));
          Value* due = B.CreateICmpSGE(B.CreateSub(c.now, B.CreateLoad(i64, last)), c64(r.every));
          ok = B.CreateAnd(ok, B.CreateOr(never, due));
          break;
        }
      }
      B.CreateStore(B.CreateZExt(ok, i8), byte_gep(frame(c), L.fires[i]));
      B.CreateBr(next);
      B.SetInsertPoint(next);
      return nullptr;
    });
  });
  B.CreateRetVoid();
}

// An action argument or a template piece: prints as the interpreter's print_node does.
void Codegen::emit_value_arg(int32_t node, Ctx const& c, bool has_fallback, std::string const& fallback) {
  auto const& n = P.nodes[size_t(node)];
  if (n.op == Op::Const && n.type == Type::Duration) {
    auto const& text = P.constants[size_t(n.index)].text;
    B.CreateCall(runtime("lr_arg_text", B.getVoidTy(), {ptr, ptr, i64}),
                 {c.env, string_global(text), c64(int64_t(text.size()))});
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
               {c.env, c32(int32_t(n.type)), B.CreateZExt(v.present, i32), num, iv, p, len, c32(has_fallback),
                fb, c64(int64_t(fallback.size()))});
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
  in_parts(c, "actions", P.rules.size(), nullptr, [&](Ctx const& c, size_t i, Value*) -> Value* {
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
          B.CreateCall(
              runtime("lr_set_value", B.getVoidTy(), {ptr, i32, i32, i32, f64, i64, ptr, i64}),
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
    return nullptr;
  });
}

}  // namespace leadrules::jit::codegen
