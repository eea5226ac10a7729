// sinks.h — the real JournalSinks.
#pragma once

#include <cstddef>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "journal/journal.h"

namespace selfheal {

// One line per event: "<PRIORITY>MESSAGE SELF_HEAL_X=value …" with values escaped so
// that an event never spans two lines. What StderrSink prints; pure for tests.
std::string FormatEventLine(const AuditEvent& event);

// The items of one sd_journal_sendv call: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER,
// MESSAGE_ID, then SELF_HEAL_* fields, at most kMaxJournalItems in all. sd_journal_sendv
// turns each item into up to five iovecs (two without a newline in the value) and the
// kernel refuses a sendmsg of more than 1024 (UIO_MAXIOV) with EINVAL, measured on
// systemd 252: 509 items pass and 510 fail, 205 pass with newlines in the values. Past
// the cap the last fields are dropped and SELF_HEAL_FIELDS_DROPPED counts them, so that
// an entry keeps its MESSAGE_ID and its first fields instead of becoming a plain line.
// Pure, for tests.
inline constexpr size_t kMaxJournalItems = 200;
// Appends the items to `buffer`, one after the other, and where each ends to `ends`.
void AppendJournalItems(const AuditEvent& event, std::string& buffer, std::vector<size_t>& ends);
// The same items, one string each (for tests).
std::vector<std::string> JournalItems(const AuditEvent& event);

// Writes to stderr, one line per event.
class StderrSink final : public JournalSink {
 public:
  void Write(const AuditEvent& event) override;

 private:
  std::mutex mu_;
};

// Writes structured entries with sd_journal_sendv: MESSAGE, PRIORITY, MESSAGE_ID,
// SYSLOG_IDENTIFIER=self-heal and SELF_HEAL_* fields. When the journal cannot be
// reached (no journald: development, tests outside systemd) or refuses the entry, the
// event goes to stderr with SELF_HEAL_JOURNAL_ERROR saying why.
class SdJournalSink final : public JournalSink {
 public:
  void Write(const AuditEvent& event) override;

 private:
  StderrSink fallback_;
};

// The sink for this process: the journal when its socket exists, stderr otherwise, or
// stderr when SELF_HEAL_LOG=stderr.
JournalSink& DefaultJournalSink();

}  // namespace selfheal
