// An engine evaluates a checked plan over a batch. The interpreter is the reference; the JIT
// must give bit-identical results. Engines are immutable after construction and may be shared
// between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "compiler/plan/plan.hpp"
#include "runtime/data/result.hpp"
#include "runtime/data/table.hpp"

namespace leadrules::runtime {

struct EvalOptions {
  int64_t now = 0;       // the evaluation instant, microseconds since the epoch (UTC)
  bool explain = false;  // fill points_why / grade_why
  unsigned threads = 1;  // evaluate account groups on this many threads (results keep input order)
  // One-prospect evaluation of rows of an immutable batch: a number naming that batch (never
  // reused in the process), so an engine may keep what it prepared from its columns. 0: the
  // batch may change between calls (the builder's).
  uint64_t batch_serial = 0;
};

// Memory an engine keeps between single-prospect evaluations on one thread (the API's Scratch):
// view buffers, frames, per-value predicate answers. Opaque to everyone but its engine.
struct RowScratch {
  virtual ~RowScratch() = default;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view name() const = 0;
  virtual plan::Plan const& plan() const = 0;
  // Scores every prospect of the batch: results[i] is row i. Colleagues are the other rows of
  // the batch with the same account.
  virtual Results evaluate(Batch const& batch, EvalOptions const& options) const = 0;
  // Scores one row (its colleagues are still read from the batch).
  virtual ProspectResult evaluate_row(Batch const& batch, size_t row, EvalOptions const& options) const = 0;
  // The same into `out`, reusing `scratch` (from make_row_scratch(), of this engine) and out's
  // memory: once warm, a hot path that allocates nothing per call.
  virtual std::unique_ptr<RowScratch> make_row_scratch() const { return nullptr; }
  virtual void evaluate_row(Batch const& batch, size_t row, EvalOptions const& options, RowScratch* scratch,
                            ProspectResult& out) const {
    (void)scratch;
    out = evaluate_row(batch, row, options);
  }
};

// Rows grouped so that colleagues (same non-missing account) share a group; a prospect without
// an account is a group of its own. Groups in order of their first row; rows ascending inside.
struct AccountGroups {
  std::vector<uint32_t> rows;   // all rows, group by group
  std::vector<uint32_t> begin;  // group g is rows[begin[g] .. begin[g+1])
  size_t count() const { return begin.empty() ? 0 : begin.size() - 1; }
};
AccountGroups group_by_account(plan::Plan const& plan, Batch const& batch);

}  // namespace leadrules::runtime

#include <atomic>
#include <thread>

namespace leadrules::runtime {

// Runs [0, n) in chunks of `chunk` that `threads` workers take in turn: a thread that is done
// with its chunk takes the next, so threads finish together however unequal the chunks' work
// (account groups differ a lot). Each thread makes its worker once, make_worker() (its own
// buffers), and calls it as worker(begin, end) per chunk; results must be written by index.
template <class MakeWorker>
void run_chunked(size_t n, unsigned threads, size_t chunk, MakeWorker&& make_worker) {
  if (threads <= 1 || n <= chunk) {
    auto worker = make_worker();
    if (n) worker(size_t(0), n);
    return;
  }
  std::atomic<size_t> next{0};
  auto loop = [&] {
    auto worker = make_worker();
    for (size_t b; (b = next.fetch_add(chunk, std::memory_order_relaxed)) < n;)
      worker(b, std::min(n, b + chunk));
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(loop);
  loop();
  for (auto& th : pool) th.join();
}

// Runs work(begin, end) over [0, n) split into `threads` contiguous ranges (the caller's thread
// takes the first). Ranges are balanced by count; results must be written by index.
template <class Work>
void run_in_parallel(size_t n, unsigned threads, Work&& work) {
  if (threads <= 1 || n < 2 * size_t(threads)) {
    work(size_t(0), n);
    return;
  }
  std::vector<std::thread> pool;
  size_t step = (n + threads - 1) / threads;
  for (unsigned t = 1; t < threads; ++t) {
    size_t b = std::min(n, t * step), e = std::min(n, (t + 1) * step);
    if (b < e) pool.emplace_back([&work, b, e] { work(b, e); });
  }
  work(size_t(0), std::min(n, step));
  for (auto& th : pool) th.join();
}

}  // namespace leadrules::runtime
