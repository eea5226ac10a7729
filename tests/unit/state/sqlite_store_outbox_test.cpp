// The escalation outbox of the durable store: once per breaker opening, retried in
// order until delivered, never dropped.
#include <gtest/gtest.h>

#include "state/schema.h"
#include "state/sqlite_store.h"
#include "store_test_util.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;
using namespace state_test;

class SqliteStoreOutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::Open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
  }

  Escalation For(const std::string& instance, TimePoint next_try) {
    Escalation e;
    e.handler = "disk";
    e.instance = instance;
    e.alertname = "DiskSpaceLow";
    e.payload = R"([{"labels":{"alertname":"SelfHealExhausted"}}])";
    e.next_try = next_try;
    return e;
  }

  void OpenBreaker(const std::string& instance, TimePoint at, const std::string& invocation) {
    Alert alert = MakeAlert("DiskSpaceLow", instance, "fp-" + instance);
    ASSERT_TRUE(store_->Record(alert, Launch(disk_, 1), at, nullptr).ok());
    RunResult r = ResultOf(disk_, instance, Outcome::kGaveUp, at + 1min, invocation);
    auto effect = store_->RecordResult(r, disk_.max_attempts, disk_.window, RowFor(r));
    ASSERT_TRUE(effect.ok() && effect.value().breaker_opened);
  }

  static EscalationMark Done(TimePoint at) { return {true, true, at, ""}; }
  static EscalationMark Retry(TimePoint at, const std::string& error) {
    return {false, false, at, error};
  }

  std::vector<Escalation> Pending() {
    auto pending = store_->PendingEscalations();
    EXPECT_TRUE(pending.ok()) << pending.error().message;
    return pending.ok() ? pending.value() : std::vector<Escalation>{};
  }
  std::vector<ActiveEscalation> Active(TimePoint now) {
    auto active = store_->ActiveEscalations(now);
    EXPECT_TRUE(active.ok()) << active.error().message;
    return active.ok() ? active.value() : std::vector<ActiveEscalation>{};
  }
  // Opens the breaker at `at` and delivers its escalation a minute later.
  int64_t Delivered(const std::string& instance, TimePoint at, const std::string& invocation) {
    OpenBreaker(instance, at, invocation);
    std::vector<Escalation> pending = Pending();
    EXPECT_EQ(pending.size(), 1u);
    if (pending.size() != 1) return 0;
    EXPECT_TRUE(store_->MarkEscalation(pending[0].id, Done(at + 1min)).ok());
    return pending[0].id;
  }
  std::vector<Escalation> Due(TimePoint now) {
    auto due = store_->DueEscalations(now);
    EXPECT_TRUE(due.ok()) << due.error().message;
    return due.ok() ? due.value() : std::vector<Escalation>{};
  }

  TempDir dir_;
  HandlerConfig disk_ = MakeHandler("disk", "DiskSpaceLow", {"web-1:9100", "web-2:9100"});
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreOutboxTest, EnqueueIsIdempotentPerBreakerOpening) {
  OpenBreaker("web-1:9100", kT0, "inv-1");
  ASSERT_TRUE(store_->EnqueueEscalation(For("web-1:9100", kT0 + 1min)).ok());
  ASSERT_TRUE(store_->EnqueueEscalation(For("web-1:9100", kT0 + 1min)).ok());
  std::vector<Escalation> pending = Pending();
  ASSERT_EQ(pending.size(), 1u);
  ASSERT_TRUE(store_->MarkEscalation(pending[0].id, Done(kT0 + 2min)).ok());
  ASSERT_TRUE(store_->EnqueueEscalation(For("web-1:9100", kT0 + 3min)).ok());
  EXPECT_TRUE(Pending().empty()) << "delivered once for this opening; not again";

  // A new opening gets its own escalation.
  ASSERT_TRUE(store_->Reset({"disk", "web-1:9100"}).ok());
  OpenBreaker("web-1:9100", kT0 + 1h, "inv-2");
  ASSERT_TRUE(store_->EnqueueEscalation(For("web-1:9100", kT0 + 1h + 1min)).ok());
  EXPECT_EQ(Pending().size(), 1u);
  EXPECT_EQ(store_->ReadTotals().value().escalations, 2);
}

TEST_F(SqliteStoreOutboxTest, EnqueueMarksTheBreakerEscalated) {
  OpenBreaker("web-1:9100", kT0, "inv-1");
  ASSERT_TRUE(store_->EnqueueEscalation(For("web-1:9100", kT0 + 1min)).ok());
  Alert alert = MakeAlert("DiskSpaceLow", "web-1:9100", "fp-other");
  auto h = store_->LoadHistory(alert, {&disk_}, kT0 + 2min);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h.value().keys["disk"].escalated);
}

TEST_F(SqliteStoreOutboxTest, WithoutABreakerOnlyOneIsPendingPerKey) {
  ASSERT_TRUE(store_->EnqueueEscalation(For("web-1:9100", kT0)).ok());
  ASSERT_TRUE(store_->EnqueueEscalation(For("web-1:9100", kT0)).ok());
  ASSERT_EQ(Pending().size(), 1u);
  ASSERT_TRUE(store_->MarkEscalation(Pending()[0].id, Done(kT0)).ok());
  ASSERT_TRUE(store_->EnqueueEscalation(For("web-1:9100", kT0 + 1h)).ok());
  EXPECT_EQ(Pending().size(), 1u);
}

TEST_F(SqliteStoreOutboxTest, DueEscalationsComeOldestFirstAndRetryWhenTheirTimeComes) {
  ASSERT_TRUE(store_->EnqueueEscalation(For("web-1:9100", kT0)).ok());
  ASSERT_TRUE(store_->EnqueueEscalation(For("web-2:9100", kT0 + 1s)).ok());
  EXPECT_TRUE(Due(kT0 - 1s).empty());
  std::vector<Escalation> due = Due(kT0 + 2s);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].instance, "web-1:9100");
  EXPECT_EQ(due[1].instance, "web-2:9100");
  EXPECT_EQ(due[0].payload, R"([{"labels":{"alertname":"SelfHealExhausted"}}])");
  EXPECT_EQ(due[0].alertname, "DiskSpaceLow");

  ASSERT_TRUE(store_->MarkEscalation(due[0].id, Retry(kT0 + 1min, "connection refused")).ok());
  due = Due(kT0 + 3s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].instance, "web-2:9100");

  ASSERT_TRUE(store_->MarkEscalation(due[0].id, Done(kT0 + 4s)).ok());
  due = Due(kT0 + 1min);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].instance, "web-1:9100");
  EXPECT_EQ(due[0].tries, 1);
  EXPECT_EQ(due[0].last_error, "connection refused");
  EXPECT_EQ(due[0].next_try, kT0 + 1min);
  EXPECT_FALSE(due[0].delivered);

  std::vector<Escalation> pending = Pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].instance, "web-1:9100");
}

TEST_F(SqliteStoreOutboxTest, EscalationsSurviveReopen) {
  ASSERT_TRUE(store_->EnqueueEscalation(For("web-1:9100", kT0)).ok());
  store_.reset();
  auto reopened = SqliteStore::Open(dir_.path());
  ASSERT_TRUE(reopened.ok());
  store_ = std::move(reopened).value();
  EXPECT_EQ(Due(kT0).size(), 1u);
}

TEST_F(SqliteStoreOutboxTest, CommandIsPendingUntilItStartsAndNoStepIsEverUndone) {
  Escalation with_command = For("web-1:9100", kT0);
  with_command.command_pending = true;
  ASSERT_TRUE(store_->EnqueueEscalation(with_command).ok());
  std::vector<Escalation> due = Due(kT0);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(due[0].command_pending);

  // Alertmanager took it, the command did not start: only the command is left.
  ASSERT_TRUE(store_->MarkEscalation(due[0].id, {true, false, kT0 + 5s, "systemd said no"}).ok());
  EXPECT_TRUE(Due(kT0 + 4s).empty());
  due = Due(kT0 + 5s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(due[0].delivered);
  EXPECT_TRUE(due[0].command_pending);
  EXPECT_FALSE(due[0].done());

  // A round that reports neither step does not take the delivery back.
  ASSERT_TRUE(store_->MarkEscalation(due[0].id, Retry(kT0 + 15s, "again")).ok());
  due = Due(kT0 + 15s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(due[0].delivered);

  ASSERT_TRUE(store_->MarkEscalation(due[0].id, {false, true, kT0 + 16s, ""}).ok());
  EXPECT_TRUE(Pending().empty());
  EXPECT_EQ(RawQuery(dir_.db(),
                     "SELECT delivered_at IS NOT NULL AND command_pending = 0 FROM escalations"),
            "1");
}

TEST_F(SqliteStoreOutboxTest, VersionOneDatabaseIsMigratedWithItsOutboxIntact) {
  store_.reset();
  TempDir old;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(old.db().c_str(), &db), SQLITE_OK);
    std::string v1 = std::string(sqlite::MigrationStep(0)) +
                     "PRAGMA user_version = 1; PRAGMA application_id = 1397245260;"
                     "INSERT INTO escalations (handler, instance, payload, created_at, next_try) "
                     "VALUES ('disk', 'web-1:9100', '[]', 0, 0);";
    ASSERT_EQ(sqlite3_exec(db, v1.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  auto opened = SqliteStore::Open(old.path());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(RawQuery(old.db(), "PRAGMA user_version"), std::to_string(sqlite::SchemaVersion()));
  auto pending = opened.value()->PendingEscalations();
  ASSERT_TRUE(pending.ok()) << pending.error().message;
  ASSERT_EQ(pending.value().size(), 1u);
  EXPECT_EQ(pending.value()[0].instance, "web-1:9100");
  EXPECT_FALSE(pending.value()[0].command_pending) << "queued before EscalateExec= existed";
}

TEST_F(SqliteStoreOutboxTest, MarkingAnUnknownEscalationIsNotFound) {
  Status s = store_->MarkEscalation(42, Done(kT0));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kNotFound);
}

// Active: delivered, not finished; open while its opening is the key's and within
// its window (4 h here).
TEST_F(SqliteStoreOutboxTest, ActiveEscalationsFollowTheirBreakerOpening) {
  EXPECT_TRUE(Active(kT0).empty());
  OpenBreaker("web-1:9100", kT0, "inv-1");
  EXPECT_TRUE(Active(kT0 + 2min).empty()) << "not delivered yet: nothing to re-send";
  ASSERT_TRUE(store_->MarkEscalation(Pending()[0].id, Done(kT0 + 1min + 1s)).ok());

  std::vector<ActiveEscalation> active = Active(kT0 + 2min);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_TRUE(active[0].breaker_open);
  EXPECT_FALSE(active[0].superseded);
  EXPECT_EQ(active[0].last_post, kT0 + 1min + 1s) << "the delivery is the last post";
  EXPECT_TRUE(active[0].escalation.breaker_opened_at.has_value());

  ASSERT_TRUE(store_->MarkRefresh(active[0].escalation.id, {kT0 + 3min, std::nullopt}).ok());
  EXPECT_EQ(Active(kT0 + 4min).at(0).last_post, kT0 + 3min) << "a re-send moves it";
  EXPECT_FALSE(Active(kT0 + 1min + 4h).at(0).breaker_open) << "the window has passed";

  ASSERT_TRUE(store_->Reset({"disk", "web-1:9100"}).ok());
  active = Active(kT0 + 5min);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_FALSE(active[0].breaker_open) << "reset closes it";

  ASSERT_TRUE(store_->MarkRefresh(active[0].escalation.id, {kT0 + 6min, kT0 + 6min}).ok());
  EXPECT_TRUE(Active(kT0 + 7min).empty()) << "resolved: finished";
  ASSERT_TRUE(store_->MarkRefresh(active[0].escalation.id, {kT0 + 8min, std::nullopt}).ok());
  EXPECT_TRUE(Active(kT0 + 9min).empty()) << "a late re-send mark does not revive it";
}

TEST_F(SqliteStoreOutboxTest, ANewerOpeningSupersedesTheOldEscalation) {
  int64_t first = Delivered("web-1:9100", kT0, "inv-1");
  ASSERT_TRUE(store_->Reset({"disk", "web-1:9100"}).ok());
  int64_t second = Delivered("web-1:9100", kT0 + 1h, "inv-2");
  Delivered("web-2:9100", kT0, "inv-3");

  std::vector<ActiveEscalation> active = Active(kT0 + 1h + 2min);
  ASSERT_EQ(active.size(), 3u);
  EXPECT_EQ(active[0].escalation.id, first);
  EXPECT_FALSE(active[0].breaker_open);
  EXPECT_TRUE(active[0].superseded) << "its resolve would end the newer one (same labels)";
  EXPECT_EQ(active[1].escalation.id, second);
  EXPECT_TRUE(active[1].breaker_open);
  EXPECT_FALSE(active[1].superseded);
  EXPECT_EQ(active[2].escalation.instance, "web-2:9100");
  EXPECT_TRUE(active[2].breaker_open);
  EXPECT_FALSE(active[2].superseded) << "another key's older escalation is not replaced";
}

TEST_F(SqliteStoreOutboxTest, OnlyDeliveredEscalationsCanBeRefreshed) {
  OpenBreaker("web-1:9100", kT0, "inv-1");
  Status marked = store_->MarkRefresh(Pending()[0].id, {kT0, std::nullopt});
  ASSERT_FALSE(marked.ok());
  EXPECT_EQ(marked.error().code, Errc::kNotFound);
  EXPECT_FALSE(store_->MarkRefresh(999, {kT0, kT0}).ok());
}

}  // namespace
}  // namespace selfheal
