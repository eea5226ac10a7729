// commands.h — the subcommands of /usr/bin/self-heal. Each returns the process exit
// status: 0 success, 1 failure (config invalid, store unavailable), 2 usage error.
#pragma once

#include "cli/args.h"

namespace selfheal {

int RunServe(const Args& args);
int RunCheck(const Args& args);
int RunSimulate(const Args& args);
int RunStatus(const Args& args);
int RunReset(const Args& args);
int RunPause(const Args& args);
int RunResume(const Args& args);
// Internal: run by each handler unit's ExecStopPost= to record its result.
int RunRecordResult(const Args& args);
// Internal: self-heal-escalations.service; delivers the escalation outbox.
int RunDeliverEscalations(const Args& args);

}  // namespace selfheal
