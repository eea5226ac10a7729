// /usr/lib/self-heal/deliver-escalations — self-heal-escalations.service. A program of
// its own so that only it loads libcurl; takes the flags `self-heal` takes.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  auto args = selfheal::ParseArgs(std::vector<std::string>(argv + 1, argv + argc));
  if (!args.ok()) {
    std::fprintf(stderr, "deliver-escalations: %s\n", args.error().message.c_str());
    std::fprintf(stderr, "usage: deliver-escalations [--config-dir DIR] [--state-dir DIR]\n");
    return 2;
  }
  return selfheal::RunDeliverEscalations(args.value());
}
