// commands.h — the subcommands of /usr/bin/self-heal. Each returns the process exit
// status: 0 success, 1 failure (config invalid, store unavailable), 2 usage error.
#pragma once

#include "cli/args.h"

namespace selfheal {

int RunServe(const Args& args);
int RunCheck(const Args& args);
int RunSimulate(const Args& args);

}  // namespace selfheal
