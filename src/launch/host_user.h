// host_user.h — whether this host knows a user, as systemd resolves a handler's User=
// when it execs it. A unit whose user is unknown fails at step USER before anything
// of it runs, its result recorder (ExecStopPost=, which shares User=) included; so
// `check` refuses such a handler and `serve` never starts one.
#pragma once

#include <string>

#include "common/expected.h"

namespace selfheal {

// getpwnam_r (/etc/passwd, then NSS). false when the user database says no such user;
// Errc::kUnavailable when the lookup itself failed, which is no answer either way.
Expected<bool> HostUserExists(const std::string& name);

}  // namespace selfheal
