// Regression: serve opens the store twice in one process. Opening it must never close
// a descriptor of the database, which would drop the first connection's POSIX locks;
// a result recorder in another process would then take the database for unused,
// checkpoint it and delete the WAL, and serve's later attempts would vanish.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "launch/launch_request.h"
#include "state/sqlite_store.h"

namespace selfheal {
namespace {

Alert Firing(const std::string& instance, const std::string& starts_at) {
  Alert a;
  a.labels = {{"alertname", "ServiceDown"}, {"instance", instance}};
  a.fingerprint = "fp-" + instance;
  a.starts_at_text = starts_at;
  a.starts_at = *ParseRfc3339(starts_at);
  return a;
}

// In another process, as systemd runs it from the handler unit's ExecStopPost=: the
// real binary (a forked child would inherit this process's SQLite lock bookkeeping).
void RecordResultInAnotherProcess(const std::string& dir, const std::string& instance) {
  std::string config_dir = dir + "/config";
  std::filesystem::create_directories(config_dir);
  std::string command =
      "SELF_HEAL_LOG=stderr SELF_HEAL_HANDLER=down SELF_HEAL_INSTANCE=" + instance +
      " SERVICE_RESULT=exit-code EXIT_CODE=exited EXIT_STATUS=1 INVOCATION_ID=inv-" + instance +
      " " + SELFHEAL_BINARY + " record-result --config-dir " + config_dir + " --state-dir " + dir +
      " " + UnitNameFor("down", instance) + " 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

std::string LastResult(SqliteStore& store, const std::string& instance) {
  auto rows = store.ListStatus(SystemClock().Now());
  if (!rows.ok()) return "<" + rows.error().message + ">";
  for (const KeyStatus& k : rows.value()) {
    if (k.instance == instance) return k.last_result;
  }
  return "<absent>";
}

TEST(SqliteStoreSecondOpenTest, KeepsTheFirstConnectionsWalWhenAnotherProcessRecords) {
  char tmpl[] = "/tmp/self-heal-second-open-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  HandlerConfig handler;
  handler.name = "down";
  handler.alertname = "ServiceDown";
  handler.instances = {"web-1", "web-2"};
  handler.window = std::chrono::hours(1);
  auto request_store = SqliteStore::Open(dir);
  auto aftermath_store = SqliteStore::Open(dir);
  ASSERT_TRUE(request_store.ok() && aftermath_store.ok());

  Decision launch;
  launch.verdict = Verdict::kLaunch;
  launch.handler = &handler;
  launch.attempt = 1;
  TimePoint now = SystemClock().Now();
  ASSERT_TRUE(request_store.value()
                  ->Record(Firing("web-1", "2026-11-22T01:00:00Z"), launch, now, nullptr)
                  .ok());
  RecordResultInAnotherProcess(dir, "web-1");
  EXPECT_EQ(LastResult(*aftermath_store.value(), "web-1"), "failed");
  // The child's close must not have taken the WAL away from the request connection.
  ASSERT_TRUE(request_store.value()
                  ->Record(Firing("web-2", "2026-11-22T01:00:01Z"), launch, now, nullptr)
                  .ok());
  RecordResultInAnotherProcess(dir, "web-2");
  EXPECT_EQ(LastResult(*aftermath_store.value(), "web-2"), "failed");

  request_store.value().reset();
  aftermath_store.value().reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace selfheal
