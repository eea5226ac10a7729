// escalation_payload.h — the SelfHealExhausted alert that tells a human self-heal gave
// up, as the body of an Alertmanager API v2 `POST /api/v2/alerts` (DESIGN.md
// "Escalation"). Pure: built once when the escalation is queued and stored in the
// outbox as is; each post changes only its endsAt (escalate/refresh.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "alert/alert.h"
#include "common/time.h"

namespace selfheal {

// What a human needs to know about one breaker opening of (handler, instance).
struct EscalationFacts {
  std::string alertname;  // of the alert that was being healed
  std::string instance;
  std::string fingerprint;  // Alertmanager's; may be empty
  std::string handler;
  int attempts = 0;           // launches in the window when the breaker opened
  int max_attempts = 0;       // the handler's MaxAttempts=
  Duration window{};          // the handler's Window=
  std::string last_result;    // OutcomeName of the last run, e.g. "failed"; "" = unknown
  std::string unit;           // the last handler unit, e.g. self-heal-nginx-1a2b3c4d.service
  TimePoint opened_at;        // when the breaker opened
  LabelSet labels;            // the original alert's labels
  std::string generator_url;  // the original alert's generatorURL; may be empty
};

// Returns a JSON array holding one alert:
// - labels: the original labels, so the user's routes, silences and inhibitions for
//   that instance and job apply, except that
//     alertname          = "SelfHealExhausted" (the original is kept as
//                          original_alertname; self-heal never acts on its own alert),
//     severity           = "critical" (a human must hear; the original is kept as
//                          original_severity),
//     heal               is carried as original_heal: it is the label that routes an
//                          alert to self-heal (DESIGN.md), and an escalation routed
//                          back to self-heal would reach nobody,
//     instance           = f.instance, self_heal_handler = f.handler.
// - annotations: summary, description, attempts, max_attempts, window, last_result,
//   unit, breaker_opened_at, fingerprint (when known), and journal: the journalctl
//   command that shows the history (by SELF_HEAL_FINGERPRINT, or by alertname and
//   instance when there is no fingerprint), values shell-quoted where needed.
// - startsAt = opened_at; endsAt = opened_at + window when window > 0 (what the
//   alert would say if no re-send ever came; each post replaces it, refresh.h);
//   generatorURL when known.
std::string BuildEscalationPayload(const EscalationFacts& f);

// The annotation `name` of the first alert in a payload built by
// BuildEscalationPayload; nullopt if the payload is not such a body or lacks it. Lets
// the outbox quote what was sent without keeping a second copy of the facts.
std::optional<std::string> PayloadAnnotation(std::string_view payload, std::string_view name);

// Quotes `arg` for a POSIX shell when it holds anything beyond [A-Za-z0-9_./:=@%+,-]:
// single quotes, with ' written as '\''. Used for the journalctl hint only.
std::string ShellQuote(std::string_view arg);

}  // namespace selfheal
