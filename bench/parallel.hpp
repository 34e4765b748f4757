// run_in_parallel for bench/: work(begin, end) over [0, n) split into `threads` contiguous ranges,
// the first on the calling thread (the same split as the engines use). Few rows or one thread:
// one call on the calling thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace leadrules::bench {

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

}  // namespace leadrules::bench
