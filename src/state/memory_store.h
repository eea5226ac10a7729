// memory_store.h — a Store that lives in this process only. Used by `simulate` (which
// must not touch the real state) and by unit tests; `serve` uses SqliteStore.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "state/store.h"

namespace selfheal {

class MemoryStore final : public Store {
 public:
  Expected<History> LoadHistory(const Alert& alert,
                                const std::vector<const HandlerConfig*>& handlers,
                                TimePoint now) override;
  // Has no outbox: `escalation` is not kept, the breaker is marked escalated all the same.
  Status Record(const Alert& alert, const Decision& decision, TimePoint now,
                const Escalation* escalation) override;
  Status CancelLaunch(const Alert& alert, const Decision& decision, TimePoint recorded_at) override;
  Status AwaitRetry(std::span<const Alert> alerts, TimePoint now) override;
  // Sees no results, so no attempt of it is ever done: a resolve credits nothing (kNone).
  Expected<ResolveCredit> CreditResolved(const Alert& alert, const Decision& decision,
                                         TimePoint now) override;

  void SetPausedUntil(std::optional<TimePoint> until);

 private:
  std::mutex mu_;
  std::optional<TimePoint> paused_until_;
  std::map<std::string, NotificationRound> rounds_;  // fingerprint + startsAt → its round
  std::map<std::string, KeyState> keys_;             // handler + instance → state
};

// "handler\ninstance": the key of every per-(handler, instance) table.
std::string KeyOf(const HealKey& key);
// "fingerprint\nstartsAt": the notification dedup key.
std::string NotificationKeyOf(const Alert& alert);

}  // namespace selfheal
