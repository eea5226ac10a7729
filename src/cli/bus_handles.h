// bus_handles.h — what sd-bus hands out, freed on every path, for the commands that
// ask systemd about units (check, recover-socket); they connect with
// ConnectToSystemd (launch/systemd_bus.h).
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

}  // namespace selfheal::bus
