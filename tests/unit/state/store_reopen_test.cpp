// A store whose database went bad recovers by itself once the fault is cleared: serve
// kept answering 503 after the corrupt file was moved aside, until it was restarted.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "state/sqlite_db.h"
#include "state/sqlite_store.h"
#include "store_test_util.h"

namespace selfheal {
namespace {

using namespace state_test;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// What the error message tells the operator to do, with the WAL files that belong to it.
void MoveAside(const std::string& db) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::string from = db + suffix;
    std::rename(from.c_str(), (from + ".corrupt").c_str());
  }
}

TEST(StoreReopen, MissingDirectoryThenCreatedWorksWithoutANewStore) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/state";
  SqliteStore::Deferred opened = SqliteStore::OpenOrRetry(dir);
  ASSERT_NE(opened.store, nullptr);
  ASSERT_TRUE(opened.error.has_value());
  EXPECT_TRUE(Contains(opened.error->message, "does not exist")) << opened.error->message;

  HandlerConfig disk = MakeHandler("disk", "DiskSpaceLow", {"web-1:9100"});
  Alert alert = MakeAlert("DiskSpaceLow", "web-1:9100");
  Status refused = opened.store->Record(alert, Launch(disk, 1), kT0, nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kUnavailable);
  EXPECT_TRUE(Contains(refused.error().message, "does not exist")) << refused.error().message;

  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  ASSERT_TRUE(opened.store->Record(alert, Launch(disk, 1), kT0, nullptr).ok());
  auto history = opened.store->LoadHistory(alert, {&disk}, kT0);
  ASSERT_TRUE(history.ok()) << history.error().message;
  EXPECT_EQ(history.value().keys.at("disk").attempts.size(), 1u);
}

// Corrupt pages behind a valid header: the open may pass and the first read fail, or
// the open fail; either way the store says "corrupt", and once the file is moved
// aside the same store starts over with empty state.
TEST(StoreReopen, CorruptFileMovedAsideRecoversWithoutANewStore) {
  TempDir tmp;
  HandlerConfig disk = MakeHandler("disk", "DiskSpaceLow", {"web-1:9100"});
  Alert alert = MakeAlert("DiskSpaceLow", "web-1:9100");
  {
    auto store = SqliteStore::Open(tmp.path());
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE(store.value()->Record(alert, Launch(disk, 1), kT0, nullptr).ok());
  }
  struct stat st {};
  ASSERT_EQ(stat(tmp.db().c_str(), &st), 0);
  ASSERT_TRUE(WriteAt(tmp.db(), Garbage(static_cast<size_t>(st.st_size) - 100), 100));

  SqliteStore::Deferred opened = SqliteStore::OpenOrRetry(tmp.path());
  ASSERT_NE(opened.store, nullptr);
  for (int i = 0; i < 2; ++i) {  // still corrupt at the second try: nothing heals by itself
    auto history = opened.store->LoadHistory(alert, {&disk}, kT0);
    ASSERT_FALSE(history.ok());
    EXPECT_TRUE(Contains(history.error().message, "is corrupt")) << history.error().message;
  }

  MoveAside(tmp.db());
  auto history = opened.store->LoadHistory(alert, {&disk}, kT0);
  ASSERT_TRUE(history.ok()) << history.error().message;
  EXPECT_TRUE(history.value().keys.empty());
  ASSERT_TRUE(opened.store->Record(alert, Launch(disk, 1), kT0, nullptr).ok());
}

// SQLite keeps writing to a file that was moved aside (seen: no error at all), so the
// store itself notices that the path names another file, or none, and opens it anew.
TEST(StoreReopen, LiveConnectionToAMovedFileIsReplaced) {
  TempDir tmp;
  HandlerConfig disk = MakeHandler("disk", "DiskSpaceLow", {"web-1:9100"});
  Alert alert = MakeAlert("DiskSpaceLow", "web-1:9100");
  auto store = SqliteStore::Open(tmp.path());
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_TRUE(store.value()->Record(alert, Launch(disk, 1), kT0, nullptr).ok());

  MoveAside(tmp.db());
  ASSERT_TRUE(store.value()->Record(alert, Launch(disk, 1), kT0, nullptr).ok());
  auto history = store.value()->LoadHistory(alert, {&disk}, kT0);
  ASSERT_TRUE(history.ok()) << history.error().message;
  EXPECT_EQ(history.value().keys.at("disk").attempts.size(), 1u);  // the new file's only
}

TEST(StoreReopen, OnlyFaultsOfTheConnectionItselfCallForANewOne) {
  EXPECT_TRUE(sqlite::IsLastingFault(SQLITE_CORRUPT));
  EXPECT_TRUE(sqlite::IsLastingFault(SQLITE_NOTADB));
  EXPECT_TRUE(sqlite::IsLastingFault(SQLITE_IOERR_SHMMAP));
  EXPECT_TRUE(sqlite::IsLastingFault(SQLITE_CANTOPEN));
  EXPECT_TRUE(sqlite::IsLastingFault(SQLITE_READONLY_DBMOVED));
  EXPECT_FALSE(sqlite::IsLastingFault(SQLITE_BUSY));
  EXPECT_FALSE(sqlite::IsLastingFault(SQLITE_FULL));
  EXPECT_FALSE(sqlite::IsLastingFault(SQLITE_CONSTRAINT));
}

}  // namespace
}  // namespace selfheal
