// store.h — the state seam: attempts, breakers, dedup keys, pause (STYLE.md: one of four).
// MemoryStore is the in-process implementation; SqliteStore (issue 5) the durable one.
#pragma once

#include <string>
#include <vector>

#include "alert/alert.h"
#include "common/result.h"
#include "common/time.h"
#include "policy/decision.h"

namespace selfheal {

class Store {
 public:
  virtual ~Store() = default;

  // Fills History for `alert` and each of `handlers` (by name). Errc::kUnavailable when
  // the store is busy or unreadable (the caller answers 503 so Alertmanager retries).
  virtual Result<History> LoadHistory(const Alert& alert,
                                      const std::vector<const HandlerConfig*>& handlers,
                                      TimePoint now) = 0;

  // Records `decision` durably before anything acts on it: the dedup key for a firing
  // alert, an attempt for kLaunch, the breaker opening, the incident closed by
  // kResolved. Errc::kUnavailable when it could not be written.
  virtual Status Record(const Alert& alert, const Decision& decision, TimePoint now) = 0;

  // Takes back what Record(alert, decision, recorded_at) wrote for a kLaunch that did
  // not start (systemd refused: a unit of that name is active, or systemd could not be
  // reached): the attempt and the dedup key, so a duplicate costs no attempt and a
  // retry is not mistaken for a duplicate notification.
  virtual Status CancelLaunch(const Alert& alert, const Decision& decision,
                              TimePoint recorded_at) = 0;
};

}  // namespace selfheal
