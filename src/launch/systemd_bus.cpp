#include "launch/systemd_bus.h"

#include <systemd/sd-bus.h>

#include <chrono>
#include <cstring>
#include <string>

namespace selfheal {

namespace {

std::string Errno(int r) { return std::strerror(r < 0 ? -r : r); }

Status Closed(sd_bus*& bus, Error error) {
  bus = sd_bus_close_unref(bus);
  return error;
}

}  // namespace

uint64_t MicrosUntil(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
  return left > 0 ? static_cast<uint64_t>(left) : 0;
}

Status ConnectToSystemd(sd_bus*& bus, Deadline deadline) {
  if (!bus) {
    int r = sd_bus_new(&bus);
    if (r >= 0) r = sd_bus_set_address(bus, "unix:path=/run/systemd/private");
    if (r >= 0) r = sd_bus_start(bus);
    if (r < 0) {
      bus = sd_bus_unref(bus);
      r = sd_bus_open_system(&bus);
      if (r < 0) {
        bus = nullptr;
        return Error{Errc::kUnavailable,
                     "cannot connect to systemd (/run/systemd/private, system bus): " + Errno(r)};
      }
    }
  }
  const uint64_t allowed = MicrosUntil(deadline);
  for (;;) {
    int r = sd_bus_is_ready(bus);
    if (r > 0) return Ok();
    if (r == 0) r = sd_bus_process(bus, nullptr);
    if (r > 0) continue;
    if (r == 0) {
      const uint64_t left = MicrosUntil(deadline);
      if (left == 0) {
        return Closed(bus, Error{Errc::kTimedOut, "systemd did not answer the connection within " +
                                                      std::to_string(allowed / 1000) + " ms"});
      }
      r = sd_bus_wait(bus, left);
    }
    if (r < 0)
      return Closed(bus, Error{Errc::kUnavailable, "cannot connect to systemd: " + Errno(r)});
  }
}

}  // namespace selfheal
