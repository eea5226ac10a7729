#include "state/dedup.h"

namespace selfheal {

bool MarksNotificationSeen(const Alert& alert, const Decision& d) {
  return d.handler && alert.status == AlertStatus::kFiring &&
         d.verdict != Verdict::kInstanceNotAllowed && d.verdict != Verdict::kLabelsMismatch &&
         d.verdict != Verdict::kDuplicateRun && d.verdict != Verdict::kDuplicateNotification;
}

}  // namespace selfheal
