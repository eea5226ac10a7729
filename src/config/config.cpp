#include "config/config.h"

namespace selfheal {

std::string FormatConfigError(const ConfigError& error) {
  if (error.line == 0) return error.file + ": " + error.message;
  return error.file + ":" + std::to_string(error.line) + ": " + error.message;
}

}  // namespace selfheal
