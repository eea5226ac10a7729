// decision.h — what self-heal decided for one alert, and the state it decided from.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "config/config.h"

namespace selfheal {

// The names (VerdictName) are part of the interface: journal SELF_HEAL_DECISION,
// simulate --json, status. Never rename one.
enum class Verdict {
  kLaunch,                 // "launch"
  kResolved,               // "resolved"
  kNoHandler,              // "no-handler"
  kInstanceNotAllowed,     // "instance-not-allowed"
  kLabelsMismatch,         // "labels-mismatch"
  kDuplicateRun,           // "duplicate-run"
  kDuplicateNotification,  // "duplicate-notification"
  kBreakerOpen,            // "breaker-open"
  kPaused,                 // "paused"
  kDryRun,                 // "dry-run"
};

std::string_view VerdictName(Verdict verdict);

// Past attempts of one (handler, instance) pair, as the store knows them.
struct KeyState {
  std::vector<TimePoint> attempts;             // launches that count toward the budget
  bool run_active = false;                     // a unit for this key is running now
  std::optional<TimePoint> breaker_opened_at;  // set while the breaker is open
  bool escalated = false;                      // the escalation for this opening was queued
  std::string last_result;  // of the newest attempt: an OutcomeName, "healed", "not-healed",
                            // "running" or "lost" ("" when unknown); only reported, never
                            // decided on
};

// The current round of one notification (fingerprint, startsAt): the copies that are
// one "still firing" from Alertmanager, one from each member of an HA set. The rule
// that starts a round and the one that joins it live in state/dedup.h.
struct NotificationRound {
  TimePoint started_at;
  std::map<std::string, TimePoint> senders;  // externalURL → its newest copy in the round
};

// Everything Decide needs to know about the past. The caller (the service, simulate)
// fills it from the store for the alert at hand.
struct History {
  std::optional<TimePoint> paused_until;                // pause in force until then
  std::optional<NotificationRound> notification_round;  // same fingerprint+startsAt seen
  std::map<std::string, KeyState> keys;                 // by handler name, for this instance
};

struct Decision {
  Verdict verdict = Verdict::kNoHandler;
  const HandlerConfig* handler = nullptr;  // set once an alertname matched a handler
  int attempt = 0;                         // 1-based; set for kLaunch and kDryRun
  bool escalate = false;                   // true when this decision opens the breaker or is the
                                           // first skip after it opened: queue one escalation
  bool opens_breaker = false;              // the budget is exhausted now: record the opening
  std::string reason;                      // one human sentence, journaled as SELF_HEAL_REASON
};

}  // namespace selfheal
