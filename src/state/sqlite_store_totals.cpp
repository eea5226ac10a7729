// Implementation notes: the metrics totals of SqliteStore. Everything but the event
// counters is computed from the rows the other paths write, so the metrics survive
// restarts and agree with `status`; the histograms are summed by SQL, bucket by
// bucket, so reading them costs one pass over the attempts however many there are.
// The event counters are the one thing kept only for the metrics: serve adds to them
// in batches (AddEventCounts), never once per request.
#include <iterator>
#include <string>

#include "state/sqlite_db.h"
#include "state/sqlite_store.h"

namespace selfheal {

using sqlite::Query;
using sqlite::Transaction;

namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;

// SELECT handler, COUNT(*), SUM(d), then one SUM(d <= bound) per bound, over `from`,
// a subquery yielding (handler, d) with d in nanoseconds.
template <size_t N>
std::string HistogramSql(const int64_t (&bounds)[N], const char* from) {
  std::string sql = "SELECT handler, COUNT(*), SUM(d)";
  for (int64_t bound : bounds) sql += ", SUM(d <= " + std::to_string(bound * kNanosPerSecond) + ")";
  sql += " FROM (";
  sql += from;
  sql += ") GROUP BY handler ORDER BY handler";
  return sql;
}

template <size_t N>
Status ReadHistograms(Transaction& tx, const int64_t (&bounds)[N], const char* from,
                      std::map<std::string, SecondsHistogram>& out) {
  const std::string sql = HistogramSql(bounds, from);
  Query q = tx.Sql(sql.c_str());
  while (q.Next()) {
    SecondsHistogram& h = out[q.Text(0)];
    h.count = q.Int(1);
    h.sum_ns = q.Int(2);
    for (size_t i = 0; i < N; ++i) h.buckets.push_back(q.Int(static_cast<int>(3 + i)));
  }
  return q.status();
}

}  // namespace

Expected<StateStore::Totals> SqliteStore::ReadTotals() {
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  Transaction tx(*db.value(), "read the totals");
  if (Status s = tx.Begin(Transaction::Mode::kRead); !s.ok()) return s.error();
  Totals totals;
  {
    Query q = tx.Sql(
        "SELECT handler, outcome, COUNT(*) FROM attempts WHERE finished_at IS NOT NULL "
        "GROUP BY handler, outcome ORDER BY handler, outcome");
    while (q.Next()) totals.results.push_back({{q.Text(0), q.Text(1)}, q.Int(2)});
    if (!q.status().ok()) return q.status().error();
  }
  {
    Query q = tx.Sql(
        "SELECT COUNT(*), COALESCE(SUM(delivered_at IS NULL OR command_pending = 1), 0) "
        "FROM escalations");
    if (q.Next()) {
      totals.escalations = q.Int(0);
      totals.outbox_depth = q.Int(1);
    }
    if (!q.status().ok()) return q.status().error();
  }
  {
    Query q = tx.Sql("SELECT MAX(started_at) FROM attempts WHERE orphan = 0");
    if (q.Next()) totals.last_run = q.OptTime(0);
    if (!q.status().ok()) return q.status().error();
  }
  {
    Query q = tx.Sql("SELECT paused_until FROM pause WHERE id = 1");
    if (q.Next()) totals.paused_until = q.OptTime(0);
    if (!q.status().ok()) return q.status().error();
  }
  // An orphan result has no start of its own: it has no duration to tell.
  if (Status s = ReadHistograms(tx, kHandlerDurationBounds,
                                "SELECT handler, finished_at - started_at AS d FROM attempts "
                                "WHERE finished_at IS NOT NULL AND orphan = 0",
                                totals.handler_duration);
      !s.ok()) {
    return s.error();
  }
  if (Status s =
          ReadHistograms(tx, kTimeToResolveBounds,
                         "SELECT handler, resolved_at - started_at AS d FROM attempts "
                         "WHERE outcome = 'healed' AND resolved_at IS NOT NULL AND orphan = 0",
                         totals.time_to_resolve);
      !s.ok()) {
    return s.error();
  }
  {
    Query q = tx.Sql("SELECT name, label, value FROM counters ORDER BY name, label");
    while (q.Next()) totals.events[{q.Text(0), q.Text(1)}] = q.Int(2);
    if (!q.status().ok()) return q.status().error();
  }
  if (Status s = tx.Commit(); !s.ok()) return s.error();
  return totals;
}

Status SqliteStore::AddEventCounts(const EventCounts& counts) {
  if (counts.empty()) return Ok();
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  Transaction tx(*db.value(), "add to the event counters");
  if (Status s = tx.Begin(Transaction::Mode::kWrite); !s.ok()) return s;
  for (const auto& [key, n] : counts) {
    Query q = tx.Sql(
        "INSERT INTO counters (name, label, value) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (name, label) DO UPDATE SET value = value + excluded.value");
    if (Status s = q.Bind(key.first, key.second, n).Run(); !s.ok()) return s;
  }
  return tx.Commit();
}

}  // namespace selfheal
