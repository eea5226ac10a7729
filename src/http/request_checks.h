// request_checks.h — the header checks the server makes before reading a body, as
// pure functions on header values (no libmicrohttpd types), so they are unit-tested
// on their own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/server.h"

namespace selfheal {

// True for "application/json", case-insensitive, optionally followed by parameters
// ("application/json; charset=utf-8") and surrounded by optional whitespace.
bool IsJsonContentType(std::string_view value);

// Parses a Content-Length value: ASCII digits only, optional surrounding whitespace.
// Returns nullopt for an empty, signed, non-decimal or overflowing value.
std::optional<uint64_t> ParseContentLength(std::string_view value);

// True when a Transfer-Encoding value is exactly "chunked" (case-insensitive), the
// only coding libmicrohttpd decodes.
bool IsChunkedTransferEncoding(std::string_view value);

// The one-line JSON body of a rejection: {"error":"<message>"}.
std::string JsonError(std::string_view message);

inline constexpr std::string_view kHealthPath = "/-/healthy";

using ResponseHeaders = std::vector<std::pair<const char*, std::string>>;

// A request as far as its line and headers go, before any body byte is read.
struct RequestHead {
  std::string_view path;
  std::string_view method;
  std::optional<std::string_view> authorization;
  std::optional<std::string_view> content_type;
  // Every Content-Length header, in the order sent: libmicrohttpd frames the body by
  // the first alone, so a later one that disagrees is a second framing (smuggling).
  std::vector<std::string_view> content_lengths;
  std::optional<std::string_view> transfer_encoding;
};

struct HeadVerdict {
  enum class Action { kReadBody, kHealthy, kRefuse };
  Action action = Action::kReadBody;
  unsigned status = 0;          // kRefuse: the answer's status
  const char* reason = "";      // kRefuse: the journal's stable code, "not-found", …
  std::string detail;           // kRefuse: what was wrong, values from outside escaped
  ResponseHeaders headers;      // kRefuse: Retry-After, Allow, WWW-Authenticate
  uint64_t content_length = 0;  // kReadBody: the announced body size, 0 if chunked
};

// journal-remote's order, capacity aside (OverCapacity, once everything else passed): the
// health path (GET or HEAD), path (404) and method (405 + Allow), credentials (401
// + WWW-Authenticate), Content-Type (415), framing (400: both Content-Length and
// Transfer-Encoding, a coding other than chunked, Content-Length headers that differ
// or a Content-Length list) and Content-Length (413). Repeated identical
// Content-Length headers are accepted (RFC 9110 8.6); a list ("1, 1") is not, since
// libmicrohttpd itself answers 400 for it.
HeadVerdict CheckRequestHead(const RequestHead& head, const ServerOptions& options);

// 503 + Retry-After (which Alertmanager retries): a request whose headers passed every
// check, when all `body_slots` (MaxConnections=) are reading bodies that keep theirs.
HeadVerdict OverCapacity(unsigned body_slots);

}  // namespace selfheal
