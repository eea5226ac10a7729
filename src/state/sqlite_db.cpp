// Implementation notes: statements are prepared once per connection
// (SQLITE_PREPARE_PERSISTENT) and reset after every use, so a finished Query never
// holds a read snapshot open. Only primary result codes matter here: the extended
// ones (SQLITE_IOERR_FSYNC, …) are folded with `rc & 0xff`, and SQLite's own text
// (sqlite3_errmsg) carries the detail into the message.
#include "state/sqlite_db.h"

#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <string>
#include <system_error>
#include <thread>

#include "state/shared_index.h"

namespace selfheal::sqlite {

namespace {

constexpr auto kBusyTimeout = std::chrono::milliseconds(2000);

const char* MessageOf(sqlite3* db, int rc) {
  // sqlite3_errmsg describes the most recent failure on `db`, which is the one at hand
  // as long as nothing ran in between; fall back to the generic text otherwise.
  if (db && (sqlite3_errcode(db) & 0xff) == (rc & 0xff)) return sqlite3_errmsg(db);
  return sqlite3_errstr(rc);
}

// SQLite's text for a failed system call is generic ("unable to open database file",
// "disk I/O error"): the errno behind it is what tells a missing directory from a
// read-only or full one. "" when SQLite recorded none for this failure.
// A read-only refusal often comes with no errno at all, only an extended code.
std::string SystemCauseOf(sqlite3* db, int rc) {
  if (!db || (sqlite3_errcode(db) & 0xff) != (rc & 0xff)) return "";
  if (int err = sqlite3_system_errno(db); err != 0) {
    return " (" + std::generic_category().message(err) + ")";
  }
  switch (sqlite3_extended_errcode(db)) {
    case SQLITE_READONLY_DIRECTORY:
    case SQLITE_READONLY_CANTINIT:
    case SQLITE_READONLY_CANTLOCK:
      return " (its directory is not writable: the -wal and -shm files cannot be created "
             "beside it)";
    case SQLITE_READONLY:
      return " (the file is not writable)";
    default:
      return "";  // SQLite's own text is all there is
  }
}

// Why nothing can go through this process's view of the index any more (shared_index.h).
Error IndexLostError(std::string_view what, const std::string& path) {
  return Error{Errc::kUnavailable,
               std::string(what) + ": the index of the state database, '" + path +
                   "-shm', was truncated or could not be read under this process (SIGBUS); "
                   "nothing of this was written, and this process no longer uses the store "
                   "(self-heal serve exits after the requests in flight; the next start "
                   "rebuilds the index from the WAL)"};
}

}  // namespace

Error ErrorOf(sqlite3* db, int rc, std::string_view what, const std::string& path) {
  std::string prefix = std::string(what) + ": ";
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error{Errc::kUnavailable,
                   prefix + "the state database '" + path + "' is corrupt (" + MessageOf(db, rc) +
                       "); move it and its -wal and -shm files aside to start with empty "
                       "state (self-heal serve opens the new one by itself)"};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_FULL:
    case SQLITE_PERM:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
    case SQLITE_AUTH:
      return Error{Errc::kUnavailable, prefix + MessageOf(db, rc) + SystemCauseOf(db, rc)};
    default:
      return Error{Errc::kInternal, prefix + MessageOf(db, rc)};
  }
}

bool IsLastingFault(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
      return true;
    default:
      return false;
  }
}

Error Connection::Fail(int rc, std::string_view what) {
  if (IsLastingFault(rc)) broken_ = true;
  return ErrorOf(db_, rc, what, path_);
}

// SQLite's own busy handler (sqlite3_busy_timeout) backs off to one retry per 100 ms,
// about 30 tries in 2 s. A process that writes back to back holds the lock nearly all
// the time, with gaps of microseconds, so a writer polling that slowly starves.
// Retrying about every millisecond (jittered, so two waiters do not march in step)
// and marking itself waiting (WriterTurns) gets it in.
int Connection::RetryWhileBusy(void* arg, int count) {
  auto* c = static_cast<Connection*>(arg);
  auto now = std::chrono::steady_clock::now();
  if (count == 0) {
    c->busy_since_ = now;
    c->turns().SetWaiting(true);
  }
  if (now - c->busy_since_ >= kBusyTimeout) return 0;  // give up: the caller sees SQLITE_BUSY
  static thread_local std::minstd_rand jitter(static_cast<unsigned>(getpid()));
  int micros = count < 4 ? 50 << count : 500 + static_cast<int>(jitter() % 1000);
  std::this_thread::sleep_for(std::chrono::microseconds(micros));
  return 1;
}

// Switching a fresh file to WAL upgrades a read lock to a write lock inside one
// statement, and SQLite does not call the busy handler for that upgrade (waiting there
// could deadlock two upgraders), so two processes opening a new database at the same
// moment see SQLITE_BUSY at once. Retrying the whole statement, which releases the
// read lock in between, is safe; it is bounded like every other wait.
namespace {

int SwitchToWal(sqlite3* db, std::string* mode) {
  auto deadline = std::chrono::steady_clock::now() + kBusyTimeout;
  static thread_local std::minstd_rand jitter(static_cast<unsigned>(getpid()));
  for (;;) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &stmt, nullptr);
    if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      *mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) return rc;
    std::this_thread::sleep_for(std::chrono::microseconds(200 + jitter() % 800));
  }
}

}  // namespace

Expected<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool read_only) {
  int flags = SQLITE_OPEN_NOMUTEX |
              (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  // Even a failed open may allocate a handle; the Connection owns it from here on.
  std::unique_ptr<Connection> c(new Connection(db, path, read_only));
  if (!read_only)
    c->turns_ = std::make_unique<WriterTurns>(path + "-writers");
  else
    c->turns_ = std::make_unique<WriterTurns>();
  std::string what = "open '" + path + "'";
  if (rc != SQLITE_OK) return c->Fail(rc, what);
  GuardSharedIndex();
  if (SharedIndexLost()) return IndexLostError(what, path);
  sqlite3_busy_handler(db, RetryWhileBusy, c.get());
  // A state file is data, never code: refuse the schema tricks a crafted file could
  // play (writable_schema, triggers calling functions) and keep going on a corrupt one
  // only as far as an error.
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  if (read_only) {
    if (Status s = c->Exec("PRAGMA query_only=ON;", what); !s.ok()) return s.error();
    return c;
  }
  // journal_mode answers with the mode it ended up in; on a file that is not a
  // database it fails, which is the first sign of corruption we get.
  std::string mode;
  rc = SwitchToWal(db, &mode);
  if (rc != SQLITE_OK) return c->Fail(rc, what);
  if (mode != "wal") {
    return Error{Errc::kUnavailable,
                 what + ": cannot switch the database to WAL mode (it stays in '" + mode + "')"};
  }
  // FULL: a commit returns only once the WAL is on disk, so an attempt recorded before
  // its launch survives a power loss.
  if (Status s = c->Exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", what); !s.ok()) {
    return s.error();
  }
  return c;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

int Connection::Prepare(const char* sql, sqlite3_stmt** stmt) {
  if (auto it = cache_.find(std::string_view(sql)); it != cache_.end()) {
    *stmt = it->second;
    return SQLITE_OK;
  }
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, nullptr);
  if (rc == SQLITE_OK) cache_.emplace(sql, *stmt);
  return rc;
}

Status Connection::Exec(const char* sql, std::string_view what) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  sqlite3_free(message);  // the same text is still in sqlite3_errmsg for Fail
  if (rc != SQLITE_OK) return Fail(rc, what);
  return Ok();
}

Query::Query(Connection& connection, const char* sql, const std::string& what)
    : connection_(connection), what_(what) {
  Check(connection_.Prepare(sql, &stmt_));
  if (!status_.ok()) stmt_ = nullptr;
}

Query::~Query() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Query::Check(int rc) {
  if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE && status_.ok()) {
    status_ = connection_.Fail(rc, what_);
  }
}

void Query::BindOne(int64_t v) {
  if (status_.ok()) Check(sqlite3_bind_int64(stmt_, next_param_++, v));
}

void Query::BindOne(std::string_view v) {
  if (status_.ok()) {
    Check(sqlite3_bind_text64(stmt_, next_param_++, v.data(), v.size(), SQLITE_TRANSIENT,
                              SQLITE_UTF8));
  }
}

void Query::BindOne(std::nullopt_t) {
  if (status_.ok()) Check(sqlite3_bind_null(stmt_, next_param_++));
}

void Query::BindOne(const std::optional<TimePoint>& t) {
  if (t)
    BindOne(*t);
  else
    BindOne(std::nullopt);
}

void Query::BindOne(const std::optional<std::string>& v) {
  if (v)
    BindOne(std::string_view(*v));
  else
    BindOne(std::nullopt);
}

bool Query::Next() {
  if (!status_.ok()) return false;
  int rc = sqlite3_step(stmt_);
  Check(rc);
  return rc == SQLITE_ROW;
}

Status Query::Run() {
  while (Next()) {
  }
  if (status_.ok()) changes_ = sqlite3_changes(connection_.db());
  return status_;
}

int64_t Query::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

bool Query::Null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::string Query::Text(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<TimePoint> Query::OptTime(int col) const {
  if (Null(col)) return std::nullopt;
  return Time(col);
}

Transaction::~Transaction() {
  connection_.turns().SetWaiting(false);
  if (joined_) {
    if (open_ && !connection_.group_error_) {
      connection_.group_error_ =
          Error{Errc::kUnavailable, what_ + ": failed, and with it every write of its group"};
    }
    return;
  }
  if (open_ && !sqlite3_get_autocommit(connection_.db())) {
    sqlite3_exec(connection_.db(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Status Transaction::Begin(Mode mode) {
  // Read transactions stay deferred: they take a WAL snapshot at the first read and
  // never wait for a writer.
  if (SharedIndexLost()) return IndexLostError(what_, connection_.path());
  if (connection_.grouping_) {
    if (connection_.group_error_) return *connection_.group_error_;
    if (!connection_.group_open_) {
      // Up front, whatever the mode: a group is there to write.
      connection_.turns().GiveWay();
      Status begun = Query(connection_, "BEGIN IMMEDIATE", what_).Run();
      connection_.turns().SetWaiting(false);
      if (!begun.ok()) return begun;
      connection_.group_open_ = true;
    }
    joined_ = true;
    open_ = true;
    return Ok();
  }
  if (mode == Mode::kWrite) connection_.turns().GiveWay();
  Status begun =
      Query(connection_, mode == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN", what_).Run();
  connection_.turns().SetWaiting(false);
  if (!begun.ok()) return begun;
  open_ = true;
  return Ok();
}

Status Transaction::Commit() {
  // What this transaction read may have come from the zeroed stand-in for the index.
  if (SharedIndexLost()) return IndexLostError(what_, connection_.path());
  if (joined_) {
    open_ = false;  // Connection::Flush commits it with the rest of the group
    return Ok();
  }
  Query commit = Sql("COMMIT");
  if (Status s = commit.Run(); !s.ok()) return s;  // the destructor rolls back
  open_ = false;
  ++connection_.commits_;
  return Ok();
}

Status Connection::Flush() {
  if (!group_open_) return Ok();
  group_open_ = false;
  std::optional<Error> failed = std::move(group_error_);
  group_error_.reset();
  if (!failed && SharedIndexLost()) failed = IndexLostError("commit a group", path_);
  if (!failed) {
    Status committed = Exec("COMMIT", "commit a group of writes");
    if (committed.ok()) {
      ++commits_;
      return Ok();
    }
    failed = committed.error();
  }
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  return *failed;
}

void Connection::Ungroup() {
  if (group_open_ && !sqlite3_get_autocommit(db_)) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  grouping_ = false;
  group_open_ = false;
  group_error_.reset();
}

}  // namespace selfheal::sqlite
