#include "config/small_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace selfheal {
namespace {

Error FromErrno(int error_number) {
  return Error{error_number == ENOENT ? Errc::kNotFound : Errc::kUnavailable,
               std::strerror(error_number)};
}

class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

}  // namespace

Expected<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK: a FIFO planted where a file should be must not hang start-up; it is
  // refused below as not a regular file.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return FromErrno(errno);
  FdCloser closer(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) return FromErrno(errno);
  if (!S_ISREG(st.st_mode)) return Error{Errc::kInvalidInput, "not a regular file"};
  std::string too_large = "larger than " + std::to_string(max_bytes) + " bytes";
  if (static_cast<unsigned long long>(st.st_size) > max_bytes) {
    return Error{Errc::kInvalidInput, too_large};
  }
  // Sized to the file, plus a byte to see that it grew after fstat; a file that did
  // grows the buffer, up to one byte past the limit.
  std::string data(static_cast<size_t>(st.st_size) + 1, '\0');
  size_t used = 0;
  for (;;) {
    if (used == data.size()) {
      if (data.size() > max_bytes) break;
      data.resize(std::min(max_bytes + 1, data.size() * 2));
    }
    ssize_t n = read(fd, data.data() + used, data.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FromErrno(errno);
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  if (used > max_bytes) return Error{Errc::kInvalidInput, too_large};
  data.resize(used);
  return data;
}

}  // namespace selfheal
