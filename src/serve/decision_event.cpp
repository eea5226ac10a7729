#include "serve/decision_event.h"

#include <syslog.h>

#include <algorithm>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/text.h"
#include "http/rejection.h"
#include "launch/launch_request.h"

namespace selfheal {

namespace {

int PriorityOf(Verdict verdict) {
  switch (verdict) {
    case Verdict::kLaunch:
    case Verdict::kDryRun:
    case Verdict::kPaused:
      return LOG_NOTICE;
    case Verdict::kBreakerOpen:
    case Verdict::kInstanceNotAllowed:
      return LOG_WARNING;
    default:
      return LOG_INFO;
  }
}

}  // namespace

AuditEvent DecisionEvent(const Alert& alert, const Decision& d, const std::string& remote,
                         const std::string& unit) {
  AuditEvent e;
  e.type = EventType::kDecision;
  e.priority = PriorityOf(d.verdict);
  std::string verdict(VerdictName(d.verdict));
  e.message = "Decided " + verdict + " for '" + EscapeForLog(alert.alertname(), 80) + "' on '" +
              EscapeForLog(alert.instance(), 80) + "'" +
              (d.handler ? " with handler '" + d.handler->name + "'" : "") + ": " + d.reason +
              (unit.empty() ? "" : " (unit " + unit + ")") + ".";
  e.fields = {{"ALERTNAME", alert.alertname()},
              {"INSTANCE", alert.instance()},
              {"FINGERPRINT", alert.fingerprint},
              {"STATUS", AlertStatusName(alert.status)},
              {"STARTS_AT", alert.starts_at_text},
              {"DECISION", verdict},
              {"REASON", d.reason},
              {"REMOTE", remote}};
  if (d.handler) e.fields.emplace_back("HANDLER", d.handler->name);
  if (d.attempt > 0) e.fields.emplace_back("ATTEMPT", std::to_string(d.attempt));
  if (!unit.empty()) e.fields.emplace_back("UNIT", unit);
  if (d.handler && (d.verdict == Verdict::kLaunch || d.verdict == Verdict::kDryRun)) {
    // A label the handler cannot see under its own name is worth a warning: the
    // handler may read an empty variable and act on that.
    for (const EnvironmentCollision& c : EnvironmentCollisions(alert, *d.handler)) {
      e.priority = std::min(e.priority, LOG_WARNING);
      e.message += " Warning: " + DescribeCollision(c) + ".";
      e.fields.emplace_back("ENV_COLLISION", c.variable);
    }
  }
  return e;
}

AuditEvent ResolvedEvent(const Alert& alert, const Decision& decision, const ResolveCredit& credit,
                         const std::string& remote, TimePoint now) {
  using Kind = ResolveCredit::Kind;
  Decision d = decision;
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now - credit.started_at).count();
  const std::string attempt = "attempt " + std::to_string(credit.attempt);
  const std::string after = std::to_string(seconds) + " s after " + attempt + " was launched";
  const std::string verify = "VerifySec=" + FormatTimespan(credit.verify);
  switch (credit.kind) {
    case Kind::kNone:
      d.reason += "; no attempt awaits it";
      break;
    case Kind::kHealed:
      d.reason = "resolved " + after + ", within " + verify + " of its exit 0: " + attempt +
                 " healed, the budget of '" + d.handler->name + "' is reset";
      break;
    case Kind::kAwaitingExit:
      d.reason = "resolved " + after + ", while it still runs: an exit 0 will be healed at once";
      break;
    case Kind::kTooLate:
      d.reason = "resolved " + after + ", later than " + verify + " after its exit 0 (at " +
                 FormatRfc3339(*credit.verify_until) + "): not credited, " + attempt +
                 " stays not healed";
      break;
  }
  AuditEvent e = DecisionEvent(alert, d, remote, "");
  e.fields.emplace_back("CREDIT", CreditName(credit.kind));
  if (credit.kind == Kind::kNone) return e;
  if (credit.kind == Kind::kHealed) e.priority = LOG_NOTICE;
  if (credit.kind == Kind::kTooLate) e.priority = LOG_WARNING;
  e.fields.emplace_back("ATTEMPT", std::to_string(credit.attempt));
  e.fields.emplace_back("TIME_TO_RESOLVE_SEC", std::to_string(seconds));
  e.fields.emplace_back(
      "VERIFY_SEC",
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(credit.verify).count()));
  if (credit.verify_until)
    e.fields.emplace_back("VERIFY_UNTIL", FormatRfc3339(*credit.verify_until));
  return e;
}

AuditEvent LaunchFailedEvent(const Alert& alert, const Decision& decision,
                             const std::string& remote, const std::string& unit,
                             const std::string& error, bool retried) {
  AuditEvent e = DecisionEvent(alert, decision, remote, unit);
  e.type = EventType::kLaunchFailed;
  e.priority = LOG_ERR;
  e.message = "Failed to start " + unit + " for '" + EscapeForLog(alert.alertname(), 80) +
              "' on '" + EscapeForLog(alert.instance(), 80) + "': " + EscapeForLog(error, 300) +
              (retried ? "; answered 503 so that Alertmanager retries" : "");
  if (retried) std::erase_if(e.fields, [](const auto& f) { return f.first == "DECISION"; });
  e.fields.emplace_back("ERROR", error);
  return e;
}

AuditEvent LaunchUnknownEvent(const Alert& alert, const Decision& decision,
                              const std::string& remote, const std::string& unit,
                              const std::string& error) {
  AuditEvent e = LaunchFailedEvent(alert, decision, remote, unit, error, /*retried=*/true);
  e.type = EventType::kLaunchUnknown;
  e.message = "systemd did not answer the start of " + unit + " for '" +
              EscapeForLog(alert.alertname(), 80) + "' on '" + EscapeForLog(alert.instance(), 80) +
              "' in time (" + EscapeForLog(error, 300) + "): it may still start it. Attempt " +
              std::to_string(decision.attempt) +
              " stays recorded as running; answered 503, and Alertmanager's retry asks systemd "
              "whether the unit exists instead of starting it again";
  return e;
}

std::vector<AuditEvent> ReceivedEvents(const Webhook& webhook, const std::string& remote) {
  size_t firing = 0;
  for (const Alert& a : webhook.alerts) firing += a.status == AlertStatus::kFiring;
  size_t resolved = webhook.alerts.size() - firing;
  AuditEvent e{EventType::kWebhookReceived,
               LOG_INFO,
               "Received " + std::to_string(webhook.alerts.size()) + " alert(s) (" +
                   std::to_string(firing) + " firing, " + std::to_string(resolved) +
                   " resolved) for receiver '" + EscapeForLog(webhook.receiver, 80) + "' from " +
                   remote + ".",
               {{"REMOTE", remote},
                {"RECEIVER", webhook.receiver},
                {"STATUS", AlertStatusName(webhook.status)},
                {"ALERTS", std::to_string(webhook.alerts.size())}}};
  if (webhook.truncated_alerts > 0) {
    // The left-out alerts are never decided: no handler runs for them and nothing else
    // says so, so this is a warning that tells the operator what to change.
    e.priority = LOG_WARNING;
    std::string group;
    for (const auto& [name, value] : webhook.group_labels) {
      group += (group.empty() ? "" : ", ") + EscapeForLog(name, 80) + "=\"" +
               EscapeForLog(value, 80) + "\"";
    }
    e.message += " Alertmanager left out " + std::to_string(webhook.truncated_alerts) +
                 " more alert(s) of group {" + group +
                 "} (the receiver's max_alerts): they are not decided and no handler runs for "
                 "them. Group by every label a handler keys on (group_by: [alertname, "
                 "instance]) so that each instance gets its own notification, or raise "
                 "max_alerts in the webhook_config.";
    e.fields.emplace_back("TRUNCATED_ALERTS", std::to_string(webhook.truncated_alerts));
  }
  if (!webhook.notification_reason.empty()) {
    e.message += " Alertmanager's reason: '" + EscapeForLog(webhook.notification_reason, 80) + "'.";
    e.fields.emplace_back("NOTIFICATION_REASON", webhook.notification_reason);
  }
  std::vector<std::string_view> fingerprints;
  std::unordered_set<std::string_view> seen;
  for (const Alert& a : webhook.alerts) {
    if (!a.fingerprint.empty() && seen.insert(a.fingerprint).second) {
      fingerprints.push_back(a.fingerprint);
    }
  }
  const size_t parts = std::max<size_t>(
      1, (fingerprints.size() + kReceiptFingerprintsPerEntry - 1) / kReceiptFingerprintsPerEntry);
  std::vector<AuditEvent> entries;
  entries.reserve(parts);
  for (size_t k = 0; k < parts; ++k) {
    AuditEvent part = e;
    if (parts > 1) {
      const std::string of = std::to_string(k + 1) + "/" + std::to_string(parts);
      part.message += " Part " + of + " of the receipt's fingerprints.";
      part.fields.emplace_back("RECEIPT_PART", of);
    }
    const size_t begin = k * kReceiptFingerprintsPerEntry;
    const size_t end = std::min(fingerprints.size(), begin + kReceiptFingerprintsPerEntry);
    for (size_t i = begin; i < end; ++i) part.fields.emplace_back("FINGERPRINT", fingerprints[i]);
    entries.push_back(std::move(part));
  }
  return entries;
}

AuditEvent RejectionEvent(const WebhookRequest& request, int http_status, std::string_view reason,
                          const std::string& error) {
  return RequestRejectedEvent({request.remote, request.method, request.path, http_status,
                               std::string(reason), EscapeForLog(error, 500)});
}

}  // namespace selfheal
