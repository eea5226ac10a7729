// self-heal.conf: the listener, the policy defaults and escalation.
#include <algorithm>
#include <chrono>
#include <memory>

#include "config/body_memory.h"
#include "config/config_files.h"
#include "config/handler_argv.h"
#include "config/key_table.h"
#include "config/values.h"

namespace selfheal {
namespace {

using std::chrono::seconds;

constexpr uint64_t kMinBodyBytes = 1024;
constexpr uint64_t kMaxBodyBytes = 64 * 1024 * 1024;

const char* AuthName(AuthKind kind) {
  switch (kind) {
    case AuthKind::kNone:
      return "none";
    case AuthKind::kBearer:
      return "bearer";
    case AuthKind::kBasic:
      return "basic";
  }
  return "?";
}

std::vector<KeyRule> GlobalRules(ServerConfig& s) {
  const ServerConfig d;
  auto replaced = std::make_shared<bool>(false);  // AlertmanagerURL= seen: no default
  return {
      {"Server", "IdleTimeoutSec",
       SetTimespan(&s.idle_timeout, Duration(1), "a time span greater than 0, such as 30s or 2min"),
       ResetTo(&s.idle_timeout, d.idle_timeout)},
      {"Server", "MaxBodyBytes",
       [&s](std::string_view v) -> std::string {
         auto bytes = ParseByteSize(v);
         if (!bytes || *bytes < kMinBodyBytes || *bytes > kMaxBodyBytes) {
           return "expected a size from 1024 bytes to 64M, such as 65536, 512K or 1M";
         }
         s.max_body_bytes = static_cast<size_t>(*bytes);
         return {};
       },
       ResetTo(&s.max_body_bytes, d.max_body_bytes)},
      {"Server", "WebhookPath",
       [&s](std::string_view v) -> std::string {
         if (!IsValidWebhookPath(v)) {
           return "expected a path starting with '/', printable ASCII without spaces, '?' or "
                  "'#', other than /-/healthy";
         }
         s.webhook_path = v;
         return {};
       },
       ResetTo(&s.webhook_path, d.webhook_path)},
      {"Server", "MaxConnections",
       SetInteger(1, 1024, [&s](int64_t n) { s.max_connections = static_cast<unsigned>(n); }),
       ResetTo(&s.max_connections, d.max_connections)},
      // libmicrohttpd counts whole seconds and reads 0 as "no timeout": refuse both.
      {"Server", "RequestTimeoutSec",
       SetTimespan(&s.request_timeout, seconds(1), "a time span of at least 1s, such as 10s"),
       ResetTo(&s.request_timeout, d.request_timeout)},
      {"Server", "Auth",
       [&s](std::string_view v) -> std::string {
         for (AuthKind kind : {AuthKind::kNone, AuthKind::kBearer, AuthKind::kBasic}) {
           if (v == AuthName(kind)) {
             s.auth = kind;
             return {};
           }
         }
         return "expected none, bearer or basic";
       },
       ResetTo(&s.auth, d.auth)},
      {"Server", "AuthUser",
       [&s](std::string_view v) -> std::string {
         // RFC 7617: the user-id of basic authentication cannot contain a colon.
         if (v.find(':') != std::string_view::npos) return "expected a user name without ':'";
         s.auth_user = v;
         return {};
       },
       ResetTo(&s.auth_user, d.auth_user)},
      {"Server", "AuthSecretFile",
       [&s](std::string_view v) -> std::string {
         bool absolute = v.front() == '/';
         bool credential = v.find('/') == std::string_view::npos && v != "." && v != "..";
         // No spaces or '#': there are no end-of-line comments, so "name  # note"
         // would silently become part of the name.
         if ((!absolute && !credential) || !IsPrintableAsciiNoSpace(v) ||
             v.find('#') != std::string_view::npos) {
           return "expected an absolute path or the name of a credential from "
                  "LoadCredential= (no '/', no spaces, no '#')";
         }
         s.auth_secret_file = v;
         return {};
       },
       ResetTo(&s.auth_secret_file, d.auth_secret_file)},
      {"Policy", "DedupWindowSec",
       SetTimespan(&s.dedup_window, Duration(0),
                   "a time span such as 60s, shorter than the route's group_interval "
                   "(0 turns deduplication off)"),
       ResetTo(&s.dedup_window, d.dedup_window)},
      {"Escalation", "AlertmanagerURL",
       [&s, replaced](std::string_view v) -> std::string {
         // The same word splitting as Instance=; a URL has no blanks to quote.
         auto words = SplitCommandLine(v);
         if (!words.ok()) return words.error().message;
         for (const std::string& url : words.value()) {
           if (!IsValidHttpUrl(url)) {
             return "expected an http:// or https:// URL with a host, such as "
                    "http://127.0.0.1:9093, and no user:password@ (several: separated by spaces)";
           }
         }
         // The first line replaces the default; later lines add, as Instance= does.
         if (!*replaced) s.alertmanager_urls.clear();
         *replaced = true;
         for (std::string& url : words.value()) {
           if (std::find(s.alertmanager_urls.begin(), s.alertmanager_urls.end(), url) ==
               s.alertmanager_urls.end()) {
             s.alertmanager_urls.push_back(std::move(url));
           }
         }
         return {};
       },
       [&s, replaced] {
         s.alertmanager_urls.clear();
         *replaced = true;
       },
       /*list=*/true},
      {"Escalation", "EscalateExec", SetExec(&s.escalate_exec),
       ResetTo(&s.escalate_exec, d.escalate_exec)},
      {"Escalation", "ResendIntervalSec",
       SetTimespan(&s.resend_interval, seconds(1), "a time span of at least 1s, such as 60s"),
       ResetTo(&s.resend_interval, d.resend_interval)},
      // node_exporter's textfile collector reads only *.prom files: anything else
      // would be written and never seen.
      {"Metrics", "TextfilePath",
       [&s](std::string_view v) -> std::string {
         if (!IsNormalizedAbsolutePath(v) || !v.ends_with(".prom")) {
           return "expected an absolute path ending in .prom, in node_exporter's "
                  "--collector.textfile.directory";
         }
         s.metrics_textfile = v;
         return {};
       },
       // Unlike the other keys, an empty TextfilePath= means "no metrics" (config.h).
       ResetTo(&s.metrics_textfile, std::string())},
  };
}

}  // namespace

std::vector<KeyRule> GlobalKeyRules(ServerConfig* server) { return GlobalRules(*server); }

void ApplyGlobalConfig(const std::string& file, const IniDocument& doc, ServerConfig* server,
                       std::vector<ConfigError>* errors) {
  KeyLines lines = ApplyKeyRules(file, doc, GlobalRules(*server), errors);
  if (server->alertmanager_urls.empty() && server->escalate_exec.empty()) {
    errors->push_back({file, lines.Key("AlertmanagerURL"),
                       "AlertmanagerURL= is empty and EscalateExec= is not set: an escalation "
                       "would reach nobody"});
  }
  // A cross-key rule: each key alone is in range, their product may not be
  // (config/body_memory.h says why the budget is half the shipped MemoryMax=).
  if (BodyMemoryBytes(*server) > kBodyMemoryBudget) {
    const int line = std::max(lines.Key("MaxBodyBytes"), lines.Key("MaxConnections"));
    errors->push_back({file, line,
                       DescribeBodyMemory(*server) + " of request bodies held at once is over " +
                           "the budget of " + std::to_string(kBodyMemoryBudget >> 20) +
                           "M (half the unit's MemoryMax=256M): lower one of them"});
  }
  if (server->auth == AuthKind::kNone) return;
  std::string auth = std::string("Auth=") + AuthName(server->auth);
  if (server->auth_secret_file.empty()) {
    errors->push_back({file, lines.Key("Auth"),
                       auth + " requires AuthSecretFile= (a credential name from "
                              "LoadCredential=, or an absolute path)"});
  }
  if (server->auth == AuthKind::kBasic && server->auth_user.empty()) {
    errors->push_back({file, lines.Key("Auth"), auth + " requires AuthUser="});
  }
}

}  // namespace selfheal
