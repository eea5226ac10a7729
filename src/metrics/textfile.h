// textfile.h — the metrics file for node_exporter's textfile collector (DESIGN.md
// "names users see": /var/lib/prometheus/node-exporter/self-heal.prom). Metrics are
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
// lines, series sorted by label values so equal inputs give equal bytes:
//   self_heal_attempts_total{handler,result}            counter, from totals.results
//   self_heal_breaker_open{handler,instance}            gauge 0/1, one per known key
//   self_heal_escalations_total                         counter
//   self_heal_last_run_timestamp_seconds                gauge, only when known
// A key listed twice in `status` yields one series (open if either says so), as
// node_exporter refuses a file with duplicate series. Pure.
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
