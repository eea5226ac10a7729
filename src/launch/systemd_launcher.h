// systemd_launcher.h — the real Launcher: StartTransientUnit over D-Bus, the call
// systemd-run makes, without a process of its own per launch.
#pragma once

#include <string>

#include "launch/launcher.h"

struct sd_bus;

namespace selfheal {

class SystemdLauncher final : public Launcher {
 public:
  SystemdLauncher() = default;
  ~SystemdLauncher() override;
  SystemdLauncher(const SystemdLauncher&) = delete;
  SystemdLauncher& operator=(const SystemdLauncher&) = delete;

  // Connects on first use to systemd's private socket (/run/systemd/private, root
  // only; no dbus-daemon needed), else the system bus. The unit is a service with
  // KillMode=control-group, CollectMode=inactive-or-failed (a finished or failed unit
  // never blocks the next run of the same name), RuntimeMaxSec= from the handler's
  // TimeoutSec=, and the result recorder as a privileged ExecStopPost=.
  // Errors: kConflict when a unit of that name exists (active or still stopping),
  // kInvalidInput when systemd rejects a property (e.g. an environment value it will
  // not carry), kUnavailable when systemd cannot be reached.
  Status Start(const LaunchRequest& request) override;
  Expected<bool> Exists(const std::string& unit_name) override;

 private:
  Status Connect();
  sd_bus* bus_ = nullptr;
};

}  // namespace selfheal
