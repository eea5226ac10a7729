// aftermath.h — what follows a change of state, shared by `serve` and `record-result`:
// queue the one escalation of a breaker that just opened, deliver what is due, and
// refresh the metrics textfile from the durable store.
#pragma once

#include <optional>

#include "config/config.h"
#include "escalate/escalation_payload.h"
#include "escalate/outbox.h"
#include "journal/journal.h"
#include "launch/launcher.h"
#include "state/store.h"

namespace selfheal {

class Aftermath {
 public:
  // `launcher` starts EscalateExec= commands; without one they stay queued.
  Aftermath(StateStore& store, const ServerConfig& server, JournalSink& journal,
            Launcher* launcher)
      : store_(store), server_(server), journal_(journal), launcher_(launcher) {}

  // Queues the SelfHealExhausted escalation for a breaker that opened now and
  // journals it at crit. A store failure is journaled at err and returned.
  Status BreakerOpened(const EscalationFacts& facts);

  // Delivers due escalations to Alertmanager, starts the EscalateExec= command of
  // those queued with one as a transient unit, and rewrites the metrics textfile
  // when its directory exists. Metrics are best effort: a failure to write is
  // journaled at warning.
  DeliveryReport DeliverAndPublish(TimePoint now);

 private:
  StateStore& store_;
  const ServerConfig& server_;
  JournalSink& journal_;
  Launcher* launcher_;
};

}  // namespace selfheal
