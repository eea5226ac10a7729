// escalation_events.h — the journal entries of the escalation deliverer, shared by
// the delivery (outbox.h) and the refresh (refresh.h) of an escalation, so that every
// entry about one carries the same fields (DESIGN.md "Journal").
#pragma once

#include <string>

#include "common/expected.h"
#include "journal/journal.h"
#include "state/records.h"

namespace selfheal {

// kEscalation with ALERTNAME, INSTANCE, HANDLER, ESCALATION_ID, TRIES, REASON and,
// when the payload has it, the original alert's FINGERPRINT. Pure.
AuditEvent EscalationEvent(const Escalation& e, int priority, std::string message, int tries,
                           std::string reason);

// kStoreError at err with REASON and, when `e` is set, the escalation's key and id. Pure.
AuditEvent StoreErrorEvent(const Escalation* e, std::string message, const Error& error);

// "'<alertname>' on '<instance>'", escaped for a log line. Pure.
std::string EscalationKeyText(const Escalation& e);

}  // namespace selfheal
