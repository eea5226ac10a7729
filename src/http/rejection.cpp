#include "http/rejection.h"

#include <syslog.h>

#include "common/text.h"

namespace selfheal {

AuditEvent RequestRejectedEvent(const RequestRejection& r) {
  const std::string method = EscapeForLog(r.method, 32);
  const std::string path = EscapeForLog(r.path);
  std::string context = method;  // "POST '/x', HTTP 404", "'/x'", "HTTP 414", …
  if (!path.empty()) context += (context.empty() ? "'" : " '") + path + "'";
  if (r.http_status != 0) {
    context += (context.empty() ? "HTTP " : ", HTTP ") + std::to_string(r.http_status);
  }
  AuditEvent e;
  e.type = EventType::kRequestRejected;
  e.priority = r.http_status >= 500 ? LOG_ERR : LOG_WARNING;
  e.message = "Rejected request from '" + r.remote + "'" +
              (context.empty() ? "" : " (" + context + ")") + ": " + r.error + ", skipping.";
  e.fields = {{"REMOTE", r.remote}, {"REASON", r.reason}, {"ERROR", r.error}};
  if (r.http_status != 0) e.fields.emplace_back("HTTP_STATUS", std::to_string(r.http_status));
  if (!method.empty()) e.fields.emplace_back("HTTP_METHOD", method);
  if (!path.empty()) e.fields.emplace_back("HTTP_PATH", path);
  return e;
}

AuditEvent DroppedConnectionsEvent(const std::string& reason, unsigned count, Duration window) {
  AuditEvent e;
  e.type = EventType::kRequestRejected;
  e.priority = LOG_WARNING;
  e.message = "Dropped " + std::to_string(count) + " more connection" + (count == 1 ? "" : "s") +
              " (" + reason + ") in the last " + FormatTimespan(window) +
              " without an entry each, skipping.";
  e.fields = {{"REASON", reason}, {"COUNT", std::to_string(count)}};
  return e;
}

}  // namespace selfheal
