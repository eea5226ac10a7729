#include "cli/record_result_inputs.h"

#include <rapidjson/document.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace selfheal {

namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// systemd caps StandardInputData= at 64 MiB; more is not the alert.
constexpr size_t kMaxStdin = 64 * 1024 * 1024;

// The unit's stdin: the alert JSON the handler got. Empty when stdin is anything else
// (a terminal: record-result run by hand).
std::string AlertJsonFromStdin() {
  if (isatty(STDIN_FILENO)) return "";
  std::string out;
  char buffer[64 * 1024];
  size_t n;
  while (out.size() <= kMaxStdin && (n = std::fread(buffer, 1, sizeof buffer, stdin)) > 0) {
    out.append(buffer, n);
  }
  return out.size() <= kMaxStdin ? out : "";
}

}  // namespace

RecordResultInputs RecordResultInputsFromEnvironment(std::string unit) {
  RecordResultInputs in;
  in.unit = std::move(unit);
  in.handler = Env("SELF_HEAL_HANDLER");
  in.instance = Env("SELF_HEAL_INSTANCE");
  in.invocation_id = Env("INVOCATION_ID");
  in.service_result = Env("SERVICE_RESULT");
  in.exit_code = Env("EXIT_CODE");
  in.exit_status = Env("EXIT_STATUS");
  // From stdin when the environment had no room for it.
  in.alert_json =
      std::getenv("SELF_HEAL_ALERT_JSON") ? Env("SELF_HEAL_ALERT_JSON") : AlertJsonFromStdin();
  in.alertname = Env("SELF_HEAL_ALERTNAME");
  in.fingerprint = Env("SELF_HEAL_FINGERPRINT");
  return in;
}

RunResult RunResultOf(const RecordResultInputs& inputs, TimePoint finished_at) {
  RunResult result;
  result.unit = inputs.unit;
  result.handler = inputs.handler;
  result.instance = inputs.instance;
  result.invocation_id = inputs.invocation_id;
  result.service_result = inputs.service_result;
  result.exit_code = inputs.exit_code;
  result.exit_status = inputs.exit_status;
  result.outcome = OutcomeOf(result.service_result, result.exit_code, result.exit_status);
  result.finished_at = finished_at;
  return result;
}

Alert AlertOfRun(const RecordResultInputs& inputs, const RunResult& result) {
  Alert alert;
  rapidjson::Document doc;
  const std::string& json = inputs.alert_json;
  if (!doc.Parse(json.c_str(), json.size()).HasParseError() && doc.IsObject()) {
    if (auto labels = doc.FindMember("labels");
        labels != doc.MemberEnd() && labels->value.IsObject()) {
      for (const auto& m : labels->value.GetObject()) {
        if (m.value.IsString()) alert.labels[m.name.GetString()] = m.value.GetString();
      }
    }
    if (auto url = doc.FindMember("generatorURL");
        url != doc.MemberEnd() && url->value.IsString()) {
      alert.generator_url = url->value.GetString();
    }
  }
  alert.labels["alertname"] = inputs.alertname;
  alert.labels["instance"] = result.instance;
  alert.fingerprint = inputs.fingerprint;
  return alert;
}

}  // namespace selfheal
