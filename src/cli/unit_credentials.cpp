#include "cli/unit_credentials.h"

#include <algorithm>
#include <cstring>

#include "cli/bus_handles.h"
#include "launch/systemd_bus.h"

namespace selfheal {

namespace {

using bus::Bus;
using bus::BusError;
using bus::kSystemd;
using bus::Reply;

// Reads the IDs of an a(ss) (Load…) or a(say) (Set…) credential property.
int ReadIds(sd_bus* bus, const char* path, const char* property, bool set_form,
            std::vector<std::string>& out, std::string& why) {
  BusError error;
  Reply reply;
  int r = sd_bus_get_property(bus, kSystemd, path, "org.freedesktop.systemd1.Service", property,
                              &error.e, &reply.m, set_form ? "a(say)" : "a(ss)");
  if (r < 0) {
    why = std::string("reading ") + property + ": " + error.Text(r);
    return r;
  }
  r = sd_bus_message_enter_container(reply.m, 'a', set_form ? "(say)" : "(ss)");
  while (r >= 0 &&
         (r = sd_bus_message_enter_container(reply.m, 'r', set_form ? "say" : "ss")) > 0) {
    const char* id = nullptr;
    r = sd_bus_message_read(reply.m, "s", &id);
    if (r >= 0 && id) out.emplace_back(id);
    if (r >= 0) r = sd_bus_message_skip(reply.m, set_form ? "ay" : "s");
    if (r >= 0) r = sd_bus_message_exit_container(reply.m);
  }
  if (r < 0) why = std::string("parsing ") + property + ": " + std::strerror(-r);
  return r;
}

}  // namespace

Expected<UnitCredentials> QueryUnitCredentials(const std::string& unit) {
  Bus bus;
  if (Status connected = ConnectToSystemd(bus.bus, DeadlineIn(kCommandPatience)); !connected.ok()) {
    return connected.error();
  }
  BusError error;
  Reply reply;
  int r = sd_bus_call_method(bus.bus, kSystemd, "/org/freedesktop/systemd1",
                             "org.freedesktop.systemd1.Manager", "LoadUnit", &error.e, &reply.m,
                             "s", unit.c_str());
  const char* path = nullptr;
  if (r >= 0) r = sd_bus_message_read(reply.m, "o", &path);
  if (r < 0 || !path) {
    return Error{Errc::kUnavailable, "cannot ask systemd for " + unit + ": " + error.Text(r)};
  }
  UnitCredentials out;
  char* load_state = nullptr;
  BusError state_error;
  r = sd_bus_get_property_string(bus.bus, kSystemd, path, "org.freedesktop.systemd1.Unit",
                                 "LoadState", &state_error.e, &load_state);
  if (r < 0) {
    return Error{Errc::kUnavailable,
                 "cannot read LoadState of " + unit + ": " + state_error.Text(r)};
  }
  out.installed = std::strcmp(load_state, "not-found") != 0;
  free(load_state);  // NOLINT(cppcoreguidelines-no-malloc): sd-bus allocated it
  if (!out.installed) return out;
  int need_reload = 0;
  BusError reload_error;
  if (sd_bus_get_property_trivial(bus.bus, kSystemd, path, "org.freedesktop.systemd1.Unit",
                                  "NeedDaemonReload", &reload_error.e, 'b', &need_reload) >= 0) {
    out.need_daemon_reload = need_reload != 0;
  }
  uint64_t memory_max = 0;
  BusError memory_error;
  if (sd_bus_get_property_trivial(bus.bus, kSystemd, path, "org.freedesktop.systemd1.Service",
                                  "MemoryMax", &memory_error.e, 't', &memory_max) >= 0) {
    out.memory_max = memory_max;
  }
  std::string why;
  if (ReadIds(bus.bus, path, "LoadCredential", false, out.names, why) < 0 ||
      ReadIds(bus.bus, path, "SetCredential", true, out.names, why) < 0) {
    return Error{Errc::kUnavailable, "cannot read the credentials of " + unit + ": " + why};
  }
  // The Encrypted forms, where this systemd has them.
  (void)ReadIds(bus.bus, path, "LoadCredentialEncrypted", false, out.names, why);
  (void)ReadIds(bus.bus, path, "SetCredentialEncrypted", true, out.names, why);
  return out;
}

bool NamesCredential(const ServerConfig& server) {
  return server.auth != AuthKind::kNone && !server.auth_secret_file.empty() &&
         server.auth_secret_file.front() != '/';
}

std::optional<CredentialFinding> JudgeCredential(const ServerConfig& server,
                                                 const std::string& config_file,
                                                 const Expected<UnitCredentials>& unit) {
  if (!NamesCredential(server)) return std::nullopt;
  const std::string& name = server.auth_secret_file;
  std::string what = config_file + ": AuthSecretFile=" + name + " names a credential";
  if (!unit.ok()) {
    return CredentialFinding{false, "note: " + what + "; cannot verify that " + kServiceUnit +
                                        " passes it (" + unit.error().message + ")"};
  }
  if (!unit.value().installed) {
    return CredentialFinding{
        false, "note: " + what + "; cannot verify it: " + kServiceUnit + " is not installed"};
  }
  const std::vector<std::string>& names = unit.value().names;
  if (std::find(names.begin(), names.end(), name) != names.end()) return std::nullopt;
  std::string message =
      what + ", but " + kServiceUnit + " has no LoadCredential=" + name +
      ":PATH (nor SetCredential=) for it: every start of serve would fail. Install the "
      "drop-in (/usr/share/doc/self-heal/examples/self-heal.service.d-auth.conf.example) "
      "and run 'systemctl daemon-reload'";
  if (unit.value().need_daemon_reload) {
    message += " (the unit's files changed since systemd loaded them: a daemon-reload is due)";
  }
  return CredentialFinding{true, message};
}

}  // namespace selfheal
