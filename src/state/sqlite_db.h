// sqlite_db.h — the little of SQLite's C API the state store needs: a connection with
// its cached statements, a transaction, a query. Internal to src/state/: nothing above
// state/ knows SQLite exists (STYLE.md "Errors"). Not thread-safe: SqliteStore holds a
// mutex around every use of a Connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/expected.h"
#include "common/time.h"
#include "state/writer_turns.h"

struct sqlite3;
struct sqlite3_stmt;

namespace selfheal::sqlite {

// The one translation of SQLite result codes (STYLE.md: once, at the edge). Busy,
// locked, can't-open, I/O, full, read-only and permission errors become kUnavailable;
// a corrupt file too, with a message that says so and names `path`; anything else
// (misuse, constraint, a missing table) is kInternal. The message is
// "<what>: <sqlite's own words>".
Error ErrorOf(sqlite3* db, int rc, std::string_view what, const std::string& path);

// Whether `rc` says the connection itself went bad (corrupt or replaced file, I/O
// error, a file that cannot be opened or written), so that only a new connection can
// succeed once the cause is gone. Busy, full and constraint errors are not.
bool IsLastingFault(int rc);

inline int64_t ToNanos(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint FromNanos(int64_t ns) { return TimePoint(Duration(ns)); }

class Connection {
 public:
  // Opens `path` with SQLite's open flags: read-write (creating the file if missing)
  // or read-only (never creating anything). Retries a busy lock for up to 2 s, turns
  // on defensive mode and, read-write, WAL with synchronous=FULL and foreign keys.
  // Errors as ErrorOf.
  static Expected<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }
  bool read_only() const { return read_only_; }

  // The prepared statement for `sql`, cached by its text for the life of the
  // connection (by text, not address: SQL built at run time may reuse the address of
  // other SQL freed before it). Returns an SQLite result code.
  int Prepare(const char* sql, sqlite3_stmt** stmt);
  // Runs a script outside the cache (schema migrations, pragmas).
  Status Exec(const char* sql, std::string_view what);
  // The error of `rc` (ErrorOf); a fault that outlives the call marks the connection
  // broken (IsLastingFault), and its owner opens a new one.
  Error Fail(int rc, std::string_view what);
  bool broken() const { return broken_; }

  WriterTurns& turns() { return *turns_; }

  // Groups the transactions that follow on this connection into one: each Transaction
  // joins it instead of committing its own, and reads see the group's writes. Flush()
  // commits the group (one fsync) and keeps grouping; Ungroup() rolls back what was not
  // flushed and stops. A joined transaction that ends without its Commit() fails the
  // group: Flush() then rolls it all back and returns that failure.
  void Group() { grouping_ = true; }
  Status Flush();
  void Ungroup();
  bool group_open() const { return group_open_; }
  // Transactions committed on this connection, a group counting once (for tests).
  int64_t commits() const { return commits_; }

 private:
  friend class Transaction;
  Connection(sqlite3* db, std::string path, bool read_only)
      : db_(db), path_(std::move(path)), read_only_(read_only) {}
  static int RetryWhileBusy(void* arg, int count);  // the busy handler

  sqlite3* db_;
  std::string path_;
  bool read_only_;
  bool broken_ = false;
  // Transparent, so a lookup hashes the caller's text without copying it.
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, TextHash, std::equal_to<>> cache_;
  std::unique_ptr<WriterTurns> turns_;
  std::chrono::steady_clock::time_point busy_since_;  // when the current wait began
  bool grouping_ = false;
  bool group_open_ = false;           // BEGIN IMMEDIATE of the group was run
  std::optional<Error> group_error_;  // a joined transaction that failed
  int64_t commits_ = 0;
};

// One use of a cached statement: bind, step, read columns. The first failure (prepare,
// bind or step) sticks in status() and makes every later call a no-op, so a caller
// checks once. Resets the statement when it goes out of scope, so no lock outlives it.
class Query {
 public:
  Query(Connection& connection, const char* sql, const std::string& what);
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  // Binds the next parameters, in order.
  template <typename... Args>
  Query& Bind(const Args&... args) {
    (BindOne(args), ...);
    return *this;
  }
  // True when a row is ready; false when done or failed (status() tells which).
  bool Next();
  // Steps to the end; the rows changed are in changes().
  Status Run();
  const Status& status() const { return status_; }
  int changes() const { return changes_; }

  int64_t Int(int col) const;
  bool Null(int col) const;
  std::string Text(int col) const;
  TimePoint Time(int col) const { return FromNanos(Int(col)); }
  std::optional<TimePoint> OptTime(int col) const;

 private:
  void BindOne(int64_t v);
  void BindOne(int v) { BindOne(static_cast<int64_t>(v)); }
  void BindOne(bool v) { BindOne(static_cast<int64_t>(v ? 1 : 0)); }
  void BindOne(std::string_view v);
  void BindOne(const std::string& v) { BindOne(std::string_view(v)); }
  void BindOne(const char* v) { BindOne(std::string_view(v)); }
  void BindOne(std::nullopt_t);
  void BindOne(TimePoint t) { BindOne(ToNanos(t)); }
  void BindOne(Duration d) { BindOne(static_cast<int64_t>(d.count())); }
  void BindOne(const std::optional<TimePoint>& t);
  void BindOne(const std::optional<std::string>& v);
  void Check(int rc);

  Connection& connection_;
  sqlite3_stmt* stmt_ = nullptr;
  const std::string& what_;
  int next_param_ = 1;
  int changes_ = 0;
  Status status_ = Ok();
};

// One transaction: every public method of SqliteStore is exactly one (or one part of
// a group, Connection::Group). kWrite takes the
// write lock up front (BEGIN IMMEDIATE), so two writing processes serialize through
// the busy timeout instead of failing half-way with a stale snapshot. Rolls back when
// it goes out of scope uncommitted.
class Transaction {
 public:
  enum class Mode { kRead, kWrite };
  Transaction(Connection& connection, std::string what)
      : connection_(connection), what_(std::move(what)) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status Begin(Mode mode);
  Status Commit();
  Query Sql(const char* sql) { return Query(connection_, sql, what_); }
  const std::string& what() const { return what_; }
  Connection& connection() { return connection_; }

 private:
  Connection& connection_;
  std::string what_;
  bool open_ = false;
  bool joined_ = false;  // part of the connection's group: Connection::Flush commits
};

}  // namespace selfheal::sqlite
