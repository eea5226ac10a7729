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
// Internal: run by self-heal-recover.service when self-heal.socket failed.
int RunRecoverSocket(const Args& args);
// Internal: /usr/lib/self-heal/deliver-escalations (self-heal-escalations.service), a
// program of its own (src/cli/deliver_main.cpp); delivers the escalation outbox.
int RunDeliverEscalations(const Args& args);

}  // namespace selfheal
