// Implementation notes: a breaker is a row in `breakers`, open while now < opened_at +
// window; an attempt counts while now < started_at + window. A done attempt (exit 0)
// keeps counting until a resolve is credited to it: healing is verified by the world,
// so a handler that exits 0 without fixing the cause uses up the budget like one that
// fails, and the breaker opens. Not-healed is never written: it is what a done row
// is once VerifyUntil has passed, since no process runs at that moment. The escalation of an
// opening is the outbox row whose breaker_opened_at names it, which is what makes
// queuing idempotent when serve (a decision) and record-result (a result) race to
// open the same breaker.
#include "common/text.h"
#include "state/sqlite_store_internal.h"

namespace selfheal::state_internal {

using sqlite::Query;
using sqlite::Transaction;

std::string KeyText(const HealKey& key) {
  return "'" + key.handler + "' on '" + EscapeForLog(key.instance, 200) + "'";
}

Status CloseExpiredBreaker(Transaction& tx, const std::string& handler, const std::string& instance,
                           TimePoint now, Duration window) {
  TimePoint opened_at;
  {
    Query q = tx.Sql("SELECT opened_at FROM breakers WHERE handler = ?1 AND instance = ?2");
    if (!q.Bind(handler, instance).Next()) return q.status();
    opened_at = q.Time(0);
  }
  if (now - opened_at < window) return Ok();
  Query drop = tx.Sql("DELETE FROM breakers WHERE handler = ?1 AND instance = ?2");
  if (Status s = drop.Bind(handler, instance).Run(); !s.ok()) return s;
  Query forget = tx.Sql(
      "UPDATE attempts SET counts = 0 "
      "WHERE handler = ?1 AND instance = ?2 AND counts = 1 AND started_at <= ?3");
  return forget.Bind(handler, instance, opened_at).Run();
}

Expected<std::optional<BreakerRow>> ReadBreaker(Transaction& tx, const std::string& handler,
                                                const std::string& instance, TimePoint now,
                                                std::optional<Duration> window) {
  Query q = tx.Sql(
      "SELECT opened_at, window_ns, escalated, alertname FROM breakers "
      "WHERE handler = ?1 AND instance = ?2");
  if (!q.Bind(handler, instance).Next()) {
    if (!q.status().ok()) return q.status().error();
    return std::optional<BreakerRow>();
  }
  BreakerRow b;
  b.opened_at = q.Time(0);
  b.open_until = b.opened_at + window.value_or(Duration(q.Int(1)));
  b.open = now < b.open_until;
  b.escalated = q.Int(2) != 0;
  b.alertname = q.Text(3);
  return std::optional<BreakerRow>(std::move(b));
}

Expected<std::vector<TimePoint>> AttemptsInWindow(Transaction& tx, const std::string& handler,
                                                  const std::string& instance, TimePoint now,
                                                  std::optional<Duration> window) {
  Expected<std::optional<BreakerRow>> breaker = ReadBreaker(tx, handler, instance, now, window);
  if (!breaker.ok()) return breaker.error();
  std::optional<TimePoint> restarted;
  if (breaker.value() && !breaker.value()->open) restarted = breaker.value()->opened_at;
  Query q = tx.Sql(
      "SELECT started_at FROM attempts WHERE handler = ?1 AND instance = ?2 AND counts = 1 "
      "AND orphan = 0 AND started_at <= ?3 AND ?3 - started_at < COALESCE(?4, window_ns) "
      "AND (?5 IS NULL OR started_at > ?5) ORDER BY started_at, id");
  q.Bind(handler, instance, now);
  if (window)
    q.Bind(*window);
  else
    q.Bind(std::nullopt);
  q.Bind(restarted);
  std::vector<TimePoint> out;
  while (q.Next()) out.push_back(q.Time(0));
  if (!q.status().ok()) return q.status().error();
  return out;
}

std::string NewestRun::LastResult() const {
  switch (state) {
    case State::kRunning:
      return "running";
    case State::kLost:
      return "lost";
    case State::kFinished:
      return verify_passed && outcome == OutcomeName(Outcome::kDone) ? std::string(kNotHealedResult)
                                                                     : outcome;
  }
  return outcome;
}

TimePoint VerifyUntil(TimePoint finished_at, Duration verify) { return finished_at + verify; }

Expected<std::optional<NewestRun>> ReadNewestRun(Transaction& tx, const std::string& handler,
                                                 const std::string& instance, TimePoint now) {
  Query q = tx.Sql(
      "SELECT started_at, finished_at, outcome, unit, alertname, timeout_ns, id, attempt, "
      "verify_ns, resolved_at FROM attempts "
      "WHERE handler = ?1 AND instance = ?2 AND orphan = 0 "
      "ORDER BY started_at DESC, id DESC LIMIT 1");
  if (!q.Bind(handler, instance).Next()) {
    if (!q.status().ok()) return q.status().error();
    return std::optional<NewestRun>();
  }
  NewestRun run;
  run.started_at = q.Time(0);
  run.finished_at = q.OptTime(1);
  run.outcome = q.Text(2);
  run.unit = q.Text(3);
  run.alertname = q.Text(4);
  run.id = q.Int(6);
  run.attempt = static_cast<int>(q.Int(7));
  run.verify = Duration(q.Int(8));
  run.resolved_at = q.OptTime(9);
  if (!run.finished_at) {
    bool in_time = now - run.started_at < Duration(q.Int(5)) + kResultGrace;
    run.state = in_time ? NewestRun::State::kRunning : NewestRun::State::kLost;
  } else {
    run.verify_until = VerifyUntil(*run.finished_at, run.verify);
    run.verify_passed = now >= *run.verify_until;
  }
  return std::optional<NewestRun>(std::move(run));
}

Status Heal(Transaction& tx, const std::string& handler, const std::string& instance, int64_t id,
            TimePoint resolved_at) {
  Query healed = tx.Sql("UPDATE attempts SET outcome = ?2, resolved_at = ?3 WHERE id = ?1");
  if (Status s = healed.Bind(id, kHealedResult, resolved_at).Run(); !s.ok()) return s;
  Query forget =
      tx.Sql("UPDATE attempts SET counts = 0 WHERE handler = ?1 AND instance = ?2 AND counts = 1");
  if (Status s = forget.Bind(handler, instance).Run(); !s.ok()) return s;
  Query close = tx.Sql("DELETE FROM breakers WHERE handler = ?1 AND instance = ?2");
  return close.Bind(handler, instance).Run();
}

Expected<ResolveCredit> CreditResolve(Transaction& tx, const std::string& handler,
                                      const std::string& instance, TimePoint now) {
  Expected<std::optional<NewestRun>> newest = ReadNewestRun(tx, handler, instance, now);
  if (!newest.ok()) return newest.error();
  ResolveCredit credit;
  if (!newest.value()) return credit;
  const NewestRun& run = *newest.value();
  credit.attempt = run.attempt;
  credit.started_at = run.started_at;
  credit.verify = run.verify;
  credit.verify_until = run.verify_until;
  if (run.state == NewestRun::State::kRunning) {
    // The first resolve is the one that counts; Alertmanager may send it again.
    Query remember =
        tx.Sql("UPDATE attempts SET resolved_at = COALESCE(resolved_at, ?2) WHERE id = ?1");
    if (Status s = remember.Bind(run.id, now).Run(); !s.ok()) return s.error();
    credit.kind = ResolveCredit::Kind::kAwaitingExit;
  } else if (run.state == NewestRun::State::kFinished &&
             run.outcome == OutcomeName(Outcome::kDone)) {
    if (run.verify_passed) {
      credit.kind = ResolveCredit::Kind::kTooLate;
    } else {
      if (Status s = Heal(tx, handler, instance, run.id, now); !s.ok()) return s.error();
      credit.kind = ResolveCredit::Kind::kHealed;
    }
  }
  if (credit.kind == ResolveCredit::Kind::kNone) return ResolveCredit{};
  return credit;
}

Expected<bool> OpenBreaker(Transaction& tx, const std::string& handler, const std::string& instance,
                           const std::string& alertname, TimePoint at, Duration window) {
  Query open = tx.Sql(
      "INSERT INTO breakers (handler, instance, alertname, opened_at, window_ns, escalated) "
      "VALUES (?1, ?2, ?3, ?4, ?5, 0) ON CONFLICT (handler, instance) DO NOTHING");
  if (Status s = open.Bind(handler, instance, alertname, at, window).Run(); !s.ok()) {
    return s.error();
  }
  return open.changes() == 1;
}

Status QueueEscalation(Transaction& tx, const Escalation& e) {
  std::optional<TimePoint> opening;
  {
    Query q = tx.Sql("SELECT opened_at FROM breakers WHERE handler = ?1 AND instance = ?2");
    if (q.Bind(e.handler, e.instance).Next()) opening = q.Time(0);
    if (!q.status().ok()) return q.status();
  }
  bool queued = false;
  {
    // With an opening, one escalation for it ever; without, one undelivered at a time.
    Query q = tx.Sql(
        "SELECT 1 FROM escalations WHERE handler = ?1 AND instance = ?2 AND "
        "(breaker_opened_at = ?3 OR (?3 IS NULL AND breaker_opened_at IS NULL "
        "AND delivered_at IS NULL)) LIMIT 1");
    queued = q.Bind(e.handler, e.instance, opening).Next();
    if (!q.status().ok()) return q.status();
  }
  if (!queued) {
    Query q = tx.Sql(
        "INSERT INTO escalations (handler, instance, alertname, breaker_opened_at, payload, "
        "created_at, tries, next_try, last_error, command_pending) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6, ?8, ?9)");
    q.Bind(e.handler, e.instance, e.alertname, opening, e.payload, e.next_try, e.tries,
           e.last_error, e.command_pending);
    if (Status s = q.Run(); !s.ok()) return s;
  }
  Query mark = tx.Sql("UPDATE breakers SET escalated = 1 WHERE handler = ?1 AND instance = ?2");
  return mark.Bind(e.handler, e.instance).Run();
}

}  // namespace selfheal::state_internal
