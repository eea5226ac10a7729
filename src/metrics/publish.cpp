#include "metrics/publish.h"

#include <syslog.h>

#include <filesystem>

#include "metrics/textfile.h"

namespace selfheal {

void PublishMetrics(OperatorStore& store, const std::string& path, TimePoint now,
                    JournalSink& journal) {
  if (path.empty()) return;
  std::error_code ec;
  if (!std::filesystem::is_directory(std::filesystem::path(path).parent_path(), ec)) return;
  auto totals = store.ReadTotals();
  auto status = store.ListStatus(now);
  Status written =
      totals.ok() && status.ok()
          ? WriteTextfileAtomically(path, FormatMetrics(totals.value(), status.value()))
          : Status(Error{Errc::kUnavailable,
                         "Failed to write metrics to '" + path +
                             "': cannot read the state store: " +
                             (!totals.ok() ? totals.error() : status.error()).message});
  if (!written.ok()) {
    journal.Write(AuditEvent{EventType::kStoreError,
                             LOG_WARNING,
                             written.error().message + ", skipping.",
                             {{"REASON", written.error().message}}});
  }
}

}  // namespace selfheal
