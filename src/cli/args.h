// args.h — the command line shared by every subcommand.
#pragma once

#include <string>
#include <vector>

#include "common/expected.h"

namespace selfheal {

struct Args {
  std::string config_dir = "/etc/self-heal";
  std::string state_dir;  // --state-dir, else $STATE_DIRECTORY, else /var/lib/self-heal
  std::string listen;     // serve --listen 127.0.0.1:PORT
  std::string pause_for;  // pause --for DURATION
  bool json = false;      // --json
  bool all = false;       // reset --all
  std::vector<std::string> positional;
};

// Parses argv after the subcommand name. Accepts "--flag VALUE" and "--flag=VALUE".
// Errc::kInvalidInput names the unknown or incomplete flag.
Expected<Args> ParseArgs(const std::vector<std::string>& argv);

}  // namespace selfheal
