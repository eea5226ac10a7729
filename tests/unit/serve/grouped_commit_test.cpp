// One request's decisions are one transaction where nothing acts on them in between
// (Store::Group): a payload of many alerts that launch nothing costs one commit, other
// processes see none of it before that commit, and a commit that fails leaves nothing
// journaled as decided.
#include <gtest/gtest.h>

#include <string>

#include "fakes.h"
#include "forwarding_store.h"
#include "serve/webhook_service.h"
#include "state/sqlite_store.h"
#include "state/store_test_util.h"

namespace selfheal {
namespace {

using namespace state_test;

constexpr int kAlerts = 50;

std::string Instance(int i) { return "web-" + std::to_string(i) + ":9100"; }

// A webhook of kAlerts DiskSpaceLow alerts, each on its own instance and fingerprint.
std::string Storm() {
  std::string alerts;
  for (int i = 0; i < kAlerts; ++i) {
    if (i) alerts += ",";
    alerts += R"({"status":"firing","labels":{"alertname":"DiskSpaceLow","instance":")" +
              Instance(i) + R"("},"annotations":{},"startsAt":"2026-11-22T11:59:00.000Z",)" +
              R"("endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"fp)" +
              std::to_string(i) + R"("})";
  }
  return R"({"receiver":"self-heal","status":"firing","alerts":[)" + alerts +
         R"(],"groupLabels":{},"commonLabels":{},"commonAnnotations":{},)"
         R"("externalURL":"http://am","version":"4","groupKey":"{}:{}","truncatedAlerts":0})";
}

size_t Decisions(const RecordingJournal& journal) {
  size_t n = 0;
  for (const AuditEvent& e : journal.events) n += e.type == EventType::kDecision;
  return n;
}

class GroupedCommitTest : public testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> instances;
    for (int i = 0; i < kAlerts; ++i) instances.push_back(Instance(i));
    HandlerConfig disk = MakeHandler("disk", "DiskSpaceLow", instances);
    disk.mode = HandlerMode::kDryRun;  // decided and recorded, nothing launched
    config_.handlers = {disk};
    auto opened = SqliteStore::Open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
  }
  TempDir dir_;
  Config config_;
  FakeClock clock_;
  FakeLauncher launcher_;
  RecordingJournal journal_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(GroupedCommitTest, APayloadThatLaunchesNothingIsOneCommit) {
  WebhookService service(config_, *store_, &launcher_, journal_, clock_);
  const int64_t before = store_->commits();
  HttpResponse r = service.Handle({Storm(), "127.0.0.1:4000"});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(store_->commits() - before, 1) << "one commit (and one fsync) per alert";
  EXPECT_EQ(Decisions(journal_), static_cast<size_t>(kAlerts));
  // Every decision is durable: another connection sees each notification's round.
  auto other = SqliteStore::Open(dir_.path());
  ASSERT_TRUE(other.ok());
  for (int i = 0; i < kAlerts; ++i) {
    Alert alert = MakeAlert("DiskSpaceLow", Instance(i), "fp" + std::to_string(i));
    auto history = other.value()->LoadHistory(alert, {&config_.handlers[0]}, clock_.now);
    ASSERT_TRUE(history.ok());
    EXPECT_TRUE(history.value().notification_round) << Instance(i);
  }
}

TEST_F(GroupedCommitTest, AGroupIsInvisibleToOthersUntilFlushedAndUngroupRollsItBack) {
  const HandlerConfig& disk = config_.handlers[0];
  auto other = SqliteStore::Open(dir_.path());
  ASSERT_TRUE(other.ok());
  auto seen = [&](int i) {
    Alert alert = MakeAlert("DiskSpaceLow", Instance(i), "fp" + std::to_string(i));
    auto history = other.value()->LoadHistory(alert, {&disk}, clock_.now);
    return history.ok() && history.value().notification_round.has_value();
  };
  Decision dry;
  dry.verdict = Verdict::kDryRun;
  dry.handler = &disk;
  store_->Group();
  for (int i : {0, 1}) {
    Alert alert = MakeAlert("DiskSpaceLow", Instance(i), "fp" + std::to_string(i));
    ASSERT_TRUE(store_->Record(alert, dry, clock_.now, nullptr).ok());
    auto own = store_->LoadHistory(alert, {&disk}, clock_.now);
    ASSERT_TRUE(own.ok());
    EXPECT_TRUE(own.value().notification_round) << "the group reads its own writes";
    if (i == 0) {
      EXPECT_FALSE(seen(0)) << "not durable yet, so not visible";
      ASSERT_TRUE(store_->Flush().ok());
      EXPECT_TRUE(seen(0));
    }
  }
  store_->Ungroup();
  EXPECT_FALSE(seen(1)) << "written after the flush, rolled back by Ungroup";
}

// A store whose group commit fails: nothing may be journaled as decided.
struct FailingFlushStore : ForwardingStore {
  Status Flush() override { return Error{Errc::kUnavailable, "disk I/O error (No space left)"}; }
};

TEST_F(GroupedCommitTest, AFailedCommitIsA503AndJournalsNoDecision) {
  FailingFlushStore store;
  WebhookService service(config_, store, &launcher_, journal_, clock_);
  HttpResponse r = service.Handle({Storm(), "127.0.0.1:4000"});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Decisions(journal_), 0u) << "decisions journaled that were never committed";
  ASSERT_FALSE(journal_.events.empty());
  EXPECT_EQ(journal_.Field(journal_.events.size() - 1, "REASON"), "store-unavailable");
}

}  // namespace
}  // namespace selfheal
