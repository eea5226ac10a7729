// connection_deadlines.h — which connections the server drops so that slow or stuck
// clients never block a good request: per-connection deadlines on total time (not
// inactivity: libmicrohttpd's own timeout is reset by every byte, so 1 byte a second
// defeats it) and an accept policy that always keeps room for a newcomer. Pure: the
// caller passes the time and acts on the drops (connection_watchdog.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "common/time.h"
#include "http/server.h"

namespace selfheal {

// Connections kept beyond MaxConnections=, waiting for their headers or kept alive.
inline constexpr unsigned kSpareConnections = 16;
// libmicrohttpd's own limit is this far above the table, for dropped connections it has
// not closed yet (it closes them on its next turn): it stops accepting at its limit.
inline constexpr unsigned kDropHeadroom = 16;
// A body arriving for less than this keeps its slot against newcomers.
inline constexpr Duration kBodyGrace = std::chrono::seconds(1);

struct ConnectionPolicy {
  unsigned body_slots = 64;  // MaxConnections=: requests reading (or holding) a body
  unsigned table_size = 80;  // connections kept open at once, body_slots + spare
  // From a connection's start, or its previous request's end, to complete headers.
  Duration header_deadline = std::chrono::seconds(10);
  // From complete headers to a complete body (and its answer).
  Duration body_deadline = std::chrono::seconds(10);
  Duration body_grace = kBodyGrace;
};

// Both deadlines are RequestTimeoutSec=; the table is MaxConnections= + kSpareConnections.
ConnectionPolicy PolicyFor(const ServerOptions& options);

// What libmicrohttpd's MHD_OPTION_CONNECTION_LIMIT is set to.
unsigned MhdConnectionLimit(const ConnectionPolicy& policy);

enum class DropCause {
  kHeadersDeadline,       // headers not complete within header_deadline
  kBodyDeadline,          // body not complete within body_deadline
  kEvictedForConnection,  // the oldest still in its headers, to make room for a newcomer
  kEvictedForBody,        // the oldest body past the grace, to make room for a new body
};

// The journal's REASON: "headers-deadline", "body-deadline", "evicted", "body-evicted".
const char* ReasonOf(DropCause cause);

struct Drop {
  uint64_t id;
  DropCause cause;
};

// Every connection libmicrohttpd has open, by an id the caller chooses. A dropped
// connection stays in the table, no longer counted, until Closed().
class ConnectionTable {
 public:
  using Instant = std::chrono::steady_clock::time_point;

  explicit ConnectionTable(const ConnectionPolicy& policy) : policy_(policy) {}

  // A connection opened. Beyond table_size live connections, the one to drop: the
  // oldest still waiting for its headers (the newcomer when all others read a body).
  std::optional<Drop> Opened(uint64_t id, Instant now);

  struct BodyAdmission {
    bool admitted = false;     // false: over capacity (503 + Retry-After)
    std::optional<Drop> drop;  // the body that gives its slot up for this one
  };
  // Headers complete and valid: may the body be read? With every slot taken, the
  // oldest body arriving for at least body_grace gives its slot up; else refused.
  // An unknown id is admitted while a slot is free, untracked.
  BodyAdmission AdmitBody(uint64_t id, Instant now);

  // The request ended (answered or not): waiting for the next headers from `now`.
  void RequestEnded(uint64_t id, Instant now);
  void Closed(uint64_t id);

  // Live connections past their deadline at `now`, marked dropped.
  std::vector<Drop> Expired(Instant now);
  // The earliest deadline of a live connection, if any.
  std::optional<Instant> NextDeadline() const;

  unsigned Live() const;    // open and not dropped
  unsigned Bodies() const;  // live and admitted to read a body

 private:
  struct Entry {
    bool in_body = false;
    bool dropped = false;
    Instant since;  // start of the current phase
  };
  Instant DeadlineOf(const Entry& entry) const;

  ConnectionPolicy policy_;
  std::map<uint64_t, Entry> entries_;
};

}  // namespace selfheal
