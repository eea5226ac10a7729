#include "serve/escalation.h"

#include <syslog.h>

#include "common/text.h"
#include "escalate/wake.h"
#include "launch/launch_request.h"

namespace selfheal {

EscalationFacts FactsOf(const Alert& alert, const HandlerConfig& handler, int attempts,
                        std::string last_result, TimePoint opened_at) {
  EscalationFacts f;
  f.alertname = alert.alertname();
  f.instance = alert.instance();
  f.fingerprint = alert.fingerprint;
  f.handler = handler.name;
  f.attempts = attempts;
  f.max_attempts = handler.max_attempts;
  f.window = handler.window;
  f.last_result = std::move(last_result);
  f.unit = UnitNameFor(handler.name, alert.instance());
  f.opened_at = opened_at;
  f.labels = alert.labels;
  f.generator_url = alert.generator_url;
  return f;
}

Escalation OutboxRowOf(const EscalationFacts& facts, const ServerConfig& server) {
  Escalation e;
  e.handler = facts.handler;
  e.instance = facts.instance;
  e.alertname = facts.alertname;
  e.payload = BuildEscalationPayload(facts);
  e.next_try = facts.opened_at;
  e.command_pending = !server.escalate_exec.empty();
  return e;
}

void AnnounceEscalation(const EscalationFacts& facts, const std::string& wake_path,
                        JournalSink& journal) {
  std::string what = "'" + EscapeForLog(facts.alertname, 80) + "' on '" +
                     EscapeForLog(facts.instance, 80) + "' with '" + facts.handler + "'";
  AuditEvent event{EventType::kEscalation,
                   LOG_CRIT,
                   "Breaker opened for " + what + " after " + std::to_string(facts.attempts) +
                       " attempt(s), last result " +
                       (facts.last_result.empty() ? "unknown" : facts.last_result) +
                       "; escalating to a human.",
                   {{"ALERTNAME", facts.alertname},
                    {"INSTANCE", facts.instance},
                    {"HANDLER", facts.handler},
                    {"FINGERPRINT", facts.fingerprint},
                    {"ATTEMPT", std::to_string(facts.attempts)},
                    {"RESULT", facts.last_result},
                    {"UNIT", facts.unit}}};
  journal.Write(event);
  if (!wake_path.empty()) WakeDeliverer(wake_path, "the escalation of " + what, journal);
}

void WakeDeliverer(const std::string& wake_path, const std::string& why, JournalSink& journal) {
  Status woken = RequestDelivery(wake_path);
  if (woken.ok()) return;
  journal.Write(AuditEvent{EventType::kEscalation,
                           LOG_ERR,
                           "Failed to wake the escalation deliverer for " + why + ": " +
                               woken.error().message +
                               "; it stays queued until the next wake-up (serve start-up).",
                           {{"REASON", woken.error().message}}});
}

}  // namespace selfheal
