// Declarations as memoised functions over the frame: lets, score blocks, the total, the grade,
// segments and zones. Each computes once per prospect and instant and keeps its value in the frame.
#include "compiler/codegen/codegen_internal.hpp"

namespace leadrules::jit::codegen {

void Codegen::gen_let(size_t i) {
  Ctx c = begin_function(let_fn[i]);
  auto const& let = P.lets[i];
  memo(c, L.let_slot[i], [&](Value*) {
    Val v = gen(let.expr, c);
    store_slot(byte_gep(frame(c), L.let_slot[i]), let.type, v);
  });
  B.CreateRetVoid();
}

void Codegen::gen_block(size_t b) {
  Ctx c = begin_function(block_fn[b]);
  auto const& blk = P.blocks[b];
  memo(c, L.block_done[b], [&](Value*) {
    Value* sum =
        in_parts(c, "block." + blk.name, blk.rules.size(), cf(0.0), [&](Ctx const& pc, size_t k, Value* s) {
          return B.CreateFAdd(s, rule_points(pc, blk.rules[k], nullptr));
        });
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
    if (P.total_floor)
      sum = B.CreateSelect(B.CreateFCmpOLT(sum, cf(*P.total_floor)), cf(*P.total_floor), sum);
    B.CreateStore(sum, byte_gep(frame(c), L.total_value));
  });
  B.CreateRet(B.CreateLoad(f64, byte_gep(frame(c), L.total_value)));
}

void Codegen::gen_grade() {
  Ctx c = begin_function(grade_fn);
  memo(c, L.grade_done, [&](Value*) {
    Value* thirds =
        in_parts(c, "grade", P.grade_moves.size(), c32(0), [&](Ctx const& pc, size_t m, Value* sum) {
          auto const& mv = P.grade_moves[m];
          Val v = gen(mv.condition, pc);
          Value* t = B.CreateICmpNE(v.v0, c64(0));
          Value* outcome = B.CreateSelect(v.present, B.CreateSelect(t, B.getInt8(1), B.getInt8(0)),
                                          B.getInt8(uint8_t(-1)));
          B.CreateStore(outcome, byte_gep(frame(pc), L.grade_outcome[m]));
          Value* move = B.CreateSelect(t, c32(mv.thirds), c32(mv.has_else ? mv.else_thirds : 0));
          return B.CreateAdd(sum, B.CreateSelect(v.present, move, c32(0)));
        });
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

}  // namespace leadrules::jit::codegen
