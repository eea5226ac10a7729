// Implementation notes: alerts are handled in payload order and each is recorded
// before it is launched, so a crash between the two can only make the breaker more
// careful. A decision that escalates is recorded with its outbox row, in one
// transaction: no crash can leave a breaker marked escalated with nobody told. When the
// store or systemd fails part-way, the answer is 503: the alerts already decided were
// recorded (their dedup keys make Alertmanager's retry harmless), and the ones not yet
// decided get decided on the retry. A start systemd did not answer in time is neither
// taken back nor retried here: the attempt stays recorded as a running run, so the
// retry finds out from systemd whether the unit exists instead of starting it again.
#include "serve/webhook_service.h"

#include <syslog.h>

#include "common/text.h"
#include "http/error_status.h"
#include "http/request_checks.h"
#include "launch/launch_request.h"
#include "policy/decide.h"
#include "serve/decision_event.h"
#include "serve/escalation.h"
#include "serve/result_service.h"
#include "state/dedup.h"

namespace selfheal {

namespace {

// The same one-line body the HTTP layer gives its own rejections.
HttpResponse ErrorResponse(int status, const std::string& message) {
  return {status, JsonError(message)};
}

void AppendDecision(std::string& out, const Alert& alert, const Decision& d) {
  if (out.back() != '[') out += ',';
  out += "{\"alertname\":";
  AppendJsonString(out, alert.alertname());
  out += ",\"instance\":";
  AppendJsonString(out, alert.instance());
  out += ",\"decision\":";
  AppendJsonString(out, VerdictName(d.verdict));
  out += "}";
}

}  // namespace

WebhookService::WebhookService(const Config& config, Store& store, Launcher* launcher,
                               JournalSink& journal, const WallClock& clock,
                               const ParseLimits& limits)
    : config_(&config),
      store_(store),
      launcher_(launcher),
      journal_(journal),
      clock_(clock),
      limits_(limits) {}

void WebhookService::SetResultRecorder(std::vector<std::string> argv) {
  result_argv_ = std::move(argv);
}

void WebhookService::SetResultStore(ResultStore* store) { result_store_ = store; }

void WebhookService::SetDeliveryWake(std::string wake_path) { wake_path_ = std::move(wake_path); }

void WebhookService::UseConfig(const Config& config) { config_.store(&config); }

void WebhookService::SetOnStateChanged(std::function<void()> callback) {
  on_state_changed_ = std::move(callback);
}

namespace {

// The breaker's facts as the history Decide read shows them: the attempts that
// exhausted the budget and how the newest one ended.
EscalationFacts FactsFor(const Alert& alert, const Decision& d, const History& history,
                         TimePoint now) {
  int attempts = d.handler->max_attempts;
  std::string last_result;
  if (auto key = history.keys.find(d.handler->name); key != history.keys.end()) {
    attempts = static_cast<int>(key->second.attempts.size());
    last_result = key->second.last_result;
  }
  return FactsOf(alert, *d.handler, attempts, std::move(last_result), now);
}

}  // namespace

namespace {

// Whether ForgetRunsThatNeverStarted will ask systemd about one of `history`'s keys.
bool AsksSystemd(const History& history) {
  for (const auto& [handler, key] : history.keys) {
    if (key.run_active) return true;
  }
  return false;
}

// Asks systemd only while the request's deadline lasts: a call that timed out spent it,
// so after one timeout nothing waits again.
Expected<bool> UnitExists(Launcher& launcher, const std::string& unit, Deadline deadline) {
  if (std::chrono::steady_clock::now() >= deadline) {
    return Error{Errc::kTimedOut, "the request's " + FormatTimespan(kSystemdPatience) +
                                      " for systemd were spent before asking about " + unit};
  }
  return launcher.Exists(unit, deadline);
}

}  // namespace

Status WebhookService::MakeDurable(Unflushed& unflushed) {
  if (Status flushed = store_.Flush(); !flushed.ok()) {
    unflushed = {};  // rolled back: the retry decides them again
    return flushed;
  }
  for (const AuditEvent& entry : unflushed.entries) journal_.Write(entry);
  for (const EscalationFacts& facts : unflushed.escalations) {
    AnnounceEscalation(facts, wake_path_, journal_);
  }
  unflushed = {};
  return Ok();
}

// The store says a run is active when an attempt has no result yet. If systemd has
// no such unit, that run never started: serve was killed between recording the
// attempt and starting the unit, or systemd did not answer the start in time and never
// took it. Its attempt keeps counting, as a failure would, but it no longer blocks,
// and the notification it came from was never answered 2xx, so Alertmanager's retry
// of it is not a duplicate. If systemd cannot say, the run stays active.
Status WebhookService::ForgetRunsThatNeverStarted(const Alert& alert, History& history,
                                                  const std::string& remote, Deadline deadline) {
  if (!launcher_) return Ok();
  for (auto& [handler, key] : history.keys) {
    if (!key.run_active) continue;
    std::string unit = UnitNameFor(handler, alert.instance());
    Expected<bool> exists = UnitExists(*launcher_, unit, deadline);
    if (!exists.ok() && exists.error().code == Errc::kTimedOut) return exists.error();
    if (!exists.ok() || exists.value()) continue;  // unknown: stay careful
    key.run_active = false;
    history.notification_round.reset();
    AuditEvent e{EventType::kLaunchFailed,
                 LOG_WARNING,
                 "An attempt of '" + handler + "' on '" + EscapeForLog(alert.instance(), 80) +
                     "' was recorded but " + unit +
                     " left no result and is gone (self-heal was stopped before starting "
                     "it, or systemd did not answer the start in time and never took it, or "
                     "the unit failed before anything of it ran, its result recorder "
                     "included: a User= deleted since it was looked up); it counts as failed.",
                 {{"HANDLER", handler},
                  {"INSTANCE", alert.instance()},
                  {"ALERTNAME", alert.alertname()},
                  {"FINGERPRINT", alert.fingerprint},
                  {"UNIT", unit},
                  {"REMOTE", remote}}};
    journal_.Write(e);
  }
  return Ok();
}

// systemd's unit of that name is the duplicate lock; it also covers a run the store
// does not know about (state reset while it ran). Asked before the attempt is
// recorded, so a duplicate costs no attempt and the journal shows one decision.
// If systemd cannot be reached, Launch() finds out.
Status WebhookService::SkipIfUnitActive(const Alert& alert, Decision& decision, Deadline deadline) {
  std::string unit = UnitNameFor(decision.handler->name, alert.instance());
  Expected<bool> exists = UnitExists(*launcher_, unit, deadline);
  if (!exists.ok() && exists.error().code == Errc::kTimedOut) return exists.error();
  if (!exists.ok() || !exists.value()) return Ok();
  decision.verdict = Verdict::kDuplicateRun;
  decision.attempt = 0;
  decision.reason = "unit " + unit + " is still active";
  return Ok();
}

// Asks systemd for the unit, then journals the one decision entry of the alert, saying
// what happened: launch, or duplicate-run when systemd already has a unit of that name
// (it appeared after SkipIfUnitActive asked; the attempt is taken back), or the launch
// systemd refused. Returns false when the request must be answered 503: systemd
// unavailable (the attempt is taken back and Alertmanager's retry decides again), or
// no answer by `deadline` (the attempt stays: systemd may still start the unit).
bool WebhookService::Launch(const Config& config, const Alert& alert, Decision& decision,
                            const std::string& remote, TimePoint now, Deadline deadline) {
  LaunchRequest launch = BuildLaunchRequest(alert, *decision.handler, decision.attempt);
  launch.result_argv = result_argv_;
  if (!launch.result_argv.empty()) launch.result_argv.push_back(launch.unit_name);
  Status started = launcher_->Start(launch, deadline);
  if (started.ok()) {
    journal_.Write(DecisionEvent(alert, decision, remote, launch.unit_name));
    return true;
  }
  if (started.error().code == Errc::kInvalidInput) {
    // systemd will never take this launch: a retry cannot help, so the attempt stays
    // counted (the breaker opens and a human hears) and the request is answered 2xx.
    journal_.Write(LaunchFailedEvent(alert, decision, remote, launch.unit_name,
                                     started.error().message, /*retried=*/false));
    RecordNeverRan(config, alert, decision, launch.unit_name, now);
    return true;
  }
  if (started.error().code == Errc::kTimedOut) {
    journal_.Write(
        LaunchUnknownEvent(alert, decision, remote, launch.unit_name, started.error().message));
    return false;
  }
  Status cancelled = store_.CancelLaunch(alert, decision, now);
  if (started.error().code == Errc::kConflict && cancelled.ok()) {
    decision.verdict = Verdict::kDuplicateRun;
    decision.attempt = 0;
    decision.reason = "systemd already has unit " + launch.unit_name;
    journal_.Write(DecisionEvent(alert, decision, remote, launch.unit_name));
    return true;
  }
  journal_.Write(LaunchFailedEvent(alert, decision, remote, launch.unit_name,
                                   started.error().message, /*retried=*/true));
  return false;
}

// Nothing ran and no recorder ever will: the attempt ends failed now, so that status
// does not show it running and the next notification does not take it for a run that
// serve was stopped before starting. Record journals the result (or its store error).
void WebhookService::RecordNeverRan(const Config& config, const Alert& alert,
                                    const Decision& decision, const std::string& unit,
                                    TimePoint now) {
  if (!result_store_) return;
  RunResult result;
  result.handler = decision.handler->name;
  result.instance = alert.instance();
  result.unit = unit;
  result.service_result = "launch-refused";
  result.outcome = Outcome::kFailed;
  result.finished_at = now;
  (void)ResultService(config, *result_store_, journal_, wake_path_).Record(result, alert);
}

HttpResponse WebhookService::Handle(const WebhookRequest& request) {
  Expected<Webhook> parsed = ParseWebhook(request.body, limits_);
  if (!parsed.ok()) {
    const int status = StatusFor(parsed.error().code);
    journal_.Write(RejectionEvent(request, status, "malformed-payload", parsed.error().message));
    return ErrorResponse(status, parsed.error().message);
  }
  for (const AuditEvent& receipt : ReceivedEvents(parsed.value(), request.remote)) {
    journal_.Write(receipt);
  }
  const std::vector<Alert>& alerts = parsed.value().alerts;
  size_t reached = 0;
  // One transaction for the request's decisions where nothing acts on them in between:
  // a payload of 1,000 alerts that launch nothing is one fsync, not 1,000.
  store_.Group();
  HttpResponse response = DecideAll(request, alerts, reached);
  store_.Ungroup();  // what an error left unflushed is rolled back: the retry decides it
  if (response.status != 200 && reached > 0) {
    // Alertmanager retries the whole request. Those of its alerts decided before the
    // error, and the one it happened at, must see that retry as a retry however long
    // this answer took (systemd late with a start): else it counts as a repeat, and a
    // run that finished meanwhile would be launched again.
    Status noted = store_.AwaitRetry(std::span<const Alert>(alerts.data(), reached), clock_.Now());
    if (!noted.ok()) {
      journal_.Write(AuditEvent{
          EventType::kStoreError,
          LOG_WARNING,
          "Could not note that the retry of this request is awaited: " + noted.error().message +
              "; a retry more than " + FormatTimespan(kRetryGap) + " from now counts as a repeat.",
          {{"REMOTE", request.remote}}});
    }
  }
  return response;
}

HttpResponse WebhookService::DecideAll(const WebhookRequest& request,
                                       const std::vector<Alert>& alerts, size_t& reached) {
  const Config& config = *config_.load();  // one config for the whole request
  const Deadline systemd_deadline = DeadlineIn(kSystemdPatience);
  // systemd did not answer in time: this alert and those after it wait for the retry.
  auto systemd_late = [&](const Alert& alert, const Error& error) {
    const int status = StatusFor(error.code);
    journal_.Write(RejectionEvent(request, status, "systemd-timeout",
                                  error.message + "; '" + EscapeForLog(alert.alertname(), 80) +
                                      "' on '" + EscapeForLog(alert.instance(), 80) +
                                      "' and the alerts after it are decided on the retry"));
    if (on_state_changed_) on_state_changed_();
    return ErrorResponse(status, "systemd did not answer in time; retry");
  };
  auto store_unavailable = [&](const std::string& what, const Error& error) {
    const int status = StatusFor(Errc::kUnavailable);
    journal_.Write(RejectionEvent(request, status, "store-unavailable", what + error.message));
    return ErrorResponse(status, "state store unavailable; retry");
  };
  Unflushed unflushed;
  auto durable = [&](const Alert& alert) -> std::optional<HttpResponse> {
    Status flushed = MakeDurable(unflushed);
    if (flushed.ok()) return std::nullopt;
    return store_unavailable(
        "could not record the decisions up to '" + EscapeForLog(alert.alertname(), 80) + "': ",
        flushed.error());
  };
  std::string decisions = "[";
  for (const Alert& alert : alerts) {
    TimePoint now = clock_.Now();
    // Decided by the alert alone: nothing to read from the store.
    std::optional<Decision> early = DecideOnAlertAlone(alert, config);
    Expected<History> history =
        early ? Expected<History>(History{})
              : store_.LoadHistory(alert, CandidateHandlers(alert, config), now);
    if (history.ok()) ++reached;  // its notification may have a round, or get one below
    if (!history.ok()) {
      // Whatever the store says, the decision could not be made now: a retry can help.
      return store_unavailable("state store unavailable: ", history.error());
    }
    // Nothing waits on systemd while the group holds the write lock.
    if (AsksSystemd(history.value())) {
      if (auto failed = durable(alert)) return *failed;
    }
    if (Status asked =
            ForgetRunsThatNeverStarted(alert, history.value(), request.remote, systemd_deadline);
        !asked.ok()) {
      return systemd_late(alert, asked.error());
    }
    Decision decision = early ? *std::move(early) : Decide(alert, config, history.value(), now);
    if (decision.verdict == Verdict::kLaunch && launcher_) {
      if (auto failed = durable(alert)) return *failed;
      if (Status asked = SkipIfUnitActive(alert, decision, systemd_deadline); !asked.ok()) {
        return systemd_late(alert, asked.error());
      }
    }
    std::optional<EscalationFacts> escalation;
    std::optional<Escalation> outbox_row;
    if (decision.escalate && decision.handler) {
      escalation = FactsFor(alert, decision, history.value(), now);
      outbox_row = OutboxRowOf(*escalation, config.server);
    }
    if (decision.verdict == Verdict::kResolved && decision.handler) {
      // The world's word on the newest attempt: healed, remembered, or too late.
      Expected<ResolveCredit> credit = store_.CreditResolved(alert, decision, now);
      if (!credit.ok()) {
        return store_unavailable(
            "could not record the resolve of '" + EscapeForLog(alert.alertname(), 80) + "': ",
            credit.error());
      }
      unflushed.entries.push_back(
          ResolvedEvent(alert, decision, credit.value(), request.remote, now));
      AppendDecision(decisions, alert, decision);
      continue;
    }
    if (Status recorded = store_.Record(alert, decision, now, outbox_row ? &*outbox_row : nullptr);
        !recorded.ok()) {
      return store_unavailable(
          "could not record the decision for '" + EscapeForLog(alert.alertname(), 80) + "': ",
          recorded.error());
    }
    if (decision.verdict == Verdict::kLaunch && launcher_) {
      // The attempt is durable before systemd hears of it; what Launch writes (a start
      // taken back, a refused one's result) commits on its own, as it journals it.
      if (auto failed = durable(alert)) return *failed;
      store_.Ungroup();
      const bool started = Launch(config, alert, decision, request.remote, now, systemd_deadline);
      store_.Group();
      if (!started) {
        if (on_state_changed_) on_state_changed_();
        return ErrorResponse(StatusFor(Errc::kUnavailable), "could not start the handler; retry");
      }
      if (escalation) AnnounceEscalation(*escalation, wake_path_, journal_);
    } else {
      unflushed.entries.push_back(DecisionEvent(alert, decision, request.remote, ""));
      if (escalation) unflushed.escalations.push_back(*escalation);
    }
    AppendDecision(decisions, alert, decision);
  }
  if (!alerts.empty()) {
    if (auto failed = durable(alerts.back())) return *failed;
  }
  decisions += "]";
  if (on_state_changed_) on_state_changed_();
  return {200, "{\"status\":\"ok\",\"decisions\":" + decisions + "}"};
}

}  // namespace selfheal
