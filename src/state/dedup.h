// dedup.h — the one rule for the notification dedup key, which every store follows.
#pragma once

#include "alert/alert.h"
#include "policy/decision.h"

namespace selfheal {

// True when recording `decision` marks the notification (fingerprint, startsAt) as
// seen: a firing alert whose decision got past the rules that look at the alert alone
// and at a run in progress. A mismatch or a duplicate is not an answer Alertmanager's
// retry should be deduplicated against.
bool MarksNotificationSeen(const Alert& alert, const Decision& decision);

}  // namespace selfheal
