// event_counts.h — the metrics of what serve sees that leaves no row in the store:
// decisions by name, rejected requests by reason, alerts Alertmanager left out of a
// payload. They are counted off the journal entries that report them, so the metrics
// count exactly what the journal shows, from every source (the server's own checks,
// libmicrohttpd's answers, the webhook service), with no second place to keep in step.
#pragma once

#include <mutex>
#include <string_view>

#include "journal/journal.h"
#include "state/store.h"

namespace selfheal {

// The counters' names as stored (counters.name); the metric is self_heal_<name>_total.
inline constexpr std::string_view kDecisionsCounter = "decisions";                 // by DECISION
inline constexpr std::string_view kRejectedRequestsCounter = "rejected_requests";  // by REASON
inline constexpr std::string_view kTruncatedAlertsCounter = "truncated_alerts";    // label ""

// Adds what `event` reports to `counts`: one decision per entry with a DECISION field
// (kDecision, and kLaunchFailed when it is the alert's one decision entry), one
// rejection per kRequestRejected by its REASON (COUNT of them for a summary of
// dropped connections), and TRUNCATED_ALERTS of a
// kWebhookReceived. Anything else adds nothing. Pure.
void CountEvent(const AuditEvent& event, EventCounts& counts);

// A JournalSink that passes every event on and counts it (CountEvent) in memory until
// Take. Thread-safe: the request thread writes, the main thread takes.
class CountingJournal final : public JournalSink {
 public:
  explicit CountingJournal(JournalSink& inner) : inner_(inner) {}

  void Write(const AuditEvent& event) override;

  // The counts since the last Take, which start again from zero.
  EventCounts Take();
  // Adds back counts a Take returned that could not be stored, for the next Take.
  void GiveBack(const EventCounts& counts);

 private:
  JournalSink& inner_;
  std::mutex mu_;
  EventCounts pending_;
};

}  // namespace selfheal
