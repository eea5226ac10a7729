#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "cli/handler_users.h"
#include "cli/unit_credentials.h"
#include "cli/unit_memory.h"
#include "config/config_loader.h"
#include "launch/host_user.h"

namespace selfheal {

namespace {

// Prints a finding; false when it is an error.
bool Report(const std::optional<CredentialFinding>& finding) {
  if (!finding) return true;
  std::fprintf(stderr, "%s\n", finding->message.c_str());
  return !finding->error;
}

// What would make `serve` fail at start beyond the files themselves: the auth secret.
// Inside the unit (ExecReload=, $CREDENTIALS_DIRECTORY set) the secret is read as serve
// reads it; elsewhere a credential name is checked against what the unit passes (an
// absolute path is not read: check may run as a user who cannot).
bool SecretReachable(const Args& args, const ServerConfig& server,
                     const Expected<UnitCredentials>& unit) {
  if (server.auth == AuthKind::kNone) return true;
  const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
  if (credentials && *credentials) {  // in the unit: as serve reads it
    SecretResult secret = ReadAuthSecret(server);
    if (secret.error.empty()) return true;
    std::fprintf(stderr, "%s/self-heal.conf: %s\n", args.config_dir.c_str(), secret.error.c_str());
    return false;
  }
  return Report(JudgeCredential(server, args.config_dir + "/self-heal.conf", unit));
}

}  // namespace

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
  const Expected<UnitCredentials> unit = QueryUnitCredentials(kServiceUnit);
  const bool secret = SecretReachable(args, config.server, unit);
  const bool memory =
      Report(JudgeBodyMemory(config.server, args.config_dir + "/self-heal.conf", unit));
  int errors = int{!secret} + int{!memory};
  for (const UserFinding& finding : JudgeHandlerUsers(config.handlers, HostUserExists)) {
    std::fprintf(stderr, "%s\n", finding.message.c_str());
    errors += finding.error;
  }
  if (errors > 0) {
    std::fprintf(stderr, "%d error(s) in %s\n", errors, args.config_dir.c_str());
    return 1;
  }
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
