// Implementation notes: kMigrations[i] takes the database from version i to i + 1.
// Append a step to change the schema; never edit a step that has shipped (a host
// that ran it will not run it again). Times are integer nanoseconds since the Unix
// epoch (TimePoint's own unit, so what is written reads back equal), durations are
// nanoseconds too. The tables:
//
//   attempts       one row per launch, and per result that matched no launch
//                  (orphan = 1). counts = 1 while the attempt counts toward the
//                  budget; a resolve credited to a done attempt (outcome becomes
//                  healed), a not-applicable result or a reset clears it, the row
//                  stays for history. A row with no finished_at
//                  is running until started_at + timeout_ns + 30 s, then lost
//                  (it keeps counting, like a failure).
//   breakers       one row per (handler, instance) whose breaker opened; open while
//                  now < opened_at + window. escalated: the escalation for this
//                  opening was queued.
//   notifications  the dedup key (fingerprint, startsAt text) → when its current
//                  round started (v4; before, when last seen); rows older than a
//                  day are dropped on write.
//   escalations    the outbox: SelfHealExhausted payloads until delivered_at is set
//                  and, when EscalateExec= was set at queue time, command_pending is
//                  cleared by the start of its unit (v2); breaker_opened_at names the
//                  opening it is for (at most one each).
//   pause          a single row: paused_until, NULL when not paused.
//   attempts (v3)  verify_ns: the handler's VerifySec= at launch; resolved_at: when a
//                  resolved notification for the attempt's alert arrived (healing is
//                  verified by the world, not by the handler's exit status). On a
//                  finished attempt it is set exactly when the resolve was credited
//                  (outcome healed); on a running one it is the resolve remembered
//                  for its exit, dropped by any outcome but done.
//   notification_senders (v4)  the Alertmanagers (externalURL) that sent a
//                  notification in its current round → their newest copy; a new
//                  round deletes them. A round of v3 has none: any copy within its
//                  window is taken for an HA copy, as v3 did.
//   escalations (v5)  resent_at: the last re-send Alertmanager took; finished_at: when
//                  the resolve (endsAt = now) was posted after the breaker of its
//                  opening closed, by reset or by its window. Delivered and not
//                  finished = active: re-sent every [Escalation] ResendIntervalSec=.
#include "state/schema.h"

#include <iterator>
#include <string>

namespace selfheal::sqlite {

namespace {

// "SHEL": tells a self-heal state file from any other SQLite file put in its place.
constexpr int64_t kApplicationId = 0x5348454C;

constexpr const char* kMigrations[] = {
    // 0 → 1: the first schema.
    R"sql(
CREATE TABLE attempts (
  id             INTEGER PRIMARY KEY,
  handler        TEXT NOT NULL,
  instance       TEXT NOT NULL,
  alertname      TEXT NOT NULL DEFAULT '',
  fingerprint    TEXT NOT NULL DEFAULT '',
  unit           TEXT NOT NULL,
  attempt        INTEGER NOT NULL DEFAULT 0,
  started_at     INTEGER NOT NULL,
  timeout_ns     INTEGER NOT NULL DEFAULT 0,
  window_ns      INTEGER NOT NULL DEFAULT 0,
  counts         INTEGER NOT NULL DEFAULT 1,
  orphan         INTEGER NOT NULL DEFAULT 0,
  finished_at    INTEGER,
  outcome        TEXT,
  service_result TEXT,
  exit_code      TEXT,
  exit_status    TEXT,
  invocation_id  TEXT UNIQUE
);
CREATE INDEX attempts_by_key ON attempts (handler, instance, started_at);

CREATE TABLE breakers (
  handler    TEXT NOT NULL,
  instance   TEXT NOT NULL,
  alertname  TEXT NOT NULL DEFAULT '',
  opened_at  INTEGER NOT NULL,
  window_ns  INTEGER NOT NULL,
  escalated  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (handler, instance)
) WITHOUT ROWID;

CREATE TABLE notifications (
  fingerprint TEXT NOT NULL,
  starts_at   TEXT NOT NULL,
  seen_at     INTEGER NOT NULL,
  PRIMARY KEY (fingerprint, starts_at)
) WITHOUT ROWID;
CREATE INDEX notifications_by_age ON notifications (seen_at);

CREATE TABLE escalations (
  id                INTEGER PRIMARY KEY,
  handler           TEXT NOT NULL,
  instance          TEXT NOT NULL,
  alertname         TEXT NOT NULL DEFAULT '',
  breaker_opened_at INTEGER,
  payload           TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  tries             INTEGER NOT NULL DEFAULT 0,
  next_try          INTEGER NOT NULL,
  last_error        TEXT NOT NULL DEFAULT '',
  delivered_at      INTEGER
);
CREATE INDEX escalations_by_key ON escalations (handler, instance);
CREATE INDEX escalations_pending ON escalations (next_try) WHERE delivered_at IS NULL;

CREATE TABLE pause (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  paused_until INTEGER
);
)sql",
    // 1 → 2: EscalateExec= is run once per escalation, tracked apart from the POST.
    R"sql(
ALTER TABLE escalations ADD COLUMN command_pending INTEGER NOT NULL DEFAULT 0;
DROP INDEX escalations_pending;
CREATE INDEX escalations_pending ON escalations (next_try)
  WHERE delivered_at IS NULL OR command_pending = 1;
)sql",
    // 2 → 3: an exit 0 is "done"; the attempt is healed only when its alert resolves
    // within VerifySec=.
    R"sql(
ALTER TABLE attempts ADD COLUMN verify_ns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN resolved_at INTEGER;
)sql",
    // 3 → 4: a notification's round remembers which Alertmanagers sent it, so an HA
    // copy is told from a repeat (state/dedup.h).
    R"sql(
CREATE TABLE notification_senders (
  fingerprint  TEXT NOT NULL,
  starts_at    TEXT NOT NULL,
  external_url TEXT NOT NULL,
  seen_at      INTEGER NOT NULL,
  PRIMARY KEY (fingerprint, starts_at, external_url)
) WITHOUT ROWID;
CREATE INDEX notification_senders_by_age ON notification_senders (seen_at);
)sql",
    // 4 → 5: a delivered escalation is re-sent while its breaker stays open and
    // resolved once it closes. Those delivered before carried a fixed endsAt: finished.
    R"sql(
ALTER TABLE escalations ADD COLUMN resent_at INTEGER;
ALTER TABLE escalations ADD COLUMN finished_at INTEGER;
UPDATE escalations SET finished_at = delivered_at WHERE delivered_at IS NOT NULL;
CREATE INDEX escalations_active ON escalations (id)
  WHERE delivered_at IS NOT NULL AND finished_at IS NULL;
)sql",
    // 5 → 6: counters of events that leave no other row, for the metrics.
    R"sql(
CREATE TABLE counters (
  name  TEXT NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  value INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (name, label)
) WITHOUT ROWID;
)sql",
};

constexpr int kVersion = static_cast<int>(std::size(kMigrations));

Expected<int64_t> ReadPragma(Connection& c, const char* sql, const std::string& what) {
  Query q(c, sql, what);
  if (!q.Next()) {
    if (!q.status().ok()) return q.status().error();
    return Error{Errc::kInternal, what + ": " + sql + " returned nothing"};
  }
  return q.Int(0);
}

Error Newer(const Connection& c, int64_t version) {
  return Error{Errc::kUnavailable,
               "the state database '" + c.path() + "' has schema version " +
                   std::to_string(version) + ", newer than this self-heal understands (" +
                   std::to_string(kVersion) +
                   "); refusing to downgrade it: run the newer self-heal, or move the file aside"};
}

// Ok, or the error to return, given the version and application id found.
Status Judge(const Connection& c, int64_t version, int64_t application_id) {
  if (application_id != 0 && application_id != kApplicationId) {
    return Error{Errc::kUnavailable, "'" + c.path() +
                                         "' is an SQLite database of another "
                                         "application (application_id " +
                                         std::to_string(application_id) + "), not self-heal state"};
  }
  if (version > kVersion) return Newer(c, version);
  return Ok();
}

}  // namespace

int SchemaVersion() { return kVersion; }

const char* MigrationStep(int from) { return kMigrations[from]; }

Status Migrate(Connection& c) {
  const std::string what = "open '" + c.path() + "'";
  for (;;) {
    // Peek without the write lock first: almost every open finds the schema current.
    Expected<int64_t> version = ReadPragma(c, "PRAGMA user_version", what);
    if (!version.ok()) return version.error();
    Expected<int64_t> app = ReadPragma(c, "PRAGMA application_id", what);
    if (!app.ok()) return app.error();
    if (Status s = Judge(c, version.value(), app.value()); !s.ok()) return s;
    if (version.value() == kVersion) return Ok();

    int64_t from = version.value();
    Transaction tx(c, what + ": migrate the schema from version " + std::to_string(from));
    if (Status s = tx.Begin(Transaction::Mode::kWrite); !s.ok()) return s;
    version = ReadPragma(c, "PRAGMA user_version", tx.what());
    if (!version.ok()) return version.error();
    if (version.value() != from) continue;  // another process migrated meanwhile
    if (Status s = c.Exec(kMigrations[from], tx.what()); !s.ok()) return s;
    std::string stamp = "PRAGMA user_version = " + std::to_string(from + 1) +
                        "; PRAGMA application_id = " + std::to_string(kApplicationId) + ";";
    if (Status s = c.Exec(stamp.c_str(), tx.what()); !s.ok()) return s;
    if (Status s = tx.Commit(); !s.ok()) return s;
  }
}

Status CheckVersion(Connection& c) {
  const std::string what = "open '" + c.path() + "' read-only";
  Expected<int64_t> version = ReadPragma(c, "PRAGMA user_version", what);
  if (!version.ok()) return version.error();
  Expected<int64_t> app = ReadPragma(c, "PRAGMA application_id", what);
  if (!app.ok()) return app.error();
  if (Status s = Judge(c, version.value(), app.value()); !s.ok()) return s;
  if (version.value() == 0) {
    return Error{Errc::kNotFound, "the state database '" + c.path() +
                                      "' holds no self-heal state yet (never opened read-write)"};
  }
  if (version.value() < kVersion) {
    return Error{Errc::kUnavailable, "the state database '" + c.path() + "' has schema version " +
                                         std::to_string(version.value()) +
                                         ", older than this self-heal's " +
                                         std::to_string(kVersion) +
                                         "; `self-heal serve` migrates it when it next runs"};
  }
  return Ok();
}

}  // namespace selfheal::sqlite
