// Implementation notes: simulate runs the same parse and Decide as serve, against a
// MemoryStore, so it writes nothing, launches nothing and journals nothing. The alerts
// of one payload are decided in order against that store, so a payload holding the
// same alert twice shows the second as a duplicate, as serve would.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "alert/webhook_parser.h"
#include "cli/commands.h"
#include "common/text.h"
#include "config/config_loader.h"
#include "launch/launch_request.h"
#include "policy/decide.h"
#include "state/memory_store.h"

namespace selfheal {

namespace {

bool ReadInput(const std::string& path, std::string* out) {
  if (path == "-") {
    out->assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

void PrintJson(const Alert& alert, const Decision& d, const LaunchRequest* launch,
               const std::vector<EnvironmentCollision>& collisions) {
  std::string out = "{\"alertname\":";
  AppendJsonString(out, alert.alertname());
  out += ",\"instance\":";
  AppendJsonString(out, alert.instance());
  out += ",\"fingerprint\":";
  AppendJsonString(out, alert.fingerprint);
  out += ",\"status\":";
  AppendJsonString(out, AlertStatusName(alert.status));
  out += ",\"decision\":";
  AppendJsonString(out, VerdictName(d.verdict));
  out += ",\"reason\":";
  AppendJsonString(out, d.reason);
  out += ",\"handler\":";
  if (d.handler)
    AppendJsonString(out, d.handler->name);
  else
    out += "null";
  if (d.attempt > 0) out += ",\"attempt\":" + std::to_string(d.attempt);
  if (launch) {
    out += ",\"unit\":";
    AppendJsonString(out, launch->unit_name);
    out += ",\"user\":";
    AppendJsonString(out, launch->user);
    out +=
        ",\"timeout_sec\":" +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(launch->timeout).count());
    out += ",\"argv\":[";
    for (size_t i = 0; i < launch->argv.size(); ++i) {
      if (i) out += ',';
      AppendJsonString(out, launch->argv[i]);
    }
    out += "],\"environment\":{";
    for (size_t i = 0; i < launch->environment.size(); ++i) {
      if (i) out += ',';
      AppendJsonString(out, launch->environment[i].first);
      out += ':';
      AppendJsonString(out, launch->environment[i].second);
    }
    out += "},\"environment_collisions\":[";
    for (size_t i = 0; i < collisions.size(); ++i) {
      if (i) out += ',';
      out += "{\"variable\":";
      AppendJsonString(out, collisions[i].variable);
      out += ",\"names\":[";
      for (size_t j = 0; j < collisions[i].names.size(); ++j) {
        if (j) out += ',';
        AppendJsonString(out, collisions[i].names[j]);
      }
      out += "],\"set_from\":";
      if (collisions[i].set_from.empty())
        out += "null";
      else
        AppendJsonString(out, collisions[i].set_from);
      out += "}";
    }
    out += "]";
  }
  out += "}\n";
  std::fputs(out.c_str(), stdout);
}

void PrintText(const Alert& alert, const Decision& d, const LaunchRequest* launch,
               const std::vector<EnvironmentCollision>& collisions) {
  std::printf("%s on '%s' (%s, fingerprint %s): %s\n", EscapeForLog(alert.alertname(), 80).c_str(),
              EscapeForLog(alert.instance(), 80).c_str(), AlertStatusName(alert.status),
              alert.fingerprint.c_str(), std::string(VerdictName(d.verdict)).c_str());
  std::printf("  why:     %s\n", d.reason.c_str());
  if (d.handler)
    std::printf("  handler: %s (%s)\n", d.handler->name.c_str(), d.handler->source_file.c_str());
  if (!launch) return;
  std::printf("  unit:    %s\n  user:    %s\n  timeout: %s\n  command:", launch->unit_name.c_str(),
              launch->user.c_str(), FormatTimespan(launch->timeout).c_str());
  for (const std::string& arg : launch->argv) std::printf(" %s", EscapeForLog(arg, 200).c_str());
  std::printf("\n  environment:\n");
  for (const auto& [name, value] : launch->environment) {
    std::printf("    %s=%s\n", name.c_str(), EscapeForLog(value, 120).c_str());
  }
  for (const EnvironmentCollision& c : collisions) {
    std::printf("  warning: %s\n", DescribeCollision(c).c_str());
  }
}

}  // namespace

int RunSimulate(const Args& args) {
  if (args.positional.size() != 1) {
    std::fprintf(stderr, "usage: self-heal simulate [--json] [--config-dir DIR] FILE|-\n");
    return 2;
  }
  LoadedConfig loaded = LoadConfig(args.config_dir);
  for (const ConfigError& error : loaded.errors) {
    std::fprintf(stderr, "%s\n", FormatConfigError(error).c_str());
  }
  if (!loaded.ok()) return 1;
  std::string body;
  if (!ReadInput(args.positional[0], &body)) {
    std::fprintf(stderr, "self-heal simulate: cannot read '%s'\n", args.positional[0].c_str());
    return 1;
  }
  Expected<Webhook> webhook = ParseWebhook(body);
  if (!webhook.ok()) {
    std::fprintf(stderr, "self-heal simulate: the payload would be rejected with 400: %s\n",
                 webhook.error().message.c_str());
    return 1;
  }
  MemoryStore store;
  SystemClock clock;
  for (const Alert& alert : webhook.value().alerts) {
    TimePoint now = clock.Now();
    Expected<History> history =
        store.LoadHistory(alert, CandidateHandlers(alert, loaded.config), now);
    Decision d = Decide(alert, loaded.config, history.ok() ? history.value() : History{}, now);
    (void)store.Record(alert, d, now, /*escalation=*/nullptr);  // MemoryStore keeps no outbox
    std::optional<LaunchRequest> launch;
    std::vector<EnvironmentCollision> collisions;
    if (d.verdict == Verdict::kLaunch || d.verdict == Verdict::kDryRun) {
      launch = BuildLaunchRequest(alert, *d.handler, d.attempt);
      collisions = EnvironmentCollisions(alert, *d.handler);
    }
    if (args.json)
      PrintJson(alert, d, launch ? &*launch : nullptr, collisions);
    else
      PrintText(alert, d, launch ? &*launch : nullptr, collisions);
  }
  return 0;
}

}  // namespace selfheal
