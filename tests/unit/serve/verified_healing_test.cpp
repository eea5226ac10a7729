// Healing verified by the world: a firing alert, the handler's result and the resolved
// notification, played through WebhookService and ResultService on a real store, as
// serve and record-result would. Exit 0 is "done"; only a resolve within VerifySec=
// makes it healed and resets the budget.
#include <gtest/gtest.h>

#include "escalate/wake.h"
#include "fakes.h"
#include "serve/result_service.h"
#include "serve/webhook_service.h"
#include "state/sqlite_store.h"
#include "state/store_test_util.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;
using namespace state_test;

// A webhook of one DiskSpaceLow alert on web-1:9100 with `status`.
std::string Notification(const char* status) {
  return std::string(R"({"receiver":"self-heal","status":")") + status +
         R"(","alerts":[{"status":")" + status +
         R"(","labels":{"alertname":"DiskSpaceLow","instance":"web-1:9100"},"annotations":{},)"
         R"("startsAt":"2026-11-22T11:59:00.000Z","endsAt":"0001-01-01T00:00:00Z",)"
         R"("generatorURL":"","fingerprint":"82cf4c324f050464"}],"groupLabels":{},)"
         R"("commonLabels":{},"commonAnnotations":{},"externalURL":"http://am","version":"4",)"
         R"("groupKey":"{}:{}","truncatedAlerts":0,"notification_reason":")" +
         (std::string(status) == "firing" ? "repeat interval elapsed" : "all alerts resolved") +
         "\"}";
}

class VerifiedHealingTest : public testing::Test {
 protected:
  void SetUp() override {
    config_.server.dedup_window = 1s;
    config_.handlers = {MakeHandler("disk", "DiskSpaceLow", {"web-1:9100"})};
    auto opened = SqliteStore::Open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    webhook_ = std::make_unique<WebhookService>(config_, *store_, &launcher_, journal_, clock_);
    results_ = std::make_unique<ResultService>(config_, *store_, journal_,
                                               DeliveryRequestPath(dir_.path()));
  }

  // Posts the notification and returns the alert's decision entry.
  AuditEvent Post(const char* status) {
    size_t before = journal_.events.size();
    HttpResponse answer = webhook_->Handle({Notification(status), "127.0.0.1:4000"});
    EXPECT_EQ(answer.status, 200) << answer.body;
    for (size_t i = before; i < journal_.events.size(); ++i) {
      if (journal_.events[i].type == EventType::kDecision) return journal_.events[i];
    }
    ADD_FAILURE() << "no decision journaled";
    return {};
  }
  // The running unit stops with `exit_status` (record-result, then systemd collects it).
  AuditEvent Exit(const char* exit_status) {
    RunResult r = ResultOf(config_.handlers[0], "web-1:9100", Outcome::kFailed, clock_.now,
                           "inv-" + std::to_string(++runs_));
    r.exit_status = exit_status;
    r.service_result = std::string(exit_status) == "0" ? "success" : "exit-code";
    r.outcome = OutcomeOf(r.service_result, r.exit_code, r.exit_status);
    EXPECT_TRUE(results_->Record(r, state_test::MakeAlert("DiskSpaceLow", "web-1:9100")).ok());
    launcher_.active.clear();
    return journal_.events.back();
  }
  KeyStatus Status() {
    auto s = store_->ListStatus(clock_.now);
    EXPECT_TRUE(s.ok() && s.value().size() == 1u);
    return s.ok() && !s.value().empty() ? s.value()[0] : KeyStatus{};
  }
  static std::string Field(const AuditEvent& e, const std::string& name) {
    for (const auto& [n, v] : e.fields)
      if (n == name) return v;
    return "<absent>";
  }

  TempDir dir_;
  Config config_;
  FakeClock clock_;
  FakeLauncher launcher_;
  RecordingJournal journal_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<WebhookService> webhook_;
  std::unique_ptr<ResultService> results_;
  int runs_ = 0;
};

TEST_F(VerifiedHealingTest, Exit0ThenResolvedWithinVerifySecIsHealedAndResetsTheBudget) {
  EXPECT_EQ(Field(Post("firing"), "ATTEMPT"), "1");
  clock_.Advance(1min);
  AuditEvent done = Exit("0");
  EXPECT_EQ(Field(done, "RESULT"), "done");
  EXPECT_EQ(Field(done, "VERIFY_UNTIL"), FormatRfc3339(clock_.now + 15min));
  EXPECT_EQ(Status().last_result, "done");
  EXPECT_EQ(Status().attempts_in_window, 1);

  clock_.Advance(6min);
  AuditEvent resolved = Post("resolved");
  EXPECT_EQ(Field(resolved, "DECISION"), "resolved");
  EXPECT_EQ(Field(resolved, "CREDIT"), "healed");
  EXPECT_EQ(Field(resolved, "TIME_TO_RESOLVE_SEC"), "420");
  EXPECT_EQ(Field(resolved, "ATTEMPT"), "1");
  EXPECT_NE(resolved.message.find("resolved 420 s after attempt 1 was launched"), std::string::npos)
      << resolved.message;
  EXPECT_EQ(Status().last_result, "healed");
  EXPECT_EQ(Status().attempts_in_window, 0);
  EXPECT_EQ(Status().resolved_at, clock_.now);

  clock_.Advance(1h);
  EXPECT_EQ(Field(Post("firing"), "ATTEMPT"), "1");  // a fresh budget
}

TEST_F(VerifiedHealingTest, Exit0ThatNeverHealsSpendsTheBudgetAndEscalates) {
  // repeat_interval 1h: each repeat finds the last exit 0 not healed.
  for (int attempt = 1; attempt <= 3; ++attempt) {
    AuditEvent launch = Post("firing");
    EXPECT_EQ(Field(launch, "DECISION"), "launch");
    EXPECT_EQ(Field(launch, "ATTEMPT"), std::to_string(attempt));
    if (attempt > 1) {
      EXPECT_NE(Field(launch, "REASON").find("did not resolve within VerifySec=15min"),
                std::string::npos);
    }
    clock_.Advance(1min);
    EXPECT_EQ(Field(Exit("0"), "RESULT"), "done");
    clock_.Advance(15min);
    EXPECT_EQ(Status().last_result, "not-healed");
    clock_.Advance(44min);
  }
  AuditEvent open = Post("firing");
  EXPECT_EQ(Field(open, "DECISION"), "breaker-open");
  EXPECT_TRUE(launcher_.started.size() == 3u);
  auto pending = store_->PendingEscalations();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending.value().size(), 1u);  // a human is told
  EXPECT_NE(pending.value()[0].payload.find("not-healed"), std::string::npos)
      << pending.value()[0].payload;
  EXPECT_TRUE(Status().breaker_open);
}

TEST_F(VerifiedHealingTest, ResolvedWhileRunningThenExit0IsHealedAtOnce) {
  Post("firing");
  clock_.Advance(20s);
  AuditEvent resolved = Post("resolved");
  EXPECT_EQ(Field(resolved, "CREDIT"), "awaiting-exit");
  EXPECT_EQ(Field(resolved, "TIME_TO_RESOLVE_SEC"), "20");
  clock_.Advance(10s);
  AuditEvent done = Exit("0");
  EXPECT_EQ(Field(done, "RESULT"), "done");
  EXPECT_EQ(Field(done, "HEALED"), "1");
  EXPECT_EQ(Status().last_result, "healed");
  EXPECT_EQ(Status().attempts_in_window, 0);
  EXPECT_EQ(Status().resolved_at, clock_.now - 10s);
}

TEST_F(VerifiedHealingTest, ResolvedAfterVerifySecIsJournaledAndNotCredited) {
  Post("firing");
  clock_.Advance(1min);
  Exit("0");
  clock_.Advance(15min);
  AuditEvent late = Post("resolved");
  EXPECT_EQ(Field(late, "CREDIT"), "too-late");
  EXPECT_EQ(late.priority, 4);
  EXPECT_EQ(Field(late, "TIME_TO_RESOLVE_SEC"), "960");
  EXPECT_NE(late.message.find("not credited"), std::string::npos) << late.message;
  EXPECT_EQ(Status().last_result, "not-healed");
  EXPECT_EQ(Status().attempts_in_window, 1);
  EXPECT_FALSE(Status().resolved_at);
}

TEST_F(VerifiedHealingTest, TheNotificationReasonIsJournaledWithTheReceipt) {
  Post("firing");
  const AuditEvent& received = journal_.events.at(0);
  ASSERT_EQ(received.type, EventType::kWebhookReceived);
  EXPECT_EQ(Field(received, "NOTIFICATION_REASON"), "repeat interval elapsed");
}

}  // namespace
}  // namespace selfheal
