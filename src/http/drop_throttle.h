// drop_throttle.h — how many dropped connections get a journal entry of their own: the
// first kBurst of a window, then a count per reason, written when the window is over,
// so a flood of slow clients costs the journal a few entries per window, not one per
// connection. Pure: the caller passes the time.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/time.h"

namespace selfheal {

struct DropThrottleLimits {
  unsigned burst = 5;                          // entries of their own per window
  Duration window = std::chrono::seconds(10);  // from the first drop of a window
};

struct SuppressedDrops {
  std::string reason;
  unsigned count = 0;
};

class DropThrottle {
 public:
  using Instant = std::chrono::steady_clock::time_point;

  explicit DropThrottle(DropThrottleLimits limits = {}) : limits_(limits) {}

  // True: journal this drop on its own; false: it is counted for the summary. Call
  // TakeDue(now) first, or the counts of a finished window roll into the next one.
  bool Admit(Instant now, const std::string& reason);
  // The counts of a window that is over at `now`, by reason (none: empty).
  std::vector<SuppressedDrops> TakeDue(Instant now);
  // Every count not yet taken, whether or not its window is over (at a stop).
  std::vector<SuppressedDrops> TakeAll();
  // When TakeDue() will have something: the end of a window with suppressed drops.
  std::optional<Instant> Due() const;

  Duration window() const { return limits_.window; }

 private:
  DropThrottleLimits limits_;
  bool open_ = false;  // a window has begun
  Instant start_{};
  unsigned written_ = 0;
  std::map<std::string, unsigned> suppressed_;
};

}  // namespace selfheal
