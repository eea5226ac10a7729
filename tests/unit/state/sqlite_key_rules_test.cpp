// The rules of one key (sqlite_store_internal.h) are one rule each: the request path
// (LoadHistory), the result path (RecordResult) and `status` (ListStatus) read the
// same window and the same running-or-lost state.
#include <gtest/gtest.h>

#include "state/sqlite_store.h"
#include "store_test_util.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;
using namespace state_test;

class SqliteKeyRulesTest : public testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::Open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
  }
  void LaunchAt(TimePoint at, int attempt) {
    ASSERT_TRUE(store_->Record(alert_, Launch(disk_, attempt), at, nullptr).ok());
  }
  ResultEffect FailAt(TimePoint at, const std::string& invocation) {
    RunResult r = ResultOf(disk_, "web-1:9100", Outcome::kFailed, at, invocation);
    auto effect = store_->RecordResult(r, disk_.max_attempts, disk_.window, RowFor(r));
    EXPECT_TRUE(effect.ok()) << effect.error().message;
    return effect.ok() ? effect.value() : ResultEffect{};
  }
  KeyState KeyAt(TimePoint now) {
    auto h = store_->LoadHistory(alert_, {&disk_}, now);
    EXPECT_TRUE(h.ok());
    return h.ok() && h.value().keys.contains("disk") ? h.value().keys.at("disk") : KeyState{};
  }
  KeyStatus StatusAt(TimePoint now) {
    auto s = store_->ListStatus(now);
    EXPECT_TRUE(s.ok() && s.value().size() == 1u);
    return s.ok() && !s.value().empty() ? s.value()[0] : KeyStatus{};
  }

  TempDir dir_;
  HandlerConfig disk_ = MakeHandler("disk", "DiskSpaceLow", {"web-1:9100"});  // 5min, 3 in 4h
  Alert alert_ = MakeAlert("DiskSpaceLow", "web-1:9100");
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteKeyRulesTest, RunningOrLostGoesByTheTimeoutTheAttemptWasLaunchedWith) {
  LaunchAt(kT0, 1);      // its unit got RuntimeMaxSec=5min
  disk_.timeout = 1min;  // the config changed since
  KeyState key = KeyAt(kT0 + 2min);
  EXPECT_TRUE(key.run_active) << "the unit may run 5 min, whatever the config says now";
  EXPECT_EQ(key.last_result, "running");
  EXPECT_EQ(StatusAt(kT0 + 2min).last_result, "running");
  EXPECT_EQ(KeyAt(kT0 + 5min + 30s).last_result, "lost");
  EXPECT_EQ(StatusAt(kT0 + 5min + 30s).last_result, "lost");
}

TEST_F(SqliteKeyRulesTest, HistoryResultAndStatusCountTheSameAttempts) {
  LaunchAt(kT0, 1);
  FailAt(kT0 + 1min, "inv-1");
  LaunchAt(kT0 + 2h, 2);
  EXPECT_EQ(FailAt(kT0 + 4h + 30min, "inv-2").attempts_in_window, 1)
      << "the first attempt left the 4 h window";
  EXPECT_EQ(KeyAt(kT0 + 4h + 30min).attempts, std::vector<TimePoint>{kT0 + 2h});
  EXPECT_EQ(StatusAt(kT0 + 4h + 30min).attempts_in_window, 1);
}

TEST_F(SqliteKeyRulesTest, ABreakerWhoseWindowPassedIsClosedForEveryReader) {
  LaunchAt(kT0, 1);
  FailAt(kT0 + 1min, "inv-1");
  LaunchAt(kT0 + 2min, 2);
  FailAt(kT0 + 3min, "inv-2");
  LaunchAt(kT0 + 4min, 3);
  EXPECT_TRUE(FailAt(kT0 + 5min, "inv-3").breaker_opened);
  // Nothing written since: the breaker row is still there, its window passed.
  TimePoint later = kT0 + 5min + 4h;
  EXPECT_FALSE(KeyAt(later).breaker_opened_at);
  EXPECT_TRUE(KeyAt(later).attempts.empty());
  EXPECT_FALSE(StatusAt(later).breaker_open);
  EXPECT_EQ(StatusAt(later).attempts_in_window, 0);
}

}  // namespace
}  // namespace selfheal
