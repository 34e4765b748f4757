// Values: constants, prospect and activity fields, activity types, precomputed column
// predicates and past(...) (the same prospect at an earlier instant).
#include "compiler/codegen/codegen_internal.hpp"

namespace leadrules::jit::codegen {

// A comparison of a dictionary-encoded column with constants, answered by the table the host
// precomputed per dictionary value.
Val Codegen::gen_predicate(int32_t index, Ctx const& c) {
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

Val Codegen::gen_const(plan::Constant const& k) {
  Val v;
  v.present = yes();
  switch (k.type) {
    case Type::Number: v.v0 = cf(k.number); break;
    case Type::String:
      v.v0 = string_global(k.text);
      v.v1 = c64(int64_t(k.text.size()));
      break;
    case Type::Bool: v.v0 = c64(k.boolean ? 1 : 0); break;
    case Type::Time:
    case Type::Duration: v.v0 = c64(k.micros); break;
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
    case Type::Time:
    case Type::Duration: v.v0 = elem(i64, col_member(col, offsetof(LrColumn, micros)), rowv); break;
    case Type::Grade:
      v.v0 = B.CreateSExt(elem(i8, col_member(col, offsetof(LrColumn, grades)), rowv), i64);
      break;
    case Type::Bool:
      v.v0 = B.CreateZExt(elem(i8, col_member(col, offsetof(LrColumn, bools)), rowv), i64);
      break;
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

Val Codegen::gen_activity_type(Ctx const& c) {
  // Kind names as constant arrays.
  std::vector<llvm::Constant*> ptrs, lens;
  for (auto const& k : P.schema.kinds) {
    ptrs.push_back(llvm::cast<llvm::Constant>(string_global(k)));
    lens.push_back(B.getInt64(k.size()));
  }
  auto* pty = llvm::ArrayType::get(ptr, ptrs.size());
  auto* lty = llvm::ArrayType::get(i64, lens.size());
  auto* gp = new llvm::GlobalVariable(*M, pty, true, llvm::GlobalValue::PrivateLinkage,
                                      llvm::ConstantArray::get(pty, ptrs));
  auto* gl = new llvm::GlobalVariable(*M, lty, true, llvm::GlobalValue::PrivateLinkage,
                                      llvm::ConstantArray::get(lty, lens));
  Value* kind = B.CreateZExt(elem(i16, env_field(c.env, offsetof(LrEnv, act_kind), ptr), c.act), i64);
  Val v;
  v.present = yes();
  v.v0 = B.CreateLoad(ptr, B.CreateInBoundsGEP(pty, gp, {c64(0), kind}));
  v.v1 = B.CreateLoad(i64, B.CreateInBoundsGEP(lty, gl, {c64(0), kind}));
  return v;
}

// past(d, e): e for the same prospect at now - d.
Val Codegen::gen_past(plan::Node const& n, int32_t index, Ctx const& c) {
  // The same prospect at now - d: its frame is the offset past_map[off][slot].
  auto* table_ty = llvm::ArrayType::get(i32, L.past_map.size());
  std::vector<llvm::Constant*> entries;
  for (int32_t x : L.past_map) entries.push_back(B.getInt32(uint32_t(x)));
  auto* g = new llvm::GlobalVariable(*M, table_ty, true, llvm::GlobalValue::PrivateLinkage,
                                     llvm::ConstantArray::get(table_ty, entries));
  Value* at =
      B.CreateAdd(B.CreateMul(B.CreateZExt(c.off, i64), c64(L.past_count)), c64(L.past_slot[size_t(index)]));
  Ctx inner = c;
  inner.off = B.CreateLoad(i32, B.CreateInBoundsGEP(table_ty, g, {c64(0), at}));
  inner.now = B.CreateSub(c.now, c64(n.imm));
  return gen(n.a, inner);
}

}  // namespace leadrules::jit::codegen
