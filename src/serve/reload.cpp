#include "serve/reload.h"

#include <syslog.h>

#include <algorithm>

namespace selfheal {

namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "none" : out;
}

bool Has(const std::vector<HandlerConfig>& handlers, const std::string& name) {
  return std::any_of(handlers.begin(), handlers.end(),
                     [&](const HandlerConfig& h) { return h.name == name; });
}

ReloadVerdict Refuse(ReloadVerdict v, const std::string& config_dir, const std::string& why) {
  std::string message = "Reload of " + config_dir + " refused: " + why +
                        "; the running configuration stays in force.";
  v.events.push_back({EventType::kConfigReloaded, LOG_ERR, message, {{"REASON", why}}});
  v.status = "Reload refused: " + why;
  return v;
}

}  // namespace

std::vector<std::string> ListenerSettingsChanged(const ServerConfig& running,
                                                 const ServerConfig& loaded) {
  const ServerConfig& a = running;
  const ServerConfig& b = loaded;
  std::vector<std::string> out;
  if (a.webhook_path != b.webhook_path) out.emplace_back("Server.WebhookPath");
  if (a.max_body_bytes != b.max_body_bytes) out.emplace_back("Server.MaxBodyBytes");
  if (a.max_connections != b.max_connections) out.emplace_back("Server.MaxConnections");
  if (a.request_timeout != b.request_timeout) out.emplace_back("Server.RequestTimeoutSec");
  if (a.auth != b.auth) out.emplace_back("Server.Auth");
  if (a.auth_user != b.auth_user) out.emplace_back("Server.AuthUser");
  if (a.auth_secret_file != b.auth_secret_file) out.emplace_back("Server.AuthSecretFile");
  return out;
}

ReloadVerdict JudgeReload(const Config& running, const LoadedConfig& loaded,
                          const std::string& config_dir) {
  ReloadVerdict v;
  if (!loaded.ok()) {
    for (const ConfigError& error : loaded.errors) {
      std::string text = FormatConfigError(error);
      v.events.push_back({EventType::kConfigInvalid, LOG_ERR, text, {{"REASON", text}}});
    }
    return Refuse(
        std::move(v), config_dir,
        std::to_string(loaded.errors.size()) + " configuration error(s); run 'self-heal check'");
  }
  std::vector<std::string> fixed = ListenerSettingsChanged(running.server, loaded.config.server);
  if (!fixed.empty()) {
    return Refuse(std::move(v), config_dir,
                  Join(fixed) +
                      " changed, which the listener took at start; apply it with 'systemctl "
                      "restart self-heal.service'");
  }
  std::vector<std::string> added, removed, kept;
  for (const HandlerConfig& h : loaded.config.handlers) {
    (Has(running.handlers, h.name) ? kept : added).push_back(h.name);
  }
  for (const HandlerConfig& h : running.handlers) {
    if (!Has(loaded.config.handlers, h.name)) removed.push_back(h.name);
  }
  v.apply = true;
  std::string summary = std::to_string(loaded.config.handlers.size()) +
                        " handler(s) (added: " + Join(added) + "; removed: " + Join(removed) +
                        "; kept, as now configured: " + Join(kept) + ")";
  v.events.push_back(
      {EventType::kConfigReloaded,
       LOG_NOTICE,
       "Reloaded " + config_dir + ": the next request is decided with " + summary + ".",
       {{"HANDLERS", std::to_string(loaded.config.handlers.size())}}});
  v.status = "Answering webhooks, " + std::to_string(loaded.config.handlers.size()) +
             " handler(s), reloaded";
  return v;
}

}  // namespace selfheal
