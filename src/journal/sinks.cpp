#include "journal/sinks.h"

#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

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

void SdJournalSink::Write(const AuditEvent& event) {
  std::vector<std::string> items;
  items.reserve(event.fields.size() + 4);
  items.push_back("MESSAGE=" + event.message);
  items.push_back("PRIORITY=" + std::to_string(event.priority));
  items.push_back("SYSLOG_IDENTIFIER=self-heal");
  items.push_back("MESSAGE_ID=" + std::string(MessageId(event.type)));
  for (const auto& [name, value] : event.fields) items.push_back("SELF_HEAL_" + name + "=" + value);
  std::vector<iovec> iov(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    iov[i].iov_base = items[i].data();
    iov[i].iov_len = items[i].size();
  }
  if (sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) < 0) fallback_.Write(event);
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
