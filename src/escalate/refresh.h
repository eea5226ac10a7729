// refresh.h — keeps a delivered SelfHealExhausted alert true in Alertmanager
// (DESIGN.md "Escalation"). Alertmanager's API wants a client to re-send a firing
// alert regularly and to every peer of an HA pair, and forgets alerts on a restart
// without persistence: so while the breaker opening lasts the alert is re-sent every
// [Escalation] ResendIntervalSec= with endsAt a few intervals ahead, and once it is
// over (reset, its window, a newer opening) it is posted resolved (endsAt = now).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/expected.h"
#include "common/time.h"
#include "journal/journal.h"
#include "state/records.h"
#include "state/store.h"

namespace selfheal {

// endsAt lies this many intervals after each post: three lost re-sends in a row
// (Alertmanager restarting, a network blip) do not resolve the alert, and once
// self-heal stops re-sending (removed, its host down) it resolves by itself.
inline constexpr int kEndsAtIntervals = 4;

// `payload` (a BuildEscalationPayload body) with endsAt of each alert set to `ends`;
// the payload as is when it is not such a body. Pure.
std::string WithEndsAt(const std::string& payload, TimePoint ends);

// The body that says the breaker is still open: endsAt = now + kEndsAtIntervals ×
// interval; as queued for an escalation from before breaker openings were recorded
// (its endsAt is the end of the window). Pure.
std::string FiringBody(const Escalation& e, TimePoint now, Duration interval);

// The body that resolves it: endsAt = now. Pure.
std::string ResolvedBody(const Escalation& e, TimePoint now);

// Whether an open one is re-sent in a round at `now`: once half an interval has
// passed since Alertmanager last took it, so the round that delivered it, or one
// woken by a new escalation, does not post it again at once. Pure.
bool ResendDue(TimePoint last_post, TimePoint now, Duration interval);

struct RefreshReport {
  int resent = 0;    // open, posted again
  int resolved = 0;  // over, posted resolved (or given up on: expired by its endsAt)
  int failed = 0;    // a post failed; retried next round
  // The earliest time a round must run again, or nullopt when nothing is active: the
  // deliverer stays up or keeps its timer until then.
  std::optional<TimePoint> next_round;
};

// Works every active escalation once, posting with `post` (PostToEach over every
// AlertmanagerURL= in production) and recording each outcome with MarkRefresh (one
// transaction each). Open: re-sent when ResendDue, journaled at info (err when it
// fails). Over: posted resolved and finished, journaled at notice; when the post
// fails, retried next round (err) until its last endsAt has passed, then finished
// anyway (warning): every Alertmanager has resolved it by then. Superseded (a newer
// opening of the same key has its own escalation, with the same labels): finished
// without a post, which would resolve the newer one. A store that cannot be read is
// journaled at err and retried after one interval.
RefreshReport RefreshActive(Outbox& store, const std::function<Status(const std::string&)>& post,
                            JournalSink& journal, TimePoint now, Duration interval);

}  // namespace selfheal
