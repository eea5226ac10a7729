// self-heal recover-socket [SPAN]: run by self-heal-recover.service, which
// self-heal.socket starts through OnFailure=. A socket fails when self-heal.service
// hit its start limit (it died at once after each start, a broken config or a crash
// burst) or the socket's own trigger limit: then nothing listens, and Alertmanager's
// webhooks are refused. This says so at err, with systemd's reasons, waits SPAN
// (default 30 s: a cause that persists costs one burst of starts per SPAN, never a
// busy loop) and puts the socket back, so bad luck is never an outage that lasts
// until an operator notices.
#include <syslog.h>

#include <ctime>
#include <string>

#include "cli/bus_handles.h"
#include "cli/commands.h"
#include "common/time.h"
#include "journal/sinks.h"
#include "launch/systemd_bus.h"

namespace selfheal {

namespace {

constexpr const char* kSocket = "self-heal.socket";
constexpr const char* kService = "self-heal.service";
constexpr uint64_t kCallTimeoutUsec = 5 * 1000 * 1000;  // systemd answers in ms; PID 1 may not

// systemd's Result= of `unit` ("service-start-limit-hit", "exit-code", …), or why not.
std::string ResultOf(sd_bus* b, const char* unit, const char* interface) {
  bus::BusError error;
  bus::Reply reply;
  int r = sd_bus_call_method(b, bus::kSystemd, bus::kManagerPath, bus::kManager, "LoadUnit",
                             &error.e, &reply.m, "s", unit);
  const char* path = nullptr;
  if (r >= 0) r = sd_bus_message_read(reply.m, "o", &path);
  if (r < 0 || path == nullptr) return "unknown (" + error.Text(r) + ")";
  char* result = nullptr;
  bus::BusError property_error;
  r = sd_bus_get_property_string(b, bus::kSystemd, path, interface, "Result", &property_error.e,
                                 &result);
  if (r < 0) return "unknown (" + property_error.Text(r) + ")";
  std::string out = result;
  free(result);  // NOLINT(cppcoreguidelines-no-malloc): sd-bus allocated it
  return out;
}

// Calls a Manager method taking (unit) or (unit, mode); "" on success, else why not.
std::string Manage(sd_bus* b, const char* method, const char* unit, const char* mode) {
  bus::BusError error;
  bus::Reply reply;
  sd_bus_message* m = nullptr;
  int r = sd_bus_message_new_method_call(b, &m, bus::kSystemd, bus::kManagerPath, bus::kManager,
                                         method);
  if (r >= 0)
    r = mode ? sd_bus_message_append(m, "ss", unit, mode) : sd_bus_message_append(m, "s", unit);
  if (r >= 0) r = sd_bus_call(b, m, kCallTimeoutUsec, &error.e, &reply.m);
  sd_bus_message_unref(m);
  return r < 0 ? std::string(method) + " " + unit + ": " + error.Text(r) : std::string();
}

AuditEvent SocketEvent(int priority, std::string message, const std::string& socket_result,
                       const std::string& service_result) {
  return AuditEvent{
      EventType::kSocketFailed,
      priority,
      std::move(message),
      {{"REASON", socket_result}, {"UNIT", kSocket}, {"SERVICE_RESULT", service_result}}};
}

}  // namespace

int RunRecoverSocket(const Args& args) {
  Duration after = std::chrono::seconds(30);
  if (!args.positional.empty()) {
    std::optional<Duration> span = ParseTimespan(args.positional.front());
    if (!span || args.positional.size() > 1) {
      std::fprintf(stderr, "usage: self-heal recover-socket [SPAN]\n");
      return 2;
    }
    after = *span;
  }
  JournalSink& journal = DefaultJournalSink();
  bus::Bus b;
  if (Status connected = ConnectToSystemd(b.bus, DeadlineIn(kCommandPatience)); !connected.ok()) {
    journal.Write(SocketEvent(LOG_ERR,
                              std::string(kSocket) +
                                  " failed, and systemd cannot be asked why "
                                  "nor told to listen again: " +
                                  connected.error().message,
                              "unknown", "unknown"));
    return 1;
  }
  const std::string socket_result = ResultOf(b.bus, kSocket, "org.freedesktop.systemd1.Socket");
  const std::string service_result = ResultOf(b.bus, kService, "org.freedesktop.systemd1.Service");
  journal.Write(SocketEvent(
      LOG_ERR,
      std::string(kSocket) + " failed (" + socket_result + "; " + kService + ": " + service_result +
          "): nothing accepts Alertmanager's webhooks. Listening again in " +
          FormatTimespan(after) + "; the cause is in 'journalctl -u " + kService + "'.",
      socket_result, service_result));
  const timespec wait{
      static_cast<time_t>(std::chrono::duration_cast<std::chrono::seconds>(after).count()), 0};
  nanosleep(&wait, nullptr);
  std::string why = Manage(b.bus, "ResetFailedUnit", kService, nullptr);
  if (why.empty()) why = Manage(b.bus, "ResetFailedUnit", kSocket, nullptr);
  if (why.empty()) why = Manage(b.bus, "StartUnit", kSocket, "replace");
  if (!why.empty()) {
    journal.Write(SocketEvent(LOG_ERR,
                              std::string(kSocket) + " could not be started again: " + why +
                                  ". Run: systemctl reset-failed " + kService + " " + kSocket +
                                  " && systemctl start " + kSocket,
                              socket_result, service_result));
    return 1;
  }
  journal.Write(SocketEvent(
      LOG_NOTICE, std::string(kSocket) + " listens again after it failed (" + socket_result + ").",
      socket_result, service_result));
  return 0;
}

}  // namespace selfheal
