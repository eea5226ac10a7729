// journal.h — structured audit events (STYLE.md: one of four seams).
// SdJournalSink writes to the systemd journal; StderrSink one line per event when no
// journal is reachable; tests use a recording fake.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace selfheal {

enum class EventType {
  kServeStarted,
  kServeStopped,
  kRequestRejected,  // HTTP-level or payload rejection
  kDecision,         // one per alert
  kConfigInvalid,
  kStoreError,
  kLaunchFailed,     // systemd refused or could not be reached
  kHandlerResult,    // a handler unit finished (exit status, result)
  kEscalation,       // a breaker opened: queued, delivered or failed
  kOperatorAction,   // reset, pause, resume
  kWebhookReceived,  // a valid webhook, before its alerts are decided
  kConfigReloaded,   // `systemctl reload`: the configuration applied or refused
  kSocketFailed,     // self-heal.socket failed, and whether it listens again
  kLaunchUnknown,    // systemd did not answer a start in time: it may still start the unit
};

// The fixed MESSAGE_ID (32 lowercase hex) of each event type; see self-heal.catalog.
std::string_view MessageId(EventType type);

struct AuditEvent {
  EventType type;
  int priority;         // syslog priority, a LOG_* of <syslog.h>: LOG_ERR, LOG_INFO, …
  std::string message;  // human sentence; values from outside in single ticks
  // Extra fields without the SELF_HEAL_ prefix, e.g. {"DECISION", "launch"}.
  std::vector<std::pair<std::string, std::string>> fields;
};

class JournalSink {
 public:
  virtual ~JournalSink() = default;
  // Never fails the caller: a sink that cannot write drops to its fallback.
  virtual void Write(const AuditEvent& event) = 0;
};

}  // namespace selfheal
