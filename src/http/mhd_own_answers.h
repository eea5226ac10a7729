// mhd_own_answers.h — journals the requests libmicrohttpd answers, or drops, by
// itself, where no access callback of ours ever answered: a request line or headers
// too long (414, 431), malformed (400, 505), a Content-Length it cannot parse, a
// timeout or an abandoned request. The server (mhd_server.cpp) journals what it
// answers itself; together every rejected request gets exactly one entry.
//
// Implementation notes:
// - The per-connection state (libmicrohttpd's socket context) counts the request
//   lines seen; on close the kernel's TCP counters tell whether the client sent data
//   that never became a request line we saw, or whether something was written after
//   the last request we saw ended. An idle keep-alive close or a connection that sent
//   nothing is journaled by none. Limit: a kept-alive connection that sends part of
//   a further request line and then goes quiet is closed like an idle one, unjournaled.
// - The status of such an answer comes from libmicrohttpd's own error log
//   (MHD_OPTION_EXTERNAL_LOGGER: "Error processing request (HTTP response code is
//   N ..."), which does not say which connection it concerns. Each logged status is
//   matched to a connection that closes later with an unseen answer; when the
//   candidates disagree, the entry carries no HTTP_STATUS rather than a guess.
// - Called from libmicrohttpd's thread; the matching state is under a mutex of its own.
#pragma once

#include <microhttpd.h>

#include <atomic>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/tcp_counters.h"
#include "journal/journal.h"

namespace selfheal {

// Headers a connection may use; beyond, libmicrohttpd answers 431 (or 414).
inline constexpr size_t kConnectionMemoryBytes = 32 * 1024;

// "127.0.0.1:53412" of the client of `connection`.
std::string RemoteOf(MHD_Connection* connection);

// Per connection (libmicrohttpd's socket context), from NOTIFY_CONNECTION STARTED to
// CLOSED; touched on the server thread only, except `since` (under the journal's mutex)
// and `dropped`.
struct ConnectionState {
  int fd = -1;
  std::string remote;
  uint64_t since = 0;       // tick of the start, or of the end of the last request seen
  unsigned requests = 0;    // request lines libmicrohttpd parsed (URI callbacks)
  bool in_request = false;  // from the URI callback to NOTIFY_COMPLETED
  uint64_t written = 0;     // TcpCounters::bytes_written when the last request ended
  // Set by the connection watchdog, from any thread, when it drops the connection; its
  // entry is the watchdog's, so none is written here for how it ends.
  std::atomic<bool> dropped{false};
};

// The ConnectionState of `connection`, or null when it has none (out of memory).
ConnectionState* StateOf(MHD_Connection* connection);

// What the server knows of a request when libmicrohttpd says it ended.
struct EndedRequest {
  bool answered = false;    // by the server (its own rejection is journaled already)
  std::string_view method;  // "" if the access callback never ran
  std::string_view uri;     // the raw request target
  bool too_large = false;   // a chunked body read past the limit and dropped
};

class OwnAnswerJournal {
 public:
  explicit OwnAnswerJournal(JournalSink& journal) : journal_(journal) {}

  // NOTIFY_CONNECTION STARTED: the state to keep as socket context; null when out of
  // memory (the connection is then not tracked, and nothing journaled at its close).
  ConnectionState* ConnectionStarted(MHD_Connection* connection);
  // NOTIFY_CONNECTION CLOSED, before `state` is deleted.
  void ConnectionClosed(ConnectionState& state);
  // The URI callback: a request line was parsed on `connection`.
  static void RequestLineSeen(MHD_Connection* connection);
  // NOTIFY_COMPLETED; `request` is nullopt when no per-request context exists.
  // `counters`: the connection's, read as the request ended.
  void RequestEnded(MHD_Connection* connection, const std::optional<EndedRequest>& request,
                    MHD_RequestTerminationCode code, const std::optional<TcpCounters>& counters);
  // MHD_OPTION_EXTERNAL_LOGGER: keeps the statuses of the answers it gives itself.
  void Logged(const char* format, va_list args);

 private:
  struct MhdAnswer {  // a status libmicrohttpd logged, not yet matched
    uint64_t tick;
    unsigned status;
  };
  void MhdAnswered(unsigned status);
  unsigned ClaimMhdAnswer(const ConnectionState& state, unsigned status);

  JournalSink& journal_;
  std::mutex mu_;
  uint64_t tick_ = 0;                      // guarded by mu_
  std::deque<MhdAnswer> mhd_answers_;      // guarded by mu_, oldest first
  std::vector<ConnectionState*> tracked_;  // guarded by mu_: open connections
};

}  // namespace selfheal
