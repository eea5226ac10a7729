// error_status.h — the one mapping from an expected failure (common/expected.h) to the
// HTTP status that answers it. The status tells the client what to do next:
// Alertmanager retries a 5xx and drops a 4xx, so only failures a retry can cure may
// map to 5xx.
#pragma once

#include "common/expected.h"

namespace selfheal {

// kInvalidInput 400, kNotFound 404, kConflict 409, kUnavailable 503, kInternal 500.
int StatusFor(Errc code);

}  // namespace selfheal
