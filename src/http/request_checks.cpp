#include "http/request_checks.h"

#include <microhttpd.h>

#include <limits>

#include "common/text.h"
#include "http/auth.h"

namespace selfheal {

namespace {

std::string_view TrimWhitespace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool IsJsonContentType(std::string_view value) {
  std::string_view media_type = value.substr(0, value.find(';'));
  return EqualsIgnoreCase(TrimWhitespace(media_type), "application/json");
}

std::optional<uint64_t> ParseContentLength(std::string_view value) {
  value = TrimWhitespace(value);
  if (value.empty()) return std::nullopt;
  uint64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (n > (std::numeric_limits<uint64_t>::max() - digit) / 10) return std::nullopt;
    n = n * 10 + digit;
  }
  return n;
}

bool IsChunkedTransferEncoding(std::string_view value) {
  return EqualsIgnoreCase(TrimWhitespace(value), "chunked");
}

std::string JsonError(std::string_view message) {
  std::string out = "{\"error\":";
  AppendJsonString(out, message);
  out += '}';
  return out;
}

namespace {

HeadVerdict Refuse(unsigned status, const char* reason, std::string detail,
                   ResponseHeaders headers = {}) {
  return {HeadVerdict::Action::kRefuse, status, reason, std::move(detail), std::move(headers), 0};
}

// Why `values` (every Content-Length header) frame no single body, or "" when they
// agree. libmicrohttpd reads the first only; a proxy in front may have read another.
std::string ConflictingContentLength(const std::vector<std::string_view>& values) {
  for (std::string_view v : values) {
    if (v.find(',') != std::string_view::npos) {
      return "Content-Length list '" + EscapeForLog(v, 32) + "'";
    }
  }
  if (values.size() < 2) return {};
  const std::optional<uint64_t> first = ParseContentLength(values.front());
  for (size_t i = 1; i < values.size(); ++i) {
    const std::string_view v = values[i];
    if (!first || ParseContentLength(v) != first) {
      return "differing Content-Length headers '" + EscapeForLog(values.front(), 32) + "' and '" +
             EscapeForLog(v, 32) + "'";
    }
  }
  return {};
}

}  // namespace

HeadVerdict OverCapacity(unsigned body_slots) {
  return Refuse(
      MHD_HTTP_SERVICE_UNAVAILABLE, "over-capacity",
      "over capacity (all " + std::to_string(body_slots) + " body slots of MaxConnections= taken)",
      {{MHD_HTTP_HEADER_RETRY_AFTER, "1"}});
}

HeadVerdict CheckRequestHead(const RequestHead& head, const ServerOptions& options) {
  if (head.path == kHealthPath) {
    if (head.method == MHD_HTTP_METHOD_GET || head.method == MHD_HTTP_METHOD_HEAD) {
      return {HeadVerdict::Action::kHealthy, 0, "", {}, {}, 0};
    }
    return Refuse(MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", "method not allowed",
                  {{MHD_HTTP_HEADER_ALLOW, "GET, HEAD"}});
  }
  if (head.path != options.webhook_path) {
    return Refuse(MHD_HTTP_NOT_FOUND, "not-found", "not found");
  }
  if (head.method != MHD_HTTP_METHOD_POST) {
    return Refuse(MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", "method not allowed",
                  {{MHD_HTTP_HEADER_ALLOW, "POST"}});
  }
  if (!CheckAuthorization(head.authorization, options.auth, options.auth_user,
                          options.auth_secret)) {
    return Refuse(MHD_HTTP_UNAUTHORIZED, "unauthorized", "missing or wrong credentials",
                  {{MHD_HTTP_HEADER_WWW_AUTHENTICATE, std::string(AuthChallenge(options.auth))}});
  }
  if (!head.content_type || !IsJsonContentType(*head.content_type)) {
    return Refuse(
        MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
        head.content_type
            ? "Content-Type '" + EscapeForLog(*head.content_type, 100) + "' is not application/json"
            : std::string("Content-Type is missing, expected application/json"));
  }
  // Both headers at once is how requests are smuggled past proxies; a coding other
  // than chunked is one libmicrohttpd cannot frame. Neither is a retry's business: 400.
  const bool has_length = !head.content_lengths.empty();
  if (head.transfer_encoding &&
      (has_length || !IsChunkedTransferEncoding(*head.transfer_encoding))) {
    return Refuse(MHD_HTTP_BAD_REQUEST, "bad-framing",
                  has_length ? "both Content-Length and Transfer-Encoding"
                             : "unsupported Transfer-Encoding '" +
                                   EscapeForLog(*head.transfer_encoding, 100) + "'");
  }
  if (std::string detail = ConflictingContentLength(head.content_lengths); !detail.empty()) {
    return Refuse(MHD_HTTP_BAD_REQUEST, "bad-framing", std::move(detail));
  }
  uint64_t length = 0;
  if (has_length) {
    const std::string_view first = head.content_lengths.front();
    // libmicrohttpd has already answered 400 or 413 for a value it cannot parse.
    std::optional<uint64_t> n = ParseContentLength(first);
    if (!n || *n > options.max_body_bytes) {
      return Refuse(MHD_HTTP_CONTENT_TOO_LARGE, "body-too-large",
                    "Content-Length " + EscapeForLog(first, 32) + " exceeds the limit of " +
                        std::to_string(options.max_body_bytes) + " bytes");
    }
    length = *n;
  }
  return {HeadVerdict::Action::kReadBody, 0, "", {}, {}, length};
}

}  // namespace selfheal
