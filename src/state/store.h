// store.h — the state seams, one per duty (STYLE.md: the store is one of four edges).
// Each user depends on the narrow interface it needs, so its fake implements all of
// it: the request path on Store, record-result on ResultStore, the deliverer on
// Outbox, the operator commands and metrics on OperatorStore. MemoryStore implements
// Store in process; SqliteStore implements them all durably (StateStore).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "alert/alert.h"
#include "common/expected.h"
#include "common/time.h"
#include "policy/decision.h"
#include "state/records.h"

namespace selfheal {

// The request path: what Decide needs, and recording what it decided.
class Store {
 public:
  virtual ~Store() = default;

  // Fills History for `alert` and each of `handlers` (by name). Errc::kUnavailable when
  // the store is busy or unreadable (the caller answers 503 so Alertmanager retries).
  virtual Expected<History> LoadHistory(const Alert& alert,
                                        const std::vector<const HandlerConfig*>& handlers,
                                        TimePoint now) = 0;

  // Records `decision` durably before anything acts on it, in one transaction: the
  // dedup key for a firing alert, an attempt for kLaunch (with the handler's
  // VerifySec=), the breaker opening, and, when decision.escalate, `escalation` queued in
  // the outbox with the breaker marked escalated (the two never exist apart: a crash
  // or a failed insert leaves neither). An escalating decision without an escalation
  // is refused (kInternal) by a store with an outbox. Errc::kUnavailable when it could
  // not be written.
  virtual Status Record(const Alert& alert, const Decision& decision, TimePoint now,
                        const Escalation* escalation) = 0;

  // Credits a kResolved decision's notification to the newest attempt of its (handler,
  // instance), in one transaction (ResolveCredit): a done attempt within its
  // VerifySec= is healed and the key's budget reset; a running one remembers it, so
  // its exit 0 is healed at once; a done one past VerifySec= is not credited. kNone
  // for any other decision, or when nothing awaits a resolve. Errc::kUnavailable when
  // it could not be written.
  virtual Expected<ResolveCredit> CreditResolved(const Alert& alert, const Decision& decision,
                                                 TimePoint now) = 0;

  // Takes back what Record(alert, decision, recorded_at) wrote for a kLaunch that did
  // not start (systemd refused: a unit of that name is active, or systemd could not be
  // reached): the attempt and the dedup key, so a duplicate costs no attempt and a
  // retry is not mistaken for a duplicate notification.
  virtual Status CancelLaunch(const Alert& alert, const Decision& decision,
                              TimePoint recorded_at) = 0;

  // Notes that `alerts`, from one request, were answered at `now` with an error that
  // Alertmanager retries (503): for each notification with a round, its sender counts
  // as having sent it at `now`. Its retry is then due within kRetryGap of the answer
  // (dedup.h), and is a retry, not a repeat, however long the answer took (systemd
  // late with a start). One transaction; Errc::kUnavailable when it could not be written.
  virtual Status AwaitRetry(std::span<const Alert> alerts, TimePoint now) = 0;

  // One request's writes as few transactions as it can: after Group(), the calls above
  // join one transaction (and read what it wrote) until Flush() commits it, with one
  // fsync; Ungroup() rolls back what was not flushed and ends the grouping. Nothing of
  // a group is durable before Flush() returns Ok, so nothing may act on it (launch,
  // journal, answer) before. A store that writes at once (MemoryStore) needs none of it.
  virtual void Group() {}
  virtual Status Flush() { return Ok(); }
  virtual void Ungroup() {}
};

// Builds the escalation of a breaker the result being recorded opens, from what the
// recording found (the attempts in the window, the attempt's number). Called inside
// the transaction, so it must be pure: no I/O, no store.
using EscalationFor = std::function<Escalation(const ResultEffect& effect)>;

// The result path (`record-result`, run by each handler unit's ExecStopPost=).
class ResultStore {
 public:
  virtual ~ResultStore() = default;

  // Records a handler's result against its unfinished attempt (matched by unit name
  // and the newest unfinished attempt): done awaits its alert's resolve (healed at
  // once if that came while it ran: the budget is cleared), gave-up opens the breaker
  // at once, failed opens it when the attempts in the window reach
  // max_attempts, not-applicable does not count. A breaker this opens gets its
  // escalation, escalation_for(effect), queued in the same transaction. Idempotent
  // per invocation_id: recording the same result twice changes nothing the second time.
  virtual Expected<ResultEffect> RecordResult(const RunResult& result, int max_attempts,
                                              Duration window,
                                              const EscalationFor& escalation_for) = 0;
};

// The escalation outbox, as the deliverer works it.
class Outbox {
 public:
  virtual ~Outbox() = default;

  // Queues an escalation (once per breaker opening of a key) and marks the breaker
  // escalated. Record and RecordResult do this themselves in their transaction; this
  // is for an escalation with no decision or result to go with it.
  virtual Status EnqueueEscalation(const Escalation& escalation) = 0;
  // Those not done and due at `now`, and marking the outcome of a delivery round.
  virtual Expected<std::vector<Escalation>> DueEscalations(TimePoint now) = 0;
  virtual Status MarkEscalation(int64_t id, const EscalationMark& mark) = 0;
  // Escalations not done yet (Alertmanager or the command still due); their
  // next_try tells the deliverer how long to stay up.
  virtual Expected<std::vector<Escalation>> PendingEscalations() = 0;
  // Delivered escalations not finished, oldest first, each with whether its breaker
  // opening is still open at `now`; and recording what a refresh of one achieved.
  virtual Expected<std::vector<ActiveEscalation>> ActiveEscalations(TimePoint now) = 0;
  virtual Status MarkRefresh(int64_t id, const RefreshMark& mark) = 0;
};

// Events that leave no row (serve's decisions, rejected requests, left-out alerts),
// counted for the metrics: (counter name, label value) → n. Names: see EventCountsOf
// (metrics/event_counts.h).
using EventCounts = std::map<std::pair<std::string, std::string>, int64_t>;

// The upper bounds, in seconds, of the histograms' buckets (besides +Inf). A handler
// restarts a service in seconds, cleans a disk in minutes, and is stopped by its
// TimeoutSec= (default 5 min): the buckets reach past that to an hour. Time to resolve
// adds Alertmanager's group_interval and the rule's `for:` to the run: minutes to hours.
inline constexpr int64_t kHandlerDurationBounds[] = {1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600};
inline constexpr int64_t kTimeToResolveBounds[] = {30,  60,   120,  300,  600,
                                                   900, 1800, 3600, 7200, 21600};

// One histogram of seconds as the store sums it: buckets[i] counts the observations
// <= the i-th bound (cumulative, as Prometheus wants), count all of them.
struct SecondsHistogram {
  std::vector<int64_t> buckets;
  int64_t count = 0;
  int64_t sum_ns = 0;
};

// Everything the metrics textfile shows besides the per-key status, derived from
// durable rows so it survives restarts and agrees with `status`.
struct StoreTotals {
  // (handler, outcome) → n
  std::vector<std::pair<std::pair<std::string, std::string>, int64_t>> results;
  int64_t escalations = 0;
  std::optional<TimePoint> last_run;
  // The pause in force or last in force; TimePoint::max() until `resume`. nullopt:
  // never paused, or resumed.
  std::optional<TimePoint> paused_until;
  int64_t outbox_depth = 0;  // escalations not done (PendingEscalations)
  // By handler: finished_at - started_at of finished, launched attempts
  // (kHandlerDurationBounds), and resolved_at - started_at of healed ones
  // (kTimeToResolveBounds).
  std::map<std::string, SecondsHistogram> handler_duration;
  std::map<std::string, SecondsHistogram> time_to_resolve;
  EventCounts events;  // as added by AddEventCounts
};

// Operator commands (status, reset, pause, resume) and the metrics totals.
class OperatorStore {
 public:
  virtual ~OperatorStore() = default;

  virtual Expected<std::vector<KeyStatus>> ListStatus(TimePoint now) = 0;
  // Closes the breaker and stops counting the attempts (kept as history); queued
  // escalations stay. Errc::kNotFound when nothing is recorded for that key.
  virtual Status Reset(const HealKey& key) = 0;
  virtual Status ResetAll() = 0;
  virtual Status SetPausedUntil(std::optional<TimePoint> until) = 0;  // nullopt resumes

  using Totals = StoreTotals;
  virtual Expected<Totals> ReadTotals() = 0;
  // Adds `counts` to the durable event counters, in one transaction.
  virtual Status AddEventCounts(const EventCounts& counts) = 0;
};

// Everything the durable store does: what serve and record-result hold.
class StateStore : public Store, public ResultStore, public Outbox, public OperatorStore {};

}  // namespace selfheal
