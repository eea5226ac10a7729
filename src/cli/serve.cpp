// Implementation notes: the main thread only waits — for SIGTERM/SIGINT or for the
// idle timeout — while libmicrohttpd's one internal thread runs every request. The
// signals are blocked before that thread starts so that only sigtimedwait() here
// sees them. On the way out the server is quiesced: connections still queued on the
// socket stay with systemd, which starts us again for them (Accept=no).
//
// SIGHUP (ExecReload=, after `self-heal check`) reloads the configuration on this
// thread; the request thread picks the new one up at its next request (an atomic
// pointer), so a request is decided with one config from start to end. Every config
// applied stays allocated until exit: a request may still hold the previous one, and
// a serve lives minutes, its reloads are few.
#include <signal.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdio>
#include <ctime>
#include <list>

#include "cli/commands.h"
#include "config/config_loader.h"
#include "escalate/wake.h"
#include "http/server.h"
#include "journal/sinks.h"
#include "launch/systemd_launcher.h"
#include "metrics/event_counts.h"
#include "serve/aftermath.h"
#include "serve/reload.h"
#include "serve/webhook_service.h"
#include "state/sqlite_store.h"

namespace selfheal {

namespace {

AuditEvent Lifecycle(EventType type, int priority, std::string message, std::string reason = {}) {
  AuditEvent e{type, priority, std::move(message), {}};
  if (!reason.empty()) e.fields.emplace_back("REASON", std::move(reason));
  return e;
}

// The listening socket: exactly one TCP stream socket from systemd, else --listen.
Expected<int> TakeListenSocket(const Args& args) {
  int n = sd_listen_fds(1);
  if (n < 0) return Error{Errc::kInternal, "sd_listen_fds failed: " + std::to_string(-n)};
  if (n == 0) {
    if (args.listen.empty()) {
      return Error{Errc::kInvalidInput,
                   "no socket from systemd (LISTEN_FDS unset) and no --listen ADDRESS:PORT"};
    }
    int port = 0;
    return BindListen(args.listen, &port);
  }
  if (n != 1) {
    return Error{Errc::kInvalidInput,
                 "systemd passed " + std::to_string(n) +
                     " sockets; self-heal.socket must have exactly one ListenStream="};
  }
  int fd = SD_LISTEN_FDS_START;
  if (sd_is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1, 0) <= 0) {
    return Error{Errc::kInvalidInput,
                 "the socket from systemd is not a listening TCP stream socket (ListenStream= with "
                 "an IP address and port)"};
  }
  if (!args.listen.empty()) {
    std::fprintf(stderr, "self-heal serve: --listen ignored, using the socket from systemd\n");
  }
  return fd;
}

// The absolute path of this binary, for the handler units' ExecStopPost=.
std::string SelfPath() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "/usr/bin/self-heal";
  return std::string(buf, static_cast<size_t>(n));
}

int Fatal(JournalSink& journal, EventType type, const std::string& message) {
  journal.Write(Lifecycle(type, LOG_ERR, "self-heal serve cannot start: " + message, message));
  sd_notifyf(0, "STATUS=Failed: %s", message.c_str());
  return 1;
}

// `systemctl reload`: tells systemd while it reloads, applies the config whole or
// keeps the running one, and journals which. Returns the config now in force.
const Config* Reload(const Args& args, const Config& running, std::list<Config>& applied,
                     WebhookService& service, Aftermath& aftermath, JournalSink& journal) {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=Reloading %s",
             static_cast<unsigned long long>(now.tv_sec) * 1000000ULL +
                 static_cast<unsigned long long>(now.tv_nsec / 1000),
             args.config_dir.c_str());
  LoadedConfig loaded = LoadConfig(args.config_dir);
  ReloadVerdict verdict = JudgeReload(running, loaded, args.config_dir);
  for (const AuditEvent& e : verdict.events) journal.Write(e);
  const Config* current = &running;
  if (verdict.apply) {
    applied.push_back(std::move(loaded.config));
    current = &applied.back();
    service.UseConfig(*current);
    aftermath.UseServerConfig(current->server);
  }
  sd_notifyf(0, "READY=1\nSTATUS=%s", verdict.status.c_str());
  return current;
}

}  // namespace

int RunServe(const Args& args) {
  // Every entry serve journals passes through the counters of the metrics
  // (metrics/event_counts.h), whichever thread or layer writes it.
  CountingJournal counting(DefaultJournalSink());
  JournalSink& journal = counting;
  LoadedConfig loaded = LoadConfig(args.config_dir);
  if (!loaded.ok()) {
    for (const ConfigError& error : loaded.errors) {
      journal.Write(Lifecycle(EventType::kConfigInvalid, LOG_ERR, FormatConfigError(error),
                              FormatConfigError(error)));
    }
    return Fatal(journal, EventType::kConfigInvalid,
                 std::to_string(loaded.errors.size()) + " configuration error(s) in " +
                     args.config_dir + "; run 'self-heal check'");
  }
  const Config& config = loaded.config;

  ServerOptions options;
  options.webhook_path = config.server.webhook_path;
  options.max_body_bytes = config.server.max_body_bytes;
  options.max_connections = config.server.max_connections;
  options.request_timeout = config.server.request_timeout;
  options.auth = config.server.auth;
  options.auth_user = config.server.auth_user;
  if (config.server.auth != AuthKind::kNone) {
    SecretResult secret = ReadAuthSecret(config.server);
    if (!secret.error.empty()) return Fatal(journal, EventType::kConfigInvalid, secret.error);
    options.auth_secret = std::move(secret.secret);
  }

  bool from_systemd = sd_listen_fds(0) > 0;  // before TakeListenSocket unsets LISTEN_FDS
  Expected<int> fd = TakeListenSocket(args);
  if (!fd.ok()) return Fatal(journal, EventType::kServeStopped, fd.error().message);

  ::signal(SIGPIPE, SIG_IGN);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);  // reload, never a stop: see Reload()
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Two connections to the store: one for the request thread, one for this thread's
  // aftermath work (metrics, the start-up wake-up), so neither waits on the other's
  // statements. Escalations are queued by the request thread's own transactions.
  // A store that cannot be opened does not stop serve: dying at each start would turn
  // a fault into a failed socket (the start limit); requests get 503 with the cause,
  // and the store is opened again at each use until the fault is cleared.
  SqliteStore::Deferred request_store = SqliteStore::OpenOrRetry(args.state_dir);
  if (request_store.error) {
    journal.Write(Lifecycle(EventType::kStoreError, LOG_ERR,
                            "The state store cannot be opened: " + request_store.error->message +
                                "; webhooks are answered 503 until it can (every request "
                                "tries again).",
                            request_store.error->message));
  }
  SystemdLauncher launcher;
  std::atomic<bool> state_changed{true};

  SystemClock clock;
  WebhookService service(config, *request_store.store, &launcher, journal, clock);
  service.SetResultRecorder({SelfPath(), "record-result", "--config-dir", args.config_dir,
                             "--state-dir", args.state_dir});
  service.SetResultStore(request_store.store.get());
  service.SetDeliveryWake(DeliveryRequestPath(args.state_dir));
  service.SetOnStateChanged([&] { state_changed = true; });
  auto server = HttpServer::Start(
      fd.value(), options, [&](const WebhookRequest& r) { return service.Handle(r); }, journal);
  if (!server.ok()) return Fatal(journal, EventType::kServeStopped, server.error().message);

  journal.Write(Lifecycle(EventType::kServeStarted, LOG_INFO,
                          "self-heal serve is answering webhooks on " +
                              std::string(from_systemd ? "the socket from systemd" : args.listen) +
                              " with " + std::to_string(config.handlers.size()) + " handler(s)."));
  sd_notifyf(0, "READY=1\nSTATUS=Answering webhooks, %zu handler(s)", config.handlers.size());
  // Opened once the server answers: the first request does not wait for a second open.
  SqliteStore::Deferred aftermath_store = SqliteStore::OpenOrRetry(args.state_dir);
  Aftermath aftermath(*aftermath_store.store, *aftermath_store.store, config.server, journal,
                      DeliveryRequestPath(args.state_dir));
  // Off the first request's path: escalations queued while nobody could wake their
  // deliverer (a broken config, an upgrade) are handed over once per start.
  aftermath.WakeIfPending();

  const Config* current = &config;
  std::list<Config> applied;
  std::string why;
  const timespec tick{0, 100 * 1000 * 1000};
  // The event counters are stored at most once a second: one transaction for many
  // requests, not one each (performance matters on the request path's store).
  TimePoint last_flush = clock.Now();
  for (;;) {
    int sig = sigtimedwait(&stop_signals, nullptr, &tick);
    if (sig == SIGHUP) {
      current = Reload(args, *current, applied, service, aftermath, journal);
      state_changed = true;
      continue;
    }
    if (sig > 0) {
      why = std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
    const TimePoint now = clock.Now();
    if (now - last_flush >= std::chrono::seconds(1)) {
      last_flush = now;
      if (aftermath.FlushCounts(counting)) state_changed = true;
    }
    if (state_changed.exchange(false)) aftermath.Publish(now);
    if (SqliteStore::IndexLost()) {
      why = "the state database's index was lost under it (SIGBUS on state.db-shm)";
      journal.Write(Lifecycle(EventType::kStoreError, LOG_ERR,
                              "The index of the state database, state.db-shm, was truncated or "
                              "could not be read under serve: the requests in flight were "
                              "answered 503 and nothing half-done was written; serve stops so "
                              "that the next start rebuilds the index from the WAL.",
                              why));
      break;
    }
    if (server.value()->IdleFor(current->server.idle_timeout)) {
      why = "idle for " + FormatTimespan(current->server.idle_timeout);
      break;
    }
  }
  sd_notifyf(0, "STOPPING=1\nSTATUS=Stopping: %s", why.c_str());
  server.value()->Quiesce(std::chrono::seconds(5));
  // Requests that finished during the quiesce may have changed state or counted
  // events: store and publish them before leaving.
  if (aftermath.FlushCounts(counting)) state_changed = true;
  if (state_changed) aftermath.Publish(clock.Now());
  journal.Write(
      Lifecycle(EventType::kServeStopped, LOG_INFO, "self-heal serve stopped: " + why + ".", why));
  // A lost index is a failure of this process, not of the service: the unit shows it,
  // and the socket starts a new serve at the next connection.
  return SqliteStore::IndexLost() ? 1 : 0;
}

}  // namespace selfheal
