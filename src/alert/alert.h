// alert.h — the Alertmanager webhook payload (version "4") as plain data.
// Everything here came from outside: label names and values are arbitrary valid UTF-8
// and are only ever compared, never turned into paths, unit names or commands.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/time.h"

namespace selfheal {

// Sorted by name, as Alertmanager sends them; lookups are exact.
using LabelSet = std::map<std::string, std::string>;

enum class AlertStatus { kFiring, kResolved };

struct Alert {
  AlertStatus status = AlertStatus::kFiring;
  LabelSet labels;
  LabelSet annotations;
  TimePoint starts_at;
  std::string starts_at_text;  // verbatim, part of the notification dedup key
  TimePoint ends_at;           // TimePoint{} when absent or Alertmanager's zero time (firing)
  std::string ends_at_text;    // verbatim, as handlers see it in SELF_HEAL_ALERT_JSON
  std::string generator_url;
  std::string fingerprint;
  // The webhook's externalURL: which Alertmanager sent this copy. Tells the copies an
  // HA pair sends of one notification from one Alertmanager's repeats (state/dedup.h).
  std::string external_url;

  // The two labels everything keys on; empty when absent.
  const std::string& alertname() const;
  const std::string& instance() const;
};

struct Webhook {
  std::string version;  // always "4" once parsed
  std::string receiver;
  AlertStatus status = AlertStatus::kFiring;
  std::vector<Alert> alerts;
  LabelSet group_labels;
  LabelSet common_labels;
  LabelSet common_annotations;
  std::string external_url;
  std::string group_key;
  int64_t truncated_alerts = 0;
  // Why Alertmanager sent this notification ("first notification", "repeat interval
  // elapsed", "all alerts resolved", …), from Alertmanager 0.32 on; "" when absent.
  // Only journaled: nothing is decided on it.
  std::string notification_reason;
};

const char* AlertStatusName(AlertStatus status);  // "firing" / "resolved"

// Appends `set` to `out` as one JSON object of strings, in name order.
void AppendLabelSetJson(std::string& out, const LabelSet& set);

}  // namespace selfheal
