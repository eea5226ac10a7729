#include "serve/result_service.h"

#include <syslog.h>

#include "common/text.h"
#include "launch/launch_request.h"
#include "serve/escalation.h"

namespace selfheal {

namespace {

int PriorityOf(Outcome outcome) {
  switch (outcome) {
    case Outcome::kDone:
      return LOG_NOTICE;
    case Outcome::kFailed:
      return LOG_WARNING;
    case Outcome::kGaveUp:
      return LOG_ERR;
    case Outcome::kNotApplicable:
      return LOG_INFO;
  }
  return LOG_WARNING;
}

AuditEvent ResultEvent(const RunResult& result, const Alert& alert, const ResultEffect& effect,
                       int max_attempts) {
  std::string outcome(OutcomeName(result.outcome));
  auto duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(effect.duration).count();
  AuditEvent event{EventType::kHandlerResult,
                   PriorityOf(result.outcome),
                   "Handler '" + result.handler + "' for '" + EscapeForLog(alert.alertname(), 80) +
                       "' on '" + EscapeForLog(result.instance, 80) + "' " + outcome + " (" +
                       (result.service_result.empty() ? "?" : result.service_result) + ", exit " +
                       (result.exit_status.empty() ? "?" : result.exit_status) + ") after " +
                       std::to_string(duration_ms) + " ms; attempt " +
                       std::to_string(effect.attempt) + ", " +
                       std::to_string(effect.attempts_in_window) + " of " +
                       std::to_string(max_attempts) + " used.",
                   {{"ALERTNAME", alert.alertname()},
                    {"INSTANCE", result.instance},
                    {"FINGERPRINT", alert.fingerprint},
                    {"HANDLER", result.handler},
                    {"UNIT", result.unit},
                    {"RESULT", outcome},
                    {"SERVICE_RESULT", result.service_result},
                    {"EXIT_CODE", result.exit_code},
                    {"EXIT_STATUS", result.exit_status},
                    {"DURATION_MS", std::to_string(duration_ms)},
                    {"ATTEMPT", std::to_string(effect.attempt)},
                    {"INVOCATION_ID", result.invocation_id}}};
  if (!effect.found_attempt) {
    event.message += " No unfinished attempt matched (reset meanwhile?).";
  } else if (effect.healed && effect.resolved_at) {
    // Its alert resolved while it ran: the world agrees, so it is healed now.
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                       *effect.resolved_at - (result.finished_at - effect.duration))
                       .count();
    event.message += " Its alert had resolved while it ran (" + std::to_string(seconds) +
                     " s after launch): healed, the budget is reset.";
    event.fields.emplace_back("HEALED", "1");
  } else if (effect.verify_until) {
    event.message += " Healed only if its alert resolves by " +
                     FormatRfc3339(*effect.verify_until) + " (VerifySec=).";
    event.fields.emplace_back("VERIFY_UNTIL", FormatRfc3339(*effect.verify_until));
  }
  return event;
}

}  // namespace

Status CheckUnitOfHandler(const RunResult& result) {
  if (!result.handler.empty() && result.unit == UnitNameFor(result.handler, result.instance)) {
    return Ok();
  }
  return Error{Errc::kInvalidInput, "'" + EscapeForLog(result.unit, 100) +
                                        "' is not the unit of handler '" +
                                        EscapeForLog(result.handler, 64) + "' for this instance"};
}

Status ResultService::Record(const RunResult& result, const Alert& alert) {
  if (Status s = CheckUnitOfHandler(result); !s.ok()) return s;
  HandlerConfig handler;  // the defaults when the handler left the config meanwhile
  handler.name = result.handler;
  for (const HandlerConfig& h : config_.handlers) {
    if (h.name == result.handler) handler = h;
  }
  const std::string outcome(OutcomeName(result.outcome));
  auto facts_of = [&](const ResultEffect& effect) {
    return FactsOf(alert, handler, effect.attempts_in_window, outcome, result.finished_at);
  };
  auto effect = store_.RecordResult(
      result, handler.max_attempts, handler.window,
      [&](const ResultEffect& effect) { return OutboxRowOf(facts_of(effect), config_.server); });
  if (!effect.ok()) {
    journal_.Write(
        AuditEvent{EventType::kStoreError,
                   LOG_ERR,
                   "Failed to record the result of " + result.unit + ": " + effect.error().message,
                   {{"UNIT", result.unit}, {"REASON", effect.error().message}}});
    return effect.error();
  }
  journal_.Write(ResultEvent(result, alert, effect.value(), handler.max_attempts));
  if (effect.value().breaker_opened) {
    AnnounceEscalation(facts_of(effect.value()), wake_path_, journal_);
  }
  return Ok();
}

}  // namespace selfheal
