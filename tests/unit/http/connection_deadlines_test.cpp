// ConnectionTable and DropThrottle: the drop policy on a fake clock.
#include "http/connection_deadlines.h"

#include <gtest/gtest.h>

#include <chrono>

#include "http/drop_throttle.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;
using Instant = ConnectionTable::Instant;

const Instant kT0{};

ConnectionPolicy SmallPolicy() {
  ConnectionPolicy policy;
  policy.body_slots = 2;
  policy.table_size = 3;
  policy.header_deadline = 10s;
  policy.body_deadline = 10s;
  policy.body_grace = 1s;
  return policy;
}

TEST(ConnectionPolicyTest, DerivesFromMaxConnectionsAndRequestTimeout) {
  ServerOptions options;
  options.max_connections = 64;
  options.request_timeout = 7s;
  const ConnectionPolicy policy = PolicyFor(options);
  EXPECT_EQ(policy.body_slots, 64u);
  EXPECT_EQ(policy.table_size, 80u);
  EXPECT_EQ(policy.header_deadline, 7s);
  EXPECT_EQ(policy.body_deadline, 7s);
  EXPECT_EQ(MhdConnectionLimit(policy), 96u);
}

TEST(ConnectionTableTest, AFullTableDropsTheOneWaitingLongestForItsHeaders) {
  ConnectionTable table(SmallPolicy());
  EXPECT_FALSE(table.Opened(1, kT0));
  EXPECT_FALSE(table.Opened(2, kT0 + 1s));
  EXPECT_FALSE(table.Opened(3, kT0 + 2s));
  ASSERT_TRUE(table.AdmitBody(1, kT0 + 2s).admitted);  // 1 reads a body: not a candidate

  std::optional<Drop> drop = table.Opened(4, kT0 + 3s);

  ASSERT_TRUE(drop);
  EXPECT_EQ(drop->id, 2u);
  EXPECT_EQ(drop->cause, DropCause::kEvictedForConnection);
  EXPECT_STREQ(ReasonOf(drop->cause), "evicted");
  EXPECT_EQ(table.Live(), 3u);
  // Dropped but not yet closed: never picked twice.
  drop = table.Opened(5, kT0 + 4s);
  ASSERT_TRUE(drop);
  EXPECT_EQ(drop->id, 3u);
}

TEST(ConnectionTableTest, AKeptAliveConnectionWaitsForHeadersFromItsLastRequestsEnd) {
  ConnectionTable table(SmallPolicy());
  table.Opened(1, kT0);
  table.Opened(2, kT0 + 1s);
  table.Opened(3, kT0 + 2s);
  ASSERT_TRUE(table.AdmitBody(1, kT0 + 2s).admitted);
  table.RequestEnded(1, kT0 + 3s);  // kept alive: its wait began at 3 s, after 2's and 3's

  std::optional<Drop> drop = table.Opened(4, kT0 + 4s);

  ASSERT_TRUE(drop);
  EXPECT_EQ(drop->id, 2u);
}

TEST(ConnectionTableTest, DropsTheNewcomerWhenEveryOtherConnectionReadsABody) {
  ConnectionPolicy policy = SmallPolicy();
  policy.table_size = 2;
  ConnectionTable table(policy);
  table.Opened(1, kT0);
  table.Opened(2, kT0);
  ASSERT_TRUE(table.AdmitBody(1, kT0).admitted);
  ASSERT_TRUE(table.AdmitBody(2, kT0).admitted);

  std::optional<Drop> drop = table.Opened(3, kT0 + 1s);

  ASSERT_TRUE(drop);
  EXPECT_EQ(drop->id, 3u);
}

TEST(ConnectionTableTest, HeadersAndBodiesHaveDeadlinesOnTotalTime) {
  ConnectionTable table(SmallPolicy());
  table.Opened(1, kT0);
  table.Opened(2, kT0 + 5s);
  ASSERT_TRUE(table.AdmitBody(2, kT0 + 6s).admitted);
  EXPECT_EQ(table.NextDeadline(), kT0 + 10s);

  EXPECT_TRUE(table.Expired(kT0 + 10s - 1ms).empty());
  std::vector<Drop> expired = table.Expired(kT0 + 10s);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].id, 1u);
  EXPECT_EQ(expired[0].cause, DropCause::kHeadersDeadline);
  EXPECT_EQ(table.NextDeadline(), kT0 + 16s);  // the body's, from its headers

  expired = table.Expired(kT0 + 16s);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].id, 2u);
  EXPECT_EQ(expired[0].cause, DropCause::kBodyDeadline);
  EXPECT_FALSE(table.NextDeadline());
  EXPECT_TRUE(table.Expired(kT0 + 100s).empty());  // each is dropped once
  table.Closed(1);
  table.Closed(2);
  EXPECT_EQ(table.Live(), 0u);
}

TEST(ConnectionTableTest, ANewBodyTakesTheSlotOfTheOldestBodyPastTheGrace) {
  ConnectionTable table(SmallPolicy());
  for (uint64_t id = 1; id <= 3; ++id) table.Opened(id, kT0);
  ASSERT_TRUE(table.AdmitBody(1, kT0).admitted);
  ASSERT_TRUE(table.AdmitBody(2, kT0 + 500ms).admitted);

  // Both bodies younger than the grace: over capacity.
  ConnectionTable::BodyAdmission early = table.AdmitBody(3, kT0 + 900ms);
  EXPECT_FALSE(early.admitted);
  EXPECT_FALSE(early.drop);

  ConnectionTable::BodyAdmission later = table.AdmitBody(3, kT0 + 1s);
  EXPECT_TRUE(later.admitted);
  ASSERT_TRUE(later.drop);
  EXPECT_EQ(later.drop->id, 1u);
  EXPECT_EQ(later.drop->cause, DropCause::kEvictedForBody);
  EXPECT_EQ(table.Bodies(), 2u);
}

TEST(ConnectionTableTest, ADroppedConnectionIsNotAdmittedAndAnUnknownOneOnlyWhileASlotIsFree) {
  ConnectionPolicy policy = SmallPolicy();
  policy.body_slots = 1;
  ConnectionTable table(policy);
  EXPECT_TRUE(table.AdmitBody(99, kT0).admitted);  // not tracked: takes no slot
  table.Opened(1, kT0);
  table.Opened(2, kT0);
  table.Opened(3, kT0 + 1s);
  ASSERT_TRUE(table.Opened(4, kT0 + 2s));  // drops 1
  EXPECT_FALSE(table.AdmitBody(1, kT0 + 2s).admitted);
  ASSERT_TRUE(table.AdmitBody(2, kT0 + 2s).admitted);
  EXPECT_FALSE(table.AdmitBody(99, kT0 + 2s).admitted);
}

TEST(DropThrottleTest, JournalsABurstThenCountsTheRestPerWindow) {
  DropThrottle throttle({3, 10s});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(throttle.Admit(kT0 + 1s, "evicted"));
  EXPECT_FALSE(throttle.Due());
  EXPECT_FALSE(throttle.Admit(kT0 + 2s, "evicted"));
  EXPECT_FALSE(throttle.Admit(kT0 + 3s, "evicted"));
  EXPECT_FALSE(throttle.Admit(kT0 + 4s, "headers-deadline"));
  EXPECT_EQ(throttle.Due(), kT0 + 11s);  // the window began with the first drop

  EXPECT_TRUE(throttle.TakeDue(kT0 + 11s - 1ms).empty());
  std::vector<SuppressedDrops> due = throttle.TakeDue(kT0 + 11s);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].reason, "evicted");
  EXPECT_EQ(due[0].count, 2u);
  EXPECT_EQ(due[1].reason, "headers-deadline");
  EXPECT_EQ(due[1].count, 1u);
  EXPECT_FALSE(throttle.Due());

  EXPECT_TRUE(throttle.Admit(kT0 + 12s, "evicted"));  // a new window
}

TEST(DropThrottleTest, TakeAllGivesWhatIsLeftAtAStop) {
  DropThrottle throttle({1, 10s});
  EXPECT_TRUE(throttle.Admit(kT0, "body-deadline"));
  EXPECT_FALSE(throttle.Admit(kT0, "body-deadline"));
  std::vector<SuppressedDrops> left = throttle.TakeAll();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].count, 1u);
  EXPECT_TRUE(throttle.TakeAll().empty());
}

}  // namespace
}  // namespace selfheal
