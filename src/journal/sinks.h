// sinks.h — the real JournalSinks.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

#include "journal/journal.h"

namespace selfheal {

// One line per event: "<PRIORITY>MESSAGE SELF_HEAL_X=value …" with values escaped so
// that an event never spans two lines. What StderrSink prints; pure for tests.
std::string FormatEventLine(const AuditEvent& event);

// Writes to stderr, one line per event.
class StderrSink final : public JournalSink {
 public:
  void Write(const AuditEvent& event) override;

 private:
  std::mutex mu_;
};

// Writes structured entries with sd_journal_sendv: MESSAGE, PRIORITY, MESSAGE_ID,
// SYSLOG_IDENTIFIER=self-heal and SELF_HEAL_* fields. When the journal cannot be
// reached (no journald: development, tests outside systemd) the event goes to stderr.
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
