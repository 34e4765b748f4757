// Whole files: read at once, or written through a temporary file and a rename so that a crash
// or a full disk never leaves half a file behind. One copy for every layer and the API.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace leadrules::stdlib {

struct ReadLimits {
  size_t max_bytes = size_t(1) << 30;  // a bigger file is an error, not an out-of-memory kill
  bool regular_only = false;           // refuse devices, FIFOs and sockets (/dev/zero never ends,
                                       // a FIFO without a writer never answers)
};

// The file's bytes; nullopt (and *error, when given, says why: "it is a directory", "it is not
// a regular file", "it is larger than 64 MB", or the system's reason) when it cannot be read.
// A read error is an error, never an early end of file.
std::optional<std::string> read_whole_file(std::string const& path, std::string* error = nullptr,
                                           ReadLimits limits = {});

// `path` made absolute (against the current directory) and resolved: `.`, `..` and symbolic
// links, as far as the path exists (std::filesystem::weakly_canonical).
std::string resolved_path(std::string const& path);
// Whether the resolved `path` lies in the resolved directory `dir` or below, compared by path
// component (/a/bc is not inside /a/b). Both are given resolved (resolved_path); nothing is
// inside an empty `dir`.
bool path_inside(std::string const& path, std::string const& dir);

// Writes `data` to `path` through a temporary file in the same directory (unnamed where Linux's
// O_TMPFILE allows, else `.NAME.tmp-<pid>-<n>`), fsync'd, then renamed over `path`: a crash or
// a full disk leaves either the old file or the new one, never a part. Every write, fsync and
// close is checked; std::runtime_error names the file and the reason, and the temporary file is
// removed. A device or FIFO (/dev/null) is written in place; a symbolic link is followed.
void write_file_atomically(std::string const& path, std::string_view data);

// A fresh directory of our own under $TMPDIR (else /tmp), made with mkdtemp, so no name in it can
// have been planted (a symbolic link to a file of someone else's choice); removed with everything
// in it. Throws std::runtime_error when it cannot be made.
class TempDir {
 public:
  explicit TempDir(std::string const& prefix);
  ~TempDir();
  TempDir(TempDir const&) = delete;
  TempDir& operator=(TempDir const&) = delete;
  std::string const& path() const { return path_; }

 private:
  std::string path_;
};

// The same, written piece by piece (a run's results, without holding them all in memory):
// commit() makes it the file; destroyed before, or after an error, it leaves the old file as it
// was. Every error is a std::runtime_error as above.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(AtomicFile const&) = delete;
  AtomicFile& operator=(AtomicFile const&) = delete;
  void write(std::string_view data);
  void commit();

 private:
  [[noreturn]] void fail(int err);
  std::string path_, target_, dir_, hidden_, tmp_;  // tmp_: the temporary file's name, once named
  int fd_ = -1;
  bool existed_ = false, in_place_ = false, committed_ = false;
};

}  // namespace leadrules::stdlib
