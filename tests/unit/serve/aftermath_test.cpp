// Aftermath on a real store: a breaker opening is queued once, journaled at crit, and
// wakes the deliverer through the file its path unit watches.
#include "serve/aftermath.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "escalate/sample_facts.h"
#include "escalate/wake.h"
#include "fakes.h"
#include "state/sqlite_store.h"
#include "state/store_test_util.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;
using namespace state_test;

class AftermathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::Open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
  }
  EscalationFacts Facts() const {
    EscalationFacts f = test::NginxFacts();
    f.opened_at = kT0;
    return f;
  }
  std::string WakePath() const { return DeliveryRequestPath(dir_.path()); }

  TempDir dir_;
  ServerConfig server_;
  RecordingJournal journal_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(AftermathTest, BreakerOpenedQueuesTheEscalationAndWakesTheDeliverer) {
  Aftermath aftermath(*store_, server_, journal_, WakePath());
  ASSERT_FALSE(DeliveryRequested(WakePath()));
  ASSERT_TRUE(aftermath.BreakerOpened(Facts()).ok());
  auto pending = store_->PendingEscalations();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending.value().size(), 1u);
  EXPECT_FALSE(pending.value()[0].command_pending) << "no EscalateExec= configured";
  EXPECT_TRUE(DeliveryRequested(WakePath()));
  struct stat st {};
  ASSERT_EQ(::stat(WakePath().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(journal_.events.size(), 1u);
  EXPECT_EQ(journal_.events[0].priority, 2);
  EXPECT_EQ(journal_.events[0].message,
            "Breaker opened for 'NginxDown' on 'web-1:9100' with 'nginx-restart' after 3 attempt(s), "
            "last result failed; escalating to a human.");
}

TEST_F(AftermathTest, ConfiguredCommandIsQueuedWithTheEscalation) {
  server_.escalate_exec = {"/usr/local/bin/page"};
  Aftermath aftermath(*store_, server_, journal_, WakePath());
  ASSERT_TRUE(aftermath.BreakerOpened(Facts()).ok());
  auto pending = store_->PendingEscalations();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending.value().size(), 1u);
  EXPECT_TRUE(pending.value()[0].command_pending);
}

TEST_F(AftermathTest, StartUpWakesTheDelivererOnlyWhenSomethingIsPending) {
  Aftermath aftermath(*store_, server_, journal_, WakePath());
  aftermath.WakeIfPending();
  EXPECT_FALSE(DeliveryRequested(WakePath()));
  ASSERT_TRUE(aftermath.BreakerOpened(Facts()).ok());
  ASSERT_TRUE(ClearDeliveryRequest(WakePath()).ok());
  EXPECT_FALSE(DeliveryRequested(WakePath()));
  aftermath.WakeIfPending();
  EXPECT_TRUE(DeliveryRequested(WakePath()));
}

TEST_F(AftermathTest, AWakeUpThatFailsIsJournaledAtErrAndTheEscalationStaysQueued) {
  Aftermath aftermath(*store_, server_, journal_, dir_.path() + "/no-such-dir/escalations-due");
  ASSERT_TRUE(aftermath.BreakerOpened(Facts()).ok());
  EXPECT_EQ(store_->PendingEscalations().value().size(), 1u);
  ASSERT_EQ(journal_.events.size(), 2u);
  EXPECT_EQ(journal_.events[1].priority, 3);
  EXPECT_NE(journal_.events[1].message.find("Failed to wake the escalation deliverer"),
            std::string::npos);
}

TEST(WakeTest, RequestAndClearAreIdempotent) {
  TempDir dir;
  const std::string path = DeliveryRequestPath(dir.path() + "/");
  EXPECT_EQ(path, dir.path() + "/escalations-due");
  EXPECT_TRUE(ClearDeliveryRequest(path).ok());
  EXPECT_TRUE(RequestDelivery(path).ok());
  EXPECT_TRUE(RequestDelivery(path).ok());
  EXPECT_TRUE(DeliveryRequested(path));
  EXPECT_TRUE(ClearDeliveryRequest(path).ok());
  EXPECT_FALSE(DeliveryRequested(path));
}

}  // namespace
}  // namespace selfheal
