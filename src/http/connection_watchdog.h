// connection_watchdog.h — carries out the ConnectionTable's drops (connection_deadlines.h)
// on libmicrohttpd's connections and journals them, throttled (drop_throttle.h).
//
// Implementation notes:
// - A drop is shutdown(fd, SHUT_RDWR), never close(): libmicrohttpd sees the hang-up
//   on its next turn and closes the connection on its own thread, with its usual
//   notifications. The fd stays valid while we hold mu_: libmicrohttpd calls
//   NOTIFY_CONNECTION CLOSED (Closed() here, which takes mu_) before it closes it.
// - Deadlines are carried out by a thread of ours, asleep until the next one: the
//   connections that miss them are exactly those that make libmicrohttpd call us no
//   more. Evictions happen on libmicrohttpd's thread, when it tells us of a newcomer.
// - A connection that misses its header deadline having sent nothing since its last
//   request (an idle keep-alive, or a connection never used) is dropped unjournaled,
//   as libmicrohttpd's idle timeout would have closed it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/connection_deadlines.h"
#include "http/drop_throttle.h"
#include "http/mhd_own_answers.h"
#include "journal/journal.h"

namespace selfheal {

class ConnectionWatchdog {
 public:
  ConnectionWatchdog(const ConnectionPolicy& policy, JournalSink& journal);
  // Stops the thread and journals the counts not yet summarised.
  ~ConnectionWatchdog();
  ConnectionWatchdog(const ConnectionWatchdog&) = delete;
  ConnectionWatchdog& operator=(const ConnectionWatchdog&) = delete;

  void Start();  // the deadline thread

  // From libmicrohttpd's callbacks, on its thread.
  void Opened(ConnectionState& state);
  // False: every body slot is taken (answer 503). `state` null: not tracked.
  bool AdmitBody(ConnectionState* state);
  void RequestEnded(ConnectionState& state, const std::optional<TcpCounters>& counters);
  void Closed(ConnectionState& state);

  // The journal for the requests a client abandons or libmicrohttpd refuses itself
  // (OwnAnswerJournal): their entries go through the drops' throttle, by their
  // SELF_HEAL_REASON, since a client without credentials causes them at its own rate.
  JournalSink& Throttled() { return throttled_; }

 private:
  struct ThrottledJournal final : JournalSink {
    explicit ThrottledJournal(ConnectionWatchdog& watchdog) : watchdog(watchdog) {}
    void Write(const AuditEvent& event) override;
    ConnectionWatchdog& watchdog;
  };

  using Instant = ConnectionTable::Instant;
  struct Watched {
    ConnectionState* state;
    uint64_t segments_in = 0;  // the peer's data segments when this phase began
  };

  void Run();
  // Under mu_: drops `drop`'s connection and appends its entry, if any, to `out`.
  void DropLocked(const Drop& drop, Instant now, std::vector<AuditEvent>& out);
  void SummariesLocked(const std::vector<SuppressedDrops>& due, std::vector<AuditEvent>& out) const;
  // Under mu_: wakes the thread if it sleeps past the table's next deadline or summary.
  void RescheduleLocked();
  void Write(const std::vector<AuditEvent>& events);

  const ConnectionPolicy policy_;
  JournalSink& journal_;
  std::mutex mu_;
  std::condition_variable wake_;
  ConnectionTable table_;                          // guarded by mu_
  DropThrottle throttle_;                          // guarded by mu_
  std::unordered_map<uint64_t, Watched> watched_;  // guarded by mu_
  bool asleep_ = false;                            // guarded by mu_: the thread waits
  std::optional<Instant> sleeping_until_;          // guarded by mu_; nullopt: no deadline
  bool woken_ = false;                             // guarded by mu_
  bool stop_ = false;                              // guarded by mu_
  ThrottledJournal throttled_{*this};
  std::thread thread_;
};

}  // namespace selfheal
