#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "commands.hpp"

namespace leadrules::cli {

namespace {

size_t terminal_width() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
  return 80;
}

std::string megabytes(size_t bytes) {
  double mb = double(bytes) / 1e6;
  return mb < 10 ? fmt::format("{:.1f}", mb) : fmt::format("{:.0f}", mb);
}

std::string duration(double seconds) {
  auto s = static_cast<long>(seconds + 0.5);
  if (s < 1) return "<1s";
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
}

// Display columns of UTF-8 text (file names): one per code point, which is what a terminal
// shows for the names people give their files.
size_t columns(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The reading line for these figures, `width` columns at most.
std::string reading_line(ReadProgress const& p, double seconds, size_t width) {
  double fraction = p.total ? std::min(1.0, double(p.bytes) / double(p.total)) : 0.0;
  std::string name(
      p.file.substr(p.file.find_last_of('/') == std::string_view::npos ? 0 : p.file.find_last_of('/') + 1));
  std::string tail =
      fmt::format(" {:3.0f}%  {} of {} MB", fraction * 100, megabytes(p.bytes), megabytes(p.total));
  if (p.prospects && seconds > 0)
    tail += fmt::format(" · {} prospects/s", count_text(size_t(double(p.prospects) / seconds)));
  if (fraction > 0.01 && fraction < 1) tail += " · ETA " + duration(seconds * (1 - fraction) / fraction);
  std::string head = "reading " + name + " ";
  size_t fixed = columns(head) + columns(tail) + 2;
  size_t bar = width > fixed + 10 ? std::min<size_t>(40, width - fixed) : 0;
  std::string line = head;
  if (bar) {
    size_t filled = size_t(fraction * double(bar));
    line += '[' + std::string(filled, '=') + (filled < bar ? ">" : "") +
            std::string(bar - filled - (filled < bar ? 1 : 0), ' ') + ']';
  }
  line += tail;
  if (columns(line) > width) {  // a narrow terminal: the figures without the bar, cut
    line = head + tail;
    while (columns(line) > width) line.pop_back();
  }
  return line;
}

}  // namespace

ProgressBar::ProgressBar() {
  char const* env = std::getenv("LEADRULES_PROGRESS");
  if (env && std::strcmp(env, "0") == 0) return;
  enabled_ = ::isatty(STDERR_FILENO) == 1;
  if (env && std::strcmp(env, "1") == 0) delay_ = 0;
}

void ProgressBar::reading(ReadProgress const& p) {
  if (!enabled_) return;
  auto now = Clock::now();
  double seconds = std::chrono::duration<double>(now - start_).count();
  if (seconds < delay_ || now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(reading_line(p, seconds, terminal_width() - 1));
}

void ProgressBar::phase(std::string_view text) {
  if (!enabled_ || !ever_shown_) return;
  double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  draw(fmt::format("{} ({} so far)", text, duration(seconds)));
}

void ProgressBar::draw(std::string const& line) {
  std::fprintf(stderr, "\r%s\x1b[K", line.c_str());
  std::fflush(stderr);
  shown_ = ever_shown_ = true;
}

void ProgressBar::clear() {
  if (!shown_) return;
  std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace leadrules::cli
