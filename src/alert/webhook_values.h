// webhook_values.h — the checks on the string values of a webhook, apart from the
// reader that finds them (webhook_sax_reader.cpp). Pure: each says what is wrong, and the
// parser puts the field's path in front ("alerts[0].startsAt: not an RFC 3339 …").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "alert/alert.h"
#include "common/expected.h"
#include "common/time.h"

namespace selfheal {

// Of an offending value, this much is quoted in a message.
inline constexpr size_t kQuoteBytes = 64;

// 'text', at most kQuoteBytes of it, escaped (common/text.h): a message stays one
// line of valid UTF-8 whatever the payload holds.
std::string QuoteValue(std::string_view text);

// Appends the path segment of a JSON key: ".name" for a plain identifier of at most
// kQuoteBytes, "['…']" (quoted as by QuoteValue) otherwise.
void AppendPathSegment(std::string* path, std::string_view key);

// What forbids keeping `s`, or "" if nothing does: longer than `max_bytes`, a NUL, or
// an unpaired surrogate escape. `what` starts the complaint ("name ").
std::string TextProblem(std::string_view s, size_t max_bytes, const char* what);

// "firing" or "resolved".
Expected<AlertStatus> ParseAlertStatus(std::string_view s);

// An RFC 3339 time in the years 1678..2261 (what TimePoint holds), or Alertmanager's
// zero time "0001-01-01T00:00:00Z", which reads as TimePoint{}.
Expected<TimePoint> ParseAlertTime(std::string_view s);

}  // namespace selfheal
