// aftermath.h — what follows a change of state, shared by `serve` and `record-result`,
// off the transaction that made it and safe to do again: wake the deliverer
// (self-heal-escalations.service, see escalate/wake.h) for what the outbox holds, and
// refresh the metrics textfile from the durable store. Nothing here touches the
// network. (An escalation itself is queued by the store with the breaker opening.)
#pragma once

#include <string>

#include "config/config.h"
#include "journal/journal.h"
#include "state/store.h"

namespace selfheal {

class Aftermath {
 public:
  // `wake_path`: the file that starts the deliverer (DeliveryRequestPath).
  Aftermath(Outbox& outbox, OperatorStore& totals, const ServerConfig& server, JournalSink& journal,
            std::string wake_path)
      : outbox_(outbox),
        totals_(totals),
        server_(&server),
        journal_(journal),
        wake_path_(std::move(wake_path)) {}

  // Wakes the deliverer if the outbox holds anything not yet done: at start-up, for
  // escalations queued while nobody could wake it (a broken config, an upgrade).
  void WakeIfPending();

  // Rewrites the metrics textfile when its directory exists. Best effort: a failure
  // to write is journaled at warning.
  void Publish(TimePoint now);

  // The settings to publish with from now on (`systemctl reload`); `server` must
  // outlive this. Same thread as Publish.
  void UseServerConfig(const ServerConfig& server) { server_ = &server; }

 private:
  Outbox& outbox_;
  OperatorStore& totals_;
  const ServerConfig* server_;
  JournalSink& journal_;
  std::string wake_path_;
};

}  // namespace selfheal
