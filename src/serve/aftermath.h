// aftermath.h — what follows a change of state, shared by `serve` and `record-result`,
// off the transaction that made it and safe to do again: wake the deliverer
// (self-heal-escalations.service, see escalate/wake.h) for what the outbox holds,
// store serve's event counters, and refresh the metrics textfile from the durable store. Nothing
// here touches the network. (An escalation itself is queued by the store with the breaker opening.)
#pragma once

#include <string>

#include "config/config.h"
#include "journal/journal.h"
#include "metrics/event_counts.h"
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

  // Rewrites the metrics textfile (PublishMetrics, metrics/publish.h).
  void Publish(TimePoint now);

  // Adds what `counts` counted since the last flush to the store's event counters, in
  // one transaction: serve calls it at most about once a second and at exit, never
  // once per request. True when something was stored (publish then). On failure the
  // counts go back to `counts` for the next flush and a warning is journaled.
  bool FlushCounts(CountingJournal& counts);

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
