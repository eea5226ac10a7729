#include "journal/sinks.h"

#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/text.h"

namespace selfheal {

std::string FormatEventLine(const AuditEvent& event) {
  std::string line = "<" + std::to_string(event.priority) + ">";
  line += EscapeForLog(event.message, 4096);
  for (const auto& [name, value] : event.fields) {
    line += " SELF_HEAL_" + name + "=" + EscapeForLog(value, 512);
  }
  line += '\n';
  return line;
}

void StderrSink::Write(const AuditEvent& event) {
  std::string line = FormatEventLine(event);
  std::lock_guard lock(mu_);
  // One write per line, so concurrent writers never interleave within a line.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

std::vector<std::string> JournalItems(const AuditEvent& event) {
  std::vector<std::string> items;
  items.reserve(std::min(event.fields.size() + 4, kMaxJournalItems));
  items.push_back("MESSAGE=" + event.message);
  items.push_back("PRIORITY=" + std::to_string(event.priority));
  items.push_back("SYSLOG_IDENTIFIER=self-heal");
  items.push_back("MESSAGE_ID=" + std::string(MessageId(event.type)));
  size_t room = kMaxJournalItems - items.size();
  size_t kept = event.fields.size() <= room ? event.fields.size() : room - 1;
  for (size_t i = 0; i < kept; ++i) {
    items.push_back("SELF_HEAL_" + event.fields[i].first + "=" + event.fields[i].second);
  }
  if (kept < event.fields.size()) {
    items.push_back("SELF_HEAL_FIELDS_DROPPED=" + std::to_string(event.fields.size() - kept));
  }
  return items;
}

void SdJournalSink::Write(const AuditEvent& event) {
  std::vector<std::string> items = JournalItems(event);
  std::vector<iovec> iov(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    iov[i].iov_base = items[i].data();
    iov[i].iov_len = items[i].size();
  }
  int r = sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
  if (r >= 0) return;
  // The plain line on stderr still reaches the journal through the unit's stdout
  // stream, without MESSAGE_ID: it says why, so the gap can be explained.
  AuditEvent fallback = event;
  fallback.fields.emplace_back("JOURNAL_ERROR",
                               std::string("sd_journal_sendv failed: ") + std::strerror(-r));
  fallback_.Write(fallback);
}

JournalSink& DefaultJournalSink() {
  static StderrSink stderr_sink;
  static SdJournalSink journal_sink;
  const char* forced = std::getenv("SELF_HEAL_LOG");
  if (forced && std::strcmp(forced, "stderr") == 0) return stderr_sink;
  if (::access("/run/systemd/journal/socket", W_OK) != 0) return stderr_sink;
  return journal_sink;
}

}  // namespace selfheal
