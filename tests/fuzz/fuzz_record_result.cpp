// libFuzzer entry point for what `self-heal record-result UNIT` reads from outside:
// the unit name (argv) and the environment systemd and the handler unit give it
// (SERVICE_RESULT, EXIT_CODE, EXIT_STATUS, INVOCATION_ID, SELF_HEAL_*, the alert
// JSON). The input is a byte choosing what the store reports, then ten strings
// separated by NUL bytes (neither argv nor the environment can hold one): unit,
// handler, instance, invocation id, SERVICE_RESULT, EXIT_CODE, EXIT_STATUS, alertname,
// fingerprint and, last, the alert JSON. A unit of "=" stands for the unit name
// derived from the handler and instance, so the fuzzer gets past the forgery check.
// The result goes through RunResultOf, CheckUnitOfHandler, AlertOfRun and
// ResultService::Record on a store that records nothing but answers as told.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cli/record_result_inputs.h"
#include "fakes.h"
#include "launch/launch_request.h"
#include "serve/result_service.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

// Answers RecordResult with the effect `shape` selects, building the escalation when
// the breaker opens as the real store does (inside the "transaction").
struct ScriptedResultStore : selfheal::ResultStore {
  selfheal::Expected<selfheal::ResultEffect> RecordResult(
      const selfheal::RunResult& result, int /*max_attempts*/, selfheal::Duration /*window*/,
      const selfheal::EscalationFor& escalation_for) override {
    if (shape & 1) return selfheal::Error{selfheal::Errc::kUnavailable, "database is locked"};
    selfheal::ResultEffect effect;
    effect.found_attempt = (shape & 2) != 0;
    effect.duration = std::chrono::seconds(shape >> 4);
    effect.attempt = (shape >> 4) & 3;
    effect.attempts_in_window = effect.attempt;
    effect.breaker_opened = (shape & 4) != 0;
    if (result.outcome == selfheal::Outcome::kDone) {
      effect.healed = (shape & 8) != 0;
      if (effect.healed) {
        effect.resolved_at = result.finished_at - std::chrono::seconds(1);
      } else {
        effect.verify_until = result.finished_at + std::chrono::minutes(15);
      }
    }
    if (effect.breaker_opened) {
      selfheal::Escalation escalation = escalation_for(effect);
      Check(escalation.handler == result.handler, "escalation names the handler");
      Check(escalation.instance == result.instance, "escalation names the instance");
    }
    return effect;
  }
  unsigned shape = 0;
};

std::vector<std::string> SplitFields(std::string_view input, size_t count) {
  std::vector<std::string> fields;
  while (fields.size() + 1 < count) {
    size_t nul = input.find('\0');
    if (nul == std::string_view::npos) break;
    fields.emplace_back(input.substr(0, nul));
    input.remove_prefix(nul + 1);
  }
  fields.emplace_back(input);
  fields.resize(count);
  return fields;
}

selfheal::Config ResultConfig() {
  selfheal::Config config;
  selfheal::HandlerConfig handler;
  handler.name = "restart-nginx";
  handler.alertname = "ServiceDown";
  handler.exec = {"/usr/lib/self-heal/handlers/restart-service"};
  config.handlers.push_back(handler);
  return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  unsigned shape = 0;
  if (!input.empty()) {
    shape = static_cast<unsigned char>(input.front());
    input.remove_prefix(1);
  }
  std::vector<std::string> f = SplitFields(input, 10);
  selfheal::RecordResultInputs inputs{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[9], f[7], f[8]};
  if (inputs.unit == "=") inputs.unit = selfheal::UnitNameFor(inputs.handler, inputs.instance);

  selfheal::FakeClock clock;
  const selfheal::RunResult result = selfheal::RunResultOf(inputs, clock.Now());
  Check(result.unit == inputs.unit && result.handler == inputs.handler &&
            result.instance == inputs.instance,
        "the result carries the inputs");
  if (result.outcome != selfheal::Outcome::kFailed) {
    // Only a process that exited on its own speaks the handler contract.
    Check(result.service_result.empty() || result.service_result == "success" ||
              result.service_result == "exit-code",
          "a non-failure exited on its own");
    Check(result.exit_code.empty() || result.exit_code == "exited",
          "a non-failure has EXIT_CODE=exited");
  }
  selfheal::Status unit_ok = selfheal::CheckUnitOfHandler(result);
  if (unit_ok.ok()) {
    Check(!result.handler.empty(), "an accepted unit has a handler");
    Check(result.unit == selfheal::UnitNameFor(result.handler, result.instance),
          "an accepted unit is the handler's");
  } else {
    Check(unit_ok.error().code == selfheal::Errc::kInvalidInput, "a forged unit is kInvalidInput");
    Check(unit_ok.error().message.size() < 1024, "message size");
  }

  const selfheal::Alert alert = selfheal::AlertOfRun(inputs, result);
  Check(alert.labels.at("alertname") == inputs.alertname, "alertname from its own variable");
  Check(alert.labels.at("instance") == inputs.instance, "instance from its own variable");
  Check(alert.fingerprint == inputs.fingerprint, "fingerprint from its own variable");

  if (!unit_ok.ok()) return 0;  // record-result exits 2 here, recording nothing
  static const selfheal::Config config = ResultConfig();
  ScriptedResultStore store;
  store.shape = shape;
  selfheal::RecordingJournal journal;
  selfheal::ResultService service(config, store, journal, /*wake_path=*/"");
  selfheal::Status recorded = service.Record(result, alert);
  Check(recorded.ok() == ((shape & 1) == 0), "Record fails exactly when the store does");
  Check(!journal.events.empty(), "Record journals");
  return 0;
}
