#include "cli/handler_users.h"

namespace selfheal {

std::vector<UserFinding> JudgeHandlerUsers(const std::vector<HandlerConfig>& handlers,
                                           const UserLookup& lookup) {
  std::vector<UserFinding> out;
  for (const HandlerConfig& h : handlers) {
    if (h.user.empty()) continue;
    Expected<bool> known = lookup(h.user);
    std::string where = h.source_file + ": User=" + h.user + ": ";
    if (!known.ok()) {
      out.push_back({false, where + "not verified (" + known.error().message + ")"});
    } else if (!known.value()) {
      out.push_back({true, where + "no such user on this host; systemd would fail the handler "
                                   "at step USER and its result would be lost (create the "
                                   "user, e.g. with adduser --system, or name another)"});
    }
  }
  return out;
}

}  // namespace selfheal
