// Implementation notes: systemd reports a stopped service to ExecStopPost= as
// SERVICE_RESULT (why it stopped), EXIT_CODE (how the main process ended: exited,
// killed, dumped) and EXIT_STATUS (the exit status, or the signal name). Observed:
//   exit 0            SERVICE_RESULT=success   EXIT_CODE=exited EXIT_STATUS=0
//   exit 2            SERVICE_RESULT=exit-code EXIT_CODE=exited EXIT_STATUS=2
//   RuntimeMaxSec hit SERVICE_RESULT=timeout   EXIT_CODE=killed EXIT_STATUS=TERM
// Only a process that exited on its own within its time speaks the handler contract;
// every other ending (timeout, signal, core dump, watchdog, OOM kill, a unit that never
// started) is a failure, even if the process then exited 0 on SIGTERM.
#include "state/records.h"

namespace selfheal {

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kDone:
      return "done";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kGaveUp:
      return "gave-up";
    case Outcome::kNotApplicable:
      return "not-applicable";
  }
  return "failed";
}

std::string_view CreditName(ResolveCredit::Kind kind) {
  switch (kind) {
    case ResolveCredit::Kind::kNone:
      return "none";
    case ResolveCredit::Kind::kHealed:
      return "healed";
    case ResolveCredit::Kind::kAwaitingExit:
      return "awaiting-exit";
    case ResolveCredit::Kind::kTooLate:
      return "too-late";
  }
  return "none";
}

Outcome OutcomeOf(const std::string& service_result, const std::string& exit_code,
                  const std::string& exit_status) {
  // "success" also covers a status listed in SuccessExitStatus=, so the status decides.
  if (!service_result.empty() && service_result != "success" && service_result != "exit-code") {
    return Outcome::kFailed;
  }
  if (exit_code.empty() && exit_status.empty()) {
    return service_result == "success" ? Outcome::kDone : Outcome::kFailed;
  }
  if (!exit_code.empty() && exit_code != "exited") return Outcome::kFailed;
  if (exit_status == "0") return Outcome::kDone;
  if (exit_status == "1") return Outcome::kFailed;
  if (exit_status == "2") return Outcome::kGaveUp;
  if (exit_status == "3") return Outcome::kNotApplicable;
  return Outcome::kFailed;
}

}  // namespace selfheal
