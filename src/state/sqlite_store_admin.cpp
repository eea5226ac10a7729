// Implementation notes: the escalation outbox and the operator commands of
// SqliteStore. An escalation belongs to one breaker opening (breaker_opened_at), which
// is what makes queuing it idempotent: the service that decided breaker-open and the
// record-result process that opened the breaker may both try to queue it. Status is
// computed from the rows, so it survives restarts and agrees with what the request
// path sees (the metrics totals: sqlite_store_totals.cpp).
#include <string>

#include "state/sqlite_db.h"
#include "state/sqlite_store.h"
#include "state/sqlite_store_internal.h"

namespace selfheal {

using sqlite::Query;
using sqlite::Transaction;
using state_internal::KeyText;

namespace {

constexpr const char* kEscalationColumns =
    "id, handler, instance, alertname, payload, tries, next_try, last_error, "
    "delivered_at IS NOT NULL, command_pending, breaker_opened_at";

Escalation EscalationOf(const Query& q) {
  Escalation e;
  e.id = q.Int(0);
  e.handler = q.Text(1);
  e.instance = q.Text(2);
  e.alertname = q.Text(3);
  e.payload = q.Text(4);
  e.tries = static_cast<int>(q.Int(5));
  e.next_try = q.Time(6);
  e.last_error = q.Text(7);
  e.delivered = q.Int(8) != 0;
  e.command_pending = q.Int(9) != 0;
  e.breaker_opened_at = q.OptTime(10);
  return e;
}

Expected<std::vector<Escalation>> ReadEscalations(sqlite::Connection& db, const char* sql,
                                                  std::string what, std::optional<TimePoint> now) {
  Transaction tx(db, std::move(what));
  if (Status s = tx.Begin(Transaction::Mode::kRead); !s.ok()) return s.error();
  std::vector<Escalation> out;
  {
    Query q = tx.Sql(sql);
    if (now) q.Bind(*now);
    while (q.Next()) out.push_back(EscalationOf(q));
    if (!q.status().ok()) return q.status().error();
  }
  if (Status s = tx.Commit(); !s.ok()) return s.error();
  return out;
}

}  // namespace

Status SqliteStore::EnqueueEscalation(const Escalation& e) {
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  Transaction tx(*db.value(), "queue the escalation for " + KeyText({e.handler, e.instance}));
  if (Status s = tx.Begin(Transaction::Mode::kWrite); !s.ok()) return s;
  if (Status s = state_internal::QueueEscalation(tx, e); !s.ok()) return s;
  return tx.Commit();
}

Expected<std::vector<Escalation>> SqliteStore::DueEscalations(TimePoint now) {
  static const std::string kSql =
      std::string("SELECT ") + kEscalationColumns +
      " FROM escalations WHERE (delivered_at IS NULL OR command_pending = 1)"
      " AND next_try <= ?1"
      " ORDER BY created_at, id";
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  return ReadEscalations(*db.value(), kSql.c_str(), "list the escalations due", now);
}

Expected<std::vector<Escalation>> SqliteStore::PendingEscalations() {
  static const std::string kSql =
      std::string("SELECT ") + kEscalationColumns +
      " FROM escalations WHERE delivered_at IS NULL OR command_pending = 1"
      " ORDER BY next_try, id";
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  return ReadEscalations(*db.value(), kSql.c_str(), "list the pending escalations", std::nullopt);
}

Status SqliteStore::MarkEscalation(int64_t id, const EscalationMark& mark) {
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  bool done = mark.delivered && mark.command_started;
  Transaction tx(*db.value(), "mark escalation " + std::to_string(id) +
                                  (done ? " delivered" : " for another try"));
  if (Status s = tx.Begin(Transaction::Mode::kWrite); !s.ok()) return s;
  // Neither step is ever undone: a later failed round cannot unmark an earlier success.
  Query q = tx.Sql(
      "UPDATE escalations SET tries = tries + 1, next_try = ?2, last_error = ?3, "
      "delivered_at = COALESCE(delivered_at, CASE WHEN ?4 THEN ?2 END), "
      "command_pending = CASE WHEN ?5 THEN 0 ELSE command_pending END WHERE id = ?1");
  if (Status s = q.Bind(id, mark.next_try, mark.error, mark.delivered, mark.command_started).Run();
      !s.ok()) {
    return s;
  }
  if (q.changes() == 0) {
    return Error{Errc::kNotFound, tx.what() + ": no escalation has that id"};
  }
  return tx.Commit();
}

Expected<std::vector<ActiveEscalation>> SqliteStore::ActiveEscalations(TimePoint now) {
  // Open as ReadBreaker has it: the key's breaker row is this opening and its window
  // has not passed. A reset deletes the row, a later opening replaces opened_at.
  // Escalations from before breaker openings were recorded (NULL) kept a fixed
  // endsAt and are never active.
  static const std::string kSql =
      std::string("SELECT ") + kEscalationColumns +
      ", COALESCE(resent_at, delivered_at),"
      " EXISTS (SELECT 1 FROM breakers b WHERE b.handler = e.handler AND b.instance = "
      "e.instance AND b.opened_at = e.breaker_opened_at AND ?1 - b.opened_at < b.window_ns),"
      " EXISTS (SELECT 1 FROM escalations n WHERE n.handler = e.handler AND n.instance = "
      "e.instance AND n.id > e.id)"
      " FROM escalations e WHERE delivered_at IS NOT NULL AND finished_at IS NULL"
      " AND breaker_opened_at IS NOT NULL ORDER BY id";
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  Transaction tx(*db.value(), "list the active escalations");
  if (Status s = tx.Begin(Transaction::Mode::kRead); !s.ok()) return s.error();
  std::vector<ActiveEscalation> out;
  {
    Query q = tx.Sql(kSql.c_str());
    q.Bind(now);
    while (q.Next()) {
      out.push_back({EscalationOf(q), q.Time(11), q.Int(12) != 0, q.Int(13) != 0});
    }
    if (!q.status().ok()) return q.status().error();
  }
  if (Status s = tx.Commit(); !s.ok()) return s.error();
  return out;
}

Status SqliteStore::MarkRefresh(int64_t id, const RefreshMark& mark) {
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  Transaction tx(*db.value(),
                 (mark.finished_at ? "finish escalation " : "mark the re-send of escalation ") +
                     std::to_string(id));
  if (Status s = tx.Begin(Transaction::Mode::kWrite); !s.ok()) return s;
  // A finished escalation stays finished: a late round cannot revive it.
  Query q = tx.Sql(
      "UPDATE escalations SET resent_at = COALESCE(?2, resent_at), "
      "finished_at = COALESCE(finished_at, ?3) WHERE id = ?1 AND delivered_at IS NOT NULL");
  if (Status s = q.Bind(id, mark.posted_at, mark.finished_at).Run(); !s.ok()) return s;
  if (q.changes() == 0) {
    return Error{Errc::kNotFound, tx.what() + ": no delivered escalation has that id"};
  }
  return tx.Commit();
}

Expected<std::vector<KeyStatus>> SqliteStore::ListStatus(TimePoint now) {
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  Transaction tx(*db.value(), "read the status of every handler and instance");
  if (Status s = tx.Begin(Transaction::Mode::kRead); !s.ok()) return s.error();
  std::vector<KeyStatus> out;
  {
    Query keys = tx.Sql(
        "SELECT handler, instance FROM attempts WHERE orphan = 0 "
        "UNION SELECT handler, instance FROM breakers ORDER BY 1, 2");
    while (keys.Next()) {
      KeyStatus k;
      k.handler = keys.Text(0);
      k.instance = keys.Text(1);
      out.push_back(std::move(k));
    }
    if (!keys.status().ok()) return keys.status().error();
  }
  for (KeyStatus& k : out) {
    // No config here: each row's own window (see sqlite_store_internal.h).
    auto breaker = state_internal::ReadBreaker(tx, k.handler, k.instance, now, std::nullopt);
    if (!breaker.ok()) return breaker.error();
    if (breaker.value()) {
      k.alertname = breaker.value()->alertname;
      if (breaker.value()->open) {
        k.breaker_open = true;
        k.breaker_opened_at = breaker.value()->opened_at;
        k.breaker_open_until = breaker.value()->open_until;
      }
    }
    auto attempts = state_internal::AttemptsInWindow(tx, k.handler, k.instance, now, std::nullopt);
    if (!attempts.ok()) return attempts.error();
    k.attempts_in_window = static_cast<int>(attempts.value().size());
    auto newest = state_internal::ReadNewestRun(tx, k.handler, k.instance, now);
    if (!newest.ok()) return newest.error();
    if (const auto& run = newest.value()) {
      k.alertname = run->alertname;
      k.last_result = run->LastResult();
      k.last_time = run->finished_at.value_or(run->started_at);
      if (run->state == state_internal::NewestRun::State::kRunning) k.running_unit = run->unit;
      if (run->outcome == OutcomeName(Outcome::kDone) || run->outcome == kHealedResult) {
        k.verify_until = run->verify_until;
      }
      k.resolved_at = run->resolved_at;
    }
  }
  if (Status s = tx.Commit(); !s.ok()) return s.error();
  return out;
}

Status SqliteStore::Reset(const HealKey& key) {
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  Transaction tx(*db.value(), "reset " + KeyText(key));
  if (Status s = tx.Begin(Transaction::Mode::kWrite); !s.ok()) return s;
  {
    Query q = tx.Sql(
        "SELECT 1 FROM attempts WHERE handler = ?1 AND instance = ?2 AND orphan = 0 "
        "UNION ALL SELECT 1 FROM breakers WHERE handler = ?1 AND instance = ?2 LIMIT 1");
    bool known = q.Bind(key.handler, key.instance).Next();
    if (!q.status().ok()) return q.status();
    if (!known) return Error{Errc::kNotFound, tx.what() + ": nothing is recorded for it"};
  }
  Query close = tx.Sql("DELETE FROM breakers WHERE handler = ?1 AND instance = ?2");
  if (Status s = close.Bind(key.handler, key.instance).Run(); !s.ok()) return s;
  Query forget =
      tx.Sql("UPDATE attempts SET counts = 0 WHERE handler = ?1 AND instance = ?2 AND counts = 1");
  if (Status s = forget.Bind(key.handler, key.instance).Run(); !s.ok()) return s;
  return tx.Commit();
}

Status SqliteStore::ResetAll() {
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  Transaction tx(*db.value(), "reset every handler and instance");
  if (Status s = tx.Begin(Transaction::Mode::kWrite); !s.ok()) return s;
  Query close = tx.Sql("DELETE FROM breakers");
  if (Status s = close.Run(); !s.ok()) return s;
  Query forget = tx.Sql("UPDATE attempts SET counts = 0 WHERE counts = 1");
  if (Status s = forget.Run(); !s.ok()) return s;
  return tx.Commit();
}

Status SqliteStore::SetPausedUntil(std::optional<TimePoint> until) {
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  Transaction tx(*db.value(),
                 until ? "pause until " + FormatRfc3339(*until) : std::string("resume"));
  if (Status s = tx.Begin(Transaction::Mode::kWrite); !s.ok()) return s;
  Query q = tx.Sql(
      "INSERT INTO pause (id, paused_until) VALUES (1, ?1) "
      "ON CONFLICT (id) DO UPDATE SET paused_until = excluded.paused_until");
  if (Status s = q.Bind(until).Run(); !s.ok()) return s;
  return tx.Commit();
}

}  // namespace selfheal
