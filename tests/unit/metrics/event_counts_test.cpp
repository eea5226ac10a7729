// The event counters serve keeps for the metrics: what each journal entry adds, and
// the counting sink that passes every entry on.
#include "metrics/event_counts.h"

#include <gtest/gtest.h>
#include <syslog.h>

#include <chrono>

#include "fakes.h"
#include "http/rejection.h"

namespace selfheal {
namespace {

TEST(EventCountsTest, DecisionsAreCountedByNameFromTheirOneEntry) {
  EventCounts counts;
  CountEvent({EventType::kDecision, LOG_INFO, "", {{"DECISION", "launch"}}}, counts);
  CountEvent({EventType::kDecision, LOG_INFO, "", {{"DECISION", "launch"}}}, counts);
  CountEvent({EventType::kLaunchFailed, LOG_ERR, "", {{"DECISION", "launch"}}}, counts);
  CountEvent({EventType::kDecision, LOG_INFO, "", {{"DECISION", "paused"}}}, counts);
  // A launch answered 503 for a retry carries no DECISION: the retry decides again.
  CountEvent({EventType::kLaunchFailed, LOG_ERR, "", {{"ERROR", "no systemd"}}}, counts);
  EXPECT_EQ(counts, (EventCounts{{{"decisions", "launch"}, 3}, {{"decisions", "paused"}, 1}}));
}

TEST(EventCountsTest, RejectionsByReasonAndTruncatedAlertsByTheirNumber) {
  EventCounts counts;
  CountEvent({EventType::kRequestRejected, LOG_WARNING, "", {{"REASON", "unauthorized"}}}, counts);
  CountEvent({EventType::kRequestRejected, LOG_ERR, "", {{"REASON", "store-unavailable"}}}, counts);
  CountEvent({EventType::kWebhookReceived, LOG_WARNING, "", {{"TRUNCATED_ALERTS", "7"}}}, counts);
  CountEvent({EventType::kWebhookReceived, LOG_INFO, "", {{"ALERTS", "2"}}}, counts);
  CountEvent({EventType::kStoreError, LOG_WARNING, "", {{"REASON", "disk full"}}}, counts);
  EXPECT_EQ(counts, (EventCounts{{{"rejected_requests", "store-unavailable"}, 1},
                                 {{"rejected_requests", "unauthorized"}, 1},
                                 {{"truncated_alerts", ""}, 7}}));
}

TEST(EventCountsTest, ASummaryOfDroppedConnectionsCountsAsItsCount) {
  EventCounts counts;
  CountEvent(DroppedConnectionsEvent("evicted", 42, std::chrono::seconds(10)), counts);
  CountEvent({EventType::kRequestRejected, LOG_WARNING, "", {{"REASON", "evicted"}}}, counts);
  EXPECT_EQ(counts, (EventCounts{{{"rejected_requests", "evicted"}, 43}}));
}

TEST(EventCountsTest, TheCountingJournalPassesEveryEntryOnAndCountsUntilTaken) {
  RecordingJournal inner;
  CountingJournal counting(inner);
  counting.Write({EventType::kDecision, LOG_INFO, "one", {{"DECISION", "launch"}}});
  counting.Write({EventType::kServeStarted, LOG_INFO, "two", {}});
  ASSERT_EQ(inner.events.size(), 2u);
  EXPECT_EQ(inner.events[1].message, "two");
  EventCounts taken = counting.Take();
  EXPECT_EQ(taken, (EventCounts{{{"decisions", "launch"}, 1}}));
  EXPECT_TRUE(counting.Take().empty()) << "a Take starts again from zero";
  counting.Write({EventType::kDecision, LOG_INFO, "three", {{"DECISION", "launch"}}});
  counting.GiveBack(taken);
  EXPECT_EQ(counting.Take(), (EventCounts{{{"decisions", "launch"}, 2}}));
}

}  // namespace
}  // namespace selfheal
