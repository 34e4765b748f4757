#include "stdlib/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace leadrules::stdlib {

std::optional<std::string> read_whole_file(std::string const& path, std::string* error, ReadLimits limits) {
  auto fail = [&](std::string why) -> std::optional<std::string> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  auto too_big = [&] { return fail("it is larger than " + std::to_string(limits.max_bytes >> 20) + " MB"); };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return fail("it is a directory");
  if (limits.regular_only && !S_ISREG(st.st_mode))
    return fail("it is not a regular file (a device, FIFO or socket)");
  if (S_ISREG(st.st_mode) && size_t(st.st_size) > limits.max_bytes) return too_big();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(std::strerror(errno));
  std::string out;
  if (S_ISREG(st.st_mode)) out.reserve(size_t(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      return fail(why);
    }
    if (n == 0) break;
    if (out.size() + size_t(n) > limits.max_bytes) {
      ::close(fd);
      return too_big();
    }
    out.append(buf, size_t(n));
  }
  ::close(fd);
  return out;
}

std::string resolved_path(std::string const& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path absolute = fs::absolute(fs::path(path.empty() ? "." : path), ec);  // "": here
  if (ec) return fs::path(path).lexically_normal().string();
  fs::path resolved = fs::weakly_canonical(absolute, ec);
  return (ec ? absolute : resolved).lexically_normal().string();
}

bool path_inside(std::string const& path, std::string const& dir) {
  auto components = [](std::string const& p) {
    std::vector<std::string> out;
    for (auto const& c : std::filesystem::path(p))
      if (!c.empty()) out.push_back(c.string());  // a trailing `/` is an empty component
    return out;
  };
  auto in = components(path), folder = components(dir);
  return !folder.empty() && folder.size() <= in.size() &&
         std::equal(folder.begin(), folder.end(), in.begin());
}

namespace {

// write() until every byte is out (short writes and EINTR retried); false with errno set.
bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    data.remove_prefix(size_t(n));
  }
  return true;
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  struct stat st {};
  existed_ = ::stat(path_.c_str(), &st) == 0;
  if (existed_ && S_ISDIR(st.st_mode)) fail(EISDIR);
  if (existed_ && !S_ISREG(st.st_mode)) {
    // A device or FIFO (/dev/null, /dev/stdout): written in place; a rename would replace the node.
    in_place_ = true;
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) fail(errno);
    return;
  }
  // Through a symbolic link: the file it points to is replaced, the link kept.
  target_ = path_;
  if (existed_)
    if (char* real = ::realpath(path_.c_str(), nullptr)) {
      target_ = real;
      std::free(real);
    }
  std::filesystem::path const target_path(target_);
  dir_ = target_path.has_parent_path() ? target_path.parent_path().string() : ".";
  hidden_ = (std::filesystem::path(dir_) /
             ("." + target_path.filename().string() + ".tmp-" + std::to_string(::getpid())))
                .string();
  // Linux: an unnamed file (O_TMPFILE) that a crash cannot leave behind; it is named only just
  // before the rename. Elsewhere, or where the filesystem lacks it, a hidden named file.
#ifdef O_TMPFILE
  if (::access("/proc/self/fd", X_OK) == 0)
    fd_ = ::open(dir_.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
#endif
  for (int n = 0; fd_ < 0 && n < 100; ++n) {
    tmp_ = hidden_ + "-" + std::to_string(n);
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) break;
  }
  if (fd_ < 0) {
    tmp_.clear();
    fail(errno);
  }
  if (existed_) (void)::fchmod(fd_, st.st_mode & 07777);  // keep the replaced file's permissions
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
}

void AtomicFile::fail(int err) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
  throw std::runtime_error("cannot write " + path_ + ": " + std::strerror(err) +
                           (in_place_  ? ""
                            : existed_ ? " (the file was left as it was)"
                                       : " (it was not created)"));
}

void AtomicFile::write(std::string_view data) {
  if (fd_ < 0) throw std::logic_error("AtomicFile::write after commit");
  if (!write_all(fd_, data)) fail(errno);
}

void AtomicFile::commit() {
  if (fd_ < 0) throw std::logic_error("AtomicFile::commit twice");
  if (in_place_) {
    int const closed = ::close(fd_);
    fd_ = -1;
    committed_ = true;
    if (closed != 0) fail(errno);
    return;
  }
  if (::fsync(fd_) != 0) fail(errno);  // the bytes are on disk before a name points at them
  for (int n = 0; tmp_.empty() && n < 100; ++n) {
    std::string name = hidden_ + "-" + std::to_string(n);
    std::string self = "/proc/self/fd/" + std::to_string(fd_);
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0)
      tmp_ = name;
    else if (errno != EEXIST)
      fail(errno);
  }
  if (tmp_.empty()) fail(EEXIST);
  int const closed = ::close(fd_);  // some filesystems (NFS) report write errors only here
  fd_ = -1;
  if (closed != 0) fail(errno);
  if (::rename(tmp_.c_str(), target_.c_str()) != 0) fail(errno);
  committed_ = true;
  // The rename itself on disk (best effort: some filesystems refuse to sync a directory).
  if (int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

TempDir::TempDir(std::string const& prefix) {
  char const* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error("cannot make a temporary directory " + pattern + ": " + std::strerror(errno));
  path_ = std::move(pattern);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_file_atomically(std::string const& path, std::string_view data) {
  AtomicFile file(path);
  file.write(data);
  file.commit();
}

}  // namespace leadrules::stdlib
