// decision_event.h — the journal entries of the request path, as data.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "alert/alert.h"
#include "http/server.h"
#include "journal/journal.h"
#include "policy/decision.h"
#include "state/records.h"

namespace selfheal {

// The receipt of a valid webhook, before its alerts are decided: who sent it, for which
// receiver, how many alerts of each status, and FINGERPRINT once per distinct alert
// fingerprint (a repeated journal field), so that `journalctl SELF_HEAL_FINGERPRINT=`
// starts each alert's story with its receipt; NOTIFICATION_REASON when Alertmanager
// said why it sent it (0.32 and later). Priority info. One entry, or, past
// kReceiptFingerprintsPerEntry fingerprints, several that each repeat every other field
// and carry RECEIPT_PART=k/n and the next kReceiptFingerprintsPerEntry fingerprints:
// one entry with them all would exceed what the journal takes (journal/sinks.h).
inline constexpr size_t kReceiptFingerprintsPerEntry = 100;
std::vector<AuditEvent> ReceivedEvents(const Webhook& webhook, const std::string& remote);

// One entry per decided alert: MESSAGE names alert, instance, decision and reason;
// fields ALERTNAME, INSTANCE, FINGERPRINT, STATUS, DECISION, HANDLER, REASON, REMOTE,
// and ATTEMPT/UNIT for a launch. Priority: notice for launch/dry-run/paused, warning
// for breaker-open and instance-not-allowed, info otherwise.
AuditEvent DecisionEvent(const Alert& alert, const Decision& decision, const std::string& remote,
                         const std::string& unit);

// The decision entry of a resolved alert whose handler matched: DecisionEvent with what
// the resolve did to the newest attempt (the store's `credit`) in the reason and in
// CREDIT (CreditName), and, unless kNone, ATTEMPT, TIME_TO_RESOLVE_SEC (whole seconds
// from the attempt's launch to `now`), VERIFY_SEC and, once it finished, VERIFY_UNTIL.
// Priority notice when healed, warning when too late, info otherwise.
AuditEvent ResolvedEvent(const Alert& alert, const Decision& decision, const ResolveCredit& credit,
                         const std::string& remote, TimePoint now);

// systemd did not start the handler's unit (priority err). It is the alert's one
// decision entry (DECISION=launch: the attempt counts) unless `retried`: then the
// attempt was taken back and the request answered 503, the alert is decided again on
// Alertmanager's retry, and the entry carries no DECISION.
AuditEvent LaunchFailedEvent(const Alert& alert, const Decision& decision,
                             const std::string& remote, const std::string& unit,
                             const std::string& error, bool retried);

// systemd was asked to start the handler's unit and did not answer by the request's
// deadline (priority err): it may still start it. The attempt stays recorded as a
// running run, the request is answered 503, and Alertmanager's retry asks systemd
// whether the unit exists rather than starting it again. Like a retried
// LaunchFailedEvent it carries no DECISION (the retry's entry says what became of it),
// but ATTEMPT, UNIT and ERROR.
AuditEvent LaunchUnknownEvent(const Alert& alert, const Decision& decision,
                              const std::string& remote, const std::string& unit,
                              const std::string& error);

// A webhook the service answered with `http_status` without acting on it, in the
// shape of every rejection (http/rejection.h): `reason` is a short stable code
// (malformed-payload, store-unavailable, systemd-timeout), `error` the detail, escaped here.
// Priority err for a 5xx, warning otherwise.
AuditEvent RejectionEvent(const WebhookRequest& request, int http_status, std::string_view reason,
                          const std::string& error);

}  // namespace selfheal
