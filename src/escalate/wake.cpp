#include "escalate/wake.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace selfheal {

namespace {

std::string InStateDir(const std::string& state_dir, const char* name) {
  std::string dir = state_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir + "/" + name;
}

}  // namespace

std::string DeliveryRequestPath(const std::string& state_dir) {
  return InStateDir(state_dir, "escalations-due");
}

std::string ActiveEscalationsPath(const std::string& state_dir) {
  return InStateDir(state_dir, "escalations-active");
}

Status RequestDelivery(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return Error{Errc::kUnavailable, "cannot create '" + path + "': " + std::strerror(errno)};
  }
  ::close(fd);
  return Ok();
}

Status ClearDeliveryRequest(const std::string& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return Ok();
  return Error{Errc::kUnavailable, "cannot remove '" + path + "': " + std::strerror(errno)};
}

Status SetFlagFile(const std::string& path, bool present) {
  return present ? RequestDelivery(path) : ClearDeliveryRequest(path);
}

bool DeliveryRequested(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace selfheal
