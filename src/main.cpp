// self-heal — subcommand dispatch only.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"

namespace {

struct Subcommand {
  const char* name;
  const char* summary;
  int (*run)(const selfheal::Args&);
};

constexpr Subcommand kSubcommands[] = {
    {"serve", "answer Alertmanager webhooks on the socket from systemd (or --listen ADDR:PORT)",
     selfheal::RunServe},
    {"check", "validate self-heal.conf and handlers.d, then exit", selfheal::RunCheck},
    {"simulate", "decide a webhook payload (FILE or -) against the config; no side effects",
     selfheal::RunSimulate},
    {"status", "attempts, breakers, last results and running units (--json)", selfheal::RunStatus},
    {"reset", "close the breaker of HANDLER INSTANCE (or --all) and clear its budget",
     selfheal::RunReset},
    {"pause", "stop launching handlers (--for DURATION, else until resume)", selfheal::RunPause},
    {"resume", "launch handlers again", selfheal::RunResume},
    {"record-result",
     "(internal) record a handler unit's result; run by ExecStopPost=", selfheal::RunRecordResult},
    {"recover-socket",
     "(internal) journal why self-heal.socket failed, wait SPAN (30s), listen again",
     selfheal::RunRecoverSocket},
};

void Usage(FILE* out) {
  std::fprintf(out,
               "usage: self-heal COMMAND [--config-dir DIR] [--state-dir DIR] [options]\n\n"
               "commands:\n");
  for (const Subcommand& sub : kSubcommands)
    std::fprintf(out, "  %-13s %s\n", sub.name, sub.summary);
  std::fprintf(out,
               "\noptions:\n"
               "  --config-dir DIR  configuration (default /etc/self-heal)\n"
               "  --state-dir DIR   state (default $STATE_DIRECTORY or /var/lib/self-heal)\n"
               "  --json            machine-readable output (simulate, status)\n"
               "  --listen A:P      serve: bind 127.0.0.1:PORT when not socket-activated\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    Usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("self-heal %s\n", SELFHEAL_VERSION);
    return 0;
  }
  for (const Subcommand& sub : kSubcommands) {
    if (std::strcmp(argv[1], sub.name) != 0) continue;
    auto args = selfheal::ParseArgs(std::vector<std::string>(argv + 2, argv + argc));
    if (!args.ok()) {
      std::fprintf(stderr, "self-heal %s: %s\n", sub.name, args.error().message.c_str());
      return 2;
    }
    return sub.run(args.value());
  }
  std::fprintf(stderr, "self-heal: unknown command '%s'\n\n", argv[1]);
  Usage(stderr);
  return 2;
}
