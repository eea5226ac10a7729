#include "launch/launch_request.h"

#include <nettle/sha2.h>

#include <algorithm>
#include <map>
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

namespace {

constexpr const char* kLabelPrefix = "SELF_HEAL_LABEL_";
constexpr const char* kAnnotationPrefix = "SELF_HEAL_ANNOTATION_";

// Variable → the names (in byte order) that map to it.
std::map<std::string, std::vector<std::string>> ByVariable(const LabelSet& set,
                                                           const std::string& prefix) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [name, value] : set) out[prefix + EnvironmentName(name)].push_back(name);
  return out;
}

// The one name of `names` the handler matched on, or "" when none or several.
std::string MatchedName(const std::vector<std::string>& names, const HandlerConfig& handler) {
  std::string found;
  int matched = 0;
  for (const std::string& name : names) {
    bool is_matched = name == "alertname" || name == "instance" ||
                      std::any_of(handler.labels.begin(), handler.labels.end(),
                                  [&](const LabelMatcher& m) { return m.name == name; });
    if (is_matched) {
      found = name;
      ++matched;
    }
  }
  return matched == 1 ? found : std::string();
}

void Collect(const LabelSet& set, const std::string& prefix, const HandlerConfig* matched_by,
             std::vector<EnvironmentCollision>& out) {
  for (auto& [variable, names] : ByVariable(set, prefix)) {
    if (names.size() < 2) continue;
    std::string from = matched_by ? MatchedName(names, *matched_by) : std::string();
    out.push_back({variable, std::move(names), std::move(from)});
  }
}

}  // namespace

std::vector<EnvironmentCollision> EnvironmentCollisions(const Alert& alert,
                                                        const HandlerConfig& handler) {
  std::vector<EnvironmentCollision> out;
  Collect(alert.labels, kLabelPrefix, &handler, out);
  Collect(alert.annotations, kAnnotationPrefix, nullptr, out);  // never matched on
  return out;
}

std::string DescribeCollision(const EnvironmentCollision& c) {
  std::string names;
  for (const std::string& name : c.names) {
    names += (names.empty() ? "'" : ", '") + EscapeForLog(name, 80) + "'";
  }
  bool label = c.variable.rfind(kLabelPrefix, 0) == 0;
  std::string out =
      (label ? "labels " : "annotations ") + names + " map to one variable " + c.variable + "; ";
  if (!c.set_from.empty()) {
    return out + "it holds '" + EscapeForLog(c.set_from, 80) +
           "', the label the handler matched on (all are in SELF_HEAL_ALERT_JSON)";
  }
  return out + "it is not set (the handler matched on none of them; all are in " +
         "SELF_HEAL_ALERT_JSON)";
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
  size_t used = 0;
  auto add = [&](std::string name, std::string value) {
    if (!taken.insert(name).second) return;
    used += name.size() + value.size() + 2;  // '=' and the NUL
    r.environment.emplace_back(std::move(name), std::move(value));
  };
  int omitted = 0;
  auto add_if_fits = [&](std::string name, std::string value) {
    if (taken.contains(name)) return;
    if (value.size() > kEnvironmentValueMax ||
        used + name.size() + value.size() + 2 > kEnvironmentBudget) {
      ++omitted;
      return;
    }
    add(std::move(name), std::move(value));
  };
  add("SELF_HEAL_ALERTNAME", alert.alertname());
  add("SELF_HEAL_INSTANCE", alert.instance());
  add("SELF_HEAL_FINGERPRINT", alert.fingerprint);
  add("SELF_HEAL_ATTEMPT", std::to_string(attempt));
  add("SELF_HEAL_HANDLER", handler.name);
  add("SELF_HEAL_STATUS", AlertStatusName(alert.status));
  add("SELF_HEAL_STARTS_AT", alert.starts_at_text);
  std::vector<EnvironmentCollision> collisions = EnvironmentCollisions(alert, handler);
  auto add_set = [&](const LabelSet& set, const std::string& prefix) {
    for (const auto& [name, value] : set) {
      std::string variable = prefix + EnvironmentName(name);
      auto c = std::find_if(collisions.begin(), collisions.end(),
                            [&](const EnvironmentCollision& e) { return e.variable == variable; });
      if (c == collisions.end() || c->set_from == name) add_if_fits(std::move(variable), value);
    }
  };
  r.stdin_data = AlertJson(alert);
  add_set(alert.labels, kLabelPrefix);
  add_if_fits("SELF_HEAL_ALERT_JSON", r.stdin_data);
  add_set(alert.annotations, kAnnotationPrefix);
  if (omitted > 0) add("SELF_HEAL_OMITTED", std::to_string(omitted));
  r.log_extra_fields = {{"SELF_HEAL_FINGERPRINT", alert.fingerprint},
                        {"SELF_HEAL_ALERTNAME", alert.alertname()},
                        {"SELF_HEAL_INSTANCE", alert.instance()},
                        {"SELF_HEAL_HANDLER", handler.name},
                        {"SELF_HEAL_ATTEMPT", std::to_string(attempt)}};
  return r;
}

}  // namespace selfheal
