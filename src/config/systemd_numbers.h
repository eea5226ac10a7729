// systemd_numbers.h — the two number syntaxes systemd 252 reads in a unit property
// given as text (systemd-run --property, bus_append_cgroup_property), reproduced so
// that `check` accepts exactly the texts systemd accepts, quirks included: systemd
// is the judge of what a handler's MemoryMax= or CPUQuota= means.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/expected.h"

namespace selfheal {

// systemd's parse_size() with base 1024: a decimal number, an optional fraction
// ("1.5K") and a suffix E, P, T, G, M, K, B or none, repeated with falling suffixes
// ("1G 512M"), blanks allowed around each part. Refuses a sign '-', a value past
// 2^64-1, and anything else; Errc::kInvalidInput naming the cause.
Expected<uint64_t> ParseSystemdSize(std::string_view text);

// systemd's parse_permyriad_unbounded(): "N%" with at most two decimals, "N‰" with
// at most one, "N‱" whole, where N is what strtol(…, 0) reads (so "0x10%" is 16%),
// at least 0 and at most INT_MAX permyriad in all. Returns permyriad (1% = 100).
Expected<int> ParseSystemdPermyriad(std::string_view text);

}  // namespace selfheal
