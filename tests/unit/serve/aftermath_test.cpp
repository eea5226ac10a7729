// What follows an escalation's commit, on a real store: the outbox row it is queued
// as, its entry at crit, and the wake-up of the deliverer through the file its path
// unit watches (also at start-up, for whatever the outbox holds).
#include "serve/aftermath.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "escalate/sample_facts.h"
#include "escalate/wake.h"
#include "fakes.h"
#include "serve/escalation.h"
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

TEST_F(AftermathTest, TheOutboxRowCarriesTheBodyAndWhetherACommandIsDue) {
  Escalation row = OutboxRowOf(Facts(), server_);
  EXPECT_EQ(row.handler, "nginx-restart");
  EXPECT_EQ(row.instance, "web-1:9100");
  EXPECT_EQ(row.alertname, "NginxDown");
  EXPECT_EQ(row.payload, BuildEscalationPayload(Facts()));
  EXPECT_EQ(row.next_try, kT0);
  EXPECT_FALSE(row.command_pending) << "no EscalateExec= configured";
  server_.escalate_exec = {"/usr/local/bin/page"};
  EXPECT_TRUE(OutboxRowOf(Facts(), server_).command_pending);
}

TEST_F(AftermathTest, AnnouncingAnEscalationJournalsItAtCritAndWakesTheDeliverer) {
  ASSERT_FALSE(DeliveryRequested(WakePath()));
  AnnounceEscalation(Facts(), WakePath(), journal_);
  EXPECT_TRUE(DeliveryRequested(WakePath()));
  struct stat st {};
  ASSERT_EQ(::stat(WakePath().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(journal_.events.size(), 1u);
  EXPECT_EQ(journal_.events[0].priority, 2);
  EXPECT_EQ(
      journal_.events[0].message,
      "Breaker opened for 'NginxDown' on 'web-1:9100' with 'nginx-restart' after 3 attempt(s), "
      "last result failed; escalating to a human.");
}

TEST_F(AftermathTest, StartUpWakesTheDelivererOnlyWhenSomethingIsPending) {
  Aftermath aftermath(*store_, *store_, server_, journal_, WakePath());
  aftermath.WakeIfPending();
  EXPECT_FALSE(DeliveryRequested(WakePath()));
  ASSERT_TRUE(store_->EnqueueEscalation(OutboxRowOf(Facts(), server_)).ok());
  EXPECT_FALSE(DeliveryRequested(WakePath()));
  aftermath.WakeIfPending();
  EXPECT_TRUE(DeliveryRequested(WakePath()));
}

TEST_F(AftermathTest, AWakeUpThatFailsIsJournaledAtErr) {
  AnnounceEscalation(Facts(), dir_.path() + "/no-such-dir/escalations-due", journal_);
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
