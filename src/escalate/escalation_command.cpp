#include "escalate/escalation_command.h"

#include <chrono>
#include <optional>

#include "config/config.h"
#include "escalate/escalation_payload.h"

namespace selfheal {

std::string EscalationCommandUnit(int64_t escalation_id) {
  return "self-heal-escalate-" + std::to_string(escalation_id) + ".service";
}

LaunchRequest BuildEscalationCommand(const Escalation& e, const std::vector<std::string>& argv) {
  LaunchRequest r;
  r.unit_name = EscalationCommandUnit(e.id);
  r.argv = argv;
  r.user = HandlerConfig{}.user;  // healer: the handlers' default, never root
  r.timeout = std::chrono::minutes(5);
  std::string id = std::to_string(e.id);
  r.environment = {
      {"SELF_HEAL_ALERTNAME", e.alertname},
      {"SELF_HEAL_INSTANCE", e.instance},
      {"SELF_HEAL_HANDLER", e.handler},
      {"SELF_HEAL_ESCALATION_ID", id},
      {"SELF_HEAL_SUMMARY", PayloadAnnotation(e.payload, "summary").value_or("")},
      {"SELF_HEAL_DESCRIPTION", PayloadAnnotation(e.payload, "description").value_or("")},
      {"SELF_HEAL_ESCALATION_JSON", e.payload}};
  r.log_extra_fields = {{"SELF_HEAL_ALERTNAME", e.alertname},
                        {"SELF_HEAL_INSTANCE", e.instance},
                        {"SELF_HEAL_HANDLER", e.handler},
                        {"SELF_HEAL_ESCALATION_ID", id}};
  if (std::optional<std::string> fp = PayloadAnnotation(e.payload, "fingerprint")) {
    r.environment.emplace_back("SELF_HEAL_FINGERPRINT", *fp);
    r.log_extra_fields.emplace_back("SELF_HEAL_FINGERPRINT", std::move(*fp));
  }
  return r;
}

}  // namespace selfheal
