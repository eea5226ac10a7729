#include "launch/host_user.h"

#include <pwd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace selfheal {

Expected<bool> HostUserExists(const std::string& name) {
  std::vector<char> buffer(16 * 1024);
  for (int tries = 0; tries < 7; ++tries) {  // up to 1 MiB: NSS entries can be long
    passwd entry{};
    passwd* found = nullptr;
    int r = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (r == ERANGE) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    // getpwnam_r(3): "not found" may also be reported as one of these.
    if (r == 0 || r == ENOENT || r == ESRCH || r == EBADF || r == EPERM) return found != nullptr;
    return Error{Errc::kUnavailable, "cannot look up user '" + name + "': " + std::strerror(r)};
  }
  return Error{Errc::kUnavailable, "cannot look up user '" + name + "': entry too large"};
}

}  // namespace selfheal
