// decide.h — the heart of self-heal: what to do with one alert.
#pragma once

#include <optional>

#include "alert/alert.h"
#include "alert/escalation_alertname.h"
#include "config/config.h"
#include "policy/decision.h"

namespace selfheal {

// Pure: no I/O, no clock, no logging. Same inputs, same Decision.
// Handlers are tried in config order (sorted by name); the first whose AlertName,
// Instance and Label= matchers all match is chosen. Rules, in order (DESIGN.md step 4):
// resolved, no-handler, instance-not-allowed, labels-mismatch, duplicate-run,
// duplicate-notification (an HA copy or a retry, state/dedup.h), breaker-open, paused,
// dry-run, launch.
Decision Decide(const Alert& alert, const Config& config, const History& history, TimePoint now);

// The rules of Decide that look at the alert alone (resolved, no-handler,
// instance-not-allowed, labels-mismatch): their Decision, or nullopt when a handler
// matches a firing alert and only its History can decide (Decide). The caller then
// loads the History, and otherwise need not (no store read for an alert no handler
// acts on).
std::optional<Decision> DecideOnAlertAlone(const Alert& alert, const Config& config);

// The handlers whose AlertName equals the alert's alertname: the keys whose history
// the caller must load before calling Decide.
std::vector<const HandlerConfig*> CandidateHandlers(const Alert& alert, const Config& config);

}  // namespace selfheal
