// The WAL index (state.db-shm) truncated under a process that has it mapped: the
// store answers an error that says so, the process lives, nothing half-done is
// committed, and the next process finds every committed write. Each case runs in a
// child process (a death test), because the loss is sticky for the process.
// The parent never opens the store before its child is done with it.
#include "state/shared_index.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "state/sqlite_store.h"
#include "store_test_util.h"

namespace selfheal {
namespace {

using state_test::kT0;
using state_test::TempDir;

Escalation Page(const std::string& instance) {
  Escalation e;
  e.handler = "disk";
  e.instance = instance;
  e.payload = "[]";
  e.next_try = kT0;
  return e;
}

// In the child: one write maps the index, then the index is cut to nothing as root
// could, and the next write and read must fail with the cause instead of SIGBUS.
[[noreturn]] void LoseTheIndexUnderAnOpenStore(const std::string& dir) {
  auto store = SqliteStore::Open(dir);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.error().message.c_str());
    _exit(2);
  }
  if (!store.value()->EnqueueEscalation(Page("web-1:9100")).ok()) _exit(3);
  if (::truncate((dir + "/state.db-shm").c_str(), 0) != 0) _exit(4);
  Status lost = store.value()->EnqueueEscalation(Page("web-2:9100"));
  if (lost.ok() || lost.error().code != Errc::kUnavailable) _exit(5);
  std::fprintf(stderr, "%s\n", lost.error().message.c_str());
  if (!SqliteStore::IndexLost()) _exit(6);
  if (store.value()->ReadTotals().ok()) _exit(7);  // refused, not read from zeroes
  if (SqliteStore::Open(dir).ok()) _exit(8);       // no new view in this process
  _exit(0);
}

TEST(SharedIndexTest, ATruncatedIndexIsAStoreErrorNotADeathAndTheNextProcessHasEveryCommit) {
  // Forked, not run again from the start: the child must use this test's directory.
  GTEST_FLAG_SET(death_test_style, "fast");
  TempDir dir;
  EXPECT_EXIT(LoseTheIndexUnderAnOpenStore(dir.path()), ::testing::ExitedWithCode(0),
              "state.db-shm', was truncated or could not be read under this process");
  // This process never opened the store: its view is a fresh one, rebuilt from the WAL.
  auto store = SqliteStore::Open(dir.path());
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto totals = store.value()->ReadTotals();
  ASSERT_TRUE(totals.ok()) << totals.error().message;
  EXPECT_EQ(totals.value().escalations, 1);  // the first write, and not the refused one
  EXPECT_TRUE(store.value()->EnqueueEscalation(Page("web-2:9100")).ok());
}

// A SIGBUS that is not about the index still kills: sent by another process, or raised
// by a shared mapping of some other file that shrank. The handler it had before the
// guard takes it: the default action, or a sanitizer's report and exit code.
bool DiedOfTheSigbus(int status) {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  // The sanitizer's own handler reports, then exits with its exit code (TSan 66, ASan
  // 1) or aborts (abort_on_error=1); the statements' own exit codes (0, 2, 3, 4) would
  // mean the process went on.
  if (WIFSIGNALED(status)) return WTERMSIG(status) == SIGBUS || WTERMSIG(status) == SIGABRT;
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
  return code != 0 && code != 2 && code != 3 && code != 4;
#else
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
#endif
}

TEST(SharedIndexTest, ASentSigbusStillKills) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        sqlite::GuardSharedIndex();
        std::raise(SIGBUS);
        _exit(0);
      },
      DiedOfTheSigbus, "");
}

TEST(SharedIndexTest, AFaultOnAnotherSharedFileStillKills) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  TempDir dir;
  std::string path = dir.path() + "/other";
  ASSERT_TRUE(state_test::WriteAt(path, std::string(8192, 'x')));
  EXPECT_EXIT(
      {
        sqlite::GuardSharedIndex();
        int fd = ::open(path.c_str(), O_RDWR);
        void* map = ::mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED || ::ftruncate(fd, 0) != 0) _exit(2);
        volatile char c = static_cast<volatile char*>(map)[4096];
        _exit(c == 'x' ? 3 : 4);
      },
      DiedOfTheSigbus, "");
}

}  // namespace
}  // namespace selfheal
