// status, reset, pause, resume: the operator's view of and hand on the state store.
// Changes are journaled with the caller's uid (DESIGN.md "Modes an operator needs")
// and published to the metrics textfile at once.
#include <syslog.h>
#include <unistd.h>

#include <cstdio>

#include "cli/commands.h"
#include "common/text.h"
#include "config/config_loader.h"
#include "escalate/wake.h"
#include "journal/sinks.h"
#include "metrics/publish.h"
#include "state/sqlite_store.h"

namespace selfheal {

namespace {

Expected<std::unique_ptr<SqliteStore>> OpenStore(const Args& args, bool read_only) {
  auto store = SqliteStore::Open(args.state_dir, read_only);
  if (!store.ok()) {
    std::fprintf(stderr, "self-heal: cannot open the state in '%s': %s\n", args.state_dir.c_str(),
                 store.error().message.c_str());
  }
  return store;
}

void JournalAction(const std::string& action, const std::string& message,
                   std::vector<std::pair<std::string, std::string>> fields = {}) {
  AuditEvent e{EventType::kOperatorAction, LOG_NOTICE, message, std::move(fields)};
  e.fields.emplace_back("ACTION", action);
  e.fields.emplace_back("CALLER_UID", std::to_string(::getuid()));
  DefaultJournalSink().Write(e);
}

// A change by hand is a change of state like any other: the metrics must show it now,
// not when serve or a handler next runs (there may be no resident process at all). A
// broken config still publishes, to its TextfilePath= or the default.
void PublishAfterChange(const Args& args, SqliteStore& store) {
  LoadedConfig loaded = LoadConfig(args.config_dir);
  SystemClock clock;
  PublishMetrics(store, loaded.config.server.metrics_textfile, clock.Now(), DefaultJournalSink());
}

std::string OptionalTime(const std::optional<TimePoint>& t) { return t ? FormatRfc3339(*t) : "-"; }

}  // namespace

int RunStatus(const Args& args) {
  auto store = SqliteStore::Open(args.state_dir, /*read_only=*/true);
  if (!store.ok() && store.error().code == Errc::kNotFound) {
    // A fresh install: nothing has happened yet, which is a state like any other.
    if (!args.json) std::printf("No attempts recorded: self-heal has not handled an alert yet.\n");
    return 0;
  }
  if (!store.ok()) {
    std::fprintf(stderr, "self-heal status: cannot open the state in '%s': %s\n",
                 args.state_dir.c_str(), store.error().message.c_str());
    return 1;
  }
  SystemClock clock;
  auto rows = store.value()->ListStatus(clock.Now());
  auto pending = store.value()->PendingEscalations();
  if (!rows.ok() || !pending.ok()) {
    std::fprintf(stderr, "self-heal status: %s\n",
                 (!rows.ok() ? rows.error() : pending.error()).message.c_str());
    return 1;
  }
  if (args.json) {
    std::string out;
    for (const KeyStatus& k : rows.value()) {
      out = "{\"handler\":";
      AppendJsonString(out, k.handler);
      out += ",\"instance\":";
      AppendJsonString(out, k.instance);
      out += ",\"alertname\":";
      AppendJsonString(out, k.alertname);
      out += ",\"attempts_in_window\":" + std::to_string(k.attempts_in_window);
      out += std::string(",\"breaker\":\"") + (k.breaker_open ? "open" : "closed") + "\"";
      out += ",\"breaker_opened_at\":";
      if (k.breaker_opened_at)
        AppendJsonString(out, FormatRfc3339(*k.breaker_opened_at));
      else
        out += "null";
      out += ",\"last_result\":";
      AppendJsonString(out, k.last_result);
      out += ",\"last_time\":";
      if (k.last_time)
        AppendJsonString(out, FormatRfc3339(*k.last_time));
      else
        out += "null";
      out += ",\"running_unit\":";
      if (k.running_unit.empty())
        out += "null";
      else
        AppendJsonString(out, k.running_unit);
      out += ",\"verify_until\":";
      if (k.verify_until)
        AppendJsonString(out, FormatRfc3339(*k.verify_until));
      else
        out += "null";
      out += ",\"resolved_at\":";
      if (k.resolved_at)
        AppendJsonString(out, FormatRfc3339(*k.resolved_at));
      else
        out += "null";
      out += "}\n";
      std::fputs(out.c_str(), stdout);
    }
    return 0;
  }
  if (rows.value().empty())
    std::printf("No attempts recorded.\n");
  else
    std::printf("%-20s %-24s %-8s %-8s %-22s %-25s %-25s %s\n", "HANDLER", "INSTANCE", "ATTEMPTS",
                "BREAKER", "LAST RESULT", "LAST TIME", "RESOLVE BY", "RUNNING UNIT");
  for (const KeyStatus& k : rows.value()) {
    // An exit 0 is only the handler's word: say that the world has not answered yet.
    const bool awaiting = k.last_result == "done";
    const std::string result = awaiting                ? "done, awaiting resolve"
                               : k.last_result.empty() ? "-"
                                                       : k.last_result;
    const bool deadline = awaiting || k.last_result == "not-healed";
    std::printf("%-20s %-24s %-8d %-8s %-22s %-25s %-25s %s\n", k.handler.c_str(),
                EscapeForLog(k.instance, 24).c_str(), k.attempts_in_window,
                k.breaker_open ? "open" : "closed", result.c_str(),
                OptionalTime(k.last_time).c_str(),
                deadline ? OptionalTime(k.verify_until).c_str() : "-",
                k.running_unit.empty() ? "-" : k.running_unit.c_str());
  }
  if (!pending.value().empty()) {
    std::printf("\n%zu escalation(s) not yet delivered:\n", pending.value().size());
    for (const Escalation& e : pending.value()) {
      const char* left = !e.delivered && e.command_pending ? "Alertmanager and EscalateExec="
                         : !e.delivered                    ? "Alertmanager"
                                                           : "EscalateExec=";
      std::printf("  %s on '%s': waiting for %s, %d tries, next %s, last error: %s\n",
                  e.handler.c_str(), EscapeForLog(e.instance, 40).c_str(), left, e.tries,
                  FormatRfc3339(e.next_try).c_str(),
                  e.last_error.empty() ? "-" : EscapeForLog(e.last_error, 120).c_str());
    }
  }
  return 0;
}

int RunReset(const Args& args) {
  if (args.all == !args.positional.empty() || (!args.all && args.positional.size() != 2)) {
    std::fprintf(stderr, "usage: self-heal reset HANDLER INSTANCE | --all\n");
    return 2;
  }
  auto store = OpenStore(args, false);
  if (!store.ok()) return 1;
  Status done = args.all ? store.value()->ResetAll()
                         : store.value()->Reset({args.positional[0], args.positional[1]});
  if (!done.ok()) {
    std::fprintf(stderr, "self-heal reset: %s\n", done.error().message.c_str());
    return 1;
  }
  PublishAfterChange(args, *store.value());
  // The deliverer resolves the escalation of a breaker this closed now rather than
  // at its next re-send (escalate/refresh.h); if the wake-up fails, the re-send
  // timer still brings it within one ResendIntervalSec=.
  (void)RequestDelivery(DeliveryRequestPath(args.state_dir));
  if (args.all) {
    JournalAction("reset", "Reset every breaker and attempt budget.");
    std::printf("Reset every breaker and attempt budget.\n");
  } else {
    std::string what =
        "'" + args.positional[0] + "' on '" + EscapeForLog(args.positional[1], 80) + "'";
    JournalAction("reset", "Reset the breaker and attempt budget of " + what + ".",
                  {{"HANDLER", args.positional[0]}, {"INSTANCE", args.positional[1]}});
    std::printf("Reset the breaker and attempt budget of %s.\n", what.c_str());
  }
  return 0;
}

int RunPause(const Args& args) {
  std::optional<TimePoint> until = TimePoint::max();
  SystemClock clock;
  if (!args.pause_for.empty()) {
    auto span = ParseTimespan(args.pause_for);
    if (!span || span->count() <= 0) {
      std::fprintf(stderr, "self-heal pause: --for '%s' is not a time span like 30min or 2h\n",
                   args.pause_for.c_str());
      return 2;
    }
    until = clock.Now() + *span;
  }
  auto store = OpenStore(args, false);
  if (!store.ok()) return 1;
  if (Status s = store.value()->SetPausedUntil(until); !s.ok()) {
    std::fprintf(stderr, "self-heal pause: %s\n", s.error().message.c_str());
    return 1;
  }
  PublishAfterChange(args, *store.value());
  std::string message = args.pause_for.empty() ? "Paused until 'self-heal resume'."
                                               : "Paused until " + FormatRfc3339(*until) + ".";
  JournalAction("pause", message);
  std::printf("%s Alerts are still decided and journaled as 'paused'.\n", message.c_str());
  return 0;
}

int RunResume(const Args& args) {
  auto store = OpenStore(args, false);
  if (!store.ok()) return 1;
  if (Status s = store.value()->SetPausedUntil(std::nullopt); !s.ok()) {
    std::fprintf(stderr, "self-heal resume: %s\n", s.error().message.c_str());
    return 1;
  }
  PublishAfterChange(args, *store.value());
  JournalAction("resume", "Resumed healing.");
  std::printf("Resumed healing.\n");
  return 0;
}

}  // namespace selfheal
