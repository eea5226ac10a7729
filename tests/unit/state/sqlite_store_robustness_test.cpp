// The durable store when the world is unkind: two processes writing at once, a
// corrupt file, a read-only database, a missing directory, a database from a newer
// self-heal. Every failure is an Error naming the file; nothing crashes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "state/schema.h"
#include "state/sqlite_store.h"
#include "store_test_util.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;
using namespace state_test;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::unique_ptr<SqliteStore> MustOpen(const std::string& dir) {
  auto opened = SqliteStore::Open(dir);
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  return opened.ok() ? std::move(opened).value() : nullptr;
}

// One child of TwoProcessesWritingAtOnceLoseNothing: waits for the go, then records
// `n` launches and results on its own key and on the shared one.
int Writer(const std::string& dir, int id, int go_fd, int n) {
  char go;
  if (read(go_fd, &go, 1) != 1) return 2;
  auto opened = SqliteStore::Open(dir);
  if (!opened.ok()) {
    fprintf(stderr, "writer %d: %s\n", id, opened.error().message.c_str());
    return 1;
  }
  SqliteStore& store = *opened.value();
  HandlerConfig disk = MakeHandler("disk", "DiskSpaceLow", {});
  const Outcome outcomes[] = {Outcome::kFailed, Outcome::kDone, Outcome::kNotApplicable};
  for (int i = 0; i < n; ++i) {
    for (std::string instance : {"own-" + std::to_string(id), std::string("shared")}) {
      std::string tag = std::to_string(id) + "-" + instance + "-" + std::to_string(i);
      Alert alert = MakeAlert("DiskSpaceLow", instance, "fp-" + tag);
      TimePoint at = kT0 + i * 1s;
      if (Status s = store.Record(alert, Launch(disk, 1), at, nullptr); !s.ok()) {
        fprintf(stderr, "writer %d: %s\n", id, s.error().message.c_str());
        return 1;
      }
      RunResult r = ResultOf(disk, instance, outcomes[i % 3], at + 1ms, "inv-" + tag);
      auto effect = store.RecordResult(r, 1000000, 4h, RowFor(r));
      if (!effect.ok() || !effect.value().found_attempt) {
        fprintf(stderr, "writer %d: %s\n", id,
                effect.ok() ? "result matched no attempt" : effect.error().message.c_str());
        return 1;
      }
    }
  }
  return 0;
}

TEST(SqliteStoreRobustnessTest, TwoProcessesWritingAtOnceLoseNothing) {
  TempDir dir;
  constexpr int kPerWriter = 200;
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  pid_t children[2];
  for (int id = 0; id < 2; ++id) {
    children[id] = fork();
    ASSERT_GE(children[id], 0);
    if (children[id] == 0) {
      close(go[1]);
      _exit(Writer(dir.path(), id, go[0], kPerWriter));
    }
  }
  close(go[0]);
  ASSERT_EQ(write(go[1], "gg", 2), 2);  // both open the fresh database at the same moment
  close(go[1]);
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a writer failed, see stderr";
  }
  const std::string db = dir.db();
  EXPECT_EQ(RawQuery(db, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(RawQuery(db, "SELECT COUNT(*) FROM attempts"), "800");
  EXPECT_EQ(RawQuery(db, "SELECT COUNT(*) FROM attempts WHERE instance = 'own-0'"), "200");
  EXPECT_EQ(RawQuery(db, "SELECT COUNT(*) FROM attempts WHERE instance = 'own-1'"), "200");
  EXPECT_EQ(RawQuery(db, "SELECT COUNT(*) FROM attempts WHERE instance = 'shared'"), "400");
  EXPECT_EQ(RawQuery(db, "SELECT COUNT(DISTINCT invocation_id) FROM attempts"), "800");
  EXPECT_EQ(RawQuery(db, "SELECT COUNT(*) FROM attempts WHERE finished_at IS NULL OR orphan = 1"),
            "0");
  EXPECT_EQ(RawQuery(db, "SELECT COUNT(DISTINCT fingerprint) FROM notifications"), "800");
  EXPECT_EQ(RawQuery(db, "PRAGMA user_version"), std::to_string(sqlite::SchemaVersion()));
}

TEST(SqliteStoreRobustnessTest, GarbageFileIsReportedAsCorruptNamingThePath) {
  TempDir dir;
  ASSERT_TRUE(WriteAt(dir.db(), Garbage(8192)));
  auto opened = SqliteStore::Open(dir.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, Errc::kUnavailable);
  EXPECT_TRUE(Contains(opened.error().message, "'" + dir.db() + "' is corrupt"))
      << opened.error().message;
}

TEST(SqliteStoreRobustnessTest, CorruptPagesBehindAValidHeaderFailTheFirstCallNotTheProcess) {
  TempDir dir;
  HandlerConfig disk = MakeHandler("disk", "DiskSpaceLow", {"web-1:9100"});
  Alert alert = MakeAlert("DiskSpaceLow", "web-1:9100");
  {
    auto store = MustOpen(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Record(alert, Launch(disk, 1), kT0, nullptr).ok());
  }
  struct stat st {};
  ASSERT_EQ(stat(dir.db().c_str(), &st), 0);
  ASSERT_TRUE(WriteAt(dir.db(), Garbage(static_cast<size_t>(st.st_size) - 100),
                      100));  // keep the 100-byte header

  auto opened = SqliteStore::Open(dir.path());
  if (!opened.ok()) {
    EXPECT_EQ(opened.error().code, Errc::kUnavailable);
    EXPECT_TRUE(Contains(opened.error().message, dir.db())) << opened.error().message;
    return;
  }
  auto history = opened.value()->LoadHistory(alert, {&disk}, kT0);
  ASSERT_FALSE(history.ok());
  EXPECT_EQ(history.error().code, Errc::kUnavailable);
  EXPECT_TRUE(Contains(history.error().message, "'" + dir.db() + "' is corrupt"))
      << history.error().message;
  Status recorded = opened.value()->Record(alert, Launch(disk, 1), kT0, nullptr);
  ASSERT_FALSE(recorded.ok());
  EXPECT_TRUE(Contains(recorded.error().message, "record attempt for 'disk' on 'web-1:9100': "))
      << recorded.error().message;
}

TEST(SqliteStoreRobustnessTest, ReadOnlyStoreReadsButRefusesEveryWrite) {
  TempDir dir;
  HandlerConfig disk = MakeHandler("disk", "DiskSpaceLow", {"web-1:9100"});
  Alert alert = MakeAlert("DiskSpaceLow", "web-1:9100");
  {
    auto store = MustOpen(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Record(alert, Launch(disk, 1), kT0, nullptr).ok());
  }
  auto opened = SqliteStore::Open(dir.path(), /*read_only=*/true);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  SqliteStore& store = *opened.value();
  auto history = store.LoadHistory(alert, {&disk}, kT0 + 1min);
  ASSERT_TRUE(history.ok()) << history.error().message;
  EXPECT_EQ(history.value().keys["disk"].attempts, std::vector<TimePoint>{kT0});
  EXPECT_TRUE(store.ListStatus(kT0).ok());
  EXPECT_TRUE(store.ReadTotals().ok());

  Status recorded = store.Record(alert, Launch(disk, 2), kT0 + 10min, nullptr);
  ASSERT_FALSE(recorded.ok());
  EXPECT_EQ(recorded.error().code, Errc::kUnavailable);
  EXPECT_TRUE(Contains(recorded.error().message, "record attempt for 'disk' on 'web-1:9100': "))
      << recorded.error().message;
  EXPECT_EQ(store.SetPausedUntil(kT0).error().code, Errc::kUnavailable);
  EXPECT_EQ(store.Reset({"disk", "web-1:9100"}).error().code, Errc::kUnavailable);
  EXPECT_EQ(store.EnqueueEscalation(Escalation{}).error().code, Errc::kUnavailable);
  EXPECT_EQ(RawQuery(dir.db(), "SELECT COUNT(*) FROM attempts"), "1");
}

TEST(SqliteStoreRobustnessTest, ReadOnlyOpenOfAMissingDatabaseCreatesNothing) {
  TempDir dir;
  auto opened = SqliteStore::Open(dir.path(), /*read_only=*/true);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, Errc::kNotFound);
  EXPECT_TRUE(Contains(opened.error().message, dir.db())) << opened.error().message;
  EXPECT_NE(access(dir.db().c_str(), F_OK), 0);
}

TEST(SqliteStoreRobustnessTest, MissingDirectoryIsAClearError) {
  TempDir dir;
  std::string missing = dir.path() + "/no-such-dir";
  auto opened = SqliteStore::Open(missing);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, Errc::kUnavailable);
  EXPECT_EQ(opened.error().message, "open '" + missing + "/state.db': the state directory '" +
                                        missing + "' does not exist");
  EXPECT_NE(access(missing.c_str(), F_OK), 0);
}

TEST(SqliteStoreRobustnessTest, ReadOnlyDirectoryRefusesANewDatabase) {
  TempDir dir;
  ASSERT_EQ(chmod(dir.path().c_str(), 0555), 0);
  // Root ignores permission bits, so the open runs in a child that is nobody (the
  // directory is readable by all and writable by no one).
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(2);
    auto opened = SqliteStore::Open(dir.path());
    bool refused = !opened.ok() && opened.error().code == Errc::kUnavailable &&
                   Contains(opened.error().message, dir.db());
    _exit(refused ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: the open was not refused; 2: could not become nobody";
}

TEST(SqliteStoreRobustnessTest, DatabaseFromANewerSelfHealIsRefused) {
  TempDir dir;
  ASSERT_NE(MustOpen(dir.path()), nullptr);
  EXPECT_EQ(RawQuery(dir.db(), "PRAGMA user_version = 99"), "");
  for (bool read_only : {false, true}) {
    auto opened = SqliteStore::Open(dir.path(), read_only);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, Errc::kUnavailable);
    EXPECT_TRUE(Contains(opened.error().message, "schema version 99, newer than"))
        << opened.error().message;
    EXPECT_TRUE(Contains(opened.error().message, dir.db())) << opened.error().message;
  }
  EXPECT_EQ(RawQuery(dir.db(), "PRAGMA user_version"), "99");  // never downgraded
}

TEST(SqliteStoreRobustnessTest, AnotherApplicationsDatabaseIsRefused) {
  TempDir dir;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.db().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA application_id = 42; CREATE TABLE t (x);", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto opened = SqliteStore::Open(dir.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, Errc::kUnavailable);
  EXPECT_TRUE(Contains(opened.error().message, "another application")) << opened.error().message;
}

TEST(SqliteStoreRobustnessTest, EmptyFileBecomesAFreshDatabase) {
  TempDir dir;
  ASSERT_TRUE(WriteAt(dir.db(), ""));
  ASSERT_NE(MustOpen(dir.path()), nullptr);
  EXPECT_EQ(RawQuery(dir.db(), "PRAGMA user_version"), std::to_string(sqlite::SchemaVersion()));
}

TEST(SqliteStoreRobustnessTest, ReadOnlyOpenOfAnUninitialisedDatabaseIsNotFound) {
  TempDir dir;
  ASSERT_TRUE(WriteAt(dir.db(), ""));
  auto opened = SqliteStore::Open(dir.path(), /*read_only=*/true);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace selfheal
