#include "config/config_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "config/body_memory.h"
#include "temp_dir.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;
using testing::ElementsAre;

std::string AllErrors(const LoadedConfig& loaded) {
  std::string out;
  for (const ConfigError& e : loaded.errors) out += FormatConfigError(e) + "\n";
  return out;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

const std::string kMinimalHandler =
    "[Match]\nAlertName=DiskSpaceLow\nInstance=web-1:9100\n[Run]\nExec=/bin/true\n";

TEST(ConfigTest, EmptyDirectoryMeansDefaultsAndNoHandlers) {
  TempDir dir;
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  const ServerConfig& s = loaded.config.server;
  EXPECT_EQ(s.idle_timeout, 30s);
  EXPECT_EQ(s.max_body_bytes, 1024u * 1024u);
  EXPECT_EQ(s.webhook_path, "/");
  EXPECT_EQ(s.max_connections, 64u);
  EXPECT_EQ(s.request_timeout, 10s);
  EXPECT_EQ(s.auth, AuthKind::kNone);
  EXPECT_EQ(s.auth_user, "");
  EXPECT_EQ(s.auth_secret_file, "");
  EXPECT_EQ(s.dedup_window, 60s);
  EXPECT_THAT(s.alertmanager_urls, ElementsAre("http://127.0.0.1:9093"));
  EXPECT_TRUE(s.escalate_exec.empty());
  EXPECT_EQ(s.resend_interval, 60s);
  EXPECT_EQ(s.metrics_textfile, SELFHEAL_TEXTFILE_DIR "/self-heal.prom");
  EXPECT_TRUE(loaded.config.handlers.empty());
}

TEST(ConfigTest, MissingConfigurationDirectoryIsAnError) {
  TempDir dir;
  std::string missing = dir.path() + "/nope";
  LoadedConfig loaded = LoadConfig(missing);
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_EQ(FormatConfigError(loaded.errors[0]),
            missing + ": Cannot open the configuration directory: No such file or directory");
}

TEST(ConfigTest, HandlerLeftOutKeysTakeTheirDefaults) {
  TempDir dir;
  dir.Write("handlers.d/clean-tmp.conf", kMinimalHandler);
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  ASSERT_EQ(loaded.config.handlers.size(), 1u);
  const HandlerConfig& h = loaded.config.handlers[0];
  EXPECT_EQ(h.name, "clean-tmp");
  EXPECT_EQ(h.source_file, dir.path() + "/handlers.d/clean-tmp.conf");
  EXPECT_EQ(h.alertname, "DiskSpaceLow");
  EXPECT_THAT(h.instances, ElementsAre("web-1:9100"));
  EXPECT_TRUE(h.labels.empty());
  EXPECT_THAT(h.exec, ElementsAre("/bin/true"));
  EXPECT_EQ(h.user, "healer");
  EXPECT_EQ(h.timeout, 5min);
  EXPECT_EQ(h.mode, HandlerMode::kRun);
  EXPECT_EQ(h.memory_max, std::nullopt);
  EXPECT_EQ(h.cpu_quota, std::nullopt);
  EXPECT_EQ(h.max_attempts, 3);
  EXPECT_EQ(h.window, 4h);
}

// MaxBodyBytes= x MaxConnections= may reach the budget (config/body_memory.h), not
// pass it; the defaults are well within.
TEST(ConfigTest, BodiesAtTheMemoryBudgetAreAccepted) {
  EXPECT_LE(BodyMemoryBytes(ServerConfig{}), kBodyMemoryBudget);
  TempDir dir;
  dir.Write("self-heal.conf", "[Server]\nMaxBodyBytes=4M\nMaxConnections=32\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(BodyMemoryBytes(loaded.config.server), kBodyMemoryBudget);
}

TEST(ConfigTest, EveryGlobalKeyIsRead) {
  TempDir dir;
  dir.Write("self-heal.conf",
            "# comment\n"
            "; another comment\n"
            "[Server]\n"
            "IdleTimeoutSec=1min 30s\n"
            "MaxBodyBytes=512K\n"
            "WebhookPath=/hooks/alertmanager\n"
            "MaxConnections=8\n"
            "RequestTimeoutSec=5s\n"
            "Auth=basic\n"
            "AuthUser=selfheal\n"
            "AuthSecretFile=webhook-secret\n"
            "\n"
            "[Policy]\n"
            "DedupWindowSec=0\n"
            "[Escalation]\n"
            "AlertmanagerURL=https://[::1]:9093/prefix\n"
            "EscalateExec=/usr/local/bin/page \"on call\" --team=sre\n"
            "ResendIntervalSec=5s\n"
            "[Metrics]\n"
            "TextfilePath=/srv/textfiles/self-heal.prom\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  const ServerConfig& s = loaded.config.server;
  EXPECT_EQ(s.idle_timeout, 90s);
  EXPECT_EQ(s.max_body_bytes, 512u * 1024u);
  EXPECT_EQ(s.webhook_path, "/hooks/alertmanager");
  EXPECT_EQ(s.max_connections, 8u);
  EXPECT_EQ(s.request_timeout, 5s);
  EXPECT_EQ(s.auth, AuthKind::kBasic);
  EXPECT_EQ(s.auth_user, "selfheal");
  EXPECT_EQ(s.auth_secret_file, "webhook-secret");
  EXPECT_EQ(s.dedup_window, 0s);
  EXPECT_THAT(s.alertmanager_urls, ElementsAre("https://[::1]:9093/prefix"));
  EXPECT_THAT(s.escalate_exec, ElementsAre("/usr/local/bin/page", "on call", "--team=sre"));
  EXPECT_EQ(s.resend_interval, 5s);
  EXPECT_EQ(s.metrics_textfile, "/srv/textfiles/self-heal.prom");
}

TEST(ConfigTest, EmptyTextfilePathTurnsMetricsOff) {
  TempDir dir;
  dir.Write("self-heal.conf", "[Metrics]\nTextfilePath=\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.server.metrics_textfile, "");
}

TEST(ConfigTest, EveryHandlerKeyIsRead) {
  TempDir dir;
  dir.Write("handlers.d/restart_nginx-2.conf",
            "[Match]\n"
            "AlertName=ServiceDown\n"
            "Instance=web-1:8080\n"
            "Label=service=nginx\n"
            "Label=env=prod=eu\n"
            "Label=note=\n"
            "[Run]\n"
            "Exec=/usr/lib/self-heal/handlers/restart-service nginx\n"
            "User=nginx-healer\n"
            "TimeoutSec=2min\n"
            "Mode=dry-run\n"
            "MemoryMax=64M\n"
            "CPUQuota=12.5%\n"
            "[Limit]\n"
            "MaxAttempts=100\n"
            "Window=30min\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  ASSERT_EQ(loaded.config.handlers.size(), 1u);
  const HandlerConfig& h = loaded.config.handlers[0];
  EXPECT_EQ(h.name, "restart_nginx-2");
  EXPECT_EQ(h.alertname, "ServiceDown");
  ASSERT_EQ(h.labels.size(), 3u);
  EXPECT_EQ(h.labels[0].name, "service");
  EXPECT_EQ(h.labels[0].value, "nginx");
  EXPECT_EQ(h.labels[1].name, "env");
  EXPECT_EQ(h.labels[1].value, "prod=eu");
  EXPECT_EQ(h.labels[2].name, "note");
  EXPECT_EQ(h.labels[2].value, "");
  EXPECT_THAT(h.exec, ElementsAre("/usr/lib/self-heal/handlers/restart-service", "nginx"));
  EXPECT_EQ(h.user, "nginx-healer");
  EXPECT_EQ(h.timeout, 2min);
  EXPECT_EQ(h.mode, HandlerMode::kDryRun);
  EXPECT_EQ(h.memory_max, (MemoryMax{MemoryMax::Kind::kBytes, 64ull << 20, 0}));
  EXPECT_EQ(h.cpu_quota, CpuQuota{125000});
  EXPECT_EQ(h.max_attempts, 100);
  EXPECT_EQ(h.window, 30min);
}

// The issue's cases: values systemd takes (and every launch sends) must pass check,
// as the typed value the launcher sends (tests/unit/launch/unit_properties_test.cpp).
TEST(ConfigTest, LimitsSystemdTakesAreLoadedAsTheValueLaunchesSend) {
  TempDir dir;
  dir.Write("handlers.d/h.conf", kMinimalHandler + "MemoryMax=64B\nCPUQuota=150000%\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  const HandlerConfig& h = loaded.config.handlers[0];
  EXPECT_EQ(h.memory_max, (MemoryMax{MemoryMax::Kind::kBytes, 64, 0}));
  EXPECT_EQ(h.cpu_quota, CpuQuota{1500000000});
}

TEST(ConfigTest, ShareOfPhysicalMemoryIsKeptForSystemdToResolve) {
  TempDir dir;
  dir.Write("handlers.d/h.conf", kMinimalHandler + "MemoryMax=50%\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  ASSERT_TRUE(loaded.config.handlers[0].memory_max);
  EXPECT_EQ(loaded.config.handlers[0].memory_max->kind, MemoryMax::Kind::kShareOfPhysicalMemory);
  EXPECT_EQ(loaded.config.handlers[0].memory_max->scale, 2147483648u);  // half of 2^32-1, rounded
}

TEST(ConfigTest, RepeatedInstanceLinesAdd) {
  TempDir dir;
  dir.Write("handlers.d/h.conf",
            "[Match]\nAlertName=A\nInstance=web-1:8080\nInstance=web-2:8080 web-3:8080\n"
            "Instance=web-1:8080\n[Run]\nExec=/bin/true\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_THAT(loaded.config.handlers[0].instances,
              ElementsAre("web-1:8080", "web-2:8080", "web-3:8080"));
}

TEST(ConfigTest, EmptyInstanceAssignmentResetsTheList) {
  TempDir dir;
  dir.Write("handlers.d/h.conf",
            "[Match]\nAlertName=A\nInstance=web-1:8080 web-2:8080\nInstance=\n"
            "Instance=web-9:8080\n[Run]\nExec=/bin/true\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_THAT(loaded.config.handlers[0].instances, ElementsAre("web-9:8080"));
}

TEST(ConfigTest, AlertmanagerUrlsAreAListThatReplacesTheDefault) {
  TempDir dir;
  dir.Write(
      "self-heal.conf",
      "[Escalation]\nAlertmanagerURL=http://10.0.0.1:9093 http://10.0.0.2:9093\n"
      "AlertmanagerURL=https://am.example:9093/prefix\nAlertmanagerURL=http://10.0.0.1:9093\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_THAT(loaded.config.server.alertmanager_urls,
              ElementsAre("http://10.0.0.1:9093", "http://10.0.0.2:9093",
                          "https://am.example:9093/prefix"));
}

TEST(ConfigTest, EmptyAlertmanagerUrlEmptiesTheListLikeInstance) {
  TempDir dir;
  dir.Write("self-heal.conf",
            "[Escalation]\nAlertmanagerURL=http://10.0.0.1:9093\nAlertmanagerURL=\n"
            "AlertmanagerURL=http://10.0.0.3:9093\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_THAT(loaded.config.server.alertmanager_urls, ElementsAre("http://10.0.0.3:9093"));

  dir.Write("self-heal.conf", "[Escalation]\nAlertmanagerURL=\nEscalateExec=/bin/true\n");
  loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_TRUE(loaded.config.server.alertmanager_urls.empty());
}

TEST(ConfigTest, RepeatedSingleValueKeyNamesTheFileAndBothLines) {
  TempDir dir;
  dir.Write("self-heal.conf",
            "[Escalation]\nEscalateExec=/bin/true\n[Server]\nIdleTimeoutSec=1min\n"
            "[Escalation]\nEscalateExec=/bin/false\n");
  dir.Write("handlers.d/h.conf", kMinimalHandler + "User=other\nUser=\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  std::vector<std::string> got;
  for (const ConfigError& e : loaded.errors) got.push_back(FormatConfigError(e));
  ASSERT_EQ(got.size(), 2u) << AllErrors(loaded);
  // kMinimalHandler is lines 1 to 5.
  EXPECT_EQ(got[0], dir.path() +
                        "/handlers.d/h.conf:7: Duplicate User= in [Run]: already set at line 6; "
                        "User= takes one value (lines 6 and 7)");
  EXPECT_EQ(got[1], dir.path() +
                        "/self-heal.conf:6: Duplicate EscalateExec= in [Escalation]: already set "
                        "at line 2; EscalateExec= takes one value (lines 2 and 6)");
  EXPECT_FALSE(loaded.ok());
}

TEST(ConfigTest, QuotedInstanceKeepsItsSpaces) {
  TempDir dir;  // fixture 08 has instance `db 2 "primary"`
  dir.Write(
      "handlers.d/h.conf",
      "[Match]\nAlertName=A\nInstance=\"db 2 \\\"primary\\\"\" db-3\n[Run]\nExec=/bin/true\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_THAT(loaded.config.handlers[0].instances, ElementsAre("db 2 \"primary\"", "db-3"));
}

TEST(ConfigTest, EmptyAssignmentRestoresTheDefault) {
  TempDir dir;
  dir.Write("handlers.d/h.conf", kMinimalHandler + "User=\nMode=\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.handlers[0].user, "healer");
  EXPECT_EQ(loaded.config.handlers[0].mode, HandlerMode::kRun);
}

TEST(ConfigTest, QuotingInExecKeepsArgumentsTogetherAndShellCharactersAreData) {
  TempDir dir;
  dir.Write("handlers.d/h.conf",
            "[Match]\nAlertName=A\nInstance=i\n[Run]\n"
            "Exec=/usr/bin/logger -t 'self heal' \"it's $HOME\" `id` a;b | >x\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_THAT(loaded.config.handlers[0].exec, ElementsAre("/usr/bin/logger", "-t", "self heal",
                                                          "it's $HOME", "`id`", "a;b", "|", ">x"));
}

// Only a '#' or ';' after a blank looks like a comment (and is refused, see
// config_errors_test); anywhere else they are data.
TEST(ConfigTest, SemicolonAndHashNotAfterABlankAreData) {
  TempDir dir;
  dir.Write("handlers.d/h.conf",
            "[Match]\nAlertName=A\nInstance=i\nLabel=note=a;b#c\n[Run]\nExec=/bin/echo x;y #\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_FALSE(loaded.ok());
  dir.Write("handlers.d/h.conf",
            "[Match]\nAlertName=A\nInstance=i\nLabel=note=a;b#c\n[Run]\nExec=/bin/echo x;y#\n");
  loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.handlers[0].labels[0].value, "a;b#c");
  EXPECT_THAT(loaded.config.handlers[0].exec, ElementsAre("/bin/echo", "x;y#"));
}

TEST(ConfigTest, LongLinesAreReadWhole) {
  // inih's own line buffer is 200 bytes; our lines are not limited by it.
  std::string long_arg(1000, 'x');
  TempDir dir;
  dir.Write("handlers.d/h.conf",
            "[Match]\nAlertName=A\nInstance=i\n[Run]\nExec=/bin/echo " + long_arg + "\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_THAT(loaded.config.handlers[0].exec, ElementsAre("/bin/echo", long_arg));
}

TEST(ConfigTest, IndentedLinesAreAssignmentsNotContinuations) {
  TempDir dir;
  dir.Write("handlers.d/h.conf",
            "  [Match]\n\tAlertName=A\n  Instance=i\n[Run]\n  Exec=/bin/true\n"
            "    Mode = dry-run  \n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_THAT(loaded.config.handlers[0].exec, ElementsAre("/bin/true"));
  EXPECT_EQ(loaded.config.handlers[0].mode, HandlerMode::kDryRun);
}

TEST(ConfigTest, CrlfLineEndsAndByteOrderMarkAreAccepted) {
  TempDir dir;
  dir.Write("handlers.d/h.conf",
            "\xEF\xBB\xBF[Match]\r\nAlertName=A\r\nInstance=i\r\n[Run]\r\nExec=/bin/true\r\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.handlers[0].alertname, "A");
}

TEST(ConfigTest, HandlersAreSortedByNameAndOnlyConfFilesCount) {
  TempDir dir;
  for (const char* name : {"b", "a-b", "a", "Z"}) {
    dir.Write(std::string("handlers.d/") + name + ".conf",
              "[Match]\nAlertName=" + std::string(name) + "\nInstance=i\n[Run]\nExec=/bin/true\n");
  }
  dir.Write("handlers.d/c.conf.example", "not even ini");
  dir.Write("handlers.d/README", "not even ini");
  dir.Write("handlers.d/d.conf~", "not even ini");
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  std::vector<std::string> names;
  for (const HandlerConfig& h : loaded.config.handlers) names.push_back(h.name);
  EXPECT_THAT(names, ElementsAre("Z", "a", "a-b", "b"));
}

TEST(ConfigTest, SameAlertOnDisjointInstancesIsAllowed) {
  TempDir dir;
  dir.Write("handlers.d/a.conf", kMinimalHandler);
  dir.Write("handlers.d/b.conf",
            "[Match]\nAlertName=DiskSpaceLow\nInstance=web-2:9100\n[Run]\nExec=/bin/true\n");
  LoadedConfig loaded = LoadConfig(dir.path());
  EXPECT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.handlers.size(), 2u);
}

TEST(ConfigTest, SeveralErrorsInOneRunAreAllReportedInFileAndLineOrder) {
  TempDir dir;
  dir.Write("self-heal.conf", "[Server]\nMaxConnections=0\nBogus=1\n[Policy]\nDedupWindowSec=x\n");
  dir.Write("handlers.d/b.conf", "[Match]\nAlertName=A\nInstance=i\n[Run]\nExec=rel\nMode=x\n");
  dir.Write("handlers.d/a.conf",
            "[Match]\nAlertName=A\n[Run]\nExec=/bin/true\n[Limit]\n"
            "MaxAttempts=0\n");
  dir.Write("handlers.d/bad.name.conf", "");
  LoadedConfig loaded = LoadConfig(dir.path());
  std::string d = dir.path();
  std::vector<std::string> got;
  for (const ConfigError& e : loaded.errors) got.push_back(FormatConfigError(e));
  ASSERT_EQ(got.size(), 8u) << AllErrors(loaded);
  EXPECT_EQ(got[0], d + "/handlers.d/a.conf:1: Missing Instance= in [Match]: list the instances "
                        "this handler may act on (exact values of the alert's instance label)");
  EXPECT_EQ(got[1], d + "/handlers.d/a.conf:6: Invalid value '0' for MaxAttempts=: expected an "
                        "integer from 1 to 100");
  EXPECT_EQ(got[2], d + "/handlers.d/b.conf:5: Invalid value 'rel' for Exec=: the program 'rel' "
                        "must be an absolute, normalized path such as "
                        "/usr/lib/self-heal/handlers/x; no PATH lookup, no shell");
  EXPECT_EQ(got[3], d + "/handlers.d/b.conf:6: Invalid value 'x' for Mode=: expected run or "
                        "dry-run");
  EXPECT_EQ(got[4], d + "/handlers.d/bad.name.conf: Invalid handler name 'bad.name': the file "
                        "must be NAME.conf with a NAME of 1 to 64 letters, digits, '-' or '_'");
  EXPECT_EQ(got[5], d + "/self-heal.conf:2: Invalid value '0' for MaxConnections=: expected an "
                        "integer from 1 to 1024");
  EXPECT_EQ(got[6], d + "/self-heal.conf:3: Unknown key 'Bogus' in [Server]; allowed: "
                        "IdleTimeoutSec=, MaxBodyBytes=, WebhookPath=, MaxConnections=, "
                        "RequestTimeoutSec=, Auth=, AuthUser=, AuthSecretFile=");
  EXPECT_EQ(got[7].rfind(d + "/self-heal.conf:5: Invalid value 'x' for DedupWindowSec=: ", 0), 0u)
      << got[7];
  EXPECT_TRUE(loaded.config.handlers.empty());
}

TEST(ConfigTest, FormatConfigErrorLeavesOutLineZero) {
  EXPECT_EQ(FormatConfigError({"/etc/self-heal/handlers.d/x.conf", 7, "Bad"}),
            "/etc/self-heal/handlers.d/x.conf:7: Bad");
  EXPECT_EQ(FormatConfigError({"/etc/self-heal/handlers.d/x.conf", 0, "Bad"}),
            "/etc/self-heal/handlers.d/x.conf: Bad");
}

// --- the files shipped in the repository -------------------------------------------

const std::string kSource = SELFHEAL_SOURCE_DIR;

TEST(ConfigShippedTest, DemoConfigMatchesTheAlertmanagerFixtures) {
  LoadedConfig loaded = LoadConfig(kSource + "/tests/data/config-demo");
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.server.webhook_path, "/");
  EXPECT_EQ(loaded.config.server.auth, AuthKind::kNone);
  ASSERT_EQ(loaded.config.handlers.size(), 2u);
  const HandlerConfig& disk = loaded.config.handlers[0];
  EXPECT_EQ(disk.name, "disk-space-low");
  EXPECT_EQ(disk.alertname, "DiskSpaceLow");
  EXPECT_THAT(disk.instances, ElementsAre("web-1:9100"));
  EXPECT_THAT(disk.exec, ElementsAre("/bin/true"));
  EXPECT_EQ(disk.mode, HandlerMode::kRun);
  const HandlerConfig& service = loaded.config.handlers[1];
  EXPECT_EQ(service.name, "service-down");
  EXPECT_EQ(service.alertname, "ServiceDown");
  EXPECT_THAT(service.instances, ElementsAre("web-1:8080", "web-2:8080"));
  EXPECT_THAT(service.exec, ElementsAre("/usr/lib/self-heal/handlers/restart-service", "nginx"));
  EXPECT_EQ(service.mode, HandlerMode::kRun);
}

TEST(ConfigShippedTest, ExampleDirectoryLoadsAndItsExampleHandlerHealsNothing) {
  LoadedConfig loaded = LoadConfig(kSource + "/examples");
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_TRUE(loaded.config.handlers.empty());
}

TEST(ConfigShippedTest, ExampleConfigDocumentsTheTrueDefaults) {
  // Uncommenting every "#Key=default" line of the example must change nothing.
  std::string text = ReadText(kSource + "/examples/self-heal.conf");
  std::string uncommented = std::regex_replace(text, std::regex("(^|\n)#([A-Za-z]+=)"), "$1$2");
  ASSERT_NE(uncommented, text);
  TempDir dir;
  dir.Write("self-heal.conf", uncommented);
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  const ServerConfig& s = loaded.config.server;
  const ServerConfig d;
  EXPECT_EQ(s.idle_timeout, d.idle_timeout);
  EXPECT_EQ(s.max_body_bytes, d.max_body_bytes);
  EXPECT_EQ(s.webhook_path, d.webhook_path);
  EXPECT_EQ(s.max_connections, d.max_connections);
  EXPECT_EQ(s.request_timeout, d.request_timeout);
  EXPECT_EQ(s.auth, d.auth);
  EXPECT_EQ(s.auth_user, d.auth_user);
  EXPECT_EQ(s.auth_secret_file, d.auth_secret_file);
  EXPECT_EQ(s.dedup_window, d.dedup_window);
  EXPECT_EQ(s.alertmanager_urls, d.alertmanager_urls);
  EXPECT_EQ(s.escalate_exec, d.escalate_exec);
  EXPECT_EQ(s.resend_interval, d.resend_interval);
  EXPECT_EQ(s.metrics_textfile, d.metrics_textfile);
  // Every key of self-heal.conf is documented.
  for (const char* key :
       {"IdleTimeoutSec", "MaxBodyBytes", "WebhookPath", "MaxConnections", "RequestTimeoutSec",
        "Auth", "AuthUser", "AuthSecretFile", "DedupWindowSec", "AlertmanagerURL", "EscalateExec",
        "ResendIntervalSec", "TextfilePath"}) {
    EXPECT_NE(text.find(std::string("\n#") + key + "="), std::string::npos) << key;
  }
}

TEST(ConfigShippedTest, ExampleHandlerLoadsOnceRenamedToConf) {
  TempDir dir;
  dir.Write("handlers.d/restart-nginx.conf",
            ReadText(kSource + "/examples/handlers.d/restart-nginx.conf.example"));
  LoadedConfig loaded = LoadConfig(dir.path());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  ASSERT_EQ(loaded.config.handlers.size(), 1u);
  const HandlerConfig& h = loaded.config.handlers[0];
  EXPECT_EQ(h.name, "restart-nginx");
  EXPECT_EQ(h.mode, HandlerMode::kDryRun);
  EXPECT_EQ(h.alertname, "ServiceDown");
}

}  // namespace
}  // namespace selfheal
