// bus_handles.h — what sd-bus hands out, freed on every path, for the commands that
// ask systemd about units (check, recover-socket).
#pragma once

#include <systemd/sd-bus.h>

#include <cstring>
#include <string>

namespace selfheal::bus {

constexpr const char* kSystemd = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";

struct Bus {
  sd_bus* bus = nullptr;
  ~Bus() { sd_bus_flush_close_unref(bus); }
};
struct Reply {
  sd_bus_message* m = nullptr;
  ~Reply() { sd_bus_message_unref(m); }
};
struct BusError {
  sd_bus_error e = SD_BUS_ERROR_NULL;
  ~BusError() { sd_bus_error_free(&e); }
  std::string Text(int r) const {
    return e.message ? std::string(e.message) : std::string(std::strerror(-r));
  }
};

// Connects to systemd's private socket (root only; no dbus-daemon needed), else to
// the system bus. Returns sd-bus's negative errno on failure.
inline int OpenSystemd(Bus& out) {
  int r = sd_bus_new(&out.bus);
  if (r >= 0) r = sd_bus_set_address(out.bus, "unix:path=/run/systemd/private");
  if (r >= 0) r = sd_bus_start(out.bus);
  if (r >= 0) return r;
  out.bus = sd_bus_flush_close_unref(out.bus);
  return sd_bus_open_system(&out.bus);
}

}  // namespace selfheal::bus
