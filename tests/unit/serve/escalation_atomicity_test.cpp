// A breaker opening and its escalation are one change: on a real store, through the
// services that make them, both are there when the call returns, or neither is. The
// fault is a real SQLite trigger that aborts the outbox insert, as a full disk or a
// corrupt page would abort it, so that what is proven is the transaction, not a mock.
#include <gtest/gtest.h>

#include "fakes.h"
#include "fixtures.h"
#include "serve/result_service.h"
#include "serve/webhook_service.h"
#include "state/sqlite_store.h"
#include "state/store_test_util.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;
using namespace state_test;

constexpr const char* kFailOutboxInsert =
    "CREATE TRIGGER fail_outbox BEFORE INSERT ON escalations "
    "BEGIN SELECT RAISE(ABORT, 'injected: the outbox insert fails'); END";

class EscalationAtomicityTest : public testing::Test {
 protected:
  void SetUp() override {
    HandlerConfig disk = MakeHandler("disk-space-low", "DiskSpaceLow", {"web-1:9100"});
    config_.handlers = {disk};
    auto opened = SqliteStore::Open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    webhooks_ = std::make_unique<WebhookService>(config_, *store_, &launcher_, journal_, clock_);
    results_ = std::make_unique<ResultService>(config_, *store_, journal_, "");
  }

  // One notification of DiskSpaceLow on web-1:9100, a new one each time (startsAt).
  HttpResponse Notify() {
    clock_.Advance(10min);
    launcher_.active.clear();  // the previous run is over
    std::string body = fixtures::Read("01-single-firing.json");
    std::string starts = "2026-11-22T01:25:02.807Z";
    body.replace(body.find(starts), starts.size(), FormatRfc3339(clock_.now));
    return webhooks_->Handle({body, "127.0.0.1:4000"});
  }
  Status Fail(const std::string& invocation) {
    RunResult r =
        ResultOf(config_.handlers[0], "web-1:9100", Outcome::kFailed, clock_.now + 1s, invocation);
    return results_->Record(r, MakeAlert("DiskSpaceLow", "web-1:9100"));
  }
  std::string Sql(const std::string& sql) const { return RawQuery(dir_.db(), sql); }
  // "breakers escalated outbox"
  std::string State() const {
    return Sql(
        "SELECT (SELECT COUNT(*) FROM breakers) || ' ' || "
        "(SELECT COUNT(*) FROM breakers WHERE escalated = 1) || ' ' || "
        "(SELECT COUNT(*) FROM escalations)");
  }

  TempDir dir_;
  Config config_;
  std::unique_ptr<SqliteStore> store_;
  FakeLauncher launcher_;
  RecordingJournal journal_;
  FakeClock clock_;
  std::unique_ptr<WebhookService> webhooks_;
  std::unique_ptr<ResultService> results_;
};

// The probe of the issue: before, the breaker said escalated and the outbox was empty
// once Handle returned (the escalation was queued later, by another thread).
TEST_F(EscalationAtomicityTest,
       ADecisionThatOpensTheBreakerHasQueuedItsEscalationWhenHandleReturns) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Notify().status, 200);  // results never came
  EXPECT_EQ(launcher_.started.size(), 3u);
  EXPECT_EQ(State(), "0 0 0");
  ASSERT_EQ(Notify().status, 200);
  EXPECT_EQ(State(), "1 1 1");
  ASSERT_EQ(Notify().status, 200);
  EXPECT_EQ(State(), "1 1 1") << "one escalation per opening";
}

TEST_F(EscalationAtomicityTest, AResultThatOpensTheBreakerHasQueuedItsEscalationWhenItReturns) {
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(Notify().status, 200);
    ASSERT_TRUE(Fail("inv-" + std::to_string(i)).ok());
    EXPECT_EQ(State(), i < 3 ? "0 0 0" : "1 1 1") << "after result " << i;
  }
  ASSERT_TRUE(Fail("inv-3").ok()) << "the same result again";
  ASSERT_EQ(Notify().status, 200);
  EXPECT_EQ(State(), "1 1 1");
  EXPECT_EQ(launcher_.started.size(), 3u);
}

TEST_F(EscalationAtomicityTest, AFailedOutboxInsertRollsTheDecisionBackAndAnswers503) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Notify().status, 200);
  ASSERT_EQ(Sql(kFailOutboxInsert), "");
  HttpResponse refused = Notify();
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(State(), "0 0 0") << "no breaker that says escalated without its escalation";
  EXPECT_EQ(journal_.events.back().type, EventType::kRequestRejected);
  EXPECT_NE(journal_.events.back().message.find("injected"), std::string::npos);

  ASSERT_EQ(Sql("DROP TRIGGER fail_outbox"), "");
  ASSERT_EQ(Notify().status, 200);  // Alertmanager's retry
  EXPECT_EQ(State(), "1 1 1");
}

TEST_F(EscalationAtomicityTest, AFailedOutboxInsertRollsTheResultBack) {
  for (int i = 1; i <= 2; ++i) {
    ASSERT_EQ(Notify().status, 200);
    ASSERT_TRUE(Fail("inv-" + std::to_string(i)).ok());
  }
  ASSERT_EQ(Notify().status, 200);
  ASSERT_EQ(Sql(kFailOutboxInsert), "");
  Status refused = Fail("inv-3");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(State(), "0 0 0");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM attempts WHERE finished_at IS NULL"), "1")
      << "the result itself is not recorded either: record-result fails, systemd logs it";
  EXPECT_EQ(journal_.events.back().type, EventType::kStoreError);
  EXPECT_EQ(journal_.events.back().priority, 3);

  ASSERT_EQ(Sql("DROP TRIGGER fail_outbox"), "");
  ASSERT_TRUE(Fail("inv-3").ok());  // recorded again, e.g. by hand
  EXPECT_EQ(State(), "1 1 1");
}

}  // namespace
}  // namespace selfheal
