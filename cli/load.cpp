// Reading a run's input, and what the CLI says about the data: data errors, the rejects file,
// the activity kinds skipped.
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "leadrules/leadrules.hpp"

namespace leadrules::cli {

unsigned thread_count(Options const& o) {
  if (o.threads) return o.threads;
  unsigned n = std::thread::hardware_concurrency();
  return n ? n : 1;
}

void print_data_error(DataError const& e) { std::cerr << e.message() << "\n"; }

// Compiles the policy and reads the input. Returns an exit code on failure.
int load(Options const& o, Loaded& out) {
  out.policy = compile(o.policy, o);
  if (!out.policy) return 1;
  try {
    out.now = parse_now(o.now);
  } catch (std::invalid_argument const& e) {
    std::cerr << "leadrules: " << e.what() << "\n";
    return 2;
  }
  auto t0 = Clock::now();
  auto data = out.policy->read_file(
      {.prospects = o.input, .activities = o.activities, .keep_going = !o.rejects.empty()});
  if (!data) {
    print_data_error(data.errors.front());
    std::cerr << "leadrules: nothing was written\n";
    return 2;
  }
  out.batch = std::move(data.batch);
  out.load_seconds = seconds_since(t0);
  return 0;
}

void write_or_throw(std::string const& path, std::string const& data) {
  std::string error;
  if (!write_file_atomically(path, data, &error)) throw std::runtime_error(error);
}

void write_rejects(std::string const& path, Batch const& batch) {
  std::string rej;
  for (auto const& j : batch.rejects()) {
    rej +=
        fmt::format("{}:{}: {}{}\n", j.file, j.line, j.field.empty() ? "" : "`" + j.field + "`: ", j.reason);
    rej += j.record;
    if (j.record.empty() || j.record.back() != '\n') rej += '\n';
  }
  write_or_throw(path, rej);
}

void print_data_summary(Batch const& batch) {
  if (!batch.skipped_kinds().empty()) {
    std::string kinds;
    for (auto const& [k, n] : batch.skipped_kinds())
      kinds += fmt::format("{}{} × {}", kinds.empty() ? "" : ", ", k, n);
    std::cerr << "leadrules: skipped activities of kinds the schema does not list: " << kinds << "\n";
  }
}

}  // namespace leadrules::cli
