// ResultService on a real store: what `record-result` does once it has read its
// environment.
#include "serve/result_service.h"

#include <gtest/gtest.h>

#include "escalate/escalation_payload.h"
#include "escalate/wake.h"
#include "fakes.h"
#include "state/sqlite_store.h"
#include "state/store_test_util.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;
using namespace state_test;

class ResultServiceTest : public testing::Test {
 protected:
  void SetUp() override {
    config_.handlers = {MakeHandler("disk", "DiskSpaceLow", {"web-1:9100"})};
    auto opened = SqliteStore::Open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    service_ = std::make_unique<ResultService>(config_, *store_, journal_, WakePath());
    alert_.labels["job"] = "node";
    alert_.generator_url = "http://prometheus:9090/graph";
  }
  void Launch(TimePoint at) {
    ASSERT_TRUE(
        store_->Record(alert_, state_test::Launch(config_.handlers[0], 1), at, nullptr).ok());
  }
  RunResult Result(Outcome outcome, TimePoint at, const std::string& invocation) const {
    return ResultOf(config_.handlers[0], "web-1:9100", outcome, at, invocation);
  }
  std::string WakePath() const { return DeliveryRequestPath(dir_.path()); }

  TempDir dir_;
  Config config_;
  std::unique_ptr<SqliteStore> store_;
  RecordingJournal journal_;
  Alert alert_ = MakeAlert("DiskSpaceLow", "web-1:9100");
  std::unique_ptr<ResultService> service_;
};

TEST_F(ResultServiceTest, AUnitThatIsNotTheHandlersIsRefusedAndNothingIsRecorded) {
  Launch(kT0);
  RunResult forged = Result(Outcome::kDone, kT0 + 1min, "inv-1");
  forged.unit = "sshd.service";
  Status s = service_->Record(forged, alert_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kInvalidInput);
  EXPECT_EQ(RawQuery(dir_.db(), "SELECT COUNT(*) FROM attempts WHERE finished_at IS NULL"), "1");
  EXPECT_TRUE(journal_.events.empty());
}

TEST_F(ResultServiceTest, AResultIsJournaledWithTheAttemptAndTheBudget) {
  Launch(kT0);
  ASSERT_TRUE(service_->Record(Result(Outcome::kFailed, kT0 + 1500ms, "inv-1"), alert_).ok());
  ASSERT_EQ(journal_.events.size(), 1u);
  const AuditEvent& e = journal_.events[0];
  EXPECT_EQ(e.type, EventType::kHandlerResult);
  EXPECT_EQ(e.priority, 4);
  EXPECT_EQ(e.message,
            "Handler 'disk' for 'DiskSpaceLow' on 'web-1:9100' failed (exit-code, exit 1) after "
            "1500 ms; attempt 1, 1 of 3 used.");
  EXPECT_EQ(journal_.Field(0, "FINGERPRINT"), alert_.fingerprint);
  EXPECT_EQ(journal_.Field(0, "INVOCATION_ID"), "inv-1");
  EXPECT_FALSE(DeliveryRequested(WakePath()));
}

TEST_F(ResultServiceTest, GivingUpEscalatesOnceWithTheOriginalAlertAndWakesTheDeliverer) {
  Launch(kT0);
  RunResult gave_up = Result(Outcome::kGaveUp, kT0 + 1min, "inv-1");
  ASSERT_TRUE(service_->Record(gave_up, alert_).ok());
  ASSERT_TRUE(service_->Record(gave_up, alert_).ok());  // ExecStopPost= retried
  auto pending = store_->PendingEscalations();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending.value().size(), 1u);
  const std::string& payload = pending.value()[0].payload;
  EXPECT_EQ(PayloadAnnotation(payload, "last_result"), "gave-up");
  EXPECT_EQ(PayloadAnnotation(payload, "attempts"), "1");
  EXPECT_NE(payload.find("\"original_alertname\":\"DiskSpaceLow\""), std::string::npos);
  EXPECT_NE(payload.find("\"job\":\"node\""), std::string::npos);
  EXPECT_NE(payload.find("http://prometheus:9090/graph"), std::string::npos);
  EXPECT_EQ(pending.value()[0].next_try, kT0 + 1min);
  EXPECT_TRUE(DeliveryRequested(WakePath()));
  ASSERT_EQ(journal_.events.size(), 3u);  // result, escalation, the repeated result
  EXPECT_EQ(journal_.events[1].type, EventType::kEscalation);
  EXPECT_EQ(journal_.events[1].priority, 2);
}

TEST_F(ResultServiceTest, AHandlerGoneFromTheConfigIsRecordedWithTheDefaultLimits) {
  Launch(kT0);
  Config empty;
  ResultService service(empty, *store_, journal_, "");
  ASSERT_TRUE(service.Record(Result(Outcome::kFailed, kT0 + 1min, "inv-1"), alert_).ok());
  EXPECT_NE(journal_.events.at(0).message.find("1 of 3 used"), std::string::npos);
}

}  // namespace
}  // namespace selfheal
