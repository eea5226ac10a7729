// result_service.h — one handler run that stopped, start to end: check that the unit
// is the handler's, record its result, queue the escalation of a breaker it opens (in
// the same transaction), journal, wake the deliverer. `self-heal record-result`, the
// ExecStopPost= of every handler unit, is this plus reading its environment. Knows
// nothing of SQLite (the ResultStore seam) nor of the environment.
#pragma once

#include <string>

#include "alert/alert.h"
#include "common/expected.h"
#include "config/config.h"
#include "journal/journal.h"
#include "state/store.h"

namespace selfheal {

// kInvalidInput when result.unit is not the unit of result.handler for result.instance
// (a forged or confused call): such a result is never recorded.
Status CheckUnitOfHandler(const RunResult& result);

class ResultService {
 public:
  // All references must outlive the service. `wake_path`: the file that wakes the
  // deliverer (DeliveryRequestPath); empty: nobody is woken.
  ResultService(const Config& config, ResultStore& store, JournalSink& journal,
                std::string wake_path)
      : config_(config), store_(store), journal_(journal), wake_path_(std::move(wake_path)) {}

  // Records `result` of the run of `alert` (as the unit's SELF_HEAL_ALERT_JSON had it)
  // with the handler's current MaxAttempts= and Window= (the defaults when the handler
  // left the config meanwhile), and journals it.
  // Errors: CheckUnitOfHandler's, nothing recorded; the store's error,
  // journaled at err, when the result could not be recorded (nor its escalation
  // queued: they go together).
  Status Record(const RunResult& result, const Alert& alert);

 private:
  const Config& config_;
  ResultStore& store_;
  JournalSink& journal_;
  std::string wake_path_;
};

}  // namespace selfheal
