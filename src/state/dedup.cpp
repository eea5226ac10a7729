#include "state/dedup.h"

namespace selfheal {

CopyKind ClassifyCopy(const std::optional<NotificationRound>& round, const std::string& sender,
                      TimePoint now, Duration window) {
  if (window <= Duration::zero() || !round || now - round->started_at >= window) {
    return CopyKind::kNewRound;
  }
  auto it = round->senders.find(sender);
  if (it == round->senders.end()) return CopyKind::kHaCopy;
  return now - it->second < kRetryGap ? CopyKind::kRetry : CopyKind::kNewRound;
}

RoundChange RoundChangeFor(const Alert& alert, const Decision& d) {
  if (!d.handler || alert.status != AlertStatus::kFiring) return RoundChange::kNone;
  switch (d.verdict) {
    case Verdict::kInstanceNotAllowed:
    case Verdict::kLabelsMismatch:
    case Verdict::kDuplicateRun:
      return RoundChange::kNone;
    case Verdict::kDuplicateNotification:
      return RoundChange::kJoin;
    default:
      return RoundChange::kStart;
  }
}

void ApplyRoundChange(std::optional<NotificationRound>& round, RoundChange change,
                      const std::string& sender, TimePoint now) {
  if (change == RoundChange::kStart) {
    round = NotificationRound{now, {{sender, now}}};
  } else if (change == RoundChange::kJoin && round) {
    round->senders[sender] = now;
  }
}

}  // namespace selfheal
