#include <cstdio>

#include "cli/commands.h"
#include "config/config_loader.h"

namespace selfheal {

// Like `promtool check config`: every problem as FILE:LINE: message, exit 1 if any.
int RunCheck(const Args& args) {
  LoadedConfig loaded = LoadConfig(args.config_dir);
  for (const ConfigError& error : loaded.errors) {
    std::fprintf(stderr, "%s\n", FormatConfigError(error).c_str());
  }
  if (!loaded.ok()) {
    std::fprintf(stderr, "%zu error(s) in %s\n", loaded.errors.size(), args.config_dir.c_str());
    return 1;
  }
  const Config& config = loaded.config;
  std::printf("%s: OK, %zu handler(s)\n", args.config_dir.c_str(), config.handlers.size());
  for (const HandlerConfig& h : config.handlers) {
    std::printf("  %-24s AlertName=%s, %zu instance(s), %s, MaxAttempts=%d within %s\n",
                h.name.c_str(), h.alertname.c_str(), h.instances.size(),
                h.mode == HandlerMode::kDryRun ? "dry-run" : "run", h.max_attempts,
                FormatTimespan(h.window).c_str());
  }
  return 0;
}

}  // namespace selfheal
