// Plan -> native object code: generates the LLVM module (codegen.cpp), optimises it and emits a
// relocatable object for this machine, through an on-disk cache keyed by what the code depends
// on. The object is an artefact like the plan: runtime/native loads and runs it.
#pragma once

#include <memory>
#include <string>

#include "compiler/plan/plan.hpp"

namespace leadrules::jit {

struct ObjectOptions {
  std::string cache_dir;  // "" = no object cache (the host picks the directory, if any)
  int opt_level = -1;     // 0..3, or -1: chosen by the policy's size
  std::string dump_ir;    // developers: write the optimised IR to this file
};

struct CompileStats {
  bool from_cache = false;
  int opt_level = 0;
  size_t plan_nodes = 0;
  double generate_ms = 0;  // plan -> IR
  double optimize_ms = 0;  // IR passes
  double codegen_ms = 0;   // IR -> object code
  double link_ms = 0;      // object -> callable (filled by the loader)
  double total_ms = 0;
  std::string cache_file;
};

struct ObjectCode {
  std::string bytes;  // an ELF relocatable object defining kEntryName
  std::string cpu;    // the CPU it was compiled for
  CompileStats stats;
};

// Throws std::runtime_error when LLVM cannot target this machine or the policy is too large.
ObjectCode compile_object(plan::Plan const& plan, ObjectOptions const& options);

// The host CPU LLVM targets ("znver3"), part of the cache key.
std::string host_cpu();

}  // namespace leadrules::jit
