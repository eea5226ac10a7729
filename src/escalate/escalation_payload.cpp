// Implementation notes: the body is written by hand with AppendJsonString (labels and
// annotations in name order, as Alertmanager sorts them), so the same facts always give the same
// bytes. Alertmanager 0.25 validates label and annotation names against the classic
// [a-zA-Z_][a-zA-Z0-9_]* and rejects the whole POST with 400 on one bad name; an
// original label with a UTF-8 name (legal since Prometheus 3) is therefore left out
// rather than make the escalation undeliverable.
#include "escalate/escalation_payload.h"

#include <rapidjson/document.h>

#include <utility>

#include "alert/escalation_alertname.h"
#include "common/text.h"

namespace selfheal {

namespace {

bool IsClassicLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

LabelSet EscalationLabels(const EscalationFacts& f) {
  LabelSet labels;
  for (const auto& [name, value] : f.labels) {
    if (IsClassicLabelName(name)) labels[name] = value;
  }
  // Renamed, not dropped: routes and silences may still want to see them.
  auto carry = [&labels](const std::string& name) {
    auto it = labels.find(name);
    if (it == labels.end()) return;
    labels["original_" + name] = it->second;
    labels.erase(it);
  };
  carry("alertname");
  carry("severity");
  carry("heal");
  labels["alertname"] = std::string(kEscalationAlertName);
  if (!f.alertname.empty()) labels["original_alertname"] = f.alertname;
  if (!f.instance.empty()) labels["instance"] = f.instance;
  labels["self_heal_handler"] = f.handler;
  labels["severity"] = "critical";
  return labels;
}

std::string JournalHint(const EscalationFacts& f) {
  if (!f.fingerprint.empty()) {
    return "journalctl " + ShellQuote("SELF_HEAL_FINGERPRINT=" + f.fingerprint);
  }
  return "journalctl " + ShellQuote("SELF_HEAL_ALERTNAME=" + f.alertname) + " " +
         ShellQuote("SELF_HEAL_INSTANCE=" + f.instance);
}

LabelSet EscalationAnnotations(const EscalationFacts& f) {
  const std::string journal = JournalHint(f);
  const std::string window = FormatTimespan(f.window);
  const std::string last_result = f.last_result.empty() ? "unknown" : f.last_result;
  std::string description =
      "Handler '" + f.handler + "' ran " + std::to_string(f.attempts) + " of " +
      std::to_string(f.max_attempts) + " attempts within " + window + " without healing '" +
      f.alertname + "' on '" + f.instance + "'; the last result was '" + last_result + "'" +
      (f.unit.empty() ? "" : " (unit " + f.unit + ")") +
      ". The breaker is open: self-heal will not act on this instance again until the "
      "window has passed or someone runs: self-heal reset " +
      ShellQuote(f.handler) + " " + ShellQuote(f.instance) + ". History: " + journal;
  LabelSet annotations = {
      {"summary", "self-heal gave up healing " + f.alertname + " on " + f.instance},
      {"description", std::move(description)},
      {"attempts", std::to_string(f.attempts)},
      {"max_attempts", std::to_string(f.max_attempts)},
      {"window", window},
      {"last_result", last_result},
      {"unit", f.unit},
      {"breaker_opened_at", FormatRfc3339(f.opened_at)},
      {"journal", journal},
  };
  if (!f.fingerprint.empty()) annotations["fingerprint"] = f.fingerprint;
  return annotations;
}

}  // namespace

std::string BuildEscalationPayload(const EscalationFacts& f) {
  std::string out = "[{\"labels\":";
  AppendLabelSetJson(out, EscalationLabels(f));
  out += ",\"annotations\":";
  AppendLabelSetJson(out, EscalationAnnotations(f));
  out += ",\"startsAt\":";
  AppendJsonString(out, FormatRfc3339(f.opened_at));
  if (f.window > Duration::zero()) {
    out += ",\"endsAt\":";
    AppendJsonString(out, FormatRfc3339(f.opened_at + f.window));
  }
  if (!f.generator_url.empty()) {
    out += ",\"generatorURL\":";
    AppendJsonString(out, f.generator_url);
  }
  out += "}]";
  return out;
}

std::optional<std::string> PayloadAnnotation(std::string_view payload, std::string_view name) {
  rapidjson::Document doc;
  doc.Parse(payload.data(), payload.size());
  if (doc.HasParseError() || !doc.IsArray() || doc.Empty() || !doc[0].IsObject()) {
    return std::nullopt;
  }
  auto annotations = doc[0].FindMember("annotations");
  if (annotations == doc[0].MemberEnd() || !annotations->value.IsObject()) return std::nullopt;
  for (const auto& member : annotations->value.GetObject()) {
    std::string_view key(member.name.GetString(), member.name.GetStringLength());
    if (key == name && member.value.IsString()) {
      return std::string(member.value.GetString(), member.value.GetStringLength());
    }
  }
  return std::nullopt;
}

std::string ShellQuote(std::string_view arg) {
  bool plain = !arg.empty();
  for (char c : arg) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("_./:=@%+,-").find(c) != std::string_view::npos;
    if (!ok) {
      plain = false;
      break;
    }
  }
  if (plain) return std::string(arg);
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

}  // namespace selfheal
