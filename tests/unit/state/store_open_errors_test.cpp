// Every failure of SqliteStore::Open says which path and why, so that `serve` never
// exits with "cannot open the state store: " and nothing after it.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "state/sqlite_store.h"
#include "store_test_util.h"

namespace selfheal {
namespace {

using state_test::TempDir;

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// The message names `path` and carries `cause`, the text that says what went wrong.
void ExpectRefused(const std::string& dir, const std::string& path, const std::string& cause) {
  auto opened = SqliteStore::Open(dir);
  ASSERT_FALSE(opened.ok());
  const std::string& m = opened.error().message;
  EXPECT_FALSE(m.empty());
  EXPECT_NE(m.find(path), std::string::npos) << m;
  EXPECT_NE(m.find(cause), std::string::npos) << m;
}

TEST(StoreOpenErrors, MissingDirectory) {
  TempDir tmp;
  std::string dir = tmp.path() + "/missing";
  ExpectRefused(dir, dir + "/state.db", "does not exist");
}

// Works for root too, whom permission bits do not stop.
TEST(StoreOpenErrors, DirectoryUnderARegularFile) {
  TempDir tmp;
  WriteFile(tmp.path() + "/file", "x");
  std::string dir = tmp.path() + "/file/sub";
  ExpectRefused(dir, dir + "/state.db", "Not a directory");
}

// A directory its owner may read but not write. Root ignores permission bits, so then
// the directory is handed to nobody and the open runs in a child that is nobody.
void ExpectRefusedInReadOnlyDir(const TempDir& tmp, const std::string& cause) {
  const bool root = geteuid() == 0;
  if (root) {
    ASSERT_EQ(chown(tmp.path().c_str(), 65534, 65534), 0);
    if (access(tmp.db().c_str(), F_OK) == 0) {
      ASSERT_EQ(chown(tmp.db().c_str(), 65534, 65534), 0);
    }
  }
  ASSERT_EQ(chmod(tmp.path().c_str(), 0500), 0);
  if (!root) return ExpectRefused(tmp.path(), tmp.db(), cause);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(2);
    auto opened = SqliteStore::Open(tmp.path());
    std::string m = opened.ok() ? "opened" : opened.error().message;
    bool named = m.find(tmp.db()) != std::string::npos && m.find(cause) != std::string::npos;
    if (!named) std::fprintf(stderr, "message: %s\n", m.c_str());
    _exit(named ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: no path or cause; 2: could not become nobody";
}

TEST(StoreOpenErrors, ReadOnlyDirectoryWithoutADatabase) {
  TempDir tmp;
  ExpectRefusedInReadOnlyDir(tmp, "Permission denied");
}

// The database exists but its WAL cannot be created beside it: SQLite's "unable to open
// database file" alone would not say why, so the system error comes with it.
TEST(StoreOpenErrors, ReadOnlyDirectoryWithADatabase) {
  TempDir tmp;
  ASSERT_TRUE(SqliteStore::Open(tmp.path()).ok());
  ExpectRefusedInReadOnlyDir(tmp, "not writable");
}

TEST(StoreOpenErrors, CorruptDatabase) {
  TempDir tmp;
  WriteFile(tmp.db(), std::string(4096, '\x5a') + "not an sqlite file");
  ExpectRefused(tmp.path(), tmp.db(), "is corrupt");
}

}  // namespace
}  // namespace selfheal
