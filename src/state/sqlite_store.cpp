// Implementation notes: the tables and their meaning are described atop schema.cpp;
// this file opens the database and implements the request path (LoadHistory, Record,
// CancelLaunch) and RecordResult; sqlite_store_admin.cpp has the outbox and the
// operator commands.
//
// - One public method, one transaction. Writers BEGIN IMMEDIATE: the service and a
//   `record-result` process started by ExecStopPost= may write at the same moment,
//   and taking the write lock first makes the later one wait (busy timeout) rather
//   than fail on a snapshot that went stale under it.
// - Nothing is deleted to forget an attempt: a reset, a healed result or a closed
//   breaker clears `counts`, so `status` and the totals still see the history. Only
//   CancelLaunch deletes, because that attempt never ran.
// - A breaker whose window has passed is closed. Readers just ignore it; the next
//   write for that key deletes the row and stops counting the attempts before it, so
//   the window restarts from nothing.
// - The SQLite codes become Errc in one place, sqlite::ErrorOf; each transaction
//   carries the sentence ("record attempt for 'disk' on 'web-1:9100'") that
//   prefixes any error it returns.
#include "state/sqlite_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "common/text.h"
#include "launch/launch_request.h"
#include "state/dedup.h"
#include "state/schema.h"
#include "state/shared_index.h"
#include "state/sqlite_db.h"
#include "state/sqlite_store_internal.h"

namespace selfheal {

using sqlite::Query;
using sqlite::Transaction;

namespace {

// Dedup keys matter for seconds (DedupWindowSec=, default 60 s); a day is plenty.
constexpr Duration kNotificationExpiry = std::chrono::hours(24);

std::string ErrnoText(int err) { return std::generic_category().message(err); }

// Creates the file with mode 0600 before SQLite opens it (SQLite would use 0644
// less umask); the -wal and -shm files SQLite creates later copy the file's mode.
// O_EXCL: an existing file is never opened here. Closing any descriptor of the
// database drops every POSIX lock this process holds on it, including those of a
// connection already open in this process (serve has two); another process would
// then take the database for unused, checkpoint it and delete the WAL under us.
Status CreateFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Ok();
    return Error{Errc::kUnavailable, "create '" + path + "': " + ErrnoText(errno)};
  }
  ::close(fd);
  return Ok();
}

// The round change of state/dedup.h, in SQL: a new round replaces the senders, a copy
// joins them. Expires what is older than kNotificationExpiry.
Status RecordRound(sqlite::Transaction& tx, const Alert& alert, RoundChange change, TimePoint now) {
  if (change == RoundChange::kStart) {
    Query seen = tx.Sql(
        "INSERT INTO notifications (fingerprint, starts_at, seen_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (fingerprint, starts_at) DO UPDATE SET seen_at = excluded.seen_at");
    if (Status s = seen.Bind(alert.fingerprint, alert.starts_at_text, now).Run(); !s.ok()) return s;
    Query forget =
        tx.Sql("DELETE FROM notification_senders WHERE fingerprint = ?1 AND starts_at = ?2");
    if (Status s = forget.Bind(alert.fingerprint, alert.starts_at_text).Run(); !s.ok()) return s;
  }
  Query sender = tx.Sql(
      "INSERT INTO notification_senders (fingerprint, starts_at, external_url, seen_at) "
      "SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM notifications "
      "WHERE fingerprint = ?1 AND starts_at = ?2) "
      "ON CONFLICT (fingerprint, starts_at, external_url) DO UPDATE SET seen_at = "
      "excluded.seen_at");
  sender.Bind(alert.fingerprint, alert.starts_at_text, alert.external_url, now);
  if (Status s = sender.Run(); !s.ok()) return s;
  for (const char* sql : {"DELETE FROM notifications WHERE seen_at < ?1",
                          "DELETE FROM notification_senders WHERE seen_at < ?1"}) {
    Query expire = tx.Sql(sql);
    if (Status s = expire.Bind(now - kNotificationExpiry).Run(); !s.ok()) return s;
  }
  return Ok();
}

}  // namespace

using state_internal::AttemptsInWindow;
using state_internal::BreakerRow;
using state_internal::CloseExpiredBreaker;
using state_internal::KeyText;
using state_internal::NewestRun;
using state_internal::OpenBreaker;
using state_internal::QueueEscalation;
using state_internal::ReadBreaker;
using state_internal::ReadNewestRun;

SqliteStore::SqliteStore(std::string state_dir, bool read_only)
    : state_dir_(std::move(state_dir)), read_only_(read_only) {
  while (state_dir_.size() > 1 && state_dir_.back() == '/') state_dir_.pop_back();
  path_ = state_dir_ + "/state.db";
}

SqliteStore::~SqliteStore() = default;

Expected<std::unique_ptr<sqlite::Connection>> SqliteStore::Connect() const {
  const std::string& dir = state_dir_;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    int err = errno;
    std::string why = ::stat(dir.c_str(), &st) == 0 ? "is not a directory"
                      : err == ENOENT               ? "does not exist"
                                                    : "cannot be used: " + ErrnoText(err);
    return Error{read_only_ && err == ENOENT ? Errc::kNotFound : Errc::kUnavailable,
                 "open '" + path_ + "': the state directory '" + dir + "' " + why};
  }
  if (read_only_) {
    if (::access(path_.c_str(), F_OK) != 0 && errno == ENOENT) {
      return Error{Errc::kNotFound,
                   "the state database '" + path_ + "' does not exist yet (self-heal has not run)"};
    }
  } else if (Status s = CreateFile(path_); !s.ok()) {
    return s.error();
  }
  Expected<std::unique_ptr<sqlite::Connection>> c = sqlite::Connection::Open(path_, read_only_);
  if (!c.ok()) return c.error();
  Status schema = read_only_ ? sqlite::CheckVersion(*c.value()) : sqlite::Migrate(*c.value());
  if (!schema.ok()) return schema.error();
  return c;
}

Expected<sqlite::Connection*> SqliteStore::Connected() {
  // A group ends on the connection it began on: a new one would have lost its writes.
  if (db_ && db_->group_open()) return db_.get();
  // One stat() per transaction: SQLite itself goes on writing to a file moved aside.
  struct stat st {};
  bool same_file =
      ::stat(path_.c_str(), &st) == 0 && st.st_ino == file_.st_ino && st.st_dev == file_.st_dev;
  if (db_ && !db_->broken() && same_file) return db_.get();
  // Closed first: a broken connection's file handles and locks must not outlive it.
  db_.reset();
  Expected<std::unique_ptr<sqlite::Connection>> c = Connect();
  if (!c.ok()) return c.error();
  if (::stat(path_.c_str(), &file_) != 0) file_ = {};
  db_ = std::move(c).value();
  return db_.get();
}

Expected<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& state_dir,
                                                         bool read_only) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(state_dir, read_only));
  if (Expected<sqlite::Connection*> db = store->Connected(); !db.ok()) return db.error();
  return store;
}

bool SqliteStore::IndexLost() { return sqlite::SharedIndexLost(); }

SqliteStore::Deferred SqliteStore::OpenOrRetry(const std::string& state_dir) {
  Deferred out{std::unique_ptr<SqliteStore>(new SqliteStore(state_dir, false)), std::nullopt};
  if (Expected<sqlite::Connection*> db = out.store->Connected(); !db.ok()) out.error = db.error();
  return out;
}

Expected<History> SqliteStore::LoadHistory(const Alert& alert,
                                           const std::vector<const HandlerConfig*>& handlers,
                                           TimePoint now) {
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  Transaction tx(*db.value(), "load history of '" + EscapeForLog(alert.alertname(), 200) +
                                  "' on '" + EscapeForLog(alert.instance(), 200) + "'");
  if (Status s = tx.Begin(Transaction::Mode::kRead); !s.ok()) return s.error();
  History h;
  {
    Query q = tx.Sql("SELECT paused_until FROM pause WHERE id = 1");
    if (q.Next()) h.paused_until = q.OptTime(0);
    if (!q.status().ok()) return q.status().error();
  }
  {
    Query q = tx.Sql("SELECT seen_at FROM notifications WHERE fingerprint = ?1 AND starts_at = ?2");
    if (q.Bind(alert.fingerprint, alert.starts_at_text).Next()) {
      h.notification_round = NotificationRound{q.Time(0), {}};
    }
    if (!q.status().ok()) return q.status().error();
  }
  if (h.notification_round) {
    Query q = tx.Sql(
        "SELECT external_url, seen_at FROM notification_senders "
        "WHERE fingerprint = ?1 AND starts_at = ?2");
    q.Bind(alert.fingerprint, alert.starts_at_text);
    while (q.Next()) h.notification_round->senders[q.Text(0)] = q.Time(1);
    if (!q.status().ok()) return q.status().error();
  }
  for (const HandlerConfig* handler : handlers) {
    const std::string& instance = alert.instance();
    KeyState key;
    Expected<std::optional<BreakerRow>> breaker =
        ReadBreaker(tx, handler->name, instance, now, handler->window);
    if (!breaker.ok()) return breaker.error();
    if (breaker.value() && breaker.value()->open) {
      key.breaker_opened_at = breaker.value()->opened_at;
      key.escalated = breaker.value()->escalated;
    }
    Expected<std::vector<TimePoint>> attempts =
        AttemptsInWindow(tx, handler->name, instance, now, handler->window);
    if (!attempts.ok()) return attempts.error();
    key.attempts = std::move(attempts).value();
    Expected<std::optional<NewestRun>> newest = ReadNewestRun(tx, handler->name, instance, now);
    if (!newest.ok()) return newest.error();
    if (newest.value()) {
      key.run_active = newest.value()->state == NewestRun::State::kRunning;
      key.last_result = newest.value()->LastResult();
    }
    if (!key.attempts.empty() || key.run_active || key.breaker_opened_at) {
      h.keys[handler->name] = std::move(key);
    }
  }
  if (Status s = tx.Commit(); !s.ok()) return s.error();
  return h;
}

Status SqliteStore::Record(const Alert& alert, const Decision& d, TimePoint now,
                           const Escalation* escalation) {
  RoundChange round = RoundChangeFor(alert, d);
  bool dedup = round != RoundChange::kNone;
  bool launch = d.handler && d.verdict == Verdict::kLaunch;
  bool breaker = d.handler && (d.opens_breaker || d.escalate);
  if (!dedup && !launch && !breaker) return Ok();  // kResolved and plain skips keep nothing

  // Every write below concerns d.handler: RoundChangeFor requires one too.
  const HandlerConfig& h = *d.handler;
  const std::string& instance = alert.instance();
  if (d.escalate && !escalation) {
    return Error{Errc::kInternal, "record decision '" + std::string(VerdictName(d.verdict)) +
                                      "' for " + KeyText({h.name, instance}) +
                                      ": it escalates, but no escalation came with it"};
  }
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  std::string what = launch ? "record attempt for " + KeyText({h.name, instance})
                            : "record decision '" + std::string(VerdictName(d.verdict)) + "' for " +
                                  KeyText({h.name, instance});
  Transaction tx(*db.value(), std::move(what));
  if (Status s = tx.Begin(Transaction::Mode::kWrite); !s.ok()) return s;
  if (dedup) {
    if (Status s = RecordRound(tx, alert, round, now); !s.ok()) return s;
  }
  if (launch || breaker) {
    if (Status s = CloseExpiredBreaker(tx, h.name, instance, now, h.window); !s.ok()) return s;
    if (launch) {
      Query q = tx.Sql(
          "INSERT INTO attempts (handler, instance, alertname, fingerprint, unit, attempt, "
          "started_at, timeout_ns, window_ns, counts, verify_ns) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10)");
      q.Bind(h.name, instance, alert.alertname(), alert.fingerprint, UnitNameFor(h.name, instance),
             d.attempt, now, h.timeout, h.window, h.verify);
      if (Status s = q.Run(); !s.ok()) return s;
    }
    if (d.opens_breaker) {
      Expected<bool> opened = OpenBreaker(tx, h.name, instance, alert.alertname(), now, h.window);
      if (!opened.ok()) return opened.error();
    }
    if (d.escalate) {
      if (Status s = QueueEscalation(tx, *escalation); !s.ok()) return s;
    }
  }
  return tx.Commit();
}

Expected<ResolveCredit> SqliteStore::CreditResolved(const Alert& alert, const Decision& d,
                                                    TimePoint now) {
  if (!d.handler || d.verdict != Verdict::kResolved) return ResolveCredit{};
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  Transaction tx(*db.value(), "credit the resolve of '" + EscapeForLog(alert.alertname(), 200) +
                                  "' to " + KeyText({d.handler->name, alert.instance()}));
  if (Status s = tx.Begin(Transaction::Mode::kWrite); !s.ok()) return s.error();
  Expected<ResolveCredit> credit =
      state_internal::CreditResolve(tx, d.handler->name, alert.instance(), now);
  if (!credit.ok()) return credit.error();
  if (Status s = tx.Commit(); !s.ok()) return s.error();
  return credit;
}

Status SqliteStore::CancelLaunch(const Alert& alert, const Decision& d, TimePoint recorded_at) {
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  Transaction tx(*db.value(), "take back the attempt for " +
                                  (d.handler ? KeyText({d.handler->name, alert.instance()})
                                             : "'" + EscapeForLog(alert.alertname(), 200) + "'"));
  if (Status s = tx.Begin(Transaction::Mode::kWrite); !s.ok()) return s;
  Query seen = tx.Sql(
      "DELETE FROM notifications WHERE fingerprint = ?1 AND starts_at = ?2 AND seen_at = ?3");
  if (Status s = seen.Bind(alert.fingerprint, alert.starts_at_text, recorded_at).Run(); !s.ok()) {
    return s;
  }
  Query senders = tx.Sql(
      "DELETE FROM notification_senders WHERE fingerprint = ?1 AND starts_at = ?2 AND NOT EXISTS "
      "(SELECT 1 FROM notifications WHERE fingerprint = ?1 AND starts_at = ?2)");
  if (Status s = senders.Bind(alert.fingerprint, alert.starts_at_text).Run(); !s.ok()) return s;
  if (d.handler) {
    Query q = tx.Sql(
        "DELETE FROM attempts WHERE handler = ?1 AND instance = ?2 AND started_at = ?3 "
        "AND orphan = 0 AND finished_at IS NULL");
    if (Status s = q.Bind(d.handler->name, alert.instance(), recorded_at).Run(); !s.ok()) return s;
  }
  return tx.Commit();
}

Status SqliteStore::AwaitRetry(std::span<const Alert> alerts, TimePoint now) {
  if (alerts.empty()) return Ok();
  std::lock_guard lock(mu_);
  Expected<sqlite::Connection*> db = Connected();
  if (!db.ok()) return db.error();
  Transaction tx(*db.value(),
                 "await the retry of " + std::to_string(alerts.size()) + " alert(s) answered 503");
  if (Status s = tx.Begin(Transaction::Mode::kWrite); !s.ok()) return s;
  for (const Alert& alert : alerts) {
    Query touch = tx.Sql(
        "UPDATE notification_senders SET seen_at = ?4 "
        "WHERE fingerprint = ?1 AND starts_at = ?2 AND external_url = ?3");
    touch.Bind(alert.fingerprint, alert.starts_at_text, alert.external_url, now);
    if (Status s = touch.Run(); !s.ok()) return s;
  }
  return tx.Commit();
}

void SqliteStore::Group() {
  std::lock_guard lock(mu_);
  if (Expected<sqlite::Connection*> db = Connected(); db.ok()) db.value()->Group();
}

Status SqliteStore::Flush() {
  std::lock_guard lock(mu_);
  return db_ ? db_->Flush() : Ok();
}

void SqliteStore::Ungroup() {
  std::lock_guard lock(mu_);
  if (db_) db_->Ungroup();
}

int64_t SqliteStore::commits() {
  std::lock_guard lock(mu_);
  return db_ ? db_->commits() : 0;
}

}  // namespace selfheal
