// systemd_launcher.h — the real Launcher: StartTransientUnit over D-Bus, the call
// systemd-run makes, without a process of its own per launch.
#pragma once

#include <string>

#include "common/time.h"
#include "launch/launcher.h"

struct sd_bus;
struct sd_bus_message;

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
  // not carry), kUnavailable when systemd cannot be reached, kTimedOut when it did
  // not answer by `deadline` (connecting included: sd-bus alone would wait 25 s for a
  // reply and longer for the handshake).
  Status Start(const LaunchRequest& request, Deadline deadline) override;
  Expected<bool> Exists(const std::string& unit_name, Deadline deadline) override;

  // Starts the transient timer `timer_name`, which starts the service of the same
  // name each time `after_inactive` has passed since it last went inactive, until
  // stopped; to 1 s. kConflict when it exists already (it re-arms by itself).
  Status StartTimer(const std::string& timer_name, Duration after_inactive, Deadline deadline);
  // Stops a unit (a transient one then goes away); kNotFound when none is loaded.
  Status Stop(const std::string& unit_name, Deadline deadline);

 private:
  Status Connect(Deadline deadline);
  // Sends `m` (and frees it) and waits for the reply until `deadline`; maps systemd's
  // error to a Status about `unit_name`.
  Status Call(sd_bus_message* m, const std::string& unit_name, Deadline deadline);
  // Closes the connection without flushing it: a stopped systemd would never take
  // what is queued, and a flush would wait for it.
  void Drop();
  sd_bus* bus_ = nullptr;
};

}  // namespace selfheal
