// writer_turns.h — keeps a writer from starving when another process writes the state
// database back to back (the service under a burst of webhooks while an ExecStopPost=
// `record-result` waits to record a result).
//
// SQLite offers no fair lock: a waiting writer polls, and a process that commits and
// begins its next transaction at once nearly always wins the race. So a writer that
// has to wait says so, with a shared OFD lock on byte 0 of DIR/state.db-writers, and a
// writer about to begin checks for such a mark and gives way for a moment first. The
// marks are kernel locks: a process that dies takes its mark with it.
#pragma once

#include <string>

namespace selfheal::sqlite {

class WriterTurns {
 public:
  // Opens (creating, mode 0600) `path`. If that fails the turns are simply not kept:
  // writers then wait as SQLite alone lets them.
  explicit WriterTurns(const std::string& path);
  WriterTurns() = default;  // keeps no turns (read-only connections)
  ~WriterTurns();
  WriterTurns(const WriterTurns&) = delete;
  WriterTurns& operator=(const WriterTurns&) = delete;

  // Marks this connection as waiting for the write lock, or no longer waiting.
  void SetWaiting(bool waiting);
  // Before taking the write lock: while another process is marked waiting, pauses
  // (at most a few milliseconds) so that it gets its turn first.
  void GiveWay();

 private:
  bool OthersWaiting() const;

  int fd_ = -1;
  bool waiting_ = false;
};

}  // namespace selfheal::sqlite
