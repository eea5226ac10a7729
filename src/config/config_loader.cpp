// Implementation notes: LoadConfig reads every file whole (they are small and written
// by root), parses it with ParseIni (ini_file.h), applies it with the tables in
// global_config.cpp and handler_config.cpp, then checks what no single file can see:
// that no two handlers claim the same alert on the same instance. Errors are
// collected, never thrown, and sorted at the end so `check` prints them in file order.
#include "config/config_loader.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "config/config_files.h"
#include "config/ini_file.h"
#include "config/small_file.h"
#include "config/values.h"

namespace selfheal {
namespace {

namespace fs = std::filesystem;

// Far above any real configuration file; a bound so a mistake (a log file renamed to
// .conf) cannot eat memory.
constexpr size_t kMaxConfigFileBytes = 1024 * 1024;

constexpr std::string_view kConfExtension = ".conf";

// Reads and parses `path`. Returns nullopt when the file cannot be read; that is an
// error unless it does not exist and `missing_ok`.
std::optional<IniDocument> ReadIni(const std::string& path, bool missing_ok,
                                   std::vector<ConfigError>* errors) {
  auto text = ReadSmallFile(path, kMaxConfigFileBytes);
  if (!text.ok()) {
    if (!(missing_ok && text.error().code == Errc::kNotFound)) {
      errors->push_back({path, 0, "Cannot read: " + text.error().message});
    }
    return std::nullopt;
  }
  return ParseIni(path, text.value(), errors);
}

// The NAME.conf entries of handlers.d, sorted by NAME. A missing directory is no
// handlers; anything else that stops the listing is an error.
std::vector<std::string> ListHandlerNames(const fs::path& dir, std::vector<ConfigError>* errors) {
  std::vector<std::string> names;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    if (ec != std::errc::no_such_file_or_directory) {
      errors->push_back({dir.string(), 0, "Cannot list handlers: " + ec.message()});
    }
    return names;
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    std::string file = it->path().filename().string();
    if (file.ends_with(kConfExtension)) {
      names.push_back(file.substr(0, file.size() - kConfExtension.size()));
    }
  }
  if (ec) errors->push_back({dir.string(), 0, "Cannot list handlers: " + ec.message()});
  std::sort(names.begin(), names.end());
  return names;
}

std::string Quoted(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) out += (out.empty() ? "'" : ", '") + v + "'";
  return out;
}

// Two handlers for one (alertname, instance) would make the choice depend on file
// names; refuse it, on the later file, naming the earlier one.
void CheckOverlaps(const std::vector<LoadedHandler>& handlers, std::vector<ConfigError>* errors) {
  for (size_t j = 0; j < handlers.size(); ++j) {
    const HandlerConfig& later = handlers[j].config;
    for (size_t i = 0; i < j; ++i) {
      const HandlerConfig& earlier = handlers[i].config;
      if (earlier.alertname != later.alertname) continue;
      std::vector<std::string> shared;
      for (const std::string& instance : later.instances) {
        if (std::find(earlier.instances.begin(), earlier.instances.end(), instance) !=
            earlier.instances.end()) {
          shared.push_back(instance);
        }
      }
      if (shared.empty()) continue;
      errors->push_back({later.source_file, handlers[j].match_line,
                         "Handler '" + later.name + "' overlaps handler '" + earlier.name + "' (" +
                             earlier.source_file + "): both match AlertName='" + later.alertname +
                             "' on Instance " + Quoted(shared) +
                             "; which handler runs must be unambiguous"});
    }
  }
}

}  // namespace

LoadedConfig LoadConfig(const std::string& dir) {
  LoadedConfig out;
  std::error_code ec;
  fs::file_status status = fs::status(dir, ec);
  if (ec || !fs::is_directory(status)) {
    std::string reason = ec ? ec.message() : "not a directory";
    out.errors.push_back({dir, 0, "Cannot open the configuration directory: " + reason});
    return out;
  }

  std::string global_file = (fs::path(dir) / "self-heal.conf").string();
  if (auto doc = ReadIni(global_file, /*missing_ok=*/true, &out.errors)) {
    ApplyGlobalConfig(global_file, *doc, &out.config.server, &out.errors);
  }

  fs::path handlers_dir = fs::path(dir) / "handlers.d";
  std::vector<LoadedHandler> handlers;
  for (const std::string& name : ListHandlerNames(handlers_dir, &out.errors)) {
    std::string file = (handlers_dir / (name + std::string(kConfExtension))).string();
    if (!IsValidHandlerName(name)) {
      out.errors.push_back({file, 0,
                            "Invalid handler name '" + name +
                                "': the file must be NAME.conf with a NAME of 1 to 64 "
                                "letters, digits, '-' or '_'"});
      continue;
    }
    auto doc = ReadIni(file, /*missing_ok=*/false, &out.errors);
    if (!doc) continue;
    if (auto handler = BuildHandler(file, name, *doc, &out.errors)) {
      handlers.push_back(std::move(*handler));
    }
  }
  CheckOverlaps(handlers, &out.errors);
  for (LoadedHandler& handler : handlers) out.config.handlers.push_back(std::move(handler.config));

  std::stable_sort(out.errors.begin(), out.errors.end(),
                   [](const ConfigError& a, const ConfigError& b) {
                     return a.file != b.file ? a.file < b.file : a.line < b.line;
                   });
  return out;
}

}  // namespace selfheal
