#include "serve/aftermath.h"

#include <syslog.h>

#include "metrics/publish.h"
#include "serve/escalation.h"

namespace selfheal {

void Aftermath::WakeIfPending() {
  Expected<std::vector<Escalation>> pending = outbox_.PendingEscalations();
  if (pending.ok() && pending.value().empty()) return;
  // Unreadable: wake it anyway, the deliverer reports what is wrong.
  WakeDeliverer(wake_path_,
                pending.ok() ? std::to_string(pending.value().size()) + " pending escalation(s)"
                             : "the escalation outbox",
                journal_);
}

void Aftermath::Publish(TimePoint now) {
  PublishMetrics(totals_, server_->metrics_textfile, now, journal_);
}

bool Aftermath::FlushCounts(CountingJournal& counts) {
  EventCounts taken = counts.Take();
  if (taken.empty()) return false;
  Status added = totals_.AddEventCounts(taken);
  if (added.ok()) return true;
  counts.GiveBack(taken);
  journal_.Write(AuditEvent{EventType::kStoreError,
                            LOG_WARNING,
                            "Failed to store the event counters for the metrics: " +
                                added.error().message + "; keeping them for the next try.",
                            {{"REASON", added.error().message}}});
  return false;
}

}  // namespace selfheal
