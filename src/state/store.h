// store.h — the state seam: attempts, breakers, dedup keys, pause (STYLE.md: one of four).
// MemoryStore is the in-process implementation; SqliteStore (issue 5) the durable one.
#pragma once

#include <string>
#include <vector>

#include "alert/alert.h"
#include "common/result.h"
#include "common/time.h"
#include "policy/decision.h"
#include "state/records.h"

namespace selfheal {

class Store {
 public:
  virtual ~Store() = default;

  // Fills History for `alert` and each of `handlers` (by name). Errc::kUnavailable when
  // the store is busy or unreadable (the caller answers 503 so Alertmanager retries).
  virtual Result<History> LoadHistory(const Alert& alert,
                                      const std::vector<const HandlerConfig*>& handlers,
                                      TimePoint now) = 0;

  // Records `decision` durably before anything acts on it: the dedup key for a firing
  // alert, an attempt for kLaunch, the breaker opening, the incident closed by
  // kResolved. Errc::kUnavailable when it could not be written.
  virtual Status Record(const Alert& alert, const Decision& decision, TimePoint now) = 0;

  // Takes back what Record(alert, decision, recorded_at) wrote for a kLaunch that did
  // not start (systemd refused: a unit of that name is active, or systemd could not be
  // reached): the attempt and the dedup key, so a duplicate costs no attempt and a
  // retry is not mistaken for a duplicate notification.
  virtual Status CancelLaunch(const Alert& alert, const Decision& decision,
                              TimePoint recorded_at) = 0;
};

// The durable store's further duties (issue 5): results, outbox, operator commands.
// Kept apart from Store so the request path depends only on what it uses.
class StateStore : public Store {
 public:
  // Records a handler's result against its unfinished attempt (matched by unit name
  // and the newest unfinished attempt): healed clears the budget, gave-up opens the
  // breaker at once, failed opens it when the attempts in the window reach
  // handler_max_attempts, not-applicable does not count. Idempotent per
  // invocation_id: recording the same result twice changes nothing the second time.
  virtual Result<ResultEffect> RecordResult(const RunResult& result, int max_attempts,
                                            Duration window) = 0;

  // Escalation outbox: enqueue (once per breaker opening of a key), list those not
  // done and due at `now`, and mark the outcome of a delivery round.
  virtual Status EnqueueEscalation(const Escalation& escalation) = 0;
  virtual Result<std::vector<Escalation>> DueEscalations(TimePoint now) = 0;
  virtual Status MarkEscalation(int64_t id, const EscalationMark& mark) = 0;
  // Escalations not done yet (Alertmanager or the command still due); their
  // next_try tells the deliverer how long to stay up.
  virtual Result<std::vector<Escalation>> PendingEscalations() = 0;

  // Operator commands.
  virtual Result<std::vector<KeyStatus>> ListStatus(TimePoint now) = 0;
  // Closes the breaker and stops counting the attempts (kept as history); queued
  // escalations stay. Errc::kNotFound when nothing is recorded for that key.
  virtual Status Reset(const std::string& handler, const std::string& instance) = 0;
  virtual Status ResetAll() = 0;
  virtual Status SetPausedUntil(std::optional<TimePoint> until) = 0;  // nullopt resumes

  // Counters for the metrics textfile, derived from durable rows so they survive
  // restarts: results by handler and outcome, escalations queued.
  struct Totals {
    std::vector<std::pair<std::pair<std::string, std::string>, int64_t>> results;  // (handler, outcome) → n
    int64_t escalations = 0;
    std::optional<TimePoint> last_run;
  };
  virtual Result<Totals> ReadTotals() = 0;
};

}  // namespace selfheal
