#include "serve/reload.h"

#include <gtest/gtest.h>

#include "config/temp_dir.h"
#include "fakes.h"
#include "serve/webhook_service.h"
#include "state/memory_store.h"

namespace selfheal {
namespace {

const std::string kDiskHandler =
    "[Match]\nAlertName=DiskSpaceLow\nInstance=web-1:9100\n[Run]\nExec=/bin/true\n";

TEST(ReloadTest, BrokenConfigIsRefusedWholeWithFileAndLine) {
  TempDir dir;
  dir.Write("handlers.d/disk.conf", kDiskHandler + "Bogus=1\n");
  Config running;
  ReloadVerdict v = JudgeReload(running, LoadConfig(dir.path()), dir.path());
  EXPECT_FALSE(v.apply);
  ASSERT_EQ(v.events.size(), 2u);
  EXPECT_EQ(v.events[0].type, EventType::kConfigInvalid);
  EXPECT_NE(v.events[0].message.find("handlers.d/disk.conf:6: "), std::string::npos)
      << v.events[0].message;
  EXPECT_EQ(v.events[1].type, EventType::kConfigReloaded);
  EXPECT_EQ(v.events[1].priority, 3);  // LOG_ERR
  EXPECT_NE(v.events[1].message.find("the running configuration stays in force"),
            std::string::npos);
}

TEST(ReloadTest, ListenerSettingIsRefusedAndNamesTheRestartThatAppliesIt) {
  TempDir dir;
  dir.Write("self-heal.conf", "[Server]\nWebhookPath=/new\n");
  dir.Write("handlers.d/disk.conf", kDiskHandler);
  Config running;
  ReloadVerdict v = JudgeReload(running, LoadConfig(dir.path()), dir.path());
  EXPECT_FALSE(v.apply);
  ASSERT_EQ(v.events.size(), 1u);
  EXPECT_NE(v.events[0].message.find("Server.WebhookPath changed"), std::string::npos)
      << v.events[0].message;
  EXPECT_NE(v.events[0].message.find("systemctl restart self-heal.service"), std::string::npos);
}

TEST(ReloadTest, ValidConfigIsAppliedAndSaysWhichHandlersChanged) {
  TempDir dir;
  dir.Write("self-heal.conf", "[Server]\nIdleTimeoutSec=5min\n[Policy]\nDedupWindowSec=10s\n");
  dir.Write("handlers.d/disk.conf", kDiskHandler);
  Config running;
  HandlerConfig old;
  old.name = "old";
  running.handlers = {old};
  ReloadVerdict v = JudgeReload(running, LoadConfig(dir.path()), dir.path());
  EXPECT_TRUE(v.apply);
  ASSERT_EQ(v.events.size(), 1u);
  EXPECT_EQ(v.events[0].type, EventType::kConfigReloaded);
  EXPECT_EQ(v.events[0].priority, 5);  // LOG_NOTICE
  EXPECT_NE(v.events[0].message.find("1 handler(s) (added: disk; removed: old; kept"),
            std::string::npos)
      << v.events[0].message;
}

TEST(ReloadTest, EveryListenerSettingIsNamed) {
  ServerConfig a, b;
  b.webhook_path = "/x";
  b.max_body_bytes = 1;
  b.max_connections = 1;
  b.request_timeout = std::chrono::seconds(1);
  b.auth = AuthKind::kBearer;
  b.auth_user = "u";
  b.auth_secret_file = "s";
  b.idle_timeout = std::chrono::minutes(9);  // live
  b.dedup_window = std::chrono::seconds(1);  // live
  EXPECT_EQ(ListenerSettingsChanged(a, b),
            (std::vector<std::string>{"Server.WebhookPath", "Server.MaxBodyBytes",
                                      "Server.MaxConnections", "Server.RequestTimeoutSec",
                                      "Server.Auth", "Server.AuthUser", "Server.AuthSecretFile"}));
}

TEST(ReloadTest, TheNextRequestIsDecidedWithTheConfigInUse) {
  Config before;  // no handler
  HandlerConfig disk;
  disk.name = "disk";
  disk.alertname = "DiskSpaceLow";
  disk.instances = {"web-1:9100"};
  disk.exec = {"/bin/true"};
  Config after;
  after.handlers = {disk};
  MemoryStore store;
  FakeLauncher launcher;
  RecordingJournal journal;
  FakeClock clock;
  WebhookService service(before, store, &launcher, journal, clock);
  const std::string body =
      R"({"version":"4","status":"firing","receiver":"r","groupKey":"{}:{}","alerts":[)"
      R"({"status":"firing","labels":{"alertname":"DiskSpaceLow","instance":"web-1:9100"},)"
      R"("startsAt":"2026-11-22T01:25:02.807Z","fingerprint":"1"}]})";
  EXPECT_NE(service.Handle({body, "127.0.0.1:1"}).body.find("no-handler"), std::string::npos);
  service.UseConfig(after);
  EXPECT_NE(service.Handle({body, "127.0.0.1:1"}).body.find("\"launch\""), std::string::npos);
  EXPECT_EQ(launcher.started.size(), 1u);
}

}  // namespace
}  // namespace selfheal
