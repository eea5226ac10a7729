#include "serve/aftermath.h"

#include <filesystem>

#include "common/text.h"
#include "escalate/wake.h"
#include "metrics/textfile.h"

namespace selfheal {

Status Aftermath::BreakerOpened(const EscalationFacts& facts) {
  Escalation e;
  e.handler = facts.handler;
  e.instance = facts.instance;
  e.alertname = facts.alertname;
  e.payload = BuildEscalationPayload(facts);
  e.next_try = facts.opened_at;
  e.command_pending = !server_.escalate_exec.empty();
  Status queued = store_.EnqueueEscalation(e);
  AuditEvent event{EventType::kEscalation, queued.ok() ? 2 : 3, "", {}};
  event.fields = {{"ALERTNAME", facts.alertname}, {"INSTANCE", facts.instance},
                  {"HANDLER", facts.handler},     {"FINGERPRINT", facts.fingerprint},
                  {"ATTEMPT", std::to_string(facts.attempts)}, {"RESULT", facts.last_result},
                  {"UNIT", facts.unit}};
  std::string what = "'" + EscapeForLog(facts.alertname, 80) + "' on '" +
                     EscapeForLog(facts.instance, 80) + "' with '" + facts.handler + "'";
  if (queued.ok()) {
    event.message = "Breaker opened for " + what + " after " + std::to_string(facts.attempts) +
                    " attempt(s), last result " + (facts.last_result.empty() ? "unknown" : facts.last_result) +
                    "; escalating to a human.";
  } else {
    event.message = "Failed to queue the escalation for " + what + ": " + queued.error().message;
    event.fields.emplace_back("REASON", queued.error().message);
  }
  journal_.Write(event);
  if (queued.ok()) Wake("the escalation of " + what);
  return queued;
}

void Aftermath::WakeIfPending() {
  Result<std::vector<Escalation>> pending = store_.PendingEscalations();
  if (pending.ok() && pending.value().empty()) return;
  // Unreadable: wake it anyway, the deliverer reports what is wrong.
  Wake(pending.ok() ? std::to_string(pending.value().size()) + " pending escalation(s)"
                    : "the escalation outbox");
}

void Aftermath::Wake(const std::string& why) {
  Status woken = RequestDelivery(wake_path_);
  if (woken.ok()) return;
  journal_.Write(AuditEvent{EventType::kEscalation, 3,
                            "Failed to wake the escalation deliverer for " + why + ": " +
                                woken.error().message +
                                "; it stays queued until the next wake-up (serve start-up).",
                            {{"REASON", woken.error().message}}});
}

void Aftermath::Publish(TimePoint now) {
  if (server_.metrics_textfile.empty()) return;
  // node_exporter's textfile directory is optional (no node_exporter on this host):
  // without it there is nobody to publish to, and nothing to warn about each time.
  std::error_code ec;
  if (!std::filesystem::is_directory(
          std::filesystem::path(server_.metrics_textfile).parent_path(), ec)) {
    return;
  }
  auto totals = store_.ReadTotals();
  auto status = store_.ListStatus(now);
  Status written = totals.ok() && status.ok()
                       ? WriteTextfileAtomically(server_.metrics_textfile,
                                                 FormatMetrics(totals.value(), status.value()))
                       : Status(Error{Errc::kUnavailable, "Failed to write metrics to '" + server_.metrics_textfile + "': cannot read the state store"});
  if (!written.ok()) {
    journal_.Write(AuditEvent{EventType::kStoreError, 4,
                              written.error().message + ", skipping.",
                              {{"REASON", written.error().message}}});
  }
}

}  // namespace selfheal
