// config.h — self-heal.conf and handlers.d/*.conf as plain data.
// Everything that decides what runs (commands, users, unit names) comes from here,
// written by root; nothing in an alert can add to it.
#pragma once

#ifndef SELFHEAL_TEXTFILE_DIR
#define SELFHEAL_TEXTFILE_DIR "/var/lib/prometheus/node-exporter"  // Debian's
#endif

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/time.h"
#include "config/resource_limits.h"

namespace selfheal {

enum class AuthKind { kNone, kBearer, kBasic };

struct ServerConfig {
  Duration idle_timeout = std::chrono::seconds(30);     // [Server] IdleTimeoutSec=
  size_t max_body_bytes = 1024 * 1024;                  // [Server] MaxBodyBytes=
  std::string webhook_path = "/";                       // [Server] WebhookPath=
  unsigned max_connections = 64;                        // [Server] MaxConnections=
  Duration request_timeout = std::chrono::seconds(10);  // [Server] RequestTimeoutSec=
  AuthKind auth = AuthKind::kNone;                      // [Server] Auth= none|bearer|basic
  std::string auth_user;                                // [Server] AuthUser= (basic)
  // [Server] AuthSecretFile=; a relative name is looked up in $CREDENTIALS_DIRECTORY
  // (systemd LoadCredential=). The secret itself is never stored in Config.
  std::string auth_secret_file;
  Duration dedup_window = std::chrono::seconds(60);  // [Policy] DedupWindowSec=
  // [Escalation] AlertmanagerURL=, a list: every one gets every escalation
  // (Alertmanager does not gossip alerts between the peers of an HA pair).
  std::vector<std::string> alertmanager_urls = {"http://127.0.0.1:9093"};
  std::vector<std::string> escalate_exec;  // [Escalation] EscalateExec=
  // [Escalation] ResendIntervalSec=: how often a SelfHealExhausted alert is re-sent
  // while its breaker stays open; below Alertmanager's resolve_timeout (5m).
  Duration resend_interval = std::chrono::seconds(60);
  // [Metrics] TextfilePath=: the node_exporter textfile; empty disables metrics. The
  // default's directory is the build's SELFHEAL_TEXTFILE_DIR (CMakeLists.txt).
  std::string metrics_textfile = SELFHEAL_TEXTFILE_DIR "/self-heal.prom";
};

enum class HandlerMode { kRun, kDryRun };

struct LabelMatcher {
  std::string name;
  std::string value;  // exact match
};

struct HandlerConfig {
  std::string name;         // file stem of handlers.d/NAME.conf: [A-Za-z0-9_-]{1,64}
  std::string source_file;  // path it was loaded from, for messages
  // [Match]
  std::string alertname;               // AlertName=, exact
  std::vector<std::string> instances;  // Instance=, exact; repeated lines add
  std::vector<LabelMatcher> labels;    // Label=NAME=VALUE, all must match
  // [Run]
  std::vector<std::string> exec;               // Exec=: argv[0] absolute, no shell
  std::string user = "healer";                 // User=
  Duration timeout = std::chrono::minutes(5);  // TimeoutSec=
  HandlerMode mode = HandlerMode::kRun;        // Mode= run|dry-run
  std::optional<MemoryMax> memory_max;         // MemoryMax=, as systemd reads it
  std::optional<CpuQuota> cpu_quota;           // CPUQuota=
  // [Limit]
  int max_attempts = 3;                     // MaxAttempts=
  Duration window = std::chrono::hours(4);  // Window=
  // VerifySec=: how long after an exit 0 the alert has to resolve for the attempt to
  // count as healed. 15 min outlasts a rule evaluation (up to 1 min), Prometheus's
  // resend and Alertmanager's group_interval (5 min by default) before it sends the
  // resolved notification, with room for the service to settle and a retried POST.
  Duration verify = std::chrono::minutes(15);
};

struct Config {
  ServerConfig server;
  std::vector<HandlerConfig> handlers;  // sorted by name: matching is deterministic
};

struct ConfigError {
  std::string file;
  int line = 0;  // 0 when the error concerns the whole file
  std::string message;
};

// "FILE:LINE: message" (or "FILE: message" when line is 0), as check and serve print it.
std::string FormatConfigError(const ConfigError& error);

}  // namespace selfheal
