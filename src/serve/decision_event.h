// decision_event.h — the journal entries of the request path, as data.
#pragma once

#include <string>
#include <string_view>

#include "alert/alert.h"
#include "http/server.h"
#include "journal/journal.h"
#include "policy/decision.h"

namespace selfheal {

// One entry per valid webhook, before its alerts are decided: who sent it, for which
// receiver, how many alerts of each status, and FINGERPRINT once per distinct alert
// fingerprint (a repeated journal field), so that `journalctl SELF_HEAL_FINGERPRINT=`
// starts each alert's story with its receipt. Priority info.
AuditEvent ReceivedEvent(const Webhook& webhook, const std::string& remote);

// One entry per decided alert: MESSAGE names alert, instance, decision and reason;
// fields ALERTNAME, INSTANCE, FINGERPRINT, STATUS, DECISION, HANDLER, REASON, REMOTE,
// and ATTEMPT/UNIT for a launch. Priority: notice for launch/dry-run/paused, warning
// for breaker-open and instance-not-allowed, info otherwise.
AuditEvent DecisionEvent(const Alert& alert, const Decision& decision, const std::string& remote,
                         const std::string& unit);

// systemd did not start the handler's unit (priority err). It is the alert's one
// decision entry (DECISION=launch: the attempt counts) unless `retried`: then the
// attempt was taken back and the request answered 503, the alert is decided again on
// Alertmanager's retry, and the entry carries no DECISION.
AuditEvent LaunchFailedEvent(const Alert& alert, const Decision& decision,
                             const std::string& remote, const std::string& unit,
                             const std::string& error, bool retried);

// A webhook the service answered with `http_status` without acting on it, in the
// shape of every rejection (http/rejection.h): `reason` is a short stable code
// (malformed-payload, store-unavailable), `error` the detail, escaped here. Priority
// err for a 5xx, warning otherwise.
AuditEvent RejectionEvent(const WebhookRequest& request, int http_status, std::string_view reason,
                          const std::string& error);

}  // namespace selfheal
