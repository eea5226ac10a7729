// webhook_fields.h — the members of an Alertmanager webhook (version 4) the parser
// knows, by level, and which of them are required; internal to the parser
// (webhook_sax_reader.{h,cpp}).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace selfheal::webhook_fields {

enum Field : uint8_t {
  kNone,     // between members: the next event is a key
  kUnknown,  // a member this version does not know: skipped
  // Top level.
  kVersion,
  kStatus,
  kAlerts,
  kReceiver,
  kGroupKey,
  kGroupLabels,
  kCommonLabels,
  kCommonAnnotations,
  kExternalUrl,
  kTruncatedAlerts,
  kNotificationReason,
  // In an alert.
  kAlertStatus,
  kLabels,
  kAnnotations,
  kStartsAt,
  kEndsAt,
  kGeneratorUrl,
  kFingerprint,
  kFieldCount
};
static_assert(kFieldCount <= 32, "seen-field sets are 32-bit masks");

constexpr std::array<std::string_view, kFieldCount> kFieldNames = {"",
                                                                   "",
                                                                   "version",
                                                                   "status",
                                                                   "alerts",
                                                                   "receiver",
                                                                   "groupKey",
                                                                   "groupLabels",
                                                                   "commonLabels",
                                                                   "commonAnnotations",
                                                                   "externalURL",
                                                                   "truncatedAlerts",
                                                                   "notification_reason",
                                                                   "status",
                                                                   "labels",
                                                                   "annotations",
                                                                   "startsAt",
                                                                   "endsAt",
                                                                   "generatorURL",
                                                                   "fingerprint"};

constexpr Field kTopFields[] = {kVersion,
                                kStatus,
                                kAlerts,
                                kReceiver,
                                kGroupKey,
                                kGroupLabels,
                                kCommonLabels,
                                kCommonAnnotations,
                                kExternalUrl,
                                kTruncatedAlerts,
                                kNotificationReason};
constexpr Field kRequiredTopFields[] = {kVersion, kStatus, kAlerts, kReceiver, kGroupKey};
constexpr Field kAlertFields[] = {kAlertStatus, kLabels,       kAnnotations, kStartsAt,
                                  kEndsAt,      kGeneratorUrl, kFingerprint};
constexpr Field kRequiredAlertFields[] = {kAlertStatus, kLabels, kStartsAt, kFingerprint};

template <size_t N>
inline Field Lookup(const Field (&fields)[N], std::string_view key) {
  for (Field f : fields) {
    if (kFieldNames[f] == key) return f;
  }
  return kUnknown;
}

constexpr uint32_t Bit(Field f) { return uint32_t{1} << f; }

}  // namespace selfheal::webhook_fields
