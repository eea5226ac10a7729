#include "escalate/escalation_events.h"

#include <syslog.h>

#include <optional>
#include <utility>

#include "common/text.h"
#include "escalate/escalation_payload.h"

namespace selfheal {

AuditEvent EscalationEvent(const Escalation& e, int priority, std::string message, int tries,
                           std::string reason) {
  AuditEvent event;
  event.type = EventType::kEscalation;
  event.priority = priority;
  event.message = std::move(message);
  event.fields = {{"ALERTNAME", e.alertname},       {"INSTANCE", e.instance},
                  {"HANDLER", e.handler},           {"ESCALATION_ID", std::to_string(e.id)},
                  {"TRIES", std::to_string(tries)}, {"REASON", std::move(reason)}};
  // The original alert's fingerprint joins delivery to the alert's story
  // (journalctl SELF_HEAL_FINGERPRINT=…).
  if (std::optional<std::string> fp = PayloadAnnotation(e.payload, "fingerprint")) {
    event.fields.emplace_back("FINGERPRINT", std::move(*fp));
  }
  return event;
}

AuditEvent StoreErrorEvent(const Escalation* e, std::string message, const Error& error) {
  AuditEvent event;
  event.type = EventType::kStoreError;
  event.priority = LOG_ERR;
  event.message = std::move(message);
  event.fields = {{"REASON", error.message}};
  if (e != nullptr) {
    event.fields.emplace_back("ALERTNAME", e->alertname);
    event.fields.emplace_back("INSTANCE", e->instance);
    event.fields.emplace_back("HANDLER", e->handler);
    event.fields.emplace_back("ESCALATION_ID", std::to_string(e->id));
  }
  return event;
}

std::string EscalationKeyText(const Escalation& e) {
  return "'" + EscapeForLog(e.alertname, 80) + "' on '" + EscapeForLog(e.instance, 80) + "'";
}

}  // namespace selfheal
