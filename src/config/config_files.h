// config_files.h — the meaning of each kind of configuration file, applied to a
// parsed IniDocument. Internal to src/config; LoadConfig (config_loader.h) is the
// entry point for everyone else.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/ini_file.h"

namespace selfheal {

// self-heal.conf: applies [Server], [Policy] and [Escalation] to *server, which holds
// the defaults on entry.
void ApplyGlobalConfig(const std::string& file, const IniDocument& doc, ServerConfig* server,
                       std::vector<ConfigError>* errors);

struct LoadedHandler {
  HandlerConfig config;
  int match_line = 0;  // line of AlertName=, where errors about the match as a whole go
};

// handlers.d/NAME.conf: returns the handler, or nullopt when the file has any error
// (all of them appended to `errors`).
std::optional<LoadedHandler> BuildHandler(const std::string& file, const std::string& name,
                                          const IniDocument& doc, std::vector<ConfigError>* errors);

}  // namespace selfheal
