#include "metrics/event_counts.h"

#include <cstdlib>
#include <string>

namespace selfheal {

namespace {

const std::string* Field(const AuditEvent& event, std::string_view name) {
  for (const auto& [key, value] : event.fields) {
    if (key == name) return &value;
  }
  return nullptr;
}

}  // namespace

void CountEvent(const AuditEvent& event, EventCounts& counts) {
  switch (event.type) {
    case EventType::kDecision:
    case EventType::kLaunchFailed:
      if (const std::string* decision = Field(event, "DECISION")) {
        ++counts[{std::string(kDecisionsCounter), *decision}];
      }
      break;
    case EventType::kRequestRejected:
      if (const std::string* reason = Field(event, "REASON")) {
        // A summary of dropped connections stands for COUNT of them.
        const std::string* count = Field(event, "COUNT");
        const long long n = count != nullptr ? std::strtoll(count->c_str(), nullptr, 10) : 1;
        counts[{std::string(kRejectedRequestsCounter), *reason}] += n > 0 ? n : 1;
      }
      break;
    case EventType::kWebhookReceived:
      if (const std::string* truncated = Field(event, "TRUNCATED_ALERTS")) {
        long long n = std::strtoll(truncated->c_str(), nullptr, 10);
        if (n > 0) counts[{std::string(kTruncatedAlertsCounter), ""}] += n;
      }
      break;
    default:
      break;
  }
}

void CountingJournal::Write(const AuditEvent& event) {
  inner_.Write(event);
  std::lock_guard lock(mu_);
  CountEvent(event, pending_);
}

EventCounts CountingJournal::Take() {
  std::lock_guard lock(mu_);
  EventCounts taken;
  taken.swap(pending_);
  return taken;
}

void CountingJournal::GiveBack(const EventCounts& counts) {
  std::lock_guard lock(mu_);
  for (const auto& [key, n] : counts) pending_[key] += n;
}

}  // namespace selfheal
