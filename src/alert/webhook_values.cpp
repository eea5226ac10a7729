#include "alert/webhook_values.h"

#include <algorithm>
#include <cstring>

#include "common/text.h"

namespace selfheal {
namespace {

// TimePoint counts nanoseconds in an int64, which spans only 1677-09-21 to 2262-04-11,
// and ParseRfc3339 refuses years outside it. They are refused here first, with a
// message that says so, with one exception: Alertmanager's "zero"
// time (Go's time.Time{}, the endsAt of every firing alert) means "no time" and reads
// as TimePoint{}, the same as an absent endsAt. A whole-year margin keeps any UTC
// offset inside the span.
constexpr std::string_view kZeroTime = "0001-01-01T00:00:00Z";
constexpr int kMinYear = 1678;
constexpr int kMaxYear = 2261;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// RapidJSON validates raw input bytes, but encodes a "\uDC00".."\uDFFF" escape that
// follows no high surrogate as ED B0..BF xx, which is not UTF-8.
bool HasEncodedSurrogate(std::string_view s) {
  const char* p = s.data();
  const char* end = p + s.size();
  while ((p = static_cast<const char*>(std::memchr(p, 0xED, end - p))) != nullptr) {
    if (++p < end && static_cast<unsigned char>(*p) >= 0xA0) return true;
  }
  return false;
}

Error Invalid(std::string message) { return Error{Errc::kInvalidInput, std::move(message)}; }

}  // namespace

std::string QuoteValue(std::string_view text) { return QuoteForLog(text, kQuoteBytes); }

// A path segment for a JSON key: ".name" for a plain identifier, "['...']" otherwise.
void AppendPathSegment(std::string* path, std::string_view key) {
  bool plain = !key.empty() && key.size() <= kQuoteBytes && !(key[0] >= '0' && key[0] <= '9');
  for (char c : key) {
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_');
  }
  if (plain) {
    if (!path->empty()) *path += '.';
    path->append(key);
  } else {
    *path += "[" + QuoteValue(key) + "]";
  }
}

std::string TextProblem(std::string_view s, size_t max_bytes, const char* what) {
  if (s.size() > max_bytes) {
    return what + ("longer than " + std::to_string(max_bytes) + " bytes: " + QuoteValue(s));
  }
  if (std::memchr(s.data(), '\0', s.size()) != nullptr) {
    return what + ("contains a NUL character: " + QuoteValue(s));
  }
  if (HasEncodedSurrogate(s)) {
    return what + ("is not valid UTF-8 (unpaired surrogate escape): " + QuoteValue(s));
  }
  return {};
}

Expected<AlertStatus> ParseAlertStatus(std::string_view s) {
  if (s == "firing") return AlertStatus::kFiring;
  if (s == "resolved") return AlertStatus::kResolved;
  return Invalid("expected 'firing' or 'resolved', got " + QuoteValue(s));
}

Expected<TimePoint> ParseAlertTime(std::string_view s) {
  if (s == kZeroTime) return TimePoint{};
  if (s.size() >= 4 && std::all_of(s.begin(), s.begin() + 4, IsDigit)) {
    int year = 0;
    for (char c : s.substr(0, 4)) year = year * 10 + (c - '0');
    if (year < kMinYear || year > kMaxYear) {
      return Invalid("not a time between the years " + std::to_string(kMinYear) + " and " +
                     std::to_string(kMaxYear) + ": " + QuoteValue(s));
    }
  }
  std::optional<TimePoint> t = ParseRfc3339(s);
  if (!t) return Invalid("not an RFC 3339 time: " + QuoteValue(s));
  return *t;
}

}  // namespace selfheal
