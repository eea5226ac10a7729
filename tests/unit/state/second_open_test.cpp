// Regression: serve opens the store twice in one process. Opening it must never close
// a descriptor of the database, which would drop the first connection's POSIX locks;
// a result recorder in another process would then take the database for unused,
// checkpoint it and delete the WAL, and serve's later attempts would vanish.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

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
  // argv and environment given whole, with no shell between: the binary's path may
  // contain a space (a checkout under "/tmp/my clone").
  std::vector<std::string> args = {SELFHEAL_BINARY,
                                   "record-result",
                                   "--config-dir",
                                   config_dir,
                                   "--state-dir",
                                   dir,
                                   UnitNameFor("down", instance)};
  std::vector<std::string> env = {
      "SELF_HEAL_LOG=stderr",         "SELF_HEAL_HANDLER=down", "SELF_HEAL_INSTANCE=" + instance,
      "SERVICE_RESULT=exit-code",     "EXIT_CODE=exited",       "EXIT_STATUS=1",
      "INVOCATION_ID=inv-" + instance};
  std::vector<char*> argv, envp;
  for (std::string& a : args) argv.push_back(a.data());
  for (std::string& e : env) envp.push_back(e.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ASSERT_EQ(spawned, 0) << "cannot run " << args[0];
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << args[0] << " record-result for " << instance << ": wait status " << status;
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
