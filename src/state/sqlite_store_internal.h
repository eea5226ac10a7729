// sqlite_store_internal.h — the rules of one (handler, instance) key that every
// SqliteStore query shares: its window, its breaker, its newest run (running or
// lost) and its escalation. Each runs inside the caller's transaction; errors carry
// the transaction's sentence.
//
// Windows: the request and result paths pass the handler's current Window=; `status`,
// which has no config, passes nullopt and each row then uses the window it was
// written with (an attempt's window at launch, a breaker's at its opening).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/expected.h"
#include "common/time.h"
#include "state/records.h"
#include "state/sqlite_db.h"

namespace selfheal::state_internal {

// After TimeoutSec systemd stops the unit; 30 s more covers ExecStopPost= and a slow
// write. An attempt still without a result by then has lost it (it counts as failed).
inline constexpr Duration kResultGrace = std::chrono::seconds(30);

// "'disk' on 'web-1:9100'", the instance escaped for a log line.
std::string KeyText(const HealKey& key);

// When the key's breaker has been open for `window` or longer at `now`, closes it:
// deletes the row and stops counting the attempts that started before it opened.
Status CloseExpiredBreaker(sqlite::Transaction& tx, const std::string& handler,
                           const std::string& instance, TimePoint now, Duration window);

// The key's breaker row, if any. open: now - opened_at < window; open_until:
// opened_at + window.
struct BreakerRow {
  TimePoint opened_at;
  TimePoint open_until;
  bool open = false;
  bool escalated = false;
  std::string alertname;
};
Expected<std::optional<BreakerRow>> ReadBreaker(sqlite::Transaction& tx, const std::string& handler,
                                                const std::string& instance, TimePoint now,
                                                std::optional<Duration> window);

// The start times, oldest first, of the key's attempts that count at `now`: not
// cleared (healed, not-applicable, reset), not orphan results, started in
// (now - window, now], and after the opening of a breaker whose window has passed
// (the window restarted then).
Expected<std::vector<TimePoint>> AttemptsInWindow(sqlite::Transaction& tx,
                                                  const std::string& handler,
                                                  const std::string& instance, TimePoint now,
                                                  std::optional<Duration> window);

// The key's newest attempt (orphan results aside) and what became of it. An attempt
// without a result is running until its TimeoutSec= as launched plus kResultGrace,
// then lost. A done attempt awaits its resolve until verify_until (VerifyUntil), then
// is not healed.
struct NewestRun {
  enum class State { kFinished, kRunning, kLost };
  State state = State::kFinished;
  int64_t id = 0;
  int attempt = 0;
  std::string outcome;  // OutcomeName once finished, or kHealedResult once credited
  std::string unit;
  std::string alertname;
  TimePoint started_at;
  std::optional<TimePoint> finished_at;
  Duration verify{};                      // VerifySec= as launched
  std::optional<TimePoint> verify_until;  // set once finished
  std::optional<TimePoint> resolved_at;   // credited, or remembered while running
  bool verify_passed = false;             // done, and now >= verify_until
  // "running", "lost", "not-healed" or the outcome, as History and KeyStatus report it.
  std::string LastResult() const;
};
Expected<std::optional<NewestRun>> ReadNewestRun(sqlite::Transaction& tx,
                                                 const std::string& handler,
                                                 const std::string& instance, TimePoint now);

// The one verification rule: a done attempt that finished at `finished_at` is healed
// by a resolved notification that arrives before finished_at + verify (its VerifySec=
// as launched), and not healed once that time has come without one.
TimePoint VerifyUntil(TimePoint finished_at, Duration verify);

// Credits attempt `id` of the key with its alert's resolve at `resolved_at`: it is
// healed (resolved_at recorded), the key's attempts stop counting and its breaker
// closes, as after a reset.
Status Heal(sqlite::Transaction& tx, const std::string& handler, const std::string& instance,
            int64_t id, TimePoint resolved_at);

// What a resolved notification for the key at `now` does to its newest attempt:
// running, it is remembered (resolved_at, kept from the first); done before
// VerifyUntil, Heal; done after it, nothing (kTooLate); anything else, nothing.
Expected<ResolveCredit> CreditResolve(sqlite::Transaction& tx, const std::string& handler,
                                      const std::string& instance, TimePoint now);

// Opens the key's breaker at `at` unless it is open already (a breaker opened
// meanwhile keeps its opening, so its one escalation stays the only one). True when
// this call opened it.
Expected<bool> OpenBreaker(sqlite::Transaction& tx, const std::string& handler,
                           const std::string& instance, const std::string& alertname, TimePoint at,
                           Duration window);

// Queues `e` for the key's current breaker opening unless that opening has one
// already (without a breaker row: unless one is undelivered), and marks the breaker
// escalated. Only ever called in the transaction that decided the escalation, so
// escalated = 1 never exists without its outbox row.
Status QueueEscalation(sqlite::Transaction& tx, const Escalation& e);

}  // namespace selfheal::state_internal
