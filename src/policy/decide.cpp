// Implementation notes: Decide walks DESIGN.md step 4 top to bottom; the first rule
// that applies wins. Matching is exact string comparison only: the alertname and
// labels select among handlers root configured, they never construct anything.
#include "policy/decide.h"

#include <algorithm>
#include <optional>

#include "common/text.h"
#include "state/dedup.h"
#include "state/records.h"

namespace selfheal {

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kLaunch:
      return "launch";
    case Verdict::kResolved:
      return "resolved";
    case Verdict::kNoHandler:
      return "no-handler";
    case Verdict::kInstanceNotAllowed:
      return "instance-not-allowed";
    case Verdict::kLabelsMismatch:
      return "labels-mismatch";
    case Verdict::kDuplicateRun:
      return "duplicate-run";
    case Verdict::kDuplicateNotification:
      return "duplicate-notification";
    case Verdict::kBreakerOpen:
      return "breaker-open";
    case Verdict::kPaused:
      return "paused";
    case Verdict::kDryRun:
      return "dry-run";
  }
  return "unknown";
}

namespace {

bool InstanceAllowed(const HandlerConfig& handler, const std::string& instance) {
  return std::find(handler.instances.begin(), handler.instances.end(), instance) !=
         handler.instances.end();
}

const LabelMatcher* FirstFailingMatcher(const HandlerConfig& handler, const Alert& alert) {
  for (const LabelMatcher& matcher : handler.labels) {
    auto it = alert.labels.find(matcher.name);
    if (it == alert.labels.end() || it->second != matcher.value) return &matcher;
  }
  return nullptr;
}

Decision Make(Verdict verdict, const HandlerConfig* handler, std::string reason) {
  Decision d;
  d.verdict = verdict;
  d.handler = handler;
  d.reason = std::move(reason);
  return d;
}

int AttemptsInWindow(const KeyState& key, const HandlerConfig& handler, TimePoint now) {
  return static_cast<int>(std::count_if(key.attempts.begin(), key.attempts.end(), [&](TimePoint t) {
    return t <= now && now - t < handler.window;
  }));
}

std::string Ago(TimePoint then, TimePoint now) {
  return FormatTimespan(std::chrono::duration_cast<std::chrono::milliseconds>(now - then)) + " ago";
}

std::string DuplicateReason(const Alert& alert, const History& history, CopyKind copy,
                            TimePoint now) {
  const NotificationRound& round = *history.notification_round;
  std::string what = "the same notification (fingerprint " + alert.fingerprint + ", startsAt " +
                     alert.starts_at_text + ")";
  if (copy == CopyKind::kRetry) {
    return what + " came from '" + EscapeForLog(alert.external_url, 200) + "' " +
           Ago(round.senders.at(alert.external_url), now) + ": a retry, not a repeat";
  }
  std::string from;
  for (const auto& [sender, at] : round.senders) {
    if (at == round.started_at) from = " from '" + EscapeForLog(sender, 200) + "'";
  }
  return what + " was seen " + Ago(round.started_at, now) + from + ", and '" +
         EscapeForLog(alert.external_url, 200) +
         "' had not sent it since: a copy from another Alertmanager of an HA set";
}

// Why the budget is still in use after an exit 0: said, never decided on.
std::string NotHealedNote(const KeyState& key, const HandlerConfig& handler) {
  if (key.last_result != kNotHealedResult) return "";
  return "; the last attempt exited 0 but its alert did not resolve within VerifySec=" +
         FormatTimespan(handler.verify) + " (not healed)";
}

// The rules that need history, once a handler has been chosen.
Decision DecideForHandler(const Alert& alert, const HandlerConfig& handler, const Config& config,
                          const History& history, TimePoint now) {
  static const KeyState kNoHistory;
  auto it = history.keys.find(handler.name);
  const KeyState& key = it == history.keys.end() ? kNoHistory : it->second;

  if (key.run_active) {
    return Make(Verdict::kDuplicateRun, &handler,
                "a run of '" + handler.name + "' for this instance is still active");
  }
  CopyKind copy =
      ClassifyCopy(history.notification_round, alert.external_url, now, config.server.dedup_window);
  if (copy != CopyKind::kNewRound) {
    return Make(Verdict::kDuplicateNotification, &handler,
                DuplicateReason(alert, history, copy, now));
  }
  if (key.breaker_opened_at && now - *key.breaker_opened_at < handler.window) {
    Decision d =
        Make(Verdict::kBreakerOpen, &handler,
             "the breaker opened at " + FormatRfc3339(*key.breaker_opened_at) +
                 " and stays open until " + FormatRfc3339(*key.breaker_opened_at + handler.window));
    d.escalate = !key.escalated;
    return d;
  }
  int used = AttemptsInWindow(key, handler, now);
  if (used >= handler.max_attempts) {
    Decision d = Make(Verdict::kBreakerOpen, &handler,
                      std::to_string(used) + " of " + std::to_string(handler.max_attempts) +
                          " attempts used within " + FormatTimespan(handler.window) +
                          NotHealedNote(key, handler));
    d.opens_breaker = true;
    d.escalate = true;
    return d;
  }
  if (history.paused_until && now < *history.paused_until) {
    return Make(Verdict::kPaused, &handler,
                "self-heal is paused until " + FormatRfc3339(*history.paused_until));
  }
  Decision d = Make(handler.mode == HandlerMode::kDryRun ? Verdict::kDryRun : Verdict::kLaunch,
                    &handler, "");
  d.attempt = used + 1;
  d.reason = (d.verdict == Verdict::kDryRun ? "would run attempt " : "attempt ") +
             std::to_string(d.attempt) + " of " + std::to_string(handler.max_attempts) +
             " within " + FormatTimespan(handler.window) +
             (d.verdict == Verdict::kDryRun ? " (Mode=dry-run)" : "") + NotHealedNote(key, handler);
  return d;
}

}  // namespace

std::vector<const HandlerConfig*> CandidateHandlers(const Alert& alert, const Config& config) {
  std::vector<const HandlerConfig*> out;
  if (alert.alertname() == kEscalationAlertName) return out;
  for (const HandlerConfig& handler : config.handlers) {
    if (handler.alertname == alert.alertname()) out.push_back(&handler);
  }
  return out;
}

namespace {

// The rules that look at the alert alone: a decision, or the handler whose history
// decides.
struct Match {
  std::optional<Decision> decided;
  const HandlerConfig* handler = nullptr;
};

Match MatchHandler(const Alert& alert, const Config& config) {
  if (alert.alertname() == kEscalationAlertName) {
    return {Make(alert.status == AlertStatus::kResolved ? Verdict::kResolved : Verdict::kNoHandler,
                 nullptr, "self-heal never acts on its own escalation alerts"),
            nullptr};
  }
  std::vector<const HandlerConfig*> candidates = CandidateHandlers(alert, config);
  const HandlerConfig* allowed = nullptr;  // first handler allowing the instance
  const HandlerConfig* matched = nullptr;  // first one whose labels match too
  const LabelMatcher* failing = nullptr;
  for (const HandlerConfig* handler : candidates) {
    if (!InstanceAllowed(*handler, alert.instance())) continue;
    if (!allowed) allowed = handler;
    const LabelMatcher* fail = FirstFailingMatcher(*handler, alert);
    if (!fail) {
      matched = handler;
      break;
    }
    if (!failing) failing = fail;
  }

  if (alert.status == AlertStatus::kResolved) {
    return {Make(Verdict::kResolved, matched,
                 matched ? "resolved; closes the incident for '" + matched->name + "'"
                         : "resolved; no handler acts on it"),
            nullptr};
  }
  if (candidates.empty()) {
    return {Make(Verdict::kNoHandler, nullptr, "no handler is configured for this alertname"),
            nullptr};
  }
  if (!allowed) {
    return {Make(Verdict::kInstanceNotAllowed, candidates.front(),
                 "instance is not in Instance= of " +
                     std::string(candidates.size() == 1 ? "'" + candidates.front()->name + "'"
                                                        : "any handler for this alertname")),
            nullptr};
  }
  if (!matched) {
    auto it = alert.labels.find(failing->name);
    return {Make(Verdict::kLabelsMismatch, allowed,
                 "label '" + failing->name + "' is " +
                     (it == alert.labels.end() ? std::string("absent")
                                               : "not '" + failing->value + "'") +
                     " as '" + allowed->name + "' requires"),
            nullptr};
  }
  return {std::nullopt, matched};
}

}  // namespace

std::optional<Decision> DecideOnAlertAlone(const Alert& alert, const Config& config) {
  return MatchHandler(alert, config).decided;
}

Decision Decide(const Alert& alert, const Config& config, const History& history, TimePoint now) {
  Match match = MatchHandler(alert, config);
  if (match.decided) return *std::move(match.decided);
  return DecideForHandler(alert, *match.handler, config, history, now);
}

}  // namespace selfheal
