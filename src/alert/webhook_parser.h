// webhook_parser.h — turns untrusted request bytes into a Webhook, or says exactly
// which field is wrong. The whole payload is rejected on the first error: a partial
// payload is never acted on.
#pragma once

#include <cstddef>
#include <string_view>

#include "alert/alert.h"
#include "common/expected.h"

namespace selfheal {

struct ParseLimits {
  size_t max_alerts = 1000;            // alerts in one request
  size_t max_labels = 128;             // labels (and, separately, annotations) per alert
  size_t max_name_bytes = 1024;        // label/annotation name
  size_t max_value_bytes = 64 * 1024;  // label/annotation value and other strings
  size_t max_depth = 16;               // JSON nesting; deeper is rejected before recursion
};

// On success the Webhook has version "4", every required field present and typed,
// RFC 3339 times parsed and valid UTF-8 everywhere. On failure returns
// Errc::kInvalidInput with a one-line message naming the field, e.g.
// "alerts[2].labels: expected an object". Never throws, never recurses without bound.
// Details: unknown members are ignored (forward compatible); a repeated known member
// or label name is an error; NUL (from "\u0000") is refused in every kept string; a
// message quotes at most 64 bytes of an offending value, escaped. Times must fall in
// the years 1678..2261 (what TimePoint holds), except Alertmanager's zero time
// "0001-01-01T00:00:00Z", which reads as TimePoint{} (as does an absent endsAt).
Expected<Webhook> ParseWebhook(std::string_view body, const ParseLimits& limits = {});

}  // namespace selfheal
