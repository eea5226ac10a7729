// Implementation notes: alerts are handled in payload order and each is recorded
// before it is launched, so a crash between the two can only make the breaker more
// careful. When the store or systemd fails part-way, the answer is 503: the alerts
// already decided were recorded (their dedup keys make Alertmanager's retry harmless),
// and the ones not yet decided get decided on the retry.
#include "serve/webhook_service.h"

#include "common/text.h"
#include "http/request_checks.h"
#include "launch/launch_request.h"
#include "policy/decide.h"
#include "serve/decision_event.h"

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
                               JournalSink& journal, const WallClock& clock, ParseLimits limits)
    : config_(config), store_(store), launcher_(launcher), journal_(journal), clock_(clock),
      limits_(limits) {}

void WebhookService::SetResultRecorder(std::vector<std::string> argv) {
  result_argv_ = std::move(argv);
}

void WebhookService::SetOnBreakerOpened(std::function<void(const EscalationFacts&)> callback) {
  on_breaker_opened_ = std::move(callback);
}

void WebhookService::SetOnStateChanged(std::function<void()> callback) {
  on_state_changed_ = std::move(callback);
}

namespace {

EscalationFacts FactsOf(const Alert& alert, const Decision& d, const History& history,
                        TimePoint now) {
  EscalationFacts f;
  f.alertname = alert.alertname();
  f.instance = alert.instance();
  f.fingerprint = alert.fingerprint;
  f.handler = d.handler->name;
  f.attempts = d.handler->max_attempts;
  if (auto key = history.keys.find(d.handler->name); key != history.keys.end()) {
    f.attempts = static_cast<int>(key->second.attempts.size());
    f.last_result = key->second.last_result;
  }
  f.max_attempts = d.handler->max_attempts;
  f.window = d.handler->window;
  f.unit = UnitNameFor(d.handler->name, alert.instance());
  f.opened_at = now;
  f.labels = alert.labels;
  f.generator_url = alert.generator_url;
  return f;
}

}  // namespace

// The store says a run is active when an attempt has no result yet. If systemd has
// no such unit, that run never started (serve was killed between recording the
// attempt and starting the unit): its attempt keeps counting, as a failure would,
// but it no longer blocks, and the notification it came from was never answered,
// so Alertmanager's retry of it is not a duplicate.
void WebhookService::ForgetRunsThatNeverStarted(const Alert& alert, History& history,
                                                const std::string& remote) {
  if (!launcher_) return;
  for (auto& [handler, key] : history.keys) {
    if (!key.run_active) continue;
    std::string unit = UnitNameFor(handler, alert.instance());
    Result<bool> exists = launcher_->Exists(unit);
    if (!exists.ok() || exists.value()) continue;  // unknown: stay careful
    key.run_active = false;
    history.notification_seen_at.reset();
    AuditEvent e{EventType::kLaunchFailed, 4,
                 "An attempt of '" + handler + "' on '" + EscapeForLog(alert.instance(), 80) +
                     "' was recorded but " + unit +
                     " never started (self-heal was stopped in between); it counts as failed.",
                 {{"HANDLER", handler}, {"INSTANCE", alert.instance()},
                  {"ALERTNAME", alert.alertname()}, {"FINGERPRINT", alert.fingerprint},
                  {"UNIT", unit}, {"REMOTE", remote}}};
    journal_.Write(e);
  }
}

// systemd's unit of that name is the duplicate lock; it also covers a run the store
// does not know about (state reset while it ran). Asked before the attempt is
// recorded, so a duplicate costs no attempt and the journal shows one decision.
// If systemd cannot be asked, Launch() finds out.
void WebhookService::SkipIfUnitActive(const Alert& alert, Decision& decision) {
  std::string unit = UnitNameFor(decision.handler->name, alert.instance());
  Result<bool> exists = launcher_->Exists(unit);
  if (!exists.ok() || !exists.value()) return;
  decision.verdict = Verdict::kDuplicateRun;
  decision.attempt = 0;
  decision.reason = "unit " + unit + " is still active";
}

// Journals the launch decision first, so that the handler's own output can never
// precede it in the journal, then asks systemd for the unit. Returns false when the
// request must be answered 503 (systemd unavailable: Alertmanager retries).
bool WebhookService::Launch(const Alert& alert, Decision& decision, const std::string& remote,
                            TimePoint now) {
  LaunchRequest launch = BuildLaunchRequest(alert, *decision.handler, decision.attempt);
  launch.result_argv = result_argv_;
  if (!launch.result_argv.empty()) launch.result_argv.push_back(launch.unit_name);
  journal_.Write(DecisionEvent(alert, decision, remote, launch.unit_name));
  Status started = launcher_->Start(launch);
  if (started.ok()) return true;
  if (started.error().code == Errc::kInvalidInput) {
    // systemd will never take this launch: a retry cannot help, so the attempt stays
    // counted (the breaker opens and a human hears) and the request is answered 2xx.
    journal_.Write(LaunchFailedEvent(alert, decision, remote, launch.unit_name,
                                     started.error().message));
    return true;
  }
  Status cancelled = store_.CancelLaunch(alert, decision, now);
  if (started.error().code == Errc::kConflict && cancelled.ok()) {
    decision.verdict = Verdict::kDuplicateRun;
    decision.attempt = 0;
    decision.reason = "unit " + launch.unit_name +
                      " is still active, so the launch journaled just before did not happen";
    journal_.Write(DecisionEvent(alert, decision, remote, launch.unit_name));
    return true;
  }
  journal_.Write(LaunchFailedEvent(alert, decision, remote, launch.unit_name,
                                   started.error().message));
  return false;
}

HttpResponse WebhookService::Handle(const WebhookRequest& request) {
  Result<Webhook> parsed = ParseWebhook(request.body, limits_);
  if (!parsed.ok()) {
    journal_.Write(RejectionEvent(request, 400, "malformed-payload", parsed.error().message));
    return ErrorResponse(400, parsed.error().message);
  }
  journal_.Write(ReceivedEvent(parsed.value(), request.remote));
  std::string decisions = "[";
  for (const Alert& alert : parsed.value().alerts) {
    TimePoint now = clock_.Now();
    Result<History> history = store_.LoadHistory(alert, CandidateHandlers(alert, config_), now);
    if (!history.ok()) {
      journal_.Write(RejectionEvent(request, 503, "store-unavailable",
                                    "state store unavailable: " + history.error().message));
      return ErrorResponse(503, "state store unavailable; retry");
    }
    ForgetRunsThatNeverStarted(alert, history.value(), request.remote);
    Decision decision = Decide(alert, config_, history.value(), now);
    if (decision.verdict == Verdict::kLaunch && launcher_) SkipIfUnitActive(alert, decision);
    if (Status recorded = store_.Record(alert, decision, now); !recorded.ok()) {
      journal_.Write(RejectionEvent(request, 503, "store-unavailable",
                                    "could not record the decision for '" +
                                        EscapeForLog(alert.alertname(), 80) +
                                        "': " + recorded.error().message));
      return ErrorResponse(503, "state store unavailable; retry");
    }
    if (decision.verdict == Verdict::kLaunch && launcher_) {
      if (!Launch(alert, decision, request.remote, now)) {
        return ErrorResponse(503, "could not start the handler; retry");
      }
    } else {
      journal_.Write(DecisionEvent(alert, decision, request.remote, ""));
    }
    if (decision.escalate && decision.handler && on_breaker_opened_) {
      on_breaker_opened_(FactsOf(alert, decision, history.value(), now));
    }
    AppendDecision(decisions, alert, decision);
  }
  decisions += "]";
  if (on_state_changed_) on_state_changed_();
  return {200, "{\"status\":\"ok\",\"decisions\":" + decisions + "}"};
}

}  // namespace selfheal
