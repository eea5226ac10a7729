// handlers.d/NAME.conf: which alerts a handler takes, what it runs, how often.
#include <algorithm>

#include "alert/escalation_alertname.h"
#include "config/config_files.h"
#include "config/handler_argv.h"
#include "config/key_table.h"
#include "config/resource_limits.h"
#include "config/values.h"

namespace selfheal {
namespace {

std::string AddInstances(std::string_view value, std::vector<std::string>* instances) {
  // The same word splitting as Exec=, so an instance with spaces can be quoted.
  auto words = SplitCommandLine(value);
  if (!words.ok()) return words.error().message;
  for (std::string& word : words.value()) {
    if (word.empty()) return "an instance cannot be empty";
  }
  for (std::string& word : words.value()) {
    if (std::find(instances->begin(), instances->end(), word) == instances->end()) {
      instances->push_back(std::move(word));
    }
  }
  return {};
}

std::string AddLabel(std::string_view value, std::vector<LabelMatcher>* labels) {
  size_t eq = value.find('=');
  std::string_view name = value.substr(0, eq);
  if (eq == std::string_view::npos || name.empty() ||
      name.find_first_of(" \t") != std::string_view::npos) {
    return "expected NAME=VALUE with a label name without spaces, such as Label=service=nginx";
  }
  labels->push_back({std::string(name), std::string(value.substr(eq + 1))});
  return {};
}

std::vector<KeyRule> HandlerRules(HandlerConfig& h) {
  const HandlerConfig d;
  return {
      {"Match", "AlertName",
       [&h](std::string_view v) -> std::string {
         if (v == kEscalationAlertName) {
           return "self-heal never acts on its own escalation alerts";
         }
         h.alertname = v;
         return {};
       },
       ResetTo(&h.alertname, d.alertname)},
      {"Match", "Instance", [&h](std::string_view v) { return AddInstances(v, &h.instances); },
       ResetTo(&h.instances, d.instances), /*list=*/true},
      {"Match", "Label", [&h](std::string_view v) { return AddLabel(v, &h.labels); },
       ResetTo(&h.labels, d.labels), /*list=*/true},
      {"Run", "Exec", SetExec(&h.exec), ResetTo(&h.exec, d.exec)},
      {"Run", "User",
       [&h](std::string_view v) -> std::string {
         if (!IsValidUserName(v)) {
           return "expected a user name matching [a-z_][a-z0-9_-]*[$]?, at most 32 characters";
         }
         h.user = v;
         return {};
       },
       ResetTo(&h.user, d.user)},
      {"Run", "TimeoutSec",
       SetTimespan(&h.timeout, Duration(1), "a time span greater than 0, such as 90s or 5min"),
       ResetTo(&h.timeout, d.timeout)},
      {"Run", "Mode",
       [&h](std::string_view v) -> std::string {
         if (v == "run") {
           h.mode = HandlerMode::kRun;
         } else if (v == "dry-run") {
           h.mode = HandlerMode::kDryRun;
         } else {
           return "expected run or dry-run";
         }
         return {};
       },
       ResetTo(&h.mode, d.mode)},
      {"Run", "MemoryMax",
       [&h](std::string_view v) -> std::string {
         Expected<MemoryMax> limit = ParseMemoryMax(v);
         if (!limit.ok()) return limit.error().message;
         h.memory_max = limit.value();
         return {};
       },
       ResetTo(&h.memory_max, d.memory_max)},
      {"Run", "CPUQuota",
       [&h](std::string_view v) -> std::string {
         Expected<CpuQuota> quota = ParseCpuQuota(v);
         if (!quota.ok()) return quota.error().message;
         h.cpu_quota = quota.value();
         return {};
       },
       ResetTo(&h.cpu_quota, d.cpu_quota)},
      {"Limit", "MaxAttempts",
       SetInteger(1, 100, [&h](int64_t n) { h.max_attempts = static_cast<int>(n); }),
       ResetTo(&h.max_attempts, d.max_attempts)},
      {"Limit", "Window",
       SetTimespan(&h.window, Duration(1), "a time span greater than 0, such as 30min or 4h"),
       ResetTo(&h.window, d.window)},
      {"Limit", "VerifySec",
       SetTimespan(&h.verify, Duration(1), "a time span greater than 0, such as 15min"),
       ResetTo(&h.verify, d.verify)},
  };
}

}  // namespace

std::vector<KeyRule> HandlerKeyRules(HandlerConfig* handler) { return HandlerRules(*handler); }

std::optional<LoadedHandler> BuildHandler(const std::string& file, const std::string& name,
                                          const IniDocument& doc,
                                          std::vector<ConfigError>* errors) {
  LoadedHandler loaded;
  HandlerConfig& h = loaded.config;
  h.name = name;
  h.source_file = file;
  size_t errors_before = errors->size();
  KeyLines lines = ApplyKeyRules(file, doc, HandlerRules(h), errors);
  if (h.alertname.empty() && !lines.Refused("AlertName")) {
    errors->push_back({file, lines.Section("Match"),
                       "Missing AlertName= in [Match]: a handler names the one alert it heals"});
  }
  if (h.instances.empty() && !lines.Refused("Instance")) {
    errors->push_back({file, lines.Section("Match"),
                       "Missing Instance= in [Match]: list the instances this handler may act "
                       "on (exact values of the alert's instance label)"});
  }
  if (h.exec.empty() && !lines.Refused("Exec")) {
    errors->push_back({file, lines.Section("Run"),
                       "Missing Exec= in [Run]: the absolute path of the program to run, "
                       "with its fixed arguments"});
  }
  if (errors->size() != errors_before) return std::nullopt;
  loaded.match_line = lines.Key("AlertName");
  return loaded;
}

}  // namespace selfheal
