// aftermath.h — what follows a change of state, shared by `serve` and `record-result`:
// queue the one escalation of a breaker that just opened and wake its deliverer
// (self-heal-escalations.service, see escalate/wake.h), and refresh the metrics
// textfile from the durable store. Nothing here touches the network.
#pragma once

#include <string>

#include "config/config.h"
#include "escalate/escalation_payload.h"
#include "journal/journal.h"
#include "state/store.h"

namespace selfheal {

class Aftermath {
 public:
  // `wake_path`: the file that starts the deliverer (DeliveryRequestPath).
  Aftermath(StateStore& store, const ServerConfig& server, JournalSink& journal,
            std::string wake_path)
      : store_(store), server_(server), journal_(journal), wake_path_(std::move(wake_path)) {}

  // Queues the SelfHealExhausted escalation (and, with EscalateExec= set, its command)
  // for a breaker that opened now, journals it at crit and wakes the deliverer. A
  // store failure is journaled at err and returned.
  Status BreakerOpened(const EscalationFacts& facts);

  // Wakes the deliverer if the outbox holds anything not yet done: at start-up, for
  // escalations queued while nobody could wake it (a broken config, an upgrade).
  void WakeIfPending();

  // Rewrites the metrics textfile when its directory exists. Best effort: a failure
  // to write is journaled at warning.
  void Publish(TimePoint now);

 private:
  void Wake(const std::string& why);

  StateStore& store_;
  const ServerConfig& server_;
  JournalSink& journal_;
  std::string wake_path_;
};

}  // namespace selfheal
