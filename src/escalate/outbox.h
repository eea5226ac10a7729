// outbox.h — delivers queued escalations (DESIGN.md "Escalation": retried and logged at
// err until delivered, never silently dropped). The store's outbox is the truth: an
// escalation leaves it only by being marked delivered.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.h"
#include "common/time.h"
#include "journal/journal.h"
#include "state/records.h"
#include "state/store.h"

namespace selfheal {

// How long to wait after `tries` failed deliveries of one escalation: 5 s after the
// first, doubling each time, at most 10 min. tries < 1 counts as 1. Pure.
Duration Backoff(int tries);

struct DeliveryReport {
  int delivered = 0;  // escalations done in this round (Alertmanager and command)
  int failed = 0;     // escalations with a step left for a retry
  // The earliest next_try of an escalation not done after this round (due now or
  // later), or nullopt when the outbox is empty: how long the deliverer must stay up.
  std::optional<TimePoint> next_due;
};

// Posts `payload` with each of `posts` (one per AlertmanagerURL=), every one of them
// whatever the others answer: Alertmanager peers do not gossip alerts, and one that is
// down must not keep the escalation from the others. Ok when each took it; otherwise
// the errors of those that did not, joined with "; " (each names its URL), kUnavailable
// when a retry may help any of them.
Status PostToEach(const std::vector<std::function<Status(const std::string&)>>& posts,
                  const std::string& payload);

// Sends each escalation due at `now` with `send` (in production
// AlertmanagerClient::Post on its payload), once each, in the order the store lists
// them, and, when it was queued with EscalateExec= set, starts its command with
// `start_command` (empty: the command was unconfigured since, journaled at warning).
// A step that succeeded is never repeated. Journals the delivery at crit and the
// command's start at notice; when a step failed, marks the escalation for a retry
// at now + Backoff(tries + 1) and journals kEscalation at err.
// When the store cannot be read or written it journals kStoreError at err and goes
// on; an escalation whose delivery could not be marked may be sent again later
// (Alertmanager merges an identical alert), never lost.
DeliveryReport DeliverDue(Outbox& store, const std::function<Status(const Escalation&)>& send,
                          JournalSink& journal, TimePoint now,
                          const std::function<Status(const Escalation&)>& start_command = {});

}  // namespace selfheal
