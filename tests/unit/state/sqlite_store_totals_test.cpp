// The metrics totals of the durable store, on real SQLite files: what the histograms,
// the outbox depth, the pause and the breakers' ends read back, and the event
// counters' persistence across a reopen.
#include <gtest/gtest.h>

#include "policy/decide.h"
#include "state/sqlite_store.h"
#include "store_test_util.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;
using namespace state_test;

class SqliteStoreTotalsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.handlers.push_back(MakeHandler("disk", "DiskSpaceLow", {"web-1:9100"}));
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }
  std::unique_ptr<SqliteStore> Open() {
    auto opened = SqliteStore::Open(dir_.path());
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(opened).value() : nullptr;
  }
  const HandlerConfig& disk() const { return config_.handlers[0]; }
  void LaunchAt(TimePoint at, int attempt) {
    ASSERT_TRUE(store_->Record(alert_, Launch(disk(), attempt), at, nullptr).ok());
  }
  void Finish(Outcome outcome, TimePoint at, const std::string& invocation) {
    RunResult r = ResultOf(disk(), "web-1:9100", outcome, at, invocation);
    ASSERT_TRUE(store_->RecordResult(r, disk().max_attempts, disk().window, RowFor(r)).ok());
  }
  void ResolveAt(TimePoint now) {
    Alert resolved = MakeAlert("DiskSpaceLow", "web-1:9100", "82cf4c324f050464",
                               "2026-11-22T11:59:00.000Z", AlertStatus::kResolved);
    Decision d = Decide(resolved, config_, History{}, now);
    ASSERT_TRUE(store_->CreditResolved(resolved, d, now).ok());
  }
  StoreTotals Totals() {
    auto totals = store_->ReadTotals();
    EXPECT_TRUE(totals.ok()) << totals.error().message;
    return totals.ok() ? totals.value() : StoreTotals{};
  }

  TempDir dir_;
  Config config_;
  Alert alert_ = MakeAlert("DiskSpaceLow", "web-1:9100");
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTotalsTest, AFreshStoreHasNoHistogramsNoPauseAndAnEmptyOutbox) {
  StoreTotals totals = Totals();
  EXPECT_TRUE(totals.handler_duration.empty());
  EXPECT_TRUE(totals.time_to_resolve.empty());
  EXPECT_FALSE(totals.paused_until);
  EXPECT_EQ(totals.outbox_depth, 0);
  EXPECT_TRUE(totals.events.empty());
}

TEST_F(SqliteStoreTotalsTest, HandlerDurationCountsFinishedRunsIntoCumulativeBuckets) {
  LaunchAt(kT0, 1);
  Finish(Outcome::kFailed, kT0 + 3s, "inv-1");  // 3 s
  LaunchAt(kT0 + 10min, 2);
  Finish(Outcome::kFailed, kT0 + 10min + 200s, "inv-2");  // 200 s
  LaunchAt(kT0 + 20min, 3);                               // still running: not counted
  StoreTotals totals = Totals();
  ASSERT_EQ(totals.handler_duration.count("disk"), 1u);
  const SecondsHistogram& h = totals.handler_duration.at("disk");
  EXPECT_EQ(h.count, 2);
  EXPECT_EQ(h.sum_ns, 203'000'000'000);
  // Bounds 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600.
  EXPECT_EQ(h.buckets, (std::vector<int64_t>{0, 1, 1, 1, 1, 1, 2, 2, 2, 2}));
}

TEST_F(SqliteStoreTotalsTest, TimeToResolveCountsOnlyHealedRunsFromStartToResolve) {
  LaunchAt(kT0, 1);
  Finish(Outcome::kDone, kT0 + 1min, "inv-1");
  ResolveAt(kT0 + 5min);  // healed, 300 s after its start
  LaunchAt(kT0 + 10min, 1);
  Finish(Outcome::kFailed, kT0 + 11min, "inv-2");
  StoreTotals totals = Totals();
  ASSERT_EQ(totals.time_to_resolve.count("disk"), 1u);
  const SecondsHistogram& h = totals.time_to_resolve.at("disk");
  EXPECT_EQ(h.count, 1);
  EXPECT_EQ(h.sum_ns, 300'000'000'000);
  // Bounds 30, 60, 120, 300, …: 300 s is in the bucket le=300.
  EXPECT_EQ(h.buckets, (std::vector<int64_t>{0, 0, 0, 1, 1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(totals.handler_duration.at("disk").count, 2);
}

TEST_F(SqliteStoreTotalsTest, OutboxDepthCountsEscalationsNotYetDone) {
  Escalation e;
  e.handler = "disk";
  e.instance = "web-1:9100";
  e.payload = "[]";
  e.next_try = kT0;
  ASSERT_TRUE(store_->EnqueueEscalation(e).ok());
  EXPECT_EQ(Totals().outbox_depth, 1);
  auto due = store_->DueEscalations(kT0);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due.value().size(), 1u);
  EscalationMark mark;
  mark.delivered = true;
  mark.command_started = true;
  mark.next_try = kT0 + 1min;
  ASSERT_TRUE(store_->MarkEscalation(due.value()[0].id, mark).ok());
  StoreTotals totals = Totals();
  EXPECT_EQ(totals.outbox_depth, 0);
  EXPECT_EQ(totals.escalations, 1);
}

TEST_F(SqliteStoreTotalsTest, ThePauseReadsBackUntilResumed) {
  ASSERT_TRUE(store_->SetPausedUntil(kT0 + 1h).ok());
  EXPECT_EQ(Totals().paused_until, kT0 + 1h);
  ASSERT_TRUE(store_->SetPausedUntil(TimePoint::max()).ok());
  EXPECT_EQ(Totals().paused_until, TimePoint::max());
  ASSERT_TRUE(store_->SetPausedUntil(std::nullopt).ok());
  EXPECT_FALSE(Totals().paused_until);
}

TEST_F(SqliteStoreTotalsTest, AnOpenBreakerSaysWhenItsWindowEnds) {
  LaunchAt(kT0, 1);
  Finish(Outcome::kGaveUp, kT0 + 1min, "inv-1");
  auto status = store_->ListStatus(kT0 + 2min);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(status.value().size(), 1u);
  EXPECT_TRUE(status.value()[0].breaker_open);
  EXPECT_EQ(status.value()[0].breaker_open_until, kT0 + 1min + disk().window);
  status = store_->ListStatus(kT0 + 1min + disk().window);
  ASSERT_TRUE(status.ok());
  EXPECT_FALSE(status.value()[0].breaker_open);
  EXPECT_FALSE(status.value()[0].breaker_open_until);
}

TEST_F(SqliteStoreTotalsTest, EventCountsAddUpAndSurviveAReopen) {
  ASSERT_TRUE(
      store_->AddEventCounts({{{"decisions", "launch"}, 2}, {{"truncated_alerts", ""}, 5}}).ok());
  ASSERT_TRUE(store_
                  ->AddEventCounts(
                      {{{"decisions", "launch"}, 1}, {{"rejected_requests", "unauthorized"}, 4}})
                  .ok());
  ASSERT_TRUE(store_->AddEventCounts({}).ok());
  store_.reset();
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(Totals().events, (EventCounts{{{"decisions", "launch"}, 3},
                                          {{"rejected_requests", "unauthorized"}, 4},
                                          {{"truncated_alerts", ""}, 5}}));
}

}  // namespace
}  // namespace selfheal
