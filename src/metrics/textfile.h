// textfile.h — the metrics file for node_exporter's textfile collector (DESIGN.md
// "names users see": [Metrics] TextfilePath=, by default in the directory the build
// was configured with, SELFHEAL_TEXTFILE_DIR). Metrics are
// best effort: they are derived from the store, which stays the truth, and a failure
// to write them is logged by the caller and otherwise ignored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "state/records.h"
#include "state/store.h"

namespace selfheal {

// Renders the Prometheus text exposition format (0.0.4), each family with HELP and TYPE
// lines, families by name and series sorted by label values so equal inputs give equal
// bytes. Self-heal's own series never carry an `instance` label (Prometheus's target
// label would rename it); the alert's instance is `alert_instance`. Times are seconds
// since the epoch, so rules compare them with time() and need no resident process:
//   self_heal_attempts_total{handler,result}              counter, from totals.results
//   self_heal_breaker_open{handler,alert_instance}        gauge 0/1, one per known key
//   self_heal_breaker_open_until_seconds{handler,alert_instance}  gauge, open keys only
//   self_heal_decisions_total{decision}                   counter (event counts)
//   self_heal_escalations_total                           counter
//   self_heal_handler_duration_seconds{handler}           histogram (kHandlerDurationBounds)
//   self_heal_last_run_timestamp_seconds                  gauge, only when known
//   self_heal_outbox_depth                                gauge
//   self_heal_paused_until_seconds                        gauge; +Inf until resume, 0 if not paused
//   self_heal_rejected_requests_total{reason}             counter (event counts)
//   self_heal_time_to_resolve_seconds{handler}            histogram (kTimeToResolveBounds)
//   self_heal_truncated_alerts_total                      counter (event counts)
// A key listed twice in `status` yields one series (open if either says so, until the
// later end), as node_exporter refuses a file with duplicate series. Pure.
std::string FormatMetrics(const StateStore::Totals& totals, const std::vector<KeyStatus>& status);

// A label value as the exposition format wants it inside double quotes: backslash,
// double quote and newline escaped; everything else as is.
std::string EscapeLabelValue(std::string_view value);

// Replaces `path` with `content` so a reader sees the old file or the new one, never a
// part: writes a temp file beside it (".<name>.tmp-…", which the textfile collector
// ignores), mode 0644 whatever the umask, fsyncs it, renames it over `path`, fsyncs the
// directory. Errc::kUnavailable with a message naming the path on any failure (a
// missing directory included); no temp file is left behind.
Status WriteTextfileAtomically(const std::string& path, const std::string& content);

}  // namespace selfheal
