// Implementation notes: `self-heal record-result UNIT` is each handler unit's
// privileged ExecStopPost=. systemd runs it when the handler exits, times out or is
// killed, whether or not `serve` is still running, with $SERVICE_RESULT, $EXIT_CODE,
// $EXIT_STATUS and $INVOCATION_ID set, plus the unit's own SELF_HEAL_* environment and
// stdin (the alert as JSON, StandardInputData=, whole even when the environment could
// not hold SELF_HEAL_ALERT_JSON).
// That is why results are durable without a resident watcher. A local user cannot
// forge a result: the store is root's (0600 in a 0700 StateDirectory), and the unit
// name must be the one derived from the handler and instance in the environment.
#include <rapidjson/document.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "config/config_loader.h"
#include "escalate/wake.h"
#include "journal/sinks.h"
#include "serve/aftermath.h"
#include "serve/result_service.h"
#include "state/sqlite_store.h"

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

// The alert the run was for, as the unit got it: the original labels and generatorURL
// from SELF_HEAL_ALERT_JSON (or stdin, when the environment had no room for it), the
// keys from their own variables (which the unit name was checked against).
Alert AlertOfRun(const RunResult& result) {
  Alert alert;
  rapidjson::Document doc;
  std::string json =
      std::getenv("SELF_HEAL_ALERT_JSON") ? Env("SELF_HEAL_ALERT_JSON") : AlertJsonFromStdin();
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
  alert.labels["alertname"] = Env("SELF_HEAL_ALERTNAME");
  alert.labels["instance"] = result.instance;
  alert.fingerprint = Env("SELF_HEAL_FINGERPRINT");
  return alert;
}

}  // namespace

int RunRecordResult(const Args& args) {
  JournalSink& journal = DefaultJournalSink();
  if (args.positional.size() != 1) {
    std::fprintf(stderr, "usage: self-heal record-result UNIT (run by ExecStopPost=)\n");
    return 2;
  }
  RunResult result;
  result.unit = args.positional[0];
  result.handler = Env("SELF_HEAL_HANDLER");
  result.instance = Env("SELF_HEAL_INSTANCE");
  result.invocation_id = Env("INVOCATION_ID");
  result.service_result = Env("SERVICE_RESULT");
  result.exit_code = Env("EXIT_CODE");
  result.exit_status = Env("EXIT_STATUS");
  result.outcome = OutcomeOf(result.service_result, result.exit_code, result.exit_status);
  SystemClock clock;
  result.finished_at = clock.Now();
  if (Status s = CheckUnitOfHandler(result); !s.ok()) {
    std::fprintf(stderr, "self-heal record-result: %s\n", s.error().message.c_str());
    return 2;
  }

  // A broken config still records the result, with the default limits.
  LoadedConfig loaded = LoadConfig(args.config_dir);
  auto store = SqliteStore::Open(args.state_dir);
  if (!store.ok()) {
    journal.Write(
        AuditEvent{EventType::kStoreError,
                   LOG_ERR,
                   "Failed to record the result of " + result.unit + ": " + store.error().message,
                   {{"UNIT", result.unit}, {"REASON", store.error().message}}});
    return 1;
  }
  ResultService service(loaded.config, *store.value(), journal,
                        DeliveryRequestPath(args.state_dir));
  if (!service.Record(result, AlertOfRun(result)).ok()) return 1;  // journaled by Record
  Aftermath(*store.value(), *store.value(), loaded.config.server, journal,
            DeliveryRequestPath(args.state_dir))
      .Publish(clock.Now());
  return 0;
}

}  // namespace selfheal
