// rejection.h — the journal entry of a request that was answered, or ended, without
// being acted on. One shape for every source: the server's own checks, the answers
// libmicrohttpd gives by itself, and the webhook service's payload and store errors.
#pragma once

#include <string>

#include "common/time.h"
#include "journal/journal.h"

namespace selfheal {

struct RequestRejection {
  std::string remote;   // "127.0.0.1:53412"
  std::string method;   // "" when no request line was read
  std::string path;     // the request target; "" when no request line was read
  int http_status = 0;  // the answer's status; 0 when none was sent or it is not known
  std::string reason;   // short stable code: "not-found", "malformed-payload", …
  std::string error;    // what was wrong, for a human: one line, any value from
                        // outside in it already escaped (EscapeForLog)
};

// EventType::kRequestRejected. MESSAGE "Rejected request from 'R' (POST '/x', HTTP 404):
// not found, skipping."; fields REMOTE, REASON, ERROR, and HTTP_STATUS, HTTP_METHOD and
// HTTP_PATH when known. Priority LOG_ERR for a 5xx answer, LOG_WARNING otherwise.
// Method and path are escaped (EscapeForLog) in the message and the fields.
AuditEvent RequestRejectedEvent(const RequestRejection& rejection);

// EventType::kRequestRejected for `count` dropped connections that got no entry of
// their own (http/drop_throttle.h): MESSAGE "Dropped 120 more connections
// (headers-deadline) in the last 10s without an entry each, skipping."; fields REASON
// and COUNT (the metrics count it `count` times). LOG_WARNING.
AuditEvent DroppedConnectionsEvent(const std::string& reason, unsigned count, Duration window);

}  // namespace selfheal
