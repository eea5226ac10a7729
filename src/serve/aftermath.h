// aftermath.h — what follows a change of state, shared by `serve` and `record-result`:
// queue the one escalation of a breaker that just opened, deliver what is due, and
// refresh the metrics textfile from the durable store.
#pragma once

#include <optional>

#include "config/config.h"
#include "escalate/escalation_payload.h"
#include "escalate/outbox.h"
#include "journal/journal.h"
#include "state/store.h"

namespace selfheal {

class Aftermath {
 public:
  Aftermath(StateStore& store, const ServerConfig& server, JournalSink& journal)
      : store_(store), server_(server), journal_(journal) {}

  // Queues the SelfHealExhausted escalation for a breaker that opened now and
  // journals it at crit. A store failure is journaled at err and returned.
  Status BreakerOpened(const EscalationFacts& facts);

  // Delivers due escalations (and, when EscalateExec= is set, nothing more here: the
  // command is run by the service as its own transient unit) and rewrites the metrics
  // textfile when its directory exists. Metrics are best effort: a failure to write
  // is journaled at warning.
  DeliveryReport DeliverAndPublish(TimePoint now);

 private:
  StateStore& store_;
  const ServerConfig& server_;
  JournalSink& journal_;
};

}  // namespace selfheal
