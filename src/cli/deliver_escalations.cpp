// Implementation notes: /usr/lib/self-heal/deliver-escalations is the program of
// self-heal-escalations.service, which self-heal-escalations.path starts whenever
// <state>/escalations-due exists (escalate/wake.h). It is the only self-heal process
// that speaks to the network, so the webhook receiver runs with PrivateNetwork=yes.
// It removes the wake-up file, then works the outbox (DeliverDue: Alertmanager and
// EscalateExec=, each retried with backoff) and the delivered escalations still active
// (RefreshActive: re-sent while their breaker is open, resolved once it closed), and
// exits once nothing is left to deliver; while something waits it stays up, looking
// at the wake-up file every second so that a new escalation is not held behind an old
// one's backoff. While an escalation is active it leaves the transient timer
// self-heal-escalations.timer behind, which starts it again one ResendIntervalSec=
// after it exits: a re-send costs a process start, not a resident process.
#include <signal.h>
#include <syslog.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "cli/commands.h"
#include "config/config_loader.h"
#include "escalate/alertmanager_client.h"
#include "escalate/escalation_command.h"
#include "escalate/outbox.h"
#include "escalate/refresh.h"
#include "escalate/wake.h"
#include "journal/sinks.h"
#include "launch/systemd_launcher.h"
#include "metrics/publish.h"
#include "state/sqlite_store.h"

namespace selfheal {

namespace {

constexpr Duration kLookEvery = std::chrono::seconds(1);
// Its service is this program's, self-heal-escalations.service (same name).
constexpr const char* kResendTimer = "self-heal-escalations.timer";

AuditEvent DeliveryError(std::string message) {
  AuditEvent e{EventType::kEscalation, LOG_ERR, std::move(message), {}};
  e.fields.emplace_back("REASON", e.message);
  return e;
}

// Arms the re-send timer while an escalation is active, removes it once none is; the
// marker file says the same to the next boot.
void KeepRefreshing(SystemdLauncher& systemd, const std::string& marker, bool active,
                    Duration interval, JournalSink& journal) {
  if (Status marked = SetFlagFile(marker, active); !marked.ok()) {
    AuditEvent e = DeliveryError(marked.error().message +
                                 (active ? "; after a reboot, active escalations are re-sent "
                                           "only at the next delivery."
                                         : "; the deliverer starts at boot for nothing."));
    e.priority = LOG_WARNING;
    journal.Write(e);
  }
  if (active) {
    Status armed = systemd.StartTimer(kResendTimer, interval, DeadlineIn(kSystemdPatience));
    if (armed.ok() || armed.error().code == Errc::kConflict) return;  // armed before
    journal.Write(DeliveryError("Failed to start " + std::string(kResendTimer) + ": " +
                                armed.error().message +
                                "; active escalations are re-sent only at the next delivery."));
    return;
  }
  Status stopped = systemd.Stop(kResendTimer, DeadlineIn(kSystemdPatience));
  if (stopped.ok() || stopped.error().code == Errc::kNotFound) return;
  AuditEvent e = DeliveryError("Failed to stop " + std::string(kResendTimer) + ": " +
                               stopped.error().message + "; it starts the deliverer for nothing.");
  e.priority = LOG_WARNING;
  journal.Write(e);
}

}  // namespace

int RunDeliverEscalations(const Args& args) {
  JournalSink& journal = DefaultJournalSink();
  const std::string wake = DeliveryRequestPath(args.state_dir);
  LoadedConfig loaded = LoadConfig(args.config_dir);
  if (!loaded.ok()) {
    for (const ConfigError& error : loaded.errors) {
      journal.Write(AuditEvent{EventType::kConfigInvalid,
                               LOG_ERR,
                               FormatConfigError(error),
                               {{"REASON", FormatConfigError(error)}}});
    }
    // Removing the wake-up file stops systemd from restarting us into the same error;
    // `serve` wakes us again at its next start, which needs a valid config too.
    (void)ClearDeliveryRequest(wake);
    journal.Write(DeliveryError("Escalations stay queued: " + std::to_string(loaded.errors.size()) +
                                " configuration error(s) in " + args.config_dir +
                                "; run 'self-heal check'."));
    return 1;
  }
  const ServerConfig& server = loaded.config.server;

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  SystemClock clock;
  std::vector<AlertmanagerClient> alertmanagers(server.alertmanager_urls.begin(),
                                                server.alertmanager_urls.end());
  std::vector<std::function<Status(const std::string&)>> posts;
  posts.reserve(alertmanagers.size());
  for (const AlertmanagerClient& alertmanager : alertmanagers) {
    posts.emplace_back(
        [&alertmanager](const std::string& body) { return alertmanager.Post(body); });
  }
  SystemdLauncher systemd;
  std::function<Status(const Escalation&)> start_command;
  if (!server.escalate_exec.empty()) {
    start_command = [&](const Escalation& e) {
      return systemd.Start(BuildEscalationCommand(e, server.escalate_exec),
                           DeadlineIn(kSystemdPatience));
    };
  }
  // A round that failed for one Alertmanager is retried for all: those that took it
  // already merge the identical alert again.
  const Duration interval = server.resend_interval;
  auto post = [&](const Escalation& e) {
    return PostToEach(posts, FiringBody(e, clock.Now(), interval));
  };
  auto post_body = [&](const std::string& body) { return PostToEach(posts, body); };

  std::unique_ptr<SqliteStore> store;
  int store_failures = 0;
  std::optional<TimePoint> next_due;
  std::optional<TimePoint> next_round;  // of the refresh, while an escalation is active
  for (;;) {
    // A file that cannot be removed must not wake us in a loop: then only the
    // backoff does.
    Status cleared = ClearDeliveryRequest(wake);
    if (!cleared.ok()) {
      journal.Write(DeliveryError("Failed to clear the wake-up file: " + cleared.error().message));
    }
    TimePoint now = clock.Now();
    if (!store) {
      auto opened = SqliteStore::Open(args.state_dir);
      if (opened.ok()) {
        store = std::move(opened).value();
        store_failures = 0;
      } else {
        Duration wait = Backoff(++store_failures);
        journal.Write(DeliveryError(
            "Failed to open the state store to deliver escalations: " + opened.error().message +
            ", retrying in " + FormatTimespan(wait) + "."));
        next_due = now + wait;
      }
    }
    if (store) {
      next_due = DeliverDue(*store, post, journal, now, start_command).next_due;
      next_round = RefreshActive(*store, post_body, journal, clock.Now(), interval).next_round;
      PublishMetrics(*store, server.metrics_textfile, clock.Now(), journal);
    }
    if (!next_due) {
      KeepRefreshing(systemd, ActiveEscalationsPath(args.state_dir), next_round.has_value(),
                     interval, journal);
      return 0;
    }

    // Sleep until the next escalation or refresh is due, a new escalation is queued,
    // or we are stopped.
    const TimePoint wake_at = next_round ? std::min(*next_due, *next_round) : *next_due;
    for (;;) {
      now = clock.Now();
      if (now >= wake_at || (cleared.ok() && DeliveryRequested(wake))) break;
      Duration nap = std::min<Duration>(wake_at - now, kLookEvery);
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(nap).count();
      timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
      if (sigtimedwait(&stop_signals, nullptr, &ts) > 0) {
        // Something is still waiting: leave the wake-up file so that the next start
        // (the path unit, or the next boot) picks it up.
        (void)RequestDelivery(wake);
        return 0;
      }
    }
  }
}

}  // namespace selfheal
