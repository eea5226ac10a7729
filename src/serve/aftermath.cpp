#include "serve/aftermath.h"

#include <filesystem>

#include "common/text.h"
#include "escalate/alertmanager_client.h"
#include "escalate/escalation_command.h"
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
  return queued;
}

DeliveryReport Aftermath::DeliverAndPublish(TimePoint now) {
  AlertmanagerClient client(server_.alertmanager_url);
  std::function<Status(const Escalation&)> start_command;
  if (!server_.escalate_exec.empty()) {
    start_command = [&](const Escalation& e) -> Status {
      if (!launcher_) return Error{Errc::kUnavailable, "no connection to systemd here"};
      return launcher_->Start(BuildEscalationCommand(e, server_.escalate_exec));
    };
  }
  DeliveryReport report = DeliverDue(
      store_, [&](const Escalation& e) { return client.Post(e.payload); }, journal_, now,
      start_command);
  if (server_.metrics_textfile.empty()) return report;
  // node_exporter's textfile directory is optional (no node_exporter on this host):
  // without it there is nobody to publish to, and nothing to warn about each time.
  std::error_code ec;
  if (!std::filesystem::is_directory(
          std::filesystem::path(server_.metrics_textfile).parent_path(), ec)) {
    return report;
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
  return report;
}

}  // namespace selfheal
