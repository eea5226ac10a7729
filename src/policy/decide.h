// decide.h — the heart of self-heal: what to do with one alert.
#pragma once

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

// Whether Decide(alert, config, …) reads its History: only for a firing alert with a
// handler that matches it (AlertName, Instance=, Label=). Without one the caller need
// not load any (no store read for an alert no handler acts on).
bool NeedsHistory(const Alert& alert, const Config& config);

// The handlers whose AlertName equals the alert's alertname: the keys whose history
// the caller must load before calling Decide.
std::vector<const HandlerConfig*> CandidateHandlers(const Alert& alert, const Config& config);

}  // namespace selfheal
