// records.h — what the store keeps besides decisions: handler results, the escalation
// outbox, and the per-key status operators read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/time.h"

namespace selfheal {

// The handler contract (DESIGN.md): exit 0 done, 1 failed, 2 gave up, 3 not
// applicable; a timeout, a signal or any other status counts as failed. "Done" is the
// handler's word; the attempt is healed only when its alert resolves within the
// handler's VerifySec= (the world's word).
enum class Outcome { kDone, kFailed, kGaveUp, kNotApplicable };
std::string_view OutcomeName(Outcome outcome);  // "done", "failed", "gave-up", "not-applicable"

// What a done attempt became: healed once a resolved notification for its alert was
// credited to it, not-healed once VerifySec= passed without one. Reported as results
// (status, History::last_result) beside the OutcomeNames.
inline constexpr std::string_view kHealedResult = "healed";
inline constexpr std::string_view kNotHealedResult = "not-healed";

// What systemd reported when a handler unit stopped (ExecStopPost= environment).
struct RunResult {
  std::string handler;
  std::string instance;
  std::string unit;
  std::string invocation_id;   // $INVOCATION_ID of the handler unit
  std::string service_result;  // $SERVICE_RESULT: success, exit-code, timeout, signal, …
  std::string exit_code;       // $EXIT_CODE: exited, killed, dumped
  std::string exit_status;     // $EXIT_STATUS: "1", or a signal name "TERM"
  Outcome outcome = Outcome::kFailed;
  TimePoint finished_at;
};

// Maps systemd's report to the handler contract.
Outcome OutcomeOf(const std::string& service_result, const std::string& exit_code,
                  const std::string& exit_status);

// What recording a result changed.
struct ResultEffect {
  bool found_attempt = false;   // a launched, unfinished attempt matched the result
  Duration duration{};          // finished_at - the attempt's start
  int attempt = 0;              // which attempt it was
  int attempts_in_window = 0;   // after this result
  bool breaker_opened = false;  // this result opened the breaker: escalate once
  // Outcome::kDone only. healed: its alert had resolved while it ran, so it is healed
  // at once (budget reset, breaker closed). Otherwise it awaits a resolved
  // notification until verify_until (finished_at + VerifySec= as launched).
  bool healed = false;
  std::optional<TimePoint> resolved_at;
  std::optional<TimePoint> verify_until;
};

// What a resolved notification for a key's alert did to the key's newest attempt.
struct ResolveCredit {
  enum class Kind {
    kNone,          // nothing awaits a resolve: no attempt, or healed, failed, lost already
    kHealed,        // done, resolved before verify_until: healed, budget reset
    kAwaitingExit,  // still running: remembered; an exit 0 is then healed at once
    kTooLate,       // done, but VerifySec= had passed: not credited, stays not-healed
  };
  Kind kind = Kind::kNone;
  int attempt = 0;                        // the attempt's number, unless kNone
  TimePoint started_at;                   // when it was launched, unless kNone
  Duration verify{};                      // its VerifySec= as launched, unless kNone
  std::optional<TimePoint> verify_until;  // kHealed, kTooLate: finished_at + verify
};
// "none", "healed", "awaiting-exit", "too-late": journaled as SELF_HEAL_CREDIT.
std::string_view CreditName(ResolveCredit::Kind kind);

// One queued SelfHealExhausted escalation.
struct Escalation {
  int64_t id = 0;
  std::string handler;
  std::string instance;
  std::string alertname;
  std::string payload;  // the Alertmanager API v2 body, built when queued
  int tries = 0;
  TimePoint next_try;
  std::string last_error;
  bool delivered = false;                      // Alertmanager accepted it
  bool command_pending = false;                // EscalateExec= was set when it was queued and its
                                               // unit has not started yet
  std::optional<TimePoint> breaker_opened_at;  // the opening it is for; unset before v1
  bool done() const { return delivered && !command_pending; }
};

// A delivered escalation whose alert Alertmanager may still hold: re-sent while its
// breaker opening lasts, resolved once it is over (DESIGN.md "Escalation").
struct ActiveEscalation {
  Escalation escalation;
  TimePoint last_post;        // the last post Alertmanager took: delivery or re-send
  bool breaker_open = false;  // its opening is the key's and its window has not passed
  bool superseded = false;    // a newer escalation of the same key exists
};

// What one refresh of an active escalation achieved.
struct RefreshMark {
  std::optional<TimePoint> posted_at;    // Alertmanager took a re-send or the resolve
  std::optional<TimePoint> finished_at;  // nothing more to post for it
};

// What one delivery round achieved for one escalation.
struct EscalationMark {
  bool delivered = false;        // Alertmanager accepted it, in this round or before
  bool command_started = false;  // its EscalateExec= unit started (or none is due)
  TimePoint next_try;            // when to try again what is left
  std::string error;             // why something is left; "" when done
};

// One (handler, instance): what attempts, the budget and the breaker are counted by.
struct HealKey {
  std::string handler;
  std::string instance;
};

// The status of one (handler, instance) for `self-heal status`.
struct KeyStatus {
  std::string handler;
  std::string instance;
  std::string alertname;
  int attempts_in_window = 0;
  bool breaker_open = false;
  std::optional<TimePoint> breaker_opened_at;
  std::optional<TimePoint> breaker_open_until;  // opened_at + its window, while open
  std::string last_result;                      // OutcomeName, "running", "lost" (no result within
                                                // TimeoutSec + 30 s: counts as failed), "healed",
                                                // "not-healed", or "" if none yet; "done" while the
                                                // newest attempt awaits its resolve
  std::optional<TimePoint> last_time;           // when the last attempt started or finished
  std::string running_unit;                     // set while an attempt has no result yet
  // The newest attempt's: until when a done attempt awaits its resolve (set once it
  // exited 0), and when a resolve was credited to it (or remembered while it runs).
  std::optional<TimePoint> verify_until;
  std::optional<TimePoint> resolved_at;
};

}  // namespace selfheal
