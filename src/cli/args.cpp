#include "cli/args.h"

#include <cstdlib>

namespace selfheal {

Expected<Args> ParseArgs(const std::vector<std::string>& argv) {
  Args args;
  if (const char* dir = std::getenv("STATE_DIRECTORY"); dir && *dir) {
    // systemd may list several directories separated by ':'; ours is the first.
    std::string dirs = dir;
    args.state_dir = dirs.substr(0, dirs.find(':'));
  } else {
    args.state_dir = "/var/lib/self-heal";
  }
  struct ValueFlag {
    const char* name;
    std::string* target;
  };
  const ValueFlag value_flags[] = {{"--config-dir", &args.config_dir},
                                   {"--state-dir", &args.state_dir},
                                   {"--listen", &args.listen},
                                   {"--for", &args.pause_for}};
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--json") {
      args.json = true;
      continue;
    }
    if (arg == "--all") {
      args.all = true;
      continue;
    }
    if (arg == "-" || arg.rfind("--", 0) != 0) {
      args.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      args.positional.insert(args.positional.end(), argv.begin() + static_cast<long>(i) + 1,
                             argv.end());
      break;
    }
    bool known = false;
    for (const ValueFlag& flag : value_flags) {
      std::string name = flag.name;
      if (arg == name) {
        if (i + 1 >= argv.size()) return Error{Errc::kInvalidInput, name + " needs a value"};
        *flag.target = argv[++i];
        known = true;
      } else if (arg.rfind(name + "=", 0) == 0) {
        *flag.target = arg.substr(name.size() + 1);
        known = true;
      }
      if (known) {
        if (flag.target->empty()) return Error{Errc::kInvalidInput, name + " needs a value"};
        break;
      }
    }
    if (!known) return Error{Errc::kInvalidInput, "unknown option '" + arg + "'"};
  }
  return args;
}

}  // namespace selfheal
