#include "serve/aftermath.h"

#include <syslog.h>

#include <filesystem>

#include "metrics/textfile.h"
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
  if (server_->metrics_textfile.empty()) return;
  // node_exporter's textfile directory is optional (no node_exporter on this host):
  // without it there is nobody to publish to, and nothing to warn about each time.
  std::error_code ec;
  if (!std::filesystem::is_directory(std::filesystem::path(server_->metrics_textfile).parent_path(),
                                     ec)) {
    return;
  }
  auto totals = totals_.ReadTotals();
  auto status = totals_.ListStatus(now);
  Status written = totals.ok() && status.ok()
                       ? WriteTextfileAtomically(server_->metrics_textfile,
                                                 FormatMetrics(totals.value(), status.value()))
                       : Status(Error{Errc::kUnavailable, "Failed to write metrics to '" +
                                                              server_->metrics_textfile +
                                                              "': cannot read the state store"});
  if (!written.ok()) {
    journal_.Write(AuditEvent{EventType::kStoreError,
                              LOG_WARNING,
                              written.error().message + ", skipping.",
                              {{"REASON", written.error().message}}});
  }
}

}  // namespace selfheal
