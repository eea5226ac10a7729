// config_loader.h — reads DIR/self-heal.conf and DIR/handlers.d/*.conf (libinih).
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace selfheal {

struct LoadedConfig {
  Config config;
  std::vector<ConfigError> errors;  // every problem found, in file and line order
  bool ok() const { return errors.empty(); }
};

// Loads and validates everything under `dir`. A missing self-heal.conf means all
// defaults; a missing handlers.d means no handlers. Unknown sections or keys, bad
// values, duplicate AlertName+Instance pairs across handlers and unreadable files are
// errors. Collects every error rather than stopping at the first, like promtool.
LoadedConfig LoadConfig(const std::string& dir);

// Reads the auth secret named by `server.auth_secret_file`, resolving a relative name
// against $CREDENTIALS_DIRECTORY. One trailing newline is dropped. Errors name the
// file, never the content.
struct SecretResult {
  std::string secret;
  std::string error;
};
SecretResult ReadAuthSecret(const ServerConfig& server);

}  // namespace selfheal
