#include "stdlib/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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

void write_file_atomically(std::string const& path, std::string_view data) {
  struct stat st {};
  bool const existed = ::stat(path.c_str(), &st) == 0;
  auto fail = [&](int err) {
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(err) +
                             (existed ? " (the file was left as it was)" : " (it was not created)"));
  };
  if (existed && S_ISDIR(st.st_mode)) fail(EISDIR);
  if (existed && !S_ISREG(st.st_mode)) {
    // A device or FIFO (/dev/null, /dev/stdout): written in place; a rename would replace the node.
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail(errno);
    bool ok = write_all(fd, data);
    int err = errno;
    if (::close(fd) != 0 && ok) ok = false, err = errno;
    if (!ok) fail(err);
    return;
  }
  // Through a symbolic link: the file it points to is replaced, the link kept.
  std::string target = path;
  if (existed)
    if (char* real = ::realpath(path.c_str(), nullptr)) {
      target = real;
      std::free(real);
    }
  std::filesystem::path const target_path(target);
  std::string const dir = target_path.has_parent_path() ? target_path.parent_path().string() : ".";
  std::string const hidden = (std::filesystem::path(dir) /
                              ("." + target_path.filename().string() + ".tmp-" + std::to_string(::getpid())))
                                 .string();
  // Linux: an unnamed file (O_TMPFILE) that a crash cannot leave behind; it is named only just
  // before the rename. Elsewhere, or where the filesystem lacks it, a hidden named file.
  std::string tmp;  // empty while the file has no name
  int fd = -1;
#ifdef O_TMPFILE
  if (::access("/proc/self/fd", X_OK) == 0) fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
#endif
  for (int n = 0; fd < 0 && n < 100; ++n) {
    tmp = hidden + "-" + std::to_string(n);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) fail(errno);
  auto abandon = [&](int err) {
    if (fd >= 0) ::close(fd);
    if (!tmp.empty()) ::unlink(tmp.c_str());
    fail(err);
  };
  if (existed) (void)::fchmod(fd, st.st_mode & 07777);  // keep the replaced file's permissions
  if (!write_all(fd, data)) abandon(errno);
  if (::fsync(fd) != 0) abandon(errno);  // the bytes are on disk before a name points at them
  for (int n = 0; tmp.empty() && n < 100; ++n) {
    std::string name = hidden + "-" + std::to_string(n);
    std::string self = "/proc/self/fd/" + std::to_string(fd);
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0)
      tmp = name;
    else if (errno != EEXIST)
      abandon(errno);
  }
  if (tmp.empty()) abandon(EEXIST);
  int const closed = ::close(fd);  // some filesystems (NFS) report write errors only here
  fd = -1;
  if (closed != 0) abandon(errno);
  if (::rename(tmp.c_str(), target.c_str()) != 0) abandon(errno);
  // The rename itself on disk (best effort: some filesystems refuse to sync a directory).
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace leadrules::stdlib
