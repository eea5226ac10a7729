// Implementation notes: delivery is at least once, never at most once. The store is
// marked only after Alertmanager answered, so a crash or a store failure in between
// sends the same body again later; Alertmanager merges an alert whose labels equal an
// active one, so the human still hears once. Every due escalation is tried in each
// round, also after a failure: a payload one Alertmanager refuses (4xx) must not hold
// back the others.
#include "escalate/outbox.h"

#include <syslog.h>

#include <algorithm>
#include <string>
#include <utility>

#include "common/text.h"
#include "escalate/escalation_command.h"
#include "escalate/escalation_events.h"
#include "escalate/escalation_payload.h"

namespace selfheal {

namespace {

constexpr Duration kFirstBackoff = std::chrono::seconds(5);
constexpr Duration kMaxBackoff = std::chrono::minutes(10);

void Earliest(std::optional<TimePoint>& slot, TimePoint t) {
  if (!slot || t < *slot) slot = t;
}

void Delivered(const Escalation& e, JournalSink& journal) {
  std::optional<std::string> attempts = PayloadAnnotation(e.payload, "attempts");
  journal.Write(EscalationEvent(e, LOG_CRIT,
                                "Escalated " + EscalationKeyText(e) +
                                    " to Alertmanager: breaker of '" + e.handler + "' is open" +
                                    (attempts ? " after " + *attempts + " attempts." : "."),
                                e.tries + 1, "delivered"));
}

void CommandStarted(const Escalation& e, JournalSink& journal) {
  journal.Write(EscalationEvent(e, LOG_NOTICE,
                                "Started the escalation command for " + EscalationKeyText(e) +
                                    " as " + EscalationCommandUnit(e.id) + ".",
                                e.tries + 1, "command-started"));
}

void CommandDropped(const Escalation& e, JournalSink& journal) {
  journal.Write(EscalationEvent(
      e, LOG_WARNING,
      "The escalation command for " + EscalationKeyText(e) +
          " is not run: EscalateExec= was removed from the configuration after it was queued.",
      e.tries + 1, "command-unconfigured"));
}

// Journals the failed round at err and returns when to try again.
TimePoint Failed(const Escalation& e, const std::string& error, JournalSink& journal,
                 TimePoint now) {
  const int tries = e.tries + 1;
  const Duration wait = Backoff(tries);
  journal.Write(EscalationEvent(e, LOG_ERR,
                                "Failed to deliver escalation of " + EscalationKeyText(e) +
                                    " (handler '" + e.handler + "', try " + std::to_string(tries) +
                                    "): " + error + ", retrying in " + FormatTimespan(wait) + ".",
                                tries, error));
  return now + wait;
}

void Mark(Outbox& store, const Escalation& e, const EscalationMark& mark, JournalSink& journal) {
  Status marked = store.MarkEscalation(e.id, mark);
  if (marked.ok()) return;
  bool done = mark.delivered && mark.command_started;
  journal.Write(StoreErrorEvent(&e,
                                "Failed to record the delivery round of escalation " +
                                    std::to_string(e.id) + " of " + EscalationKeyText(e) + ": " +
                                    marked.error().message +
                                    (done ? "; it may be sent again." : ", retrying anyway."),
                                marked.error()));
}

}  // namespace

Status PostToEach(const std::vector<std::function<Status(const std::string&)>>& posts,
                  const std::string& payload) {
  std::string failures;
  bool retry_helps = false;
  for (const auto& post : posts) {
    Status sent = post(payload);
    if (sent.ok()) continue;
    failures += (failures.empty() ? "" : "; ") + sent.error().message;
    retry_helps |= sent.error().code == Errc::kUnavailable;
  }
  if (failures.empty()) return Ok();
  return Error{retry_helps ? Errc::kUnavailable : Errc::kInvalidInput, failures};
}

Duration Backoff(int tries) {
  Duration wait = kFirstBackoff;
  for (int i = 1; i < tries && wait < kMaxBackoff; ++i) wait *= 2;
  return std::min(wait, kMaxBackoff);
}

DeliveryReport DeliverDue(Outbox& store, const std::function<Status(const Escalation&)>& send,
                          JournalSink& journal, TimePoint now,
                          const std::function<Status(const Escalation&)>& start_command) {
  DeliveryReport report;
  Expected<std::vector<Escalation>> due = store.DueEscalations(now);
  if (!due.ok()) {
    const Duration wait = Backoff(1);
    journal.Write(StoreErrorEvent(nullptr,
                                  "Failed to read the escalation outbox: " + due.error().message +
                                      ", retrying in " + FormatTimespan(wait) + ".",
                                  due.error()));
    report.next_due = now + wait;
    return report;
  }

  // Kept in case the store cannot list what is pending afterwards.
  std::optional<TimePoint> retry_at;
  for (const Escalation& e : due.value()) {
    if (e.done()) continue;  // a store that lists it is wrong; sending again is worse
    EscalationMark mark{e.delivered, !e.command_pending, now, ""};
    std::string error;
    if (!mark.delivered) {
      Status sent = send(e);
      if (sent.ok()) {
        mark.delivered = true;
        Delivered(e, journal);
      } else {
        error = sent.error().message;
      }
    }
    if (!mark.command_started) {
      if (!start_command) {
        mark.command_started = true;
        CommandDropped(e, journal);
      } else if (Status started = start_command(e);
                 started.ok() || started.error().code == Errc::kConflict) {
        // kConflict: its unit exists, started by a round whose mark was lost.
        mark.command_started = true;
        CommandStarted(e, journal);
      } else {
        error += (error.empty() ? "" : "; ") + std::string("EscalateExec= could not start: ") +
                 started.error().message;
      }
    }
    if (error.empty()) {
      ++report.delivered;
    } else {
      mark.next_try = Failed(e, error, journal, now);
      mark.error = error;
      Earliest(retry_at, mark.next_try);
      ++report.failed;
    }
    Mark(store, e, mark, journal);
  }

  Expected<std::vector<Escalation>> pending = store.PendingEscalations();
  if (!pending.ok()) {
    journal.Write(StoreErrorEvent(
        nullptr,
        "Failed to list pending escalations: " + pending.error().message + ", retrying later.",
        pending.error()));
    report.next_due = retry_at ? retry_at : std::optional<TimePoint>(now + Backoff(1));
    return report;
  }
  for (const Escalation& e : pending.value()) {
    if (!e.done()) Earliest(report.next_due, e.next_try);
  }
  return report;
}

}  // namespace selfheal
