// A systemd that does not answer (stopped with SIGSTOP, hung, deep in a daemon-reload):
// every request is answered within the request's deadline for systemd, and a start
// it did not answer is never sent a second time by a retry. The fake launcher
// answers kTimedOut at once where the real one would wait out the deadline.
#include <gtest/gtest.h>

#include "fakes.h"
#include "fixtures.h"
#include "launch/launch_request.h"
#include "serve/result_service.h"
#include "serve/webhook_service.h"
#include "state/memory_store.h"
#include "state/sqlite_store.h"
#include "state/store_test_util.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;
using namespace state_test;

// Answers its first `answers` calls, then stops answering, like systemd at SIGSTOP.
struct StoppingLauncher : FakeLauncher {
  Status Start(const LaunchRequest& request, Deadline deadline) override {
    Count();
    return FakeLauncher::Start(request, deadline);
  }
  Expected<bool> Exists(const std::string& unit_name, Deadline deadline) override {
    Count();
    return FakeLauncher::Exists(unit_name, deadline);
  }
  void Count() {
    if (answers-- <= 0) not_answering = true;
    // The real launcher waits out the request's deadline before it says kTimedOut.
    if (not_answering && clock) clock->Advance(kSystemdPatience);
  }
  int answers = 1000;
  FakeClock* clock = nullptr;
};

// How many entries of `type` the journal has, and the first one's index.
size_t CountOf(const RecordingJournal& journal, EventType type) {
  size_t n = 0;
  for (const AuditEvent& e : journal.events) n += e.type == type;
  return n;
}
size_t FirstOf(const RecordingJournal& journal, EventType type) {
  for (size_t i = 0; i < journal.events.size(); ++i)
    if (journal.events[i].type == type) return i;
  return journal.events.size();
}

TEST(SystemdTimeout, OneTimeoutEndsTheRequestWithTheDecidedAlertsRecorded) {
  Config config;
  config.handlers = {
      MakeHandler("service-down", "ServiceDown", {"web-1:8080", "web-2:8080", "web-3:8080"})};
  MemoryStore store;
  StoppingLauncher launcher;
  launcher.answers = 2;  // the first alert's GetUnit and start; then systemd stops
  RecordingJournal journal;
  FakeClock clock;
  WebhookService service(config, store, &launcher, journal, clock);
  const std::string body = fixtures::Read("03-group3-firing.json");

  const Deadline before = std::chrono::steady_clock::now();
  HttpResponse r = service.Handle({body, "127.0.0.1:4000"});
  const Deadline after = std::chrono::steady_clock::now();
  EXPECT_EQ(r.status, 503) << r.body;
  ASSERT_EQ(launcher.started.size(), 1u) << "the alert decided before systemd stopped";
  EXPECT_EQ(launcher.deadlines.size(), 3u)
      << "GetUnit and start for web-1, GetUnit for web-2 timed out; web-3 is not asked";
  for (const Deadline& d : launcher.deadlines) {
    EXPECT_EQ(d, launcher.deadlines.front()) << "one deadline for the whole request";
  }
  EXPECT_GE(launcher.deadlines.front(), before + kSystemdPatience);
  EXPECT_LE(launcher.deadlines.front(), after + kSystemdPatience);
  const size_t rejected = FirstOf(journal, EventType::kRequestRejected);
  ASSERT_LT(rejected, journal.events.size());
  EXPECT_EQ(journal.Field(rejected, "REASON"), "systemd-timeout");
  EXPECT_EQ(journal.Field(rejected, "HTTP_STATUS"), "503");
  EXPECT_EQ(CountOf(journal, EventType::kDecision), 1u) << "web-1's launch only";

  // systemd is back: Alertmanager's retry launches the two left, web-1 is the same
  // notification (its dedup key was recorded).
  launcher.answers = 1000;
  launcher.not_answering = false;
  clock.Advance(1s);
  EXPECT_EQ(service.Handle({body, "127.0.0.1:4000"}).status, 200);
  EXPECT_EQ(launcher.started.size(), 3u);
}

// A webhook of one DiskSpaceLow alert on web-1:9100.
std::string Firing() {
  return R"({"receiver":"self-heal","status":"firing","alerts":[{"status":"firing",)"
         R"("labels":{"alertname":"DiskSpaceLow","instance":"web-1:9100"},"annotations":{},)"
         R"("startsAt":"2026-11-22T11:59:00.000Z","endsAt":"0001-01-01T00:00:00Z",)"
         R"("generatorURL":"","fingerprint":"82cf4c324f050464"}],"groupLabels":{},)"
         R"("commonLabels":{},"commonAnnotations":{},"externalURL":"http://am","version":"4",)"
         R"("groupKey":"{}:{}","truncatedAlerts":0})";
}

// On the real store, whose attempt without a result is a running run.
class UnansweredStartTest : public testing::Test {
 protected:
  void SetUp() override {
    config_.handlers = {MakeHandler("disk", "DiskSpaceLow", {"web-1:9100"})};
    auto opened = SqliteStore::Open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    service_ = std::make_unique<WebhookService>(config_, *store_, &launcher_, journal_, clock_);
    launcher_.answers = 1;  // GetUnit answered (no unit), the start is not
    launcher_.clock = &clock_;
    ASSERT_EQ(Post(), 503);
  }
  int Post() { return service_->Handle({Firing(), "127.0.0.1:4000"}).status; }
  size_t StartsSent() const { return launcher_.started.size() + launcher_.unanswered.size(); }
  void SystemdRunsAgain() {
    launcher_.answers = 1000;
    launcher_.not_answering = false;
  }
  std::string Unit() const { return UnitNameFor("disk", "web-1:9100"); }

  TempDir dir_;
  Config config_;
  FakeClock clock_;
  StoppingLauncher launcher_;
  RecordingJournal journal_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<WebhookService> service_;
};

TEST_F(UnansweredStartTest, TheAttemptStaysAsARunningRunAndTheJournalSaysTheOutcomeIsUnknown) {
  ASSERT_EQ(launcher_.unanswered.size(), 1u);
  const size_t i = FirstOf(journal_, EventType::kLaunchUnknown);
  ASSERT_LT(i, journal_.events.size());
  EXPECT_EQ(journal_.events[i].priority, 3);  // LOG_ERR
  EXPECT_EQ(journal_.Field(i, "UNIT"), Unit());
  EXPECT_EQ(journal_.Field(i, "ATTEMPT"), "1");
  EXPECT_EQ(journal_.Field(i, "DECISION"), "<absent>") << "the retry's entry decides";
  EXPECT_NE(journal_.events[i].message.find("it may still start it"), std::string::npos)
      << journal_.events[i].message;
  auto status = store_->ListStatus(clock_.now);
  ASSERT_TRUE(status.ok() && status.value().size() == 1u);
  EXPECT_EQ(status.value()[0].running_unit, Unit());
  EXPECT_EQ(status.value()[0].attempts_in_window, 1);
}

TEST_F(UnansweredStartTest, RetriesWhileSystemdIsStoppedAreAnswered503AndStartNothing) {
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(15s);  // past the dedup window by the end
    EXPECT_EQ(Post(), 503);
  }
  EXPECT_EQ(StartsSent(), 1u) << "no retry sent a second start";
  EXPECT_EQ(CountOf(journal_, EventType::kDecision), 0u);
}

TEST_F(UnansweredStartTest, TheRetryAfterTheDedupWindowFindsTheLateUnitAndIsADuplicateRun) {
  clock_.Advance(15s);
  EXPECT_EQ(Post(), 503);  // still stopped
  SystemdRunsAgain();      // and it took the start it was sent
  clock_.Advance(75s);
  EXPECT_EQ(Post(), 200);
  EXPECT_EQ(StartsSent(), 1u);
  EXPECT_EQ(launcher_.Launches(), 1u);
  const size_t i = FirstOf(journal_, EventType::kDecision);
  ASSERT_LT(i, journal_.events.size());
  EXPECT_EQ(journal_.Field(i, "DECISION"), "duplicate-run");
}

// systemd took the start late, and the handler ran and was recorded before
// Alertmanager's retry came (1 s after the 503, 4 s after the copy arrived): the retry
// is the same notification, not a repeat, and nothing is launched again.
TEST_F(UnansweredStartTest, ALateRunThatEndedBeforeTheRetryIsNotLaunchedAgain) {
  SystemdRunsAgain();
  launcher_.active.clear();  // it ran, and its unit is gone
  RunResult result;
  result.handler = "disk";
  result.instance = "web-1:9100";
  result.unit = Unit();
  result.service_result = "exit-code";
  result.outcome = Outcome::kFailed;
  result.finished_at = clock_.now;
  ASSERT_TRUE(ResultService(config_, *store_, journal_, "").Record(result, {}).ok());
  clock_.Advance(1s);
  EXPECT_EQ(Post(), 200);
  EXPECT_EQ(StartsSent(), 1u) << "the retry launched the handler a second time";
  const size_t i = FirstOf(journal_, EventType::kDecision);
  ASSERT_LT(i, journal_.events.size());
  EXPECT_EQ(journal_.Field(i, "DECISION"), "duplicate-notification");
}

TEST_F(UnansweredStartTest, AStartSystemdNeverTookCountsAsFailedAndSaysWhy) {
  launcher_.takes_unanswered = false;
  launcher_.active.clear();
  SystemdRunsAgain();
  clock_.Advance(75s);
  EXPECT_EQ(Post(), 200);
  ASSERT_EQ(launcher_.started.size(), 1u) << "the only run: the first start never ran";
  EXPECT_EQ(launcher_.Launches(), 1u);
  bool said_why = false;
  for (const AuditEvent& e : journal_.events) {
    if (e.type != EventType::kLaunchFailed) continue;
    said_why = e.message.find("systemd did not answer the start in time") != std::string::npos;
  }
  EXPECT_TRUE(said_why) << "the entry names the unanswered start, not only a stopped self-heal";
  EXPECT_EQ(journal_.Field(journal_.events.size() - 1, "ATTEMPT"), "2")
      << "the attempt that never ran still counts";
}

}  // namespace
}  // namespace selfheal
