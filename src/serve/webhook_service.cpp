// Implementation notes: alerts are handled in payload order and each is recorded
// before it is launched, so a crash between the two can only make the breaker more
// careful. When the store or systemd fails part-way, the answer is 503: the alerts
// already decided were recorded (their dedup keys make Alertmanager's retry harmless),
// and the ones not yet decided get decided on the retry.
#include "serve/webhook_service.h"

#include "common/text.h"
#include "launch/launch_request.h"
#include "policy/decide.h"
#include "serve/decision_event.h"

namespace selfheal {

namespace {

HttpResponse JsonError(int status, const std::string& message) {
  std::string body = "{\"error\":";
  AppendJsonString(body, message);
  body += "}";
  return {status, body};
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

EscalationFacts FactsOf(const Alert& alert, const Decision& d, TimePoint now) {
  EscalationFacts f;
  f.alertname = alert.alertname();
  f.instance = alert.instance();
  f.fingerprint = alert.fingerprint;
  f.handler = d.handler->name;
  f.attempts = d.handler->max_attempts;
  f.max_attempts = d.handler->max_attempts;
  f.window = d.handler->window;
  f.unit = UnitNameFor(d.handler->name, alert.instance());
  f.opened_at = now;
  f.labels = alert.labels;
  f.generator_url = alert.generator_url;
  return f;
}

}  // namespace

HttpResponse WebhookService::Handle(const WebhookRequest& request) {
  Result<Webhook> parsed = ParseWebhook(request.body, limits_);
  if (!parsed.ok()) {
    journal_.Write(RejectionEvent(400, request.remote, parsed.error().message));
    return JsonError(400, parsed.error().message);
  }
  std::string decisions = "[";
  for (const Alert& alert : parsed.value().alerts) {
    TimePoint now = clock_.Now();
    Result<History> history = store_.LoadHistory(alert, CandidateHandlers(alert, config_), now);
    if (!history.ok()) {
      journal_.Write(RejectionEvent(503, request.remote,
                                    "state store unavailable: " + history.error().message));
      return JsonError(503, "state store unavailable; retry");
    }
    Decision decision = Decide(alert, config_, history.value(), now);
    if (Status recorded = store_.Record(alert, decision, now); !recorded.ok()) {
      journal_.Write(RejectionEvent(503, request.remote,
                                    "could not record the decision for '" +
                                        EscapeForLog(alert.alertname(), 80) +
                                        "': " + recorded.error().message));
      return JsonError(503, "state store unavailable; retry");
    }
    std::string unit;
    if (decision.verdict == Verdict::kLaunch && launcher_) {
      LaunchRequest launch = BuildLaunchRequest(alert, *decision.handler, decision.attempt);
      launch.result_argv = result_argv_;
      if (!launch.result_argv.empty()) launch.result_argv.push_back(launch.unit_name);
      Status started = launcher_->Start(launch);
      if (started.ok()) {
        unit = launch.unit_name;
      } else if (started.error().code == Errc::kInvalidInput) {
        // systemd will never take this launch: a retry cannot help, so the attempt
        // stays counted (the breaker opens and a human hears) and we answer 2xx.
        journal_.Write(LaunchFailedEvent(alert, decision, request.remote, launch.unit_name,
                                         started.error().message));
      } else {
        Status cancelled = store_.CancelLaunch(alert, decision, now);
        if (started.error().code == Errc::kConflict && cancelled.ok()) {
          decision.verdict = Verdict::kDuplicateRun;
          decision.attempt = 0;
          decision.reason = "unit " + launch.unit_name + " is still active";
        } else {
          journal_.Write(LaunchFailedEvent(alert, decision, request.remote, launch.unit_name,
                                           started.error().message));
          return JsonError(503, "could not start the handler; retry");
        }
      }
    }
    journal_.Write(DecisionEvent(alert, decision, request.remote, unit));
    if (decision.escalate && decision.handler && on_breaker_opened_) {
      on_breaker_opened_(FactsOf(alert, decision, now));
    }
    AppendDecision(decisions, alert, decision);
  }
  decisions += "]";
  if (on_state_changed_) on_state_changed_();
  return {200, "{\"status\":\"ok\",\"decisions\":" + decisions + "}"};
}

}  // namespace selfheal
