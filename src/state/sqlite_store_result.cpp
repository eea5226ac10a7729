// Implementation notes: a result arrives from a separate, short-lived process
// (ExecStopPost= of the handler unit) and may arrive twice (a retried
// `record-result`) or late (after a reset, after the service restarted). So:
// - the invocation id makes it idempotent: a second delivery finds its row and
//   reports the same attempt with breaker_opened = false, so there is exactly one
//   escalation per opening;
// - the attempt is the newest unfinished one of the key with that unit name, even if
//   a reset stopped it counting meanwhile (its row must still be finished, or the key
//   would look busy until TimeoutSec + 30 s);
// - a result with no attempt to match is kept as an orphan row for the record and
//   changes nothing else;
// - a result that opens the breaker queues its escalation in the same transaction;
// - an exit 0 is done, not healed: the attempt keeps counting until its alert's
//   resolve is credited (sqlite_key_rules.cpp). A resolve remembered while it ran
//   heals it at once; any other outcome drops that resolve (nothing to credit).
#include <string>

#include "state/records.h"
#include "state/sqlite_db.h"
#include "state/sqlite_store.h"
#include "state/sqlite_store_internal.h"

namespace selfheal {

namespace {

Expected<int> CountInWindow(sqlite::Transaction& tx, const std::string& handler,
                            const std::string& instance, TimePoint at, Duration window) {
  auto attempts = state_internal::AttemptsInWindow(tx, handler, instance, at, window);
  if (!attempts.ok()) return attempts.error();
  return static_cast<int>(attempts.value().size());
}

}  // namespace

using sqlite::Query;
using sqlite::Transaction;
using state_internal::CloseExpiredBreaker;
using state_internal::Heal;
using state_internal::KeyText;
using state_internal::OpenBreaker;
using state_internal::QueueEscalation;

Expected<ResultEffect> SqliteStore::RecordResult(const RunResult& r, int max_attempts,
                                                 Duration window,
                                                 const EscalationFor& escalation_for) {
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  Transaction tx(*db.value(),
                 "record the result of " + r.unit + " for " + KeyText({r.handler, r.instance}));
  if (Status s = tx.Begin(Transaction::Mode::kWrite); !s.ok()) return s.error();
  ResultEffect effect;
  std::optional<std::string> invocation;
  if (!r.invocation_id.empty()) invocation = r.invocation_id;

  if (invocation) {
    Query q = tx.Sql(
        "SELECT orphan, started_at, finished_at, attempt, outcome, resolved_at, verify_ns "
        "FROM attempts WHERE invocation_id = ?1");
    if (q.Bind(*invocation).Next()) {
      effect.found_attempt = q.Int(0) == 0;
      effect.duration = q.Time(2) - q.Time(1);
      effect.attempt = static_cast<int>(q.Int(3));
      effect.healed = q.Text(4) == kHealedResult;
      effect.resolved_at = q.OptTime(5);
      if (r.outcome == Outcome::kDone) {
        effect.verify_until = state_internal::VerifyUntil(q.Time(2), Duration(q.Int(6)));
      }
      Expected<int> n = CountInWindow(tx, r.handler, r.instance, q.Time(2), window);
      if (!n.ok()) return n.error();
      effect.attempts_in_window = n.value();
      if (Status s = tx.Commit(); !s.ok()) return s.error();
      return effect;  // already recorded: change nothing
    }
    if (!q.status().ok()) return q.status().error();
  }

  int64_t id = 0;
  std::string alertname;
  Duration verify{};
  {
    Query q = tx.Sql(
        "SELECT id, started_at, attempt, alertname, verify_ns, resolved_at FROM attempts "
        "WHERE handler = ?1 AND instance = ?2 AND unit = ?3 AND orphan = 0 AND finished_at IS NULL "
        "ORDER BY started_at DESC, id DESC LIMIT 1");
    if (q.Bind(r.handler, r.instance, r.unit).Next()) {
      id = q.Int(0);
      effect.found_attempt = true;
      effect.duration = r.finished_at - q.Time(1);
      effect.attempt = static_cast<int>(q.Int(2));
      alertname = q.Text(3);
      verify = Duration(q.Int(4));
      effect.resolved_at = q.OptTime(5);
    }
    if (!q.status().ok()) return q.status().error();
  }
  std::string_view outcome = OutcomeName(r.outcome);
  if (r.outcome != Outcome::kDone) effect.resolved_at.reset();  // not credited
  if (!effect.found_attempt) {
    Query q = tx.Sql(
        "INSERT INTO attempts (handler, instance, unit, started_at, counts, orphan, finished_at, "
        "outcome, service_result, exit_code, exit_status, invocation_id) "
        "VALUES (?1, ?2, ?3, ?4, 0, 1, ?4, ?5, ?6, ?7, ?8, ?9)");
    q.Bind(r.handler, r.instance, r.unit, r.finished_at, outcome, r.service_result, r.exit_code,
           r.exit_status, invocation);
    if (Status s = q.Run(); !s.ok()) return s.error();
  } else {
    Query q = tx.Sql(
        "UPDATE attempts SET finished_at = ?1, outcome = ?2, service_result = ?3, exit_code = ?4, "
        "exit_status = ?5, invocation_id = ?6, "
        "resolved_at = CASE WHEN ?8 THEN resolved_at END WHERE id = ?7");
    q.Bind(r.finished_at, outcome, r.service_result, r.exit_code, r.exit_status, invocation, id,
           r.outcome == Outcome::kDone);
    if (Status s = q.Run(); !s.ok()) return s.error();

    if (Status s = CloseExpiredBreaker(tx, r.handler, r.instance, r.finished_at, window); !s.ok()) {
      return s.error();
    }
    switch (r.outcome) {
      case Outcome::kDone: {
        if (effect.resolved_at) {
          if (Status s = Heal(tx, r.handler, r.instance, id, *effect.resolved_at); !s.ok()) {
            return s.error();
          }
          effect.healed = true;
        } else {
          effect.verify_until = state_internal::VerifyUntil(r.finished_at, verify);
        }
        break;
      }
      case Outcome::kNotApplicable: {
        Query uncount = tx.Sql("UPDATE attempts SET counts = 0 WHERE id = ?1");
        if (Status s = uncount.Bind(id).Run(); !s.ok()) return s.error();
        break;
      }
      case Outcome::kGaveUp: {
        Expected<bool> opened =
            OpenBreaker(tx, r.handler, r.instance, alertname, r.finished_at, window);
        if (!opened.ok()) return opened.error();
        effect.breaker_opened = opened.value();
        break;
      }
      case Outcome::kFailed: {
        Expected<int> n = CountInWindow(tx, r.handler, r.instance, r.finished_at, window);
        if (!n.ok()) return n.error();
        if (n.value() >= max_attempts) {
          Expected<bool> opened =
              OpenBreaker(tx, r.handler, r.instance, alertname, r.finished_at, window);
          if (!opened.ok()) return opened.error();
          effect.breaker_opened = opened.value();
        }
        break;
      }
    }
  }
  Expected<int> n = CountInWindow(tx, r.handler, r.instance, r.finished_at, window);
  if (!n.ok()) return n.error();
  effect.attempts_in_window = n.value();
  if (effect.breaker_opened) {
    // In this transaction, so that the opening and its escalation commit together.
    if (!escalation_for) {
      return Error{Errc::kInternal,
                   tx.what() + ": it opens the breaker, but no escalation came with it"};
    }
    if (Status s = QueueEscalation(tx, escalation_for(effect)); !s.ok()) return s.error();
  }
  if (Status s = tx.Commit(); !s.ok()) return s.error();
  return effect;
}

}  // namespace selfheal
