#include "config/values.h"

#include <limits>

namespace selfheal {

bool IsPrintableAsciiNoSpace(std::string_view text) {
  for (char c : text) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<int64_t> ParseUnsigned(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (!IsDigit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<uint64_t> ParseByteSize(std::string_view text) {
  uint64_t scale = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'B':
        scale = 1;
        break;
      case 'K':
        scale = uint64_t{1} << 10;
        break;
      case 'M':
        scale = uint64_t{1} << 20;
        break;
      case 'G':
        scale = uint64_t{1} << 30;
        break;
      case 'T':
        scale = uint64_t{1} << 40;
        break;
      default:
        scale = 0;
    }
    if (scale != 0) text.remove_suffix(1);
  }
  auto number = ParseUnsigned(text);
  if (!number) return std::nullopt;
  if (scale == 0) scale = 1;
  auto n = static_cast<uint64_t>(*number);
  if (n > std::numeric_limits<uint64_t>::max() / scale) return std::nullopt;
  return n * scale;
}

bool IsNormalizedAbsolutePath(std::string_view path) {
  if (path.size() < 2 || path.front() != '/' || path.back() == '/') return false;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

bool IsValidUserName(std::string_view text) {
  if (text.empty() || text.size() > 32) return false;
  if (text.back() == '$') text.remove_suffix(1);
  if (text.empty()) return false;
  auto first_ok = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
  if (!first_ok(text.front())) return false;
  for (char c : text) {
    if (!first_ok(c) && !IsDigit(c) && c != '-') return false;
  }
  return true;
}

bool IsValidHandlerName(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsValidWebhookPath(std::string_view text) {
  return !text.empty() && text.front() == '/' && IsPrintableAsciiNoSpace(text) &&
         text.find_first_of("?#") == std::string_view::npos && text != "/-/healthy";
}

bool IsValidHttpUrl(std::string_view text) {
  if (!IsPrintableAsciiNoSpace(text)) return false;
  std::string_view rest;
  if (StartsWithNoCase(text, "http://")) {
    rest = text.substr(7);
  } else if (StartsWithNoCase(text, "https://")) {
    rest = text.substr(8);
  } else {
    return false;
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
  std::string_view host = authority;
  std::string_view port;
  if (authority.front() == '[') {  // [IPv6]
    size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      port = after.substr(1);
      if (port.empty()) return false;
    }
  } else if (size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return false;
  }
  if (host.empty()) return false;
  if (!port.empty()) {
    auto number = ParseUnsigned(port);
    if (!number || *number < 1 || *number > 65535) return false;
  }
  return true;
}

}  // namespace selfheal
