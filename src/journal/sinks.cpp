#include "journal/sinks.h"

#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
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

void AppendJournalItems(const AuditEvent& event, std::string& buffer, std::vector<size_t>& ends) {
  auto item = [&](std::string_view name, std::string_view value) {
    buffer.append(name).append(value);
    ends.push_back(buffer.size());
  };
  item("MESSAGE=", event.message);
  char priority[8];
  std::snprintf(priority, sizeof priority, "%d", event.priority);
  item("PRIORITY=", priority);
  item("SYSLOG_IDENTIFIER=", "self-heal");
  item("MESSAGE_ID=", MessageId(event.type));
  const size_t room = kMaxJournalItems - 4;
  const size_t kept = event.fields.size() <= room ? event.fields.size() : room - 1;
  for (size_t i = 0; i < kept; ++i) {
    buffer.append("SELF_HEAL_").append(event.fields[i].first);
    item("=", event.fields[i].second);
  }
  if (kept < event.fields.size()) {
    item("SELF_HEAL_FIELDS_DROPPED=", std::to_string(event.fields.size() - kept));
  }
}

std::vector<std::string> JournalItems(const AuditEvent& event) {
  std::string buffer;
  std::vector<size_t> ends;
  AppendJournalItems(event, buffer, ends);
  std::vector<std::string> items;
  size_t start = 0;
  for (size_t end : ends) {
    items.push_back(buffer.substr(start, end - start));
    start = end;
  }
  return items;
}

void SdJournalSink::Write(const AuditEvent& event) {
  // Reused by every entry of this thread: no allocation per item, and none per entry
  // once the buffers have grown to the largest entry so far.
  thread_local std::string buffer;
  thread_local std::vector<size_t> ends;
  thread_local std::vector<iovec> iov;
  buffer.clear();
  ends.clear();
  AppendJournalItems(event, buffer, ends);
  iov.resize(ends.size());
  size_t start = 0;
  for (size_t i = 0; i < ends.size(); ++i) {
    iov[i].iov_base = buffer.data() + start;
    iov[i].iov_len = ends[i] - start;
    start = ends[i];
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
