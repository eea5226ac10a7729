// Implementation notes: delivery is at least once, never at most once. The store is
// marked only after Alertmanager answered, so a crash or a store failure in between
// sends the same body again later; Alertmanager merges an alert whose labels equal an
// active one, so the human still hears once. Every due escalation is tried in each
// round, also after a failure: a payload one Alertmanager refuses (4xx) must not hold
// back the others.
#include "escalate/outbox.h"

#include <algorithm>
#include <string>
#include <utility>

#include "common/text.h"
#include "escalate/escalation_payload.h"

namespace selfheal {

namespace {

constexpr Duration kFirstBackoff = std::chrono::seconds(5);
constexpr Duration kMaxBackoff = std::chrono::minutes(10);

AuditEvent EscalationEvent(const Escalation& e, int priority, std::string message,
                           int tries, std::string reason) {
  AuditEvent event;
  event.type = EventType::kEscalation;
  event.priority = priority;
  event.message = std::move(message);
  event.fields = {{"ALERTNAME", e.alertname},
                  {"INSTANCE", e.instance},
                  {"HANDLER", e.handler},
                  {"ESCALATION_ID", std::to_string(e.id)},
                  {"TRIES", std::to_string(tries)},
                  {"REASON", std::move(reason)}};
  return event;
}

AuditEvent StoreErrorEvent(const Escalation* e, std::string message, const Error& error) {
  AuditEvent event;
  event.type = EventType::kStoreError;
  event.priority = 3;
  event.message = std::move(message);
  event.fields = {{"REASON", error.message}};
  if (e != nullptr) {
    event.fields.emplace_back("ALERTNAME", e->alertname);
    event.fields.emplace_back("INSTANCE", e->instance);
    event.fields.emplace_back("HANDLER", e->handler);
    event.fields.emplace_back("ESCALATION_ID", std::to_string(e->id));
  }
  return event;
}

std::string Key(const Escalation& e) {
  return "'" + EscapeForLog(e.alertname, 80) + "' on '" + EscapeForLog(e.instance, 80) + "'";
}

void Earliest(std::optional<TimePoint>& slot, TimePoint t) {
  if (!slot || t < *slot) slot = t;
}

void Delivered(StateStore& store, const Escalation& e, JournalSink& journal, TimePoint now) {
  std::optional<std::string> attempts = PayloadAnnotation(e.payload, "attempts");
  journal.Write(EscalationEvent(
      e, 2,
      "Escalated " + Key(e) + " to Alertmanager: breaker of '" + e.handler + "' is open" +
          (attempts ? " after " + *attempts + " attempts." : "."),
      e.tries + 1, "delivered"));
  Status marked = store.MarkEscalation(e.id, true, now, "");
  if (!marked.ok()) {
    journal.Write(StoreErrorEvent(&e,
                                  "Failed to mark escalation " + std::to_string(e.id) +
                                      " of " + Key(e) + " delivered: " + marked.error().message +
                                      "; it may be sent again.",
                                  marked.error()));
  }
}

TimePoint Failed(StateStore& store, const Escalation& e, const Error& error,
                 JournalSink& journal, TimePoint now) {
  const int tries = e.tries + 1;
  const Duration wait = Backoff(tries);
  const TimePoint next_try = now + wait;
  journal.Write(EscalationEvent(
      e, 3,
      "Failed to deliver escalation of " + Key(e) + " (handler '" + e.handler + "', try " +
          std::to_string(tries) + "): " + error.message + ", retrying in " +
          FormatTimespan(wait) + ".",
      tries, error.message));
  Status marked = store.MarkEscalation(e.id, false, next_try, error.message);
  if (!marked.ok()) {
    journal.Write(StoreErrorEvent(&e,
                                  "Failed to record the failed delivery of escalation " +
                                      std::to_string(e.id) + " of " + Key(e) + ": " +
                                      marked.error().message + ", retrying anyway.",
                                  marked.error()));
  }
  return next_try;
}

}  // namespace

Duration Backoff(int tries) {
  Duration wait = kFirstBackoff;
  for (int i = 1; i < tries && wait < kMaxBackoff; ++i) wait *= 2;
  return std::min(wait, kMaxBackoff);
}

DeliveryReport DeliverDue(StateStore& store,
                          const std::function<Status(const Escalation&)>& send,
                          JournalSink& journal, TimePoint now) {
  DeliveryReport report;
  Result<std::vector<Escalation>> due = store.DueEscalations(now);
  if (!due.ok()) {
    const Duration wait = Backoff(1);
    journal.Write(StoreErrorEvent(nullptr,
                                  "Failed to read the escalation outbox: " +
                                      due.error().message + ", retrying in " +
                                      FormatTimespan(wait) + ".",
                                  due.error()));
    report.next_due = now + wait;
    return report;
  }

  // Kept in case the store cannot list what is pending afterwards.
  std::optional<TimePoint> retry_at;
  for (const Escalation& e : due.value()) {
    if (e.delivered) continue;  // a store that lists it is wrong; sending again is worse
    Status sent = send(e);
    if (sent.ok()) {
      Delivered(store, e, journal, now);
      ++report.delivered;
    } else {
      Earliest(retry_at, Failed(store, e, sent.error(), journal, now));
      ++report.failed;
    }
  }

  Result<std::vector<Escalation>> pending = store.PendingEscalations();
  if (!pending.ok()) {
    journal.Write(StoreErrorEvent(nullptr,
                                  "Failed to list pending escalations: " +
                                      pending.error().message + ", retrying later.",
                                  pending.error()));
    report.next_due = retry_at ? retry_at : std::optional<TimePoint>(now + Backoff(1));
    return report;
  }
  for (const Escalation& e : pending.value()) {
    if (!e.delivered) Earliest(report.next_due, e.next_try);
  }
  return report;
}

}  // namespace selfheal
