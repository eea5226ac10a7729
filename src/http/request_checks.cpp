#include "http/request_checks.h"

#include <limits>

#include "common/text.h"

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

}  // namespace selfheal
