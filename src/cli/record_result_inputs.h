// record_result_inputs.h — what `self-heal record-result UNIT` reads from outside: the
// unit name from its argv and what systemd and the unit put in its environment, turned
// into the RunResult and the Alert it records. Pure functions on strings (the
// environment is read once, by FromEnvironment), so they can be tested and fuzzed.
#pragma once

#include <string>

#include "alert/alert.h"
#include "common/time.h"
#include "state/records.h"

namespace selfheal {

struct RecordResultInputs {
  std::string unit;            // argv: UNIT
  std::string handler;         // $SELF_HEAL_HANDLER
  std::string instance;        // $SELF_HEAL_INSTANCE
  std::string invocation_id;   // $INVOCATION_ID
  std::string service_result;  // $SERVICE_RESULT
  std::string exit_code;       // $EXIT_CODE
  std::string exit_status;     // $EXIT_STATUS
  std::string alert_json;      // $SELF_HEAL_ALERT_JSON, else stdin
  std::string alertname;       // $SELF_HEAL_ALERTNAME
  std::string fingerprint;     // $SELF_HEAL_FINGERPRINT
};

// `unit` plus the environment of this process (an unset variable reads as ""), and
// stdin for the alert JSON when SELF_HEAL_ALERT_JSON is not set.
RecordResultInputs RecordResultInputsFromEnvironment(std::string unit);

// The result as systemd reported it, with its Outcome, finished at `finished_at`.
RunResult RunResultOf(const RecordResultInputs& inputs, TimePoint finished_at);

// The alert the run was for, as the unit got it: the original labels and generatorURL
// from the alert JSON (ignored when it is not a JSON object), the keys from their own
// variables (which the unit name was checked against).
Alert AlertOfRun(const RecordResultInputs& inputs, const RunResult& result);

}  // namespace selfheal
