// handler_users.h — whether every handler's User= exists on this host. systemd accepts
// a unit whose user is unknown and fails it at step USER, before the handler and its
// result recorder run; `check` says so before an alert finds out.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/expected.h"
#include "config/config.h"

namespace selfheal {

struct UserFinding {
  bool error = false;   // no such user: check fails
  std::string message;  // "FILE: User=NAME: …", or a note when the lookup failed
};

using UserLookup = std::function<Expected<bool>(const std::string& name)>;

// Pure but for `lookup` (HostUserExists in check). One finding per handler whose user
// is unknown (an error) or could not be looked up (a note), in handler order.
std::vector<UserFinding> JudgeHandlerUsers(const std::vector<HandlerConfig>& handlers,
                                           const UserLookup& lookup);

}  // namespace selfheal
