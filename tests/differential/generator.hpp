// Random policies and data for differential testing: every engine (the interpreter, the JIT)
// evaluates the same generated case and must give bit-identical results.
//
// generate_case(seed) is a pure function of (seed, options): it uses std::mt19937_64 (whose
// output the C++ standard fixes) with its own uniform helpers, never the <random>
// distributions (whose output differs between library versions), so a seed names the same
// case on every machine and in every build.
//
// The policy is valid by construction (the checker accepts it) and, over a few hundred seeds,
// exercises every construct of LANGUAGE.md: all field types, optional fields, defaults,
// `from`/`missing`, colleagues, activity kinds and fields, sets, lets of every type, Kleene
// logic over missing values, regexes, `in`, `within`, activity and colleague aggregates within
// the stratification rule, nested `past`, score blocks with caps and floors, the implicit
// block, `per`/`if` points with where/within/once per/cap, step or linear decay, grades,
// zones, segments, rules with every qualifier and action (and `set` conflicts), templates,
// and time zones. The data (JSON Lines, as LANGUAGE.md "Data in" describes) puts activity
// times on the exact window/decay boundaries the policy uses, after `now`, out of order and
// on duplicate timestamps, with missing values, nulls, UTF-8 and firing histories.
#pragma once

#include <cstdint>
#include <string>

namespace leadrules::difftest {

struct GenOptions {
  int min_prospects = 1;
  int max_prospects = 60;
  int max_activities = 40;  // per prospect
  int max_depth = 3;        // expression nesting
  bool timezones = true;    // sometimes `policy "..." timezone "Asia/Tokyo"` (or another zone)
  // `sum(colleague, E)` over fractional values (scores): the result then depends on the order
  // in which colleagues are added (input order in the interpreter). Turn off to keep colleague
  // sums over values whose sum is exact in any order.
  bool inexact_colleague_sums = true;
};

struct GeneratedCase {
  std::string policy_text;      // a whole .lr file
  std::string prospects_jsonl;  // JSON Lines, one prospect a line
  int64_t now = 0;              // the evaluation instant, microseconds since the epoch (UTC)
};

GeneratedCase generate_case(uint64_t seed, GenOptions const& options = {});

// RFC 3339 in UTC with a microsecond fraction when there is one: 2026-11-22T00:00:00.000001Z.
std::string format_rfc3339(int64_t micros);

}  // namespace leadrules::difftest
