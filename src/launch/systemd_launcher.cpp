// Implementation notes: one StartTransientUnit call per launch, mode "fail": systemd
// refuses a second unit of the same name while the first exists, which is the
// duplicate lock and survives a restart of self-heal. The call returns once the start
// job is queued; we never wait for the handler.
#include "launch/systemd_launcher.h"

#include <systemd/sd-bus.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>

#include "launch/host_user.h"
#include "launch/systemd_bus.h"
#include "launch/unit_properties.h"

namespace selfheal {

namespace {

// journald's rate limit for a handler unit: as LogRateLimitIntervalSec=1s and
// LogRateLimitBurst=1000000 in units/self-heal.service, more than journald can take.
constexpr uint64_t kLogRateLimitIntervalUsec = 1000 * 1000;
constexpr uint32_t kLogRateLimitBurst = 1000 * 1000;

// Appends one (sv) property. The value is written by `fill` inside the variant.
template <typename Fill>
int AppendProperty(sd_bus_message* m, const char* name, const char* signature, Fill fill) {
  int r = sd_bus_message_open_container(m, 'r', "sv");
  if (r < 0) return r;
  if ((r = sd_bus_message_append(m, "s", name)) < 0) return r;
  if ((r = sd_bus_message_open_container(m, 'v', signature)) < 0) return r;
  if ((r = fill(m)) < 0) return r;
  if ((r = sd_bus_message_close_container(m)) < 0) return r;
  return sd_bus_message_close_container(m);
}

int AppendStrv(sd_bus_message* m, const std::vector<std::string>& items) {
  int r = sd_bus_message_open_container(m, 'a', "s");
  for (const std::string& item : items) {
    if (r < 0) return r;
    r = sd_bus_message_append(m, "s", item.c_str());
  }
  return r < 0 ? r : sd_bus_message_close_container(m);
}

// a(sasas): ExecStartEx/ExecStopPostEx, with flags such as "privileged" ('+').
int AppendExec(sd_bus_message* m, const std::vector<std::string>& argv,
               const std::vector<std::string>& flags) {
  int r = sd_bus_message_open_container(m, 'a', "(sasas)");
  if (r < 0) return r;
  if ((r = sd_bus_message_open_container(m, 'r', "sasas")) < 0) return r;
  if ((r = sd_bus_message_append(m, "s", argv.front().c_str())) < 0) return r;
  if ((r = AppendStrv(m, argv)) < 0) return r;
  if ((r = AppendStrv(m, flags)) < 0) return r;
  if ((r = sd_bus_message_close_container(m)) < 0) return r;
  return sd_bus_message_close_container(m);
}

int AppendProperties(sd_bus_message* m, const LaunchRequest& req) {
  int r;
  std::string description = "self-heal handler " + req.unit_name;
  if ((r = AppendProperty(m, "Description", "s", [&](sd_bus_message* x) {
         return sd_bus_message_append(x, "s", description.c_str());
       })) < 0)
    return r;
  if ((r = AppendProperty(m, "Type", "s", [](sd_bus_message* x) {
         return sd_bus_message_append(x, "s", "exec");
       })) < 0)
    return r;
  if ((r = AppendProperty(m, "CollectMode", "s", [](sd_bus_message* x) {
         return sd_bus_message_append(x, "s", "inactive-or-failed");
       })) < 0)
    return r;
  if ((r = AppendProperty(m, "KillMode", "s", [](sd_bus_message* x) {
         return sd_bus_message_append(x, "s", "control-group");
       })) < 0)
    return r;
  // After RuntimeMaxSec= (or a stop) the handler gets SIGTERM and then, this much
  // later, SIGKILL for its whole cgroup: a handler ignoring SIGTERM must not outlive
  // its TimeoutSec= by systemd's default 90 s.
  if ((r = AppendProperty(m, "TimeoutStopUSec", "t", [](sd_bus_message* x) {
         return sd_bus_message_append(x, "t", uint64_t{5} * 1000 * 1000);
       })) < 0)
    return r;
  if ((r = AppendProperty(m, "User", "s", [&](sd_bus_message* x) {
         return sd_bus_message_append(x, "s", req.user.c_str());
       })) < 0)
    return r;
  uint64_t runtime_usec = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(req.timeout).count());
  if (runtime_usec > 0 && (r = AppendProperty(m, "RuntimeMaxUSec", "t", [&](sd_bus_message* x) {
                             return sd_bus_message_append(x, "t", runtime_usec);
                           })) < 0)
    return r;
  std::vector<std::string> env;
  for (const auto& [name, value] : req.environment) env.push_back(name + "=" + value);
  if ((r = AppendProperty(m, "Environment", "as",
                          [&](sd_bus_message* x) { return AppendStrv(x, env); })) < 0)
    return r;
  // The alert on stdin, for the handler and for its recorder: no size of it can make
  // exec() fail. Output stays the journal's (with StandardInput=data, "inherit" would
  // point stdout at the read-only input).
  if (!req.stdin_data.empty()) {
    if ((r = AppendProperty(m, "StandardInput", "s", [](sd_bus_message* x) {
           return sd_bus_message_append(x, "s", "data");
         })) < 0)
      return r;
    if ((r = AppendProperty(m, "StandardInputData", "ay", [&](sd_bus_message* x) {
           return sd_bus_message_append_array(x, 'y', req.stdin_data.data(), req.stdin_data.size());
         })) < 0)
      return r;
    if ((r = AppendProperty(m, "StandardOutput", "s", [](sd_bus_message* x) {
           return sd_bus_message_append(x, "s", "journal");
         })) < 0)
      return r;
  }
  if ((r = AppendProperty(m, "LogExtraFields", "aay", [&](sd_bus_message* x) {
         int q = sd_bus_message_open_container(x, 'a', "ay");
         for (const auto& [name, value] : req.log_extra_fields) {
           if (q < 0) return q;
           std::string field = name + "=" + value;
           q = sd_bus_message_append_array(x, 'y', field.data(), field.size());
         }
         return q < 0 ? q : sd_bus_message_close_container(x);
       })) < 0)
    return r;
  if ((r = AppendProperty(m, "ExecStartEx", "a(sasas)", [&](sd_bus_message* x) {
         return AppendExec(x, req.argv, {"no-env-expand"});
       })) < 0)
    return r;
  if (!req.result_argv.empty() &&
      (r = AppendProperty(m, "ExecStopPostEx", "a(sasas)", [&](sd_bus_message* x) {
         return AppendExec(x, req.result_argv, {"privileged", "no-env-expand"});
       })) < 0)
    return r;
  // The recorder runs in this unit's cgroup, so journald counts its result entry in the
  // unit's rate-limit bucket, with the handler's output: a chatty handler must not get
  // the result dropped. The limit of units/self-heal.service (0 would mean journald's
  // default, not "off"): a handler's output is bounded by its TimeoutSec= and the
  // journal's size caps instead (docs/design-notes.md, "The audit trail is never
  // rate-limited"). Escalation commands have no recorder and keep the default.
  if (!req.result_argv.empty()) {
    if ((r = AppendProperty(m, "LogRateLimitIntervalUSec", "t", [](sd_bus_message* x) {
           return sd_bus_message_append(x, "t", kLogRateLimitIntervalUsec);
         })) < 0)
      return r;
    if ((r = AppendProperty(m, "LogRateLimitBurst", "u", [](sd_bus_message* x) {
           return sd_bus_message_append(x, "u", kLogRateLimitBurst);
         })) < 0)
      return r;
  }
  // Parsed when the config was loaded (config/resource_limits.h): nothing to refuse here.
  std::optional<IntegerProperty> limits[] = {
      req.memory_max ? std::optional(MemoryMaxProperty(*req.memory_max)) : std::nullopt,
      req.cpu_quota ? std::optional(CpuQuotaProperty(*req.cpu_quota)) : std::nullopt};
  for (const std::optional<IntegerProperty>& limit : limits) {
    if (!limit) continue;
    const char signature[] = {limit->type, '\0'};
    if ((r = AppendProperty(m, limit->name, signature, [&](sd_bus_message* x) {
           return limit->type == 'u'
                      ? sd_bus_message_append(x, "u", static_cast<uint32_t>(limit->value))
                      : sd_bus_message_append(x, "t", limit->value);
         })) < 0)
      return r;
  }
  return 0;
}

std::string Errno(int r) { return std::strerror(r < 0 ? -r : r); }

std::string Millis(uint64_t micros) { return std::to_string(micros / 1000) + " ms"; }

}  // namespace

SystemdLauncher::~SystemdLauncher() { Drop(); }

void SystemdLauncher::Drop() {
  if (bus_) bus_ = sd_bus_close_unref(bus_);
}

Status SystemdLauncher::Connect(Deadline deadline) {
  if (bus_ && sd_bus_is_open(bus_) <= 0) Drop();
  return ConnectToSystemd(bus_, deadline);
}

Status SystemdLauncher::Start(const LaunchRequest& request, Deadline deadline) {
  if (request.argv.empty() || request.argv.front().empty() || request.argv.front()[0] != '/') {
    return Error{Errc::kInvalidInput, "handler command must start with an absolute path"};
  }
  // systemd would take the unit and then fail it at step USER, its result recorder too:
  // the result would be lost. A failed lookup is no answer; systemd decides then.
  if (!request.user.empty()) {
    Expected<bool> known = HostUserExists(request.user);
    if (known.ok() && !known.value()) {
      return Error{Errc::kInvalidInput, "User=" + request.user + " does not exist on this host"};
    }
  }
  if (Status connected = Connect(deadline); !connected.ok()) {
    // Nothing was sent: whatever the reason, systemd will not start this unit.
    return Error{Errc::kUnavailable, connected.error().message + "; the start was not sent"};
  }

  sd_bus_message* m = nullptr;
  int r = sd_bus_message_new_method_call(bus_, &m, "org.freedesktop.systemd1",
                                         "/org/freedesktop/systemd1",
                                         "org.freedesktop.systemd1.Manager", "StartTransientUnit");
  if (r >= 0) r = sd_bus_message_append(m, "ss", request.unit_name.c_str(), "fail");
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(sv)");
  if (r >= 0) r = AppendProperties(m, request);
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r >= 0) r = sd_bus_message_append(m, "a(sa(sv))", 0);
  if (r < 0) {
    sd_bus_message_unref(m);
    return Error{Errc::kInvalidInput,
                 "cannot build the start request for " + request.unit_name + ": " + Errno(r)};
  }
  return Call(m, request.unit_name, deadline);
}

Status SystemdLauncher::Call(sd_bus_message* m, const std::string& unit_name, Deadline deadline) {
  const uint64_t left = MicrosUntil(deadline);
  if (left == 0) {
    sd_bus_message_unref(m);
    return Error{Errc::kUnavailable, "no time left to ask systemd about " + unit_name};
  }
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  int r = sd_bus_call(bus_, m, left, &error, &reply);
  sd_bus_message_unref(m);
  sd_bus_message_unref(reply);
  if (r >= 0) {
    sd_bus_error_free(&error);
    return Ok();
  }
  std::string name = error.name ? error.name : "";
  std::string message = error.message ? error.message : Errno(r);
  sd_bus_error_free(&error);
  if (r == -ETIMEDOUT || name == "org.freedesktop.DBus.Error.NoReply") {
    // The request was sent: systemd may act on it once it runs again. A reply that
    // comes later must not be taken for the next call's, so the connection goes.
    Drop();
    return Error{Errc::kTimedOut,
                 "systemd did not answer about " + unit_name + " within " + Millis(left)};
  }
  if (name == "org.freedesktop.systemd1.UnitExists") return Error{Errc::kConflict, message};
  if (name == "org.freedesktop.systemd1.NoSuchUnit") return Error{Errc::kNotFound, message};
  if (name == "org.freedesktop.DBus.Error.InvalidArgs") return Error{Errc::kInvalidInput, message};
  if (name.rfind("org.freedesktop.systemd1.", 0) != 0) Drop();  // not systemd's own answer
  return Error{Errc::kUnavailable, "systemd refused " + unit_name + ": " + message};
}

Status SystemdLauncher::StartTimer(const std::string& timer_name, Duration after_inactive,
                                   Deadline deadline) {
  if (Status connected = Connect(deadline); !connected.ok()) return connected;
  const auto usec = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(after_inactive).count());
  const std::string description = "self-heal: " + timer_name;
  sd_bus_message* m = nullptr;
  int r = sd_bus_message_new_method_call(bus_, &m, "org.freedesktop.systemd1",
                                         "/org/freedesktop/systemd1",
                                         "org.freedesktop.systemd1.Manager", "StartTransientUnit");
  if (r >= 0) r = sd_bus_message_append(m, "ss", timer_name.c_str(), "fail");
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(sv)");
  if (r >= 0) {
    r = AppendProperty(m, "Description", "s", [&](sd_bus_message* x) {
      return sd_bus_message_append(x, "s", description.c_str());
    });
  }
  if (r >= 0) {
    r = AppendProperty(m, "TimersMonotonic", "a(st)", [&](sd_bus_message* x) {
      return sd_bus_message_append(x, "a(st)", 1, "OnUnitInactiveSec", usec);
    });
  }
  // Seconds matter here (an interval may be 5 s), not the default minute of slack.
  if (r >= 0) {
    r = AppendProperty(m, "AccuracyUSec", "t", [](sd_bus_message* x) {
      return sd_bus_message_append(x, "t", static_cast<uint64_t>(1000 * 1000));
    });
  }
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r >= 0) r = sd_bus_message_append(m, "a(sa(sv))", 0);
  if (r < 0) {
    sd_bus_message_unref(m);
    return Error{Errc::kInvalidInput,
                 "cannot build the start request for " + timer_name + ": " + Errno(r)};
  }
  return Call(m, timer_name, deadline);
}

Status SystemdLauncher::Stop(const std::string& unit_name, Deadline deadline) {
  if (Status connected = Connect(deadline); !connected.ok()) return connected;
  sd_bus_message* m = nullptr;
  int r = sd_bus_message_new_method_call(bus_, &m, "org.freedesktop.systemd1",
                                         "/org/freedesktop/systemd1",
                                         "org.freedesktop.systemd1.Manager", "StopUnit");
  if (r >= 0) r = sd_bus_message_append(m, "ss", unit_name.c_str(), "replace");
  if (r < 0) {
    sd_bus_message_unref(m);
    return Error{Errc::kInvalidInput,
                 "cannot build the stop request for " + unit_name + ": " + Errno(r)};
  }
  return Call(m, unit_name, deadline);
}

Expected<bool> SystemdLauncher::Exists(const std::string& unit_name, Deadline deadline) {
  if (Status connected = Connect(deadline); !connected.ok()) return connected.error();
  sd_bus_message* m = nullptr;
  int r = sd_bus_message_new_method_call(bus_, &m, "org.freedesktop.systemd1",
                                         "/org/freedesktop/systemd1",
                                         "org.freedesktop.systemd1.Manager", "GetUnit");
  if (r >= 0) r = sd_bus_message_append(m, "s", unit_name.c_str());
  if (r < 0) {
    sd_bus_message_unref(m);
    return Error{Errc::kInternal, "cannot build the question about " + unit_name + ": " + Errno(r)};
  }
  Status asked = Call(m, unit_name, deadline);
  if (asked.ok()) return true;
  if (asked.error().code == Errc::kNotFound) return false;
  if (asked.error().code == Errc::kTimedOut) return asked.error();
  return Error{Errc::kUnavailable,
               "cannot ask systemd about " + unit_name + ": " + asked.error().message};
}

}  // namespace selfheal
