// launcher.h — starts a handler as a transient systemd unit (STYLE.md: one of four
// seams). It is the only code that asks systemd for units.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/expected.h"
#include "common/time.h"
#include "config/resource_limits.h"

namespace selfheal {

struct LaunchRequest {
  std::string unit_name;          // self-heal-<handler>-<8 hex>.service
  std::vector<std::string> argv;  // argv[0] absolute; never through a shell
  std::string user;
  Duration timeout{};  // RuntimeMaxSec=
  std::optional<MemoryMax> memory_max;
  std::optional<CpuQuota> cpu_quota;
  std::vector<std::pair<std::string, std::string>> environment;
  // The handler's stdin (StandardInputData=), and its recorder's: the alert as JSON,
  // which the environment may be too small for.
  std::string stdin_data;
  std::vector<std::pair<std::string, std::string>> log_extra_fields;
  // Run with full privileges when the unit stops (ExecStopPost=+…): records the
  // result in the state store even if `serve` has exited meanwhile.
  std::vector<std::string> result_argv;
};

// When a caller stops waiting for systemd. A monotonic time: a wall clock set back
// must not make a request wait longer.
using Deadline = std::chrono::steady_clock::time_point;
inline Deadline DeadlineIn(Duration wait) { return std::chrono::steady_clock::now() + wait; }

// How long one webhook request waits for systemd in all, and one call of the
// deliverer: a healthy systemd answers in milliseconds, one busy with a daemon-reload
// in a second or two; with the store's own waits the answer stays well below
// Alertmanager's 10 s webhook timeout (docs/design-notes.md).
inline constexpr Duration kSystemdPatience = std::chrono::seconds(3);

class Launcher {
 public:
  virtual ~Launcher() = default;
  // Starts `request.unit_name` and returns once systemd has accepted it; never waits
  // for the handler to finish, nor for systemd past `deadline`. Errc::kConflict if a
  // unit of that name is active (the duplicate lock), Errc::kUnavailable if systemd
  // could not be asked or refused (the unit certainly did not start),
  // Errc::kTimedOut if it was asked and did not answer by `deadline`: it may still
  // start the unit later.
  virtual Status Start(const LaunchRequest& request, Deadline deadline) = 0;

  // Whether systemd has a unit of that name loaded now (starting, running or
  // stopping). A transient unit that finished is collected and no longer exists.
  // Errc::kUnavailable if systemd cannot be reached, Errc::kTimedOut if it did not
  // answer by `deadline`.
  virtual Expected<bool> Exists(const std::string& unit_name, Deadline deadline) = 0;
};

}  // namespace selfheal
