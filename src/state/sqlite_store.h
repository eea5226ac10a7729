// sqlite_store.h — the durable StateStore: one SQLite database, DIR/state.db, in WAL
// mode with synchronous=FULL, shared by the service and the short-lived processes
// that record results (`self-heal record-result` from ExecStopPost=) or serve
// operators (`status`, `reset`, `pause`). Every method is one transaction, or a part
// of the one a Group() spans (Store::Group: a request's decisions); writers take the
// write lock up front and wait for each other up to a busy timeout (2 s).
//
// Errors: Errc::kUnavailable whenever the database cannot be read or written now
// (locked past the timeout, I/O error, disk full, read-only, corrupt: the message then
// says the file is corrupt and names it). Nothing here throws; a corrupt file yields
// errors, never a crash. Thread-safe: calls on one SqliteStore are serialized.
//
// A fault that outlives the call (corrupt file, I/O error, a file or directory that
// cannot be opened), or DIR/state.db naming another file than the one open (moved
// aside, replaced), closes the connection; the next call opens the database again, so
// the store recovers once the fault is cleared without a restart of the process.
#pragma once

#include <sys/stat.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "state/store.h"

namespace selfheal {

namespace sqlite {
class Connection;
}

class SqliteStore final : public StateStore {
 public:
  // Opens (creating it with mode 0600 and migrating its schema) DIR/state.db, and
  // DIR/state.db-writers, where waiting writers mark themselves (writer_turns.h).
  // read_only opens the file as it is, for `status` and `simulate`: it creates nothing,
  // migrates nothing, and every write returns kUnavailable.
  // Errors: kUnavailable when the directory is missing, the file cannot be opened, is
  // corrupt, belongs to another application or has a newer schema version than this
  // build (never downgraded); read_only also kNotFound when there is no database yet
  // and kUnavailable when its schema is older (the next read-write open migrates it).
  static Expected<std::unique_ptr<SqliteStore>> Open(const std::string& state_dir,
                                                     bool read_only = false);
  // For `serve`, which must answer 503 with the cause rather than die (a service that
  // dies at each start turns a fault into a failed socket): the read-write store even
  // when its database cannot be opened now, with the cause in `error`.
  struct Deferred {
    std::unique_ptr<SqliteStore> store;
    std::optional<Error> error;
  };
  static Deferred OpenOrRetry(const std::string& state_dir);
  // Whether the database's shared index faulted under this process (shared_index.h):
  // every later call is refused, and only a new process can use the store again.
  static bool IndexLost();
  ~SqliteStore() override;

  const std::string& path() const { return path_; }

  // Store. Record and RecordResult queue the escalation they decide on in their own
  // transaction (QueueEscalation, sqlite_store_internal.h). LoadHistory and Record
  // agree with MemoryStore; in addition LoadHistory sets run_active while the key's
  // newest attempt has no result and started less than its TimeoutSec (as launched)
  // + 30 s ago (later its result is taken as lost: it counts like a failure), returns
  // only the attempts within the handler's window, and treats a breaker whose window
  // has passed as closed (its attempts no longer count).
  Expected<History> LoadHistory(const Alert& alert,
                                const std::vector<const HandlerConfig*>& handlers,
                                TimePoint now) override;
  Status Record(const Alert& alert, const Decision& decision, TimePoint now,
                const Escalation* escalation) override;
  Status CancelLaunch(const Alert& alert, const Decision& decision, TimePoint recorded_at) override;
  Status AwaitRetry(std::span<const Alert> alerts, TimePoint now) override;
  void Group() override;
  Status Flush() override;
  void Ungroup() override;
  // Transactions committed on the current connection, a group counting once (tests).
  int64_t commits();
  // Fills attempts.resolved_at exactly when it credits (or, for a running attempt,
  // remembers) a resolve; a result other than done clears a remembered one.
  Expected<ResolveCredit> CreditResolved(const Alert& alert, const Decision& decision,
                                         TimePoint now) override;

  // StateStore. RecordResult takes result.outcome as given (see OutcomeOf). A result
  // whose attempt was reset meanwhile is recorded on it but does not count; a result
  // that matches no unfinished attempt at all is kept as an orphan row with no effect
  // on budget or breaker (found_attempt = false).
  Expected<ResultEffect> RecordResult(const RunResult& result, int max_attempts, Duration window,
                                      const EscalationFor& escalation_for) override;
  // Idempotent per breaker opening: an escalation for a key whose current opening
  // already has one (delivered or not) is not queued again; with no breaker row, at
  // most one undelivered escalation per key. Marks the breaker escalated. A fresh
  // escalation's next_try is also its creation time.
  Status EnqueueEscalation(const Escalation& escalation) override;
  Expected<std::vector<Escalation>> DueEscalations(TimePoint now) override;  // oldest first
  // delivered: next_try is taken as the delivery time. kNotFound for an unknown id.
  Status MarkEscalation(int64_t id, const EscalationMark& mark) override;
  Expected<std::vector<Escalation>> PendingEscalations() override;  // by next_try
  Expected<std::vector<ActiveEscalation>> ActiveEscalations(TimePoint now) override;
  Status MarkRefresh(int64_t id, const RefreshMark& mark) override;
  // Sorted by handler, then instance. last_result is "lost" for an attempt that got no
  // result within its TimeoutSec + 30 s.
  Expected<std::vector<KeyStatus>> ListStatus(TimePoint now) override;
  // Keeps the attempts as history but stops counting them, and closes the breaker;
  // queued escalations stay (they are for a human). kNotFound when nothing is recorded
  // for that key.
  Status Reset(const HealKey& key) override;
  Status ResetAll() override;
  Status SetPausedUntil(std::optional<TimePoint> until) override;
  Expected<Totals> ReadTotals() override;
  // An UPSERT per counter (schema v6 `counters`), all in one transaction.
  Status AddEventCounts(const EventCounts& counts) override;

 private:
  SqliteStore(std::string state_dir, bool read_only);
  // Opens (creating and migrating, unless read-only) the database; errors as Open.
  Expected<std::unique_ptr<sqlite::Connection>> Connect() const;
  // The open connection; opens it again first if there is none or it is broken.
  // Called with mu_ held.
  Expected<sqlite::Connection*> Connected();

  std::mutex mu_;
  std::unique_ptr<sqlite::Connection> db_;  // null until opened, and after a fault
  struct stat file_ {};                     // the file db_ has open (st_dev, st_ino)
  std::string state_dir_;
  bool read_only_;
  std::string path_;
};

}  // namespace selfheal
