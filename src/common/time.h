// time.h — the one clock type of self-heal, and the two text forms of time it reads:
// RFC 3339 timestamps (Alertmanager's startsAt/endsAt) and systemd time spans
// (`90s`, `4h`, `1h 30min`) in configuration.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace selfheal {

using Clock = std::chrono::system_clock;
using TimePoint = std::chrono::time_point<Clock, std::chrono::nanoseconds>;
using Duration = std::chrono::nanoseconds;

// Parses an RFC 3339 timestamp ("2026-11-22T01:25:02.807Z", "...+02:00", up to
// nanosecond fractions). Returns nullopt for anything else, including out-of-range
// fields (month 13, second 61) and years a TimePoint cannot hold (it counts
// nanoseconds in 64 bits: 1678 to 2261). Alertmanager's "zero" endsAt,
// 0001-01-01T00:00:00Z, is therefore nullopt here; ParseWebhook maps it to TimePoint{}.
std::optional<TimePoint> ParseRfc3339(std::string_view text);

// Formats as UTC "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string FormatRfc3339(TimePoint t);

// Parses a systemd time span: a sequence of NUMBER[UNIT] with units us, ms, s, sec,
// m, min, h, hr, d, w (a bare number means seconds), e.g. "4h", "1h 30min", "90".
// Returns nullopt for an empty, negative, unknown-unit or overflowing span.
std::optional<Duration> ParseTimespan(std::string_view text);

// Formats a span the way systemd prints it ("4h", "1min 30s", "250ms").
std::string FormatTimespan(Duration d);

// The clock seam (STYLE.md: one of four). Real code uses SystemClock; unit tests a
// fake that moves only when told.
class WallClock {
 public:
  virtual ~WallClock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public WallClock {
 public:
  TimePoint Now() const override { return std::chrono::time_point_cast<Duration>(Clock::now()); }
};

}  // namespace selfheal
