// escalation.h — the one way an escalation is made, shared by the request path
// (WebhookService) and the result path (ResultService): the facts a human needs, the
// outbox row they become (queued by the store in the transaction that opens the
// breaker), and what follows its commit: the entry at crit and the deliverer's wake-up.
#pragma once

#include <string>

#include "alert/alert.h"
#include "config/config.h"
#include "escalate/escalation_payload.h"
#include "journal/journal.h"
#include "state/records.h"

namespace selfheal {

// The facts of a breaker of (handler, alert's instance) that opened at `opened_at`
// after `attempts` attempts in the window, the newest ending with `last_result`.
EscalationFacts FactsOf(const Alert& alert, const HandlerConfig& handler, int attempts,
                        std::string last_result, TimePoint opened_at);

// The outbox row for `facts`: its Alertmanager body, and whether EscalateExec= is due.
Escalation OutboxRowOf(const EscalationFacts& facts, const ServerConfig& server);

// After the escalation committed: journals it at crit ("Breaker opened …; escalating
// to a human") and wakes the deliverer through `wake_path` (none when empty). A wake-up
// that fails is journaled at err; the escalation stays queued for the next one (every
// serve start wakes the deliverer when the outbox holds anything).
void AnnounceEscalation(const EscalationFacts& facts, const std::string& wake_path,
                        JournalSink& journal);

// Wakes the deliverer, journaling a failure at err; `why` names what is waiting.
void WakeDeliverer(const std::string& wake_path, const std::string& why, JournalSink& journal);

}  // namespace selfheal
