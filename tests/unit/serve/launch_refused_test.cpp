// A launch systemd will never take (an unknown User=, a property it refuses): nothing
// runs and no ExecStopPost= recorder ever reports, so serve records the failed result
// itself. Without that the attempt stayed unfinished: status said "running" for a unit
// that never existed, and the next notification journaled "self-heal was stopped in
// between", which was false.
#include <gtest/gtest.h>

#include "escalate/wake.h"
#include "fakes.h"
#include "serve/webhook_service.h"
#include "state/sqlite_store.h"
#include "state/store_test_util.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;
using namespace state_test;

std::string Firing() {
  return R"({"receiver":"self-heal","status":"firing","alerts":[{"status":"firing",)"
         R"("labels":{"alertname":"DiskSpaceLow","instance":"web-1:9100"},"annotations":{},)"
         R"("startsAt":"2026-11-22T11:59:00.000Z","endsAt":"0001-01-01T00:00:00Z",)"
         R"("generatorURL":"","fingerprint":"82cf4c324f050464"}],"groupLabels":{},)"
         R"("commonLabels":{},"commonAnnotations":{},"externalURL":"http://am","version":"4",)"
         R"("groupKey":"{}:{}","truncatedAlerts":0})";
}

struct RefusingLauncher : FakeLauncher {
  Status Start(const LaunchRequest&, Deadline) override {
    return Error{Errc::kInvalidInput, "User=nosuchuser does not exist on this host"};
  }
};

class LaunchRefusedTest : public testing::Test {
 protected:
  void SetUp() override {
    config_.server.dedup_window = 1s;
    config_.handlers = {MakeHandler("disk", "DiskSpaceLow", {"web-1:9100"})};
    auto opened = SqliteStore::Open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    webhook_ = std::make_unique<WebhookService>(config_, *store_, &launcher_, journal_, clock_);
    webhook_->SetResultStore(store_.get());
    webhook_->SetDeliveryWake(DeliveryRequestPath(dir_.path()));
  }
  KeyStatus Status() {
    auto s = store_->ListStatus(clock_.now);
    EXPECT_TRUE(s.ok() && s.value().size() == 1u);
    return s.ok() && !s.value().empty() ? s.value()[0] : KeyStatus{};
  }
  size_t Count(EventType type, const std::string& text = "") const {
    size_t n = 0;
    for (const AuditEvent& e : journal_.events) {
      n += e.type == type && e.message.find(text) != std::string::npos;
    }
    return n;
  }

  TempDir dir_;
  Config config_;
  FakeClock clock_;
  RefusingLauncher launcher_;
  RecordingJournal journal_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<WebhookService> webhook_;
};

TEST_F(LaunchRefusedTest, RefusedLaunchIsRecordedFailedNotRunning) {
  EXPECT_EQ(webhook_->Handle({Firing(), "127.0.0.1:4000"}).status, 200);
  EXPECT_EQ(Count(EventType::kLaunchFailed, "User=nosuchuser does not exist"), 1u);
  ASSERT_EQ(Count(EventType::kHandlerResult), 1u);
  EXPECT_EQ(journal_.events.back().type, EventType::kHandlerResult);
  EXPECT_EQ(journal_.Field(journal_.events.size() - 1, "RESULT"), "failed");
  EXPECT_EQ(journal_.Field(journal_.events.size() - 1, "SERVICE_RESULT"), "launch-refused");
  KeyStatus status = Status();
  EXPECT_EQ(status.last_result, "failed");
  EXPECT_EQ(status.running_unit, "");
  EXPECT_EQ(status.attempts_in_window, 1);
}

TEST_F(LaunchRefusedTest, NextNotificationIsNotTakenForARunServeWasStoppedBefore) {
  EXPECT_EQ(webhook_->Handle({Firing(), "127.0.0.1:4000"}).status, 200);
  clock_.Advance(1min);
  EXPECT_EQ(webhook_->Handle({Firing(), "127.0.0.1:4000"}).status, 200);
  EXPECT_EQ(Count(EventType::kLaunchFailed, "stopped in between"), 0u);
  EXPECT_EQ(Count(EventType::kHandlerResult), 2u);
  EXPECT_EQ(Status().attempts_in_window, 2);  // each refused launch counts, as a failure
}

TEST_F(LaunchRefusedTest, BudgetSpentOnRefusalsOpensTheBreakerAndEscalates) {
  for (int i = 0; i < config_.handlers[0].max_attempts; ++i) {
    EXPECT_EQ(webhook_->Handle({Firing(), "127.0.0.1:4000"}).status, 200);
    clock_.Advance(1min);
  }
  EXPECT_TRUE(Status().breaker_open);
  auto pending = store_->PendingEscalations();
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending.value().size(), 1u);
}

}  // namespace
}  // namespace selfheal
