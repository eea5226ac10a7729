// dedup.h — the one rule that tells a repeat of a notification from a copy of it,
// which Decide and every store follow.
//
// Alertmanager tells a receiver "still firing" by sending the same notification
// (fingerprint, startsAt) again at every repeat_interval (or group_interval): each
// repeat must reach the budget. An HA set of Alertmanagers sends one copy each of the
// same notification, milliseconds apart (or peer_timeout × position apart in a cluster
// whose gossip lags), byte-identical but for the webhook's externalURL: only one of
// them may count. So a notification keeps a round: when it started and which
// Alertmanagers (externalURLs) sent it since. A copy starts a new round, and counts,
// when there is no round, or the round is DedupWindowSec= old, or its Alertmanager
// already sent in this round (it repeats) and not within kRetryGap of its last copy.
// Otherwise it is a duplicate: a copy from another Alertmanager of the set, or a copy
// from the same one within kRetryGap (Alertmanager's own retry of a request answered
// in part, or an HA pair that shares one externalURL). A copy answered 503 counts as
// sent when the answer went out (Store::AwaitRetry), so a slow answer does not turn
// its retry into a repeat.
#pragma once

#include <optional>
#include <string>

#include "alert/alert.h"
#include "common/time.h"
#include "policy/decision.h"

namespace selfheal {

// Below every sensible repeat_interval and group_interval, above Alertmanager's first
// retry backoffs (0.25–1.1 s) and the milliseconds between HA copies.
inline constexpr Duration kRetryGap = std::chrono::seconds(2);

enum class CopyKind {
  kNewRound,  // counts: no round, the round expired, or its Alertmanager repeats
  kHaCopy,    // another Alertmanager already sent this round
  kRetry,     // the same Alertmanager sent it less than kRetryGap ago
};

// Pure. `window` is DedupWindowSec=; zero turns deduplication off (every copy counts).
CopyKind ClassifyCopy(const std::optional<NotificationRound>& round, const std::string& sender,
                      TimePoint now, Duration window);

// What recording `decision` does to the round of its notification.
enum class RoundChange {
  kNone,   // nothing: resolved, no handler, a mismatch or a duplicate run
  kStart,  // a new round from alert.external_url alone
  kJoin,   // alert.external_url sent a copy (kDuplicateNotification) in the round
};
// A firing alert whose decision got past the rules that look at the alert alone and
// at a run in progress starts a round; a duplicate notification joins it. A mismatch
// or a duplicate run is not an answer a retry should be deduplicated against.
RoundChange RoundChangeFor(const Alert& alert, const Decision& decision);

// Applies `change` for a copy from `sender` at `now` (the memory store; SqliteStore
// does the same in SQL).
void ApplyRoundChange(std::optional<NotificationRound>& round, RoundChange change,
                      const std::string& sender, TimePoint now);

}  // namespace selfheal
