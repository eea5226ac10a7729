// Implementation notes: `self-heal record-result UNIT` is each handler unit's
// privileged ExecStopPost=. systemd runs it when the handler exits, times out or is
// killed, whether or not `serve` is still running, with $SERVICE_RESULT, $EXIT_CODE,
// $EXIT_STATUS and $INVOCATION_ID set, plus the unit's own SELF_HEAL_* environment.
// That is why results are durable without a resident watcher. A local user cannot
// forge a result: the store is root's (0600 in a 0700 StateDirectory), and the unit
// name must be the one derived from the handler and instance in the environment.
#include <rapidjson/document.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "common/text.h"
#include "config/config_loader.h"
#include "escalate/wake.h"
#include "journal/sinks.h"
#include "launch/launch_request.h"
#include "serve/aftermath.h"
#include "state/sqlite_store.h"

namespace selfheal {

namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// The original labels and generatorURL, from the SELF_HEAL_ALERT_JSON the unit got.
void ReadAlertJson(EscalationFacts* facts) {
  rapidjson::Document doc;
  std::string json = Env("SELF_HEAL_ALERT_JSON");
  if (doc.Parse(json.c_str(), json.size()).HasParseError() || !doc.IsObject()) return;
  if (auto labels = doc.FindMember("labels"); labels != doc.MemberEnd() && labels->value.IsObject()) {
    for (const auto& m : labels->value.GetObject()) {
      if (m.value.IsString()) facts->labels[m.name.GetString()] = m.value.GetString();
    }
  }
  if (auto url = doc.FindMember("generatorURL"); url != doc.MemberEnd() && url->value.IsString()) {
    facts->generator_url = url->value.GetString();
  }
}

int PriorityOf(Outcome outcome) {
  switch (outcome) {
    case Outcome::kHealed: return 5;
    case Outcome::kFailed: return 4;
    case Outcome::kGaveUp: return 3;
    case Outcome::kNotApplicable: return 6;
  }
  return 4;
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
  if (result.handler.empty() || result.unit != UnitNameFor(result.handler, result.instance)) {
    std::fprintf(stderr, "self-heal record-result: '%s' is not the unit of handler '%s' for this instance\n",
                 EscapeForLog(result.unit, 100).c_str(), EscapeForLog(result.handler, 64).c_str());
    return 2;
  }

  LoadedConfig loaded = LoadConfig(args.config_dir);
  HandlerConfig limits;  // defaults when the handler left the config meanwhile
  for (const HandlerConfig& h : loaded.config.handlers) {
    if (h.name == result.handler) limits = h;
  }
  auto store = SqliteStore::Open(args.state_dir);
  if (!store.ok()) {
    journal.Write(AuditEvent{EventType::kStoreError, 3,
                             "Failed to record the result of " + result.unit + ": " + store.error().message,
                             {{"UNIT", result.unit}, {"REASON", store.error().message}}});
    return 1;
  }
  auto effect = store.value()->RecordResult(result, limits.max_attempts, limits.window);
  if (!effect.ok()) {
    journal.Write(AuditEvent{EventType::kStoreError, 3,
                             "Failed to record the result of " + result.unit + ": " + effect.error().message,
                             {{"UNIT", result.unit}, {"REASON", effect.error().message}}});
    return 1;
  }
  std::string outcome(OutcomeName(result.outcome));
  std::string alertname = Env("SELF_HEAL_ALERTNAME");
  auto duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(effect.value().duration).count();
  AuditEvent event{EventType::kHandlerResult, PriorityOf(result.outcome),
                   "Handler '" + result.handler + "' for '" + EscapeForLog(alertname, 80) + "' on '" +
                       EscapeForLog(result.instance, 80) + "' " + outcome + " (" +
                       (result.service_result.empty() ? "?" : result.service_result) + ", exit " +
                       (result.exit_status.empty() ? "?" : result.exit_status) + ") after " +
                       std::to_string(duration_ms) + " ms; attempt " + std::to_string(effect.value().attempt) +
                       ", " + std::to_string(effect.value().attempts_in_window) + " of " +
                       std::to_string(limits.max_attempts) + " used.",
                   {{"ALERTNAME", alertname},
                    {"INSTANCE", result.instance},
                    {"FINGERPRINT", Env("SELF_HEAL_FINGERPRINT")},
                    {"HANDLER", result.handler},
                    {"UNIT", result.unit},
                    {"RESULT", outcome},
                    {"SERVICE_RESULT", result.service_result},
                    {"EXIT_CODE", result.exit_code},
                    {"EXIT_STATUS", result.exit_status},
                    {"DURATION_MS", std::to_string(duration_ms)},
                    {"ATTEMPT", std::to_string(effect.value().attempt)},
                    {"INVOCATION_ID", result.invocation_id}}};
  if (!effect.value().found_attempt) event.message += " No unfinished attempt matched (reset meanwhile?).";
  journal.Write(event);

  Aftermath aftermath(*store.value(), loaded.config.server, journal,
                      DeliveryRequestPath(args.state_dir));
  if (effect.value().breaker_opened) {
    EscalationFacts facts;
    facts.alertname = alertname;
    facts.instance = result.instance;
    facts.fingerprint = Env("SELF_HEAL_FINGERPRINT");
    facts.handler = result.handler;
    facts.attempts = effect.value().attempts_in_window;
    facts.max_attempts = limits.max_attempts;
    facts.window = limits.window;
    facts.last_result = outcome;
    facts.unit = result.unit;
    facts.opened_at = result.finished_at;
    ReadAlertJson(&facts);
    (void)aftermath.BreakerOpened(facts);
  }
  aftermath.Publish(clock.Now());
  return 0;
}

}  // namespace selfheal
