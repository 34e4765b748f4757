// Reading a run's input, and what the CLI says about the data: data errors, the rejects file,
// the activity kinds skipped.
#include <algorithm>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "leadrules/leadrules.hpp"
#include "progress.hpp"

namespace leadrules::cli {

unsigned thread_count(Options const& o) {
  if (o.threads) return o.threads;
  unsigned n = std::thread::hardware_concurrency();
  return n ? n : 1;
}

bool read_now(Options const& o, int64_t& now) {
  try {
    now = parse_now(o.now);
    return true;
  } catch (std::invalid_argument const& e) {
    std::cerr << "leadrules: " << e.what() << "\n";
    return false;
  }
}

int grade_rank(std::string_view grade) {
  auto g = Value::of_grade(grade);
  return g ? g->grade : -1;
}

std::string count_text(size_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void print_data_error(DataError const& e) { std::cerr << e.message() << "\n"; }

namespace {

constexpr size_t kErrorsShown = 20;

std::string plural(size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// A read that stopped: its errors (up to 20: a strict read goes on to the end to list them), how
// many more, and, for bad records, the way to keep going.
void print_data_errors(LoadResult const& data) {
  size_t const shown = std::min(kErrorsShown, data.errors.size());
  for (size_t i = 0; i < shown; ++i) print_data_error(data.errors[i]);
  size_t const total = std::max(data.error_count, data.errors.size());
  if (data.rejectable) {
    if (total > shown)
      std::cerr << fmt::format("leadrules: {} more; use --rejects FILE to keep going\n", total - shown);
    else
      std::cerr << fmt::format("leadrules: {}; use --rejects FILE to set bad records aside and keep going\n",
                               plural(total, "data error", "data errors"));
  } else if (total > shown) {
    std::cerr << fmt::format("leadrules: {} more\n", total - shown);
  }
  std::cerr << "leadrules: nothing was written\n";
}

}  // namespace

// Compiles the policy and reads the input. Returns an exit code on failure.
int load(Options const& o, Loaded& out) {
  if (!out.policy) out.policy = compile(o.policy, o);
  if (!out.policy) return 1;
  if (!read_now(o, out.now)) return 2;
  auto t0 = Clock::now();
  out.progress = std::make_shared<ProgressBar>();
  InputOptions input{.prospects = o.input, .activities = o.activities, .keep_going = !o.rejects.empty()};
  if (out.progress->enabled())
    input.progress = [bar = out.progress](ReadProgress const& p) { bar->reading(p); };
  auto data = out.policy->read_file(input);
  out.progress->clear();
  if (!data) {
    print_data_errors(data);
    return 2;
  }
  // With --rejects, a run that rejected every prospect has nothing to score: the rejects are
  // written (they are the point) but no results, and the exit code says it failed.
  if (!o.rejects.empty() && data.batch->size() == 0 && data.batch->prospects_read() > 0) {
    write_rejects(o.rejects, *data.batch);
    std::cerr << fmt::format("leadrules: every prospect was rejected ({}): see {}; nothing was scored\n",
                             data.batch->prospects_read(), o.rejects);
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
    rej += j.json();
    rej += '\n';
  }
  write_or_throw(path, rej);
}

void print_data_summary(Batch const& batch, std::string const& rejects) {
  size_t const rejected = batch.rejects().size();
  if (!rejects.empty() && rejected > 0) {
    size_t const prospects = batch.prospects_read() - batch.size();
    std::string detail;
    if (prospects != rejected)
      detail = fmt::format(" ({}, {})", plural(prospects, "prospect", "prospects"),
                           plural(rejected - prospects, "activity line", "activity lines"));
    std::cerr << fmt::format("leadrules: rejected {}{}: see {}\n", plural(rejected, "record", "records"),
                             detail, rejects);
  }
  if (!batch.skipped_kinds().empty()) {
    std::string kinds;
    for (auto const& [k, n] : batch.skipped_kinds()) {
      kinds += fmt::format("{}{} × {}", kinds.empty() ? "" : ", ", k, n);
      auto hint = batch.skipped_kind_hints().find(k);
      if (hint != batch.skipped_kind_hints().end())
        kinds += fmt::format(" (did you mean `{}`?)", hint->second);
    }
    std::cerr << "leadrules: skipped activities of kinds the schema does not list: " << kinds << "\n";
  }
  for (auto const& w : batch.warnings())
    std::cerr << "leadrules: warning: " << w.file << ": " << w.reason << "\n";
}

}  // namespace leadrules::cli
