// Implementation notes: `self-heal record-result UNIT` is each handler unit's
// privileged ExecStopPost=. systemd runs it when the handler exits, times out or is
// killed, whether or not `serve` is still running, with $SERVICE_RESULT, $EXIT_CODE,
// $EXIT_STATUS and $INVOCATION_ID set, plus the unit's own SELF_HEAL_* environment and
// stdin (the alert as JSON, StandardInputData=, whole even when the environment could
// not hold SELF_HEAL_ALERT_JSON).
// That is why results are durable without a resident watcher. A local user cannot
// forge a result: the store is root's (0600 in a 0700 StateDirectory), and the unit
// name must be the one derived from the handler and instance in the environment.
#include <syslog.h>
#include <unistd.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/record_result_inputs.h"
#include "config/config_loader.h"
#include "escalate/wake.h"
#include "journal/sinks.h"
#include "serve/aftermath.h"
#include "serve/result_service.h"
#include "state/sqlite_store.h"

namespace selfheal {

int RunRecordResult(const Args& args) {
  JournalSink& journal = DefaultJournalSink();
  if (args.positional.size() != 1) {
    std::fprintf(stderr, "usage: self-heal record-result UNIT (run by ExecStopPost=)\n");
    return 2;
  }
  const RecordResultInputs inputs = RecordResultInputsFromEnvironment(args.positional[0]);
  SystemClock clock;
  const RunResult result = RunResultOf(inputs, clock.Now());
  if (Status s = CheckUnitOfHandler(result); !s.ok()) {
    std::fprintf(stderr, "self-heal record-result: %s\n", s.error().message.c_str());
    return 2;
  }

  // A broken config still records the result, with the default limits.
  LoadedConfig loaded = LoadConfig(args.config_dir);
  auto store = SqliteStore::Open(args.state_dir);
  if (!store.ok()) {
    journal.Write(
        AuditEvent{EventType::kStoreError,
                   LOG_ERR,
                   "Failed to record the result of " + result.unit + ": " + store.error().message,
                   {{"UNIT", result.unit}, {"REASON", store.error().message}}});
    return 1;
  }
  ResultService service(loaded.config, *store.value(), journal,
                        DeliveryRequestPath(args.state_dir));
  if (!service.Record(result, AlertOfRun(inputs, result)).ok()) return 1;  // journaled by Record
  Aftermath(*store.value(), *store.value(), loaded.config.server, journal,
            DeliveryRequestPath(args.state_dir))
      .Publish(clock.Now());
  return 0;
}

}  // namespace selfheal
