// publish.h — the one way the metrics textfile is refreshed, called after every change
// of state by whoever made it: serve (Aftermath), record-result, the operator commands
// reset, pause and resume, and the deliverer. With no resident process, the file is
// only as true as the last writer made it, so every writer publishes.
#pragma once

#include <string>

#include "common/time.h"
#include "journal/journal.h"
#include "state/store.h"

namespace selfheal {

// Rewrites `path` (the [Metrics] TextfilePath=) from the durable store as it is at
// `now`. Does nothing when `path` is empty (metrics disabled) or its directory does
// not exist (no node_exporter on this host: nobody to publish to, nothing to warn
// about each time). Best effort: a failure to read the store or write the file is
// journaled at warning and otherwise ignored; the store stays the truth.
void PublishMetrics(OperatorStore& store, const std::string& path, TimePoint now,
                    JournalSink& journal);

}  // namespace selfheal
