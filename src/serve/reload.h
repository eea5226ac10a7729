// reload.h — what `systemctl reload self-heal` does to a running serve. The unit's
// ExecReload= runs `self-heal check` first and then sends SIGHUP; serve loads and
// validates the configuration again as at start, and either applies it whole between
// two requests or refuses it whole, keeping the running one. Pure: the caller loads,
// journals and swaps.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "config/config_loader.h"
#include "journal/journal.h"

namespace selfheal {

// The [Server] settings the HTTP listener was built with at start: WebhookPath=,
// MaxBodyBytes=, MaxConnections=, RequestTimeoutSec=, Auth=, AuthUser=,
// AuthSecretFile= (its credential is copied by systemd at start). Returns the keys
// `loaded` changes, as "Section.Key"; a reload that changes any is refused.
std::vector<std::string> ListenerSettingsChanged(const ServerConfig& running,
                                                 const ServerConfig& loaded);

struct ReloadVerdict {
  bool apply = false;              // swap to the loaded config
  std::vector<AuditEvent> events;  // to journal, in order
  std::string status;              // one line for sd_notify STATUS=
};

// Judges the config loaded from `config_dir` against the running one: refused with
// every FILE:LINE error, or when a listener setting changed; else applied, the
// journal saying which handlers were added, removed or kept.
ReloadVerdict JudgeReload(const Config& running, const LoadedConfig& loaded,
                          const std::string& config_dir);

}  // namespace selfheal
