// A progress bar on standard error for long runs: only on a terminal, only once a run has taken
// half a second (short runs show nothing), redrawn at most ten times a second, and erased before
// anything else is written. Nothing of it when standard error is not a terminal (a log file, a
// pipe, CI). LEADRULES_PROGRESS=0 turns it off; =1 shows it from the start (tests).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "leadrules/leadrules.hpp"

namespace leadrules::cli {

class ProgressBar {
 public:
  ProgressBar();
  ~ProgressBar() { clear(); }
  ProgressBar(ProgressBar const&) = delete;
  ProgressBar& operator=(ProgressBar const&) = delete;

  bool enabled() const { return enabled_; }
  // Reading: `reading FILE [=====>    ] 48%  389 of 812 MB · 120,311 prospects/s · ETA 4s`.
  void reading(ReadProgress const& p);
  // A phase without a measure of its own ("scoring 5,000,000 prospects on 2 threads"), with the
  // time taken so far; shown only when the run is already a long one (the bar was shown).
  void phase(std::string_view text);
  void clear();  // erase the line (before writing anything else to the terminal)

 private:
  using Clock = std::chrono::steady_clock;
  void draw(std::string const& line);
  bool enabled_ = false;
  bool shown_ = false;       // the line is on the terminal now
  bool ever_shown_ = false;  // this run has been long enough to show it
  double delay_ = 0.5;
  Clock::time_point start_ = Clock::now(), last_draw_{};
};

}  // namespace leadrules::cli
