#include "launch/launch_request.h"

#include <nettle/sha2.h>

#include <set>

#include "common/text.h"

namespace selfheal {

std::string UnitNameFor(const std::string& handler, const std::string& instance) {
  sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, instance.size(), reinterpret_cast<const uint8_t*>(instance.data()));
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&ctx, sizeof digest, digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 4; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return "self-heal-" + handler + "-" + hex + ".service";
}

std::string EnvironmentName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c >= 'a' && c <= 'z')
      out += static_cast<char>(c - 'a' + 'A');
    else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
      out += c;
    else
      out += '_';
  }
  return out;
}

std::string AlertJson(const Alert& alert) {
  std::string out = "{\"status\":";
  AppendJsonString(out, AlertStatusName(alert.status));
  out += ",\"labels\":";
  AppendLabelSetJson(out, alert.labels);
  out += ",\"annotations\":";
  AppendLabelSetJson(out, alert.annotations);
  out += ",\"startsAt\":";
  AppendJsonString(out, alert.starts_at_text);
  out += ",\"endsAt\":";
  AppendJsonString(out, alert.ends_at_text);
  out += ",\"generatorURL\":";
  AppendJsonString(out, alert.generator_url);
  out += ",\"fingerprint\":";
  AppendJsonString(out, alert.fingerprint);
  out += '}';
  return out;
}

LaunchRequest BuildLaunchRequest(const Alert& alert, const HandlerConfig& handler, int attempt) {
  LaunchRequest r;
  r.unit_name = UnitNameFor(handler.name, alert.instance());
  r.argv = handler.exec;
  r.user = handler.user;
  r.timeout = handler.timeout;
  r.memory_max = handler.memory_max;
  r.cpu_quota = handler.cpu_quota;
  std::set<std::string> taken;
  auto add = [&](std::string name, std::string value) {
    if (taken.insert(name).second) r.environment.emplace_back(std::move(name), std::move(value));
  };
  add("SELF_HEAL_ALERTNAME", alert.alertname());
  add("SELF_HEAL_INSTANCE", alert.instance());
  add("SELF_HEAL_FINGERPRINT", alert.fingerprint);
  add("SELF_HEAL_ATTEMPT", std::to_string(attempt));
  add("SELF_HEAL_HANDLER", handler.name);
  add("SELF_HEAL_STATUS", AlertStatusName(alert.status));
  add("SELF_HEAL_STARTS_AT", alert.starts_at_text);
  add("SELF_HEAL_ALERT_JSON", AlertJson(alert));
  for (const auto& [name, value] : alert.labels)
    add("SELF_HEAL_LABEL_" + EnvironmentName(name), value);
  for (const auto& [name, value] : alert.annotations) {
    add("SELF_HEAL_ANNOTATION_" + EnvironmentName(name), value);
  }
  r.log_extra_fields = {{"SELF_HEAL_FINGERPRINT", alert.fingerprint},
                        {"SELF_HEAL_ALERTNAME", alert.alertname()},
                        {"SELF_HEAL_INSTANCE", alert.instance()},
                        {"SELF_HEAL_HANDLER", handler.name},
                        {"SELF_HEAL_ATTEMPT", std::to_string(attempt)}};
  return r;
}

}  // namespace selfheal
