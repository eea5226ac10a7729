// The durable store's behaviours, on real SQLite files in a temporary directory.
#include "state/sqlite_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "policy/decide.h"
#include "state/schema.h"
#include "state/sqlite_db.h"
#include "store_test_util.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;
using namespace state_test;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.handlers.push_back(MakeHandler("disk", "DiskSpaceLow", {"web-1:9100", "web-2:9100"}));
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<SqliteStore> OpenStore() {
    auto opened = SqliteStore::Open(dir_.path());
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  const HandlerConfig& disk() const { return config_.handlers[0]; }

  void LaunchAt(TimePoint at, int attempt, const Alert& alert) {
    Status s = store_->Record(alert, Launch(disk(), attempt), at, nullptr);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  void LaunchAt(TimePoint at, int attempt) { LaunchAt(at, attempt, alert_); }

  ResultEffect Finish(Outcome outcome, TimePoint at, const std::string& invocation,
                      const std::string& instance = "web-1:9100") {
    RunResult r = ResultOf(disk(), instance, outcome, at, invocation);
    auto effect = store_->RecordResult(r, disk().max_attempts, disk().window, RowFor(r));
    EXPECT_TRUE(effect.ok()) << effect.error().message;
    return effect.ok() ? effect.value() : ResultEffect{};
  }

  History HistoryAt(TimePoint now, const Alert& alert) {
    auto h = store_->LoadHistory(alert, {&disk()}, now);
    EXPECT_TRUE(h.ok()) << h.error().message;
    return h.ok() ? h.value() : History{};
  }
  KeyState KeyAt(TimePoint now) {
    History h = HistoryAt(now, alert_);
    auto it = h.keys.find("disk");
    return it == h.keys.end() ? KeyState{} : it->second;
  }

  ResolveCredit ResolveAt(TimePoint now, const std::string& instance = "web-1:9100") {
    Alert resolved = MakeAlert("DiskSpaceLow", instance, "82cf4c324f050464",
                               "2026-11-22T11:59:00.000Z", AlertStatus::kResolved);
    Decision d = Decide(resolved, config_, History{}, now);
    EXPECT_EQ(d.verdict, Verdict::kResolved);
    auto credit = store_->CreditResolved(resolved, d, now);
    EXPECT_TRUE(credit.ok()) << credit.error().message;
    return credit.ok() ? credit.value() : ResolveCredit{};
  }

  std::vector<KeyStatus> StatusAt(TimePoint now) {
    auto s = store_->ListStatus(now);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? s.value() : std::vector<KeyStatus>{};
  }

  TempDir dir_;
  Config config_;
  Alert alert_ = MakeAlert("DiskSpaceLow", "web-1:9100");
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, OpenCreatesAPrivateWalDatabaseAtTheCurrentSchema) {
  struct stat st {};
  ASSERT_EQ(stat(dir_.db().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(RawQuery(dir_.db(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(RawQuery(dir_.db(), "PRAGMA user_version"), std::to_string(sqlite::SchemaVersion()));
  EXPECT_EQ(RawQuery(dir_.db(), "PRAGMA integrity_check"), "ok");
}

TEST_F(SqliteStoreTest, AttemptsSurviveReopen) {
  LaunchAt(kT0, 1);
  LaunchAt(kT0 + 10min, 2);
  ASSERT_TRUE(store_->SetPausedUntil(kT0 + 1h).ok());
  store_.reset();
  store_ = OpenStore();
  ASSERT_NE(store_, nullptr);
  History h = HistoryAt(kT0 + 20min, alert_);
  EXPECT_EQ(h.keys["disk"].attempts, (std::vector<TimePoint>{kT0, kT0 + 10min}));
  EXPECT_EQ(h.paused_until, kT0 + 1h);
  ASSERT_TRUE(h.notification_round);
  EXPECT_EQ(h.notification_round->started_at, kT0 + 10min);
}

TEST_F(SqliteStoreTest, LaunchIsRecordedUnderItsUnitName) {
  LaunchAt(kT0, 1);
  std::vector<KeyStatus> status = StatusAt(kT0 + 1min);
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].handler, "disk");
  EXPECT_EQ(status[0].instance, "web-1:9100");
  EXPECT_EQ(status[0].alertname, "DiskSpaceLow");
  EXPECT_EQ(status[0].last_result, "running");
  EXPECT_EQ(status[0].running_unit, UnitNameFor("disk", "web-1:9100"));
  EXPECT_EQ(status[0].attempts_in_window, 1);
}

TEST_F(SqliteStoreTest, RunIsActiveUntilItsResultArrives) {
  LaunchAt(kT0, 1);
  EXPECT_TRUE(KeyAt(kT0 + 1min).run_active);
  Finish(Outcome::kFailed, kT0 + 2min, "inv-1");
  KeyState key = KeyAt(kT0 + 3min);
  EXPECT_FALSE(key.run_active);
  EXPECT_EQ(key.attempts, std::vector<TimePoint>{kT0});
}

TEST_F(SqliteStoreTest, RunWithoutResultIsLostAfterTimeoutPlus30sAndStillCounts) {
  LaunchAt(kT0, 1);  // TimeoutSec=5min
  EXPECT_TRUE(KeyAt(kT0 + 5min + 29s).run_active);
  KeyState key = KeyAt(kT0 + 5min + 30s);
  EXPECT_FALSE(key.run_active);
  EXPECT_EQ(key.attempts, std::vector<TimePoint>{kT0});
  EXPECT_EQ(StatusAt(kT0 + 6min).at(0).last_result, "lost");
}

TEST_F(SqliteStoreTest, HistoryCarriesTheNewestAttemptsResult) {
  EXPECT_EQ(KeyAt(kT0).last_result, "");
  LaunchAt(kT0, 1);
  EXPECT_EQ(KeyAt(kT0 + 1min).last_result, "running");
  Finish(Outcome::kFailed, kT0 + 2min, "inv-1");
  EXPECT_EQ(KeyAt(kT0 + 3min).last_result, "failed");
  LaunchAt(kT0 + 10min, 2);
  EXPECT_EQ(KeyAt(kT0 + 15min + 30s).last_result, "lost");  // TimeoutSec=5min, +30 s grace
}

TEST_F(SqliteStoreTest, BreakerOpensOnTheThirdFailureWithItsEscalationAndOneResultSaysSo) {
  LaunchAt(kT0, 1);
  ResultEffect first = Finish(Outcome::kFailed, kT0 + 1min, "inv-1");
  EXPECT_TRUE(first.found_attempt);
  EXPECT_EQ(first.attempt, 1);
  EXPECT_EQ(first.duration, 1min);
  EXPECT_EQ(first.attempts_in_window, 1);
  EXPECT_FALSE(first.breaker_opened);
  LaunchAt(kT0 + 10min, 2);
  EXPECT_FALSE(Finish(Outcome::kFailed, kT0 + 11min, "inv-2").breaker_opened);
  LaunchAt(kT0 + 20min, 3);
  ResultEffect third = Finish(Outcome::kFailed, kT0 + 21min, "inv-3");
  EXPECT_TRUE(third.breaker_opened);
  EXPECT_EQ(third.attempts_in_window, 3);
  EXPECT_FALSE(Finish(Outcome::kFailed, kT0 + 21min, "inv-3").breaker_opened);

  KeyState key = KeyAt(kT0 + 30min);
  EXPECT_EQ(key.breaker_opened_at, kT0 + 21min);
  EXPECT_TRUE(key.escalated) << "queued in the result's own transaction";
  EXPECT_EQ(RawQuery(dir_.db(), "SELECT COUNT(*) || ' ' || breaker_opened_at FROM escalations"),
            "1 " + std::to_string(sqlite::ToNanos(kT0 + 21min)));
  History h = HistoryAt(kT0 + 30min, MakeAlert("DiskSpaceLow", "web-1:9100", "other-fp"));
  Decision d = Decide(alert_, config_, h, kT0 + 30min);
  EXPECT_EQ(d.verdict, Verdict::kBreakerOpen);
  EXPECT_FALSE(d.escalate) << "escalated once, by the result that opened it";
  EXPECT_FALSE(d.opens_breaker);
}

TEST_F(SqliteStoreTest, GaveUpOpensTheBreakerAtOnce) {
  LaunchAt(kT0, 1);
  ResultEffect effect = Finish(Outcome::kGaveUp, kT0 + 1min, "inv-1");
  EXPECT_TRUE(effect.breaker_opened);
  EXPECT_EQ(KeyAt(kT0 + 2min).breaker_opened_at, kT0 + 1min);
  std::vector<KeyStatus> status = StatusAt(kT0 + 2min);
  ASSERT_EQ(status.size(), 1u);
  EXPECT_TRUE(status[0].breaker_open);
  EXPECT_EQ(status[0].breaker_opened_at, kT0 + 1min);
  EXPECT_EQ(status[0].last_result, "gave-up");
}

TEST_F(SqliteStoreTest, DoneThenResolvedWithinVerifySecIsHealedAndResetsTheBudget) {
  LaunchAt(kT0, 1);
  Finish(Outcome::kFailed, kT0 + 1min, "inv-1");
  LaunchAt(kT0 + 10min, 2);
  ResultEffect done = Finish(Outcome::kDone, kT0 + 11min, "inv-2");
  EXPECT_FALSE(done.healed);
  EXPECT_EQ(done.attempts_in_window, 2);  // done is the handler's word: still counting
  EXPECT_EQ(done.verify_until, kT0 + 11min + disk().verify);
  EXPECT_EQ(StatusAt(kT0 + 12min).at(0).last_result, "done");

  ResolveCredit credit = ResolveAt(kT0 + 14min);
  EXPECT_EQ(credit.kind, ResolveCredit::Kind::kHealed);
  EXPECT_EQ(credit.attempt, 2);
  EXPECT_EQ(credit.started_at, kT0 + 10min);
  EXPECT_EQ(credit.verify_until, kT0 + 11min + disk().verify);
  EXPECT_TRUE(KeyAt(kT0 + 15min).attempts.empty());
  EXPECT_EQ(RawQuery(dir_.db(), "SELECT resolved_at FROM attempts WHERE attempt = 2"),
            std::to_string(sqlite::ToNanos(kT0 + 14min)));
  EXPECT_EQ(RawQuery(dir_.db(), "SELECT resolved_at FROM attempts WHERE attempt = 1"), "NULL");
  KeyStatus status = StatusAt(kT0 + 15min).at(0);
  EXPECT_EQ(status.last_result, "healed");
  EXPECT_EQ(status.resolved_at, kT0 + 14min);
  EXPECT_EQ(status.attempts_in_window, 0);
  Decision d = Decide(MakeAlert("DiskSpaceLow", "web-1:9100", "fp-2"), config_,
                      HistoryAt(kT0 + 15min, alert_), kT0 + 15min);
  EXPECT_EQ(d.verdict, Verdict::kLaunch);
  EXPECT_EQ(d.attempt, 1);
  // Alertmanager's HA twin of the same resolve finds nothing left to credit.
  EXPECT_EQ(ResolveAt(kT0 + 14min + 50ms).kind, ResolveCredit::Kind::kNone);
}

TEST_F(SqliteStoreTest, EveryAttemptCarriesTheVerifySecItWasLaunchedWith) {
  config_.handlers[0].verify = 7min;
  LaunchAt(kT0, 1);
  EXPECT_EQ(RawQuery(dir_.db(), "SELECT verify_ns FROM attempts"),
            std::to_string(Duration(7min).count()));
  config_.handlers[0].verify = 1h;  // a reload meanwhile changes nothing for this attempt
  EXPECT_EQ(Finish(Outcome::kDone, kT0 + 1min, "inv-1").verify_until, kT0 + 8min);
  EXPECT_EQ(StatusAt(kT0 + 8min).at(0).last_result, "not-healed");
}

TEST_F(SqliteStoreTest, DoneWithoutResolveIsNotHealedAfterVerifySecAndOpensTheBreaker) {
  for (int i = 0; i < 3; ++i) {
    LaunchAt(kT0 + i * 30min, i + 1);
    ResultEffect done = Finish(Outcome::kDone, kT0 + i * 30min + 1min, "inv-" + std::to_string(i));
    EXPECT_EQ(done.attempts_in_window, i + 1);
    EXPECT_FALSE(done.breaker_opened);  // the budget is spent by the repeats, not the exit
  }
  KeyStatus waiting = StatusAt(kT0 + 61min + 15min - 1ns).at(0);
  EXPECT_EQ(waiting.last_result, "done");
  EXPECT_EQ(waiting.verify_until, kT0 + 61min + 15min);
  KeyStatus status = StatusAt(kT0 + 90min).at(0);
  EXPECT_EQ(status.last_result, "not-healed");
  EXPECT_EQ(status.attempts_in_window, 3);
  EXPECT_EQ(status.verify_until, kT0 + 76min);
  EXPECT_EQ(RawQuery(dir_.db(), "SELECT COUNT(*) FROM attempts WHERE resolved_at IS NOT NULL"),
            "0");

  // Alertmanager's repeat_interval repeat: the budget is spent, the breaker opens.
  History h = HistoryAt(kT0 + 90min, alert_);
  EXPECT_EQ(h.keys.at("disk").last_result, "not-healed");
  Decision d = Decide(alert_, config_, h, kT0 + 90min);
  EXPECT_EQ(d.verdict, Verdict::kBreakerOpen);
  EXPECT_TRUE(d.opens_breaker);
  EXPECT_TRUE(d.escalate);
  EXPECT_NE(d.reason.find("did not resolve within VerifySec=15min (not healed)"), std::string::npos)
      << d.reason;
  Escalation row = EscalationRow("disk", "web-1:9100", kT0 + 90min);
  ASSERT_TRUE(store_->Record(alert_, d, kT0 + 90min, &row).ok());
  EXPECT_TRUE(StatusAt(kT0 + 90min).at(0).breaker_open);
  auto pending = store_->PendingEscalations();
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending.value().size(), 1u);
}

TEST_F(SqliteStoreTest, ResolvedWhileRunningIsRememberedAndAnExit0IsHealedAtOnce) {
  LaunchAt(kT0, 1);
  LaunchAt(kT0 + 10min, 2, alert_);  // a second attempt in the window: both stop counting
  ResolveCredit credit = ResolveAt(kT0 + 10min + 30s);
  EXPECT_EQ(credit.kind, ResolveCredit::Kind::kAwaitingExit);
  EXPECT_EQ(credit.attempt, 2);
  EXPECT_FALSE(credit.verify_until);
  EXPECT_EQ(ResolveAt(kT0 + 10min + 40s).kind, ResolveCredit::Kind::kAwaitingExit);
  EXPECT_EQ(StatusAt(kT0 + 10min + 45s).at(0).resolved_at, kT0 + 10min + 30s);  // the first

  ResultEffect done = Finish(Outcome::kDone, kT0 + 11min, "inv-2");
  EXPECT_TRUE(done.healed);
  EXPECT_EQ(done.resolved_at, kT0 + 10min + 30s);
  EXPECT_EQ(done.attempts_in_window, 0);
  KeyStatus status = StatusAt(kT0 + 12min).at(0);
  EXPECT_EQ(status.last_result, "healed");
  EXPECT_EQ(status.resolved_at, kT0 + 10min + 30s);
  // Recorded again (a retried record-result): the same answer, nothing changes.
  ResultEffect again = Finish(Outcome::kDone, kT0 + 11min, "inv-2");
  EXPECT_TRUE(again.healed);
  EXPECT_EQ(again.attempts_in_window, 0);
}

TEST_F(SqliteStoreTest, ResolvedWhileRunningIsDroppedWhenTheHandlerFails) {
  LaunchAt(kT0, 1);
  EXPECT_EQ(ResolveAt(kT0 + 30s).kind, ResolveCredit::Kind::kAwaitingExit);
  ResultEffect failed = Finish(Outcome::kFailed, kT0 + 1min, "inv-1");
  EXPECT_FALSE(failed.healed);
  EXPECT_EQ(failed.attempts_in_window, 1);
  EXPECT_EQ(RawQuery(dir_.db(), "SELECT resolved_at FROM attempts"), "NULL");
  EXPECT_EQ(ResolveAt(kT0 + 2min).kind, ResolveCredit::Kind::kNone);  // failed: not credited
}

TEST_F(SqliteStoreTest, ResolvedAfterVerifySecIsNotCredited) {
  LaunchAt(kT0, 1);
  Finish(Outcome::kDone, kT0 + 1min, "inv-1");
  ResolveCredit late = ResolveAt(kT0 + 1min + disk().verify);
  EXPECT_EQ(late.kind, ResolveCredit::Kind::kTooLate);
  EXPECT_EQ(late.attempt, 1);
  EXPECT_EQ(late.verify_until, kT0 + 16min);
  EXPECT_EQ(RawQuery(dir_.db(), "SELECT resolved_at FROM attempts"), "NULL");
  KeyStatus status = StatusAt(kT0 + 17min).at(0);
  EXPECT_EQ(status.last_result, "not-healed");
  EXPECT_EQ(status.attempts_in_window, 1);
  EXPECT_FALSE(status.resolved_at);
}

TEST_F(SqliteStoreTest, ResolveOfAKeyWithNoAttemptCreditsNothing) {
  EXPECT_EQ(ResolveAt(kT0).kind, ResolveCredit::Kind::kNone);
  LaunchAt(kT0, 1, MakeAlert("DiskSpaceLow", "web-2:9100"));
  EXPECT_EQ(ResolveAt(kT0 + 1s).kind, ResolveCredit::Kind::kNone);  // another instance's
  LaunchAt(kT0 + 1min, 1);
  Finish(Outcome::kGaveUp, kT0 + 2min, "inv-1");
  EXPECT_EQ(ResolveAt(kT0 + 3min).kind, ResolveCredit::Kind::kNone);
  EXPECT_TRUE(StatusAt(kT0 + 3min).at(0).breaker_open);  // only a credit closes it
}

TEST_F(SqliteStoreTest, LateDoneResultThenResolveClosesAnOpenBreaker) {
  // Results lost: Decide opens the breaker itself; then the last result turns up.
  LaunchAt(kT0, 1);
  LaunchAt(kT0 + 10min, 2);
  LaunchAt(kT0 + 20min, 3);
  Decision open;
  open.verdict = Verdict::kBreakerOpen;
  open.handler = &disk();
  open.opens_breaker = open.escalate = true;
  Escalation row = EscalationRow("disk", "web-1:9100", kT0 + 30min);
  ASSERT_TRUE(store_->Record(alert_, open, kT0 + 30min, &row).ok());
  EXPECT_EQ(KeyAt(kT0 + 30min).breaker_opened_at, kT0 + 30min);
  EXPECT_TRUE(KeyAt(kT0 + 30min).escalated);
  EXPECT_TRUE(Finish(Outcome::kDone, kT0 + 31min, "inv-3").found_attempt);
  EXPECT_TRUE(KeyAt(kT0 + 32min).breaker_opened_at);  // done is not healed yet
  EXPECT_EQ(ResolveAt(kT0 + 33min).kind, ResolveCredit::Kind::kHealed);
  KeyState key = KeyAt(kT0 + 34min);
  EXPECT_FALSE(key.breaker_opened_at);
  EXPECT_TRUE(key.attempts.empty());
}

TEST_F(SqliteStoreTest, NotApplicableDoesNotCount) {
  LaunchAt(kT0, 1);
  ResultEffect effect = Finish(Outcome::kNotApplicable, kT0 + 1min, "inv-1");
  EXPECT_TRUE(effect.found_attempt);
  EXPECT_EQ(effect.attempts_in_window, 0);
  EXPECT_TRUE(KeyAt(kT0 + 2min).attempts.empty());
  EXPECT_EQ(StatusAt(kT0 + 2min).at(0).last_result, "not-applicable");
}

TEST_F(SqliteStoreTest, BreakerClosesAfterTheWindowAndTheBudgetStartsAfresh) {
  LaunchAt(kT0, 1);
  Finish(Outcome::kGaveUp, kT0 + 1min, "inv-1");
  EXPECT_TRUE(KeyAt(kT0 + 1min + 4h - 1s).breaker_opened_at);
  KeyState closed = KeyAt(kT0 + 1min + 4h);
  EXPECT_FALSE(closed.breaker_opened_at);
  EXPECT_TRUE(closed.attempts.empty());
  EXPECT_FALSE(StatusAt(kT0 + 1min + 4h).at(0).breaker_open);

  Alert later = MakeAlert("DiskSpaceLow", "web-1:9100", "fp-later");
  Decision d = Decide(later, config_, HistoryAt(kT0 + 5h, later), kT0 + 5h);
  ASSERT_EQ(d.verdict, Verdict::kLaunch);
  EXPECT_EQ(d.attempt, 1);
  LaunchAt(kT0 + 5h, 1, later);  // the first write after expiry tidies up
  EXPECT_EQ(RawQuery(dir_.db(), "SELECT COUNT(*) FROM breakers"), "0");
  EXPECT_EQ(KeyAt(kT0 + 5h).attempts, std::vector<TimePoint>{kT0 + 5h});
}

TEST_F(SqliteStoreTest, ResultIsIdempotentPerInvocationId) {
  LaunchAt(kT0, 1);
  ResultEffect once = Finish(Outcome::kFailed, kT0 + 1min, "inv-1");
  LaunchAt(kT0 + 10min, 2);
  ResultEffect twice = Finish(Outcome::kFailed, kT0 + 1min, "inv-1");
  EXPECT_TRUE(twice.found_attempt);
  EXPECT_EQ(twice.attempt, once.attempt);
  EXPECT_EQ(twice.duration, once.duration);
  EXPECT_FALSE(twice.breaker_opened);
  // The second delivery did not finish attempt 2, which is still running.
  EXPECT_TRUE(KeyAt(kT0 + 11min).run_active);
  EXPECT_EQ(RawQuery(dir_.db(), "SELECT COUNT(*) FROM attempts WHERE finished_at IS NOT NULL"),
            "1");
}

TEST_F(SqliteStoreTest, ResultWithoutAnAttemptIsKeptAsAnOrphan) {
  ResultEffect effect = Finish(Outcome::kGaveUp, kT0, "inv-x");
  EXPECT_FALSE(effect.found_attempt);
  EXPECT_FALSE(effect.breaker_opened);
  EXPECT_EQ(RawQuery(dir_.db(), "SELECT COUNT(*) FROM attempts WHERE orphan = 1"), "1");
  EXPECT_TRUE(StatusAt(kT0).empty());
  EXPECT_FALSE(Finish(Outcome::kGaveUp, kT0, "inv-x").found_attempt);  // idempotent too
  auto totals = store_->ReadTotals();
  ASSERT_TRUE(totals.ok());
  ASSERT_EQ(totals.value().results.size(), 1u);
  EXPECT_EQ(totals.value().results[0].second, 1);
}

TEST_F(SqliteStoreTest, ResultAfterAResetFinishesTheRunButDoesNotCount) {
  LaunchAt(kT0, 1);
  ASSERT_TRUE(store_->Reset({"disk", "web-1:9100"}).ok());
  ResultEffect effect = Finish(Outcome::kFailed, kT0 + 1min, "inv-1");
  EXPECT_TRUE(effect.found_attempt);
  EXPECT_EQ(effect.attempts_in_window, 0);
  KeyState key = KeyAt(kT0 + 2min);
  EXPECT_FALSE(key.run_active);
  EXPECT_TRUE(key.attempts.empty());
}

TEST_F(SqliteStoreTest, CancelLaunchTakesBackTheAttemptAndTheDedupKey) {
  LaunchAt(kT0, 1);
  LaunchAt(kT0 + 10min, 2);
  ASSERT_TRUE(store_->CancelLaunch(alert_, Launch(disk(), 2), kT0 + 10min).ok());
  History h = HistoryAt(kT0 + 10min, alert_);
  EXPECT_FALSE(h.notification_round);
  EXPECT_EQ(h.keys["disk"].attempts, std::vector<TimePoint>{kT0});
}

TEST_F(SqliteStoreTest, DedupKeysExpireAfterADay) {
  Decision paused;
  paused.verdict = Verdict::kPaused;
  paused.handler = &disk();
  ASSERT_TRUE(store_->Record(alert_, paused, kT0, nullptr).ok());
  EXPECT_EQ(HistoryAt(kT0 + 1s, alert_).notification_round->started_at, kT0);
  ASSERT_TRUE(
      store_->Record(MakeAlert("DiskSpaceLow", "web-2:9100", "fp-2"), paused, kT0 + 25h, nullptr)
          .ok());
  EXPECT_FALSE(HistoryAt(kT0 + 25h, alert_).notification_round);
}

TEST_F(SqliteStoreTest, SkipsThatNeverReachedDedupWriteNothing) {
  Decision mismatch;
  mismatch.verdict = Verdict::kLabelsMismatch;
  mismatch.handler = &disk();
  ASSERT_TRUE(store_->Record(alert_, mismatch, kT0, nullptr).ok());
  EXPECT_FALSE(HistoryAt(kT0, alert_).notification_round);
  EXPECT_TRUE(HistoryAt(kT0, alert_).keys.empty());
}

TEST_F(SqliteStoreTest, PauseIsKeptUntilResumed) {
  ASSERT_TRUE(store_->SetPausedUntil(kT0 + 1h).ok());
  EXPECT_EQ(HistoryAt(kT0, alert_).paused_until, kT0 + 1h);
  ASSERT_TRUE(store_->SetPausedUntil(std::nullopt).ok());
  EXPECT_FALSE(HistoryAt(kT0, alert_).paused_until);
}

TEST_F(SqliteStoreTest, ResetClosesTheBreakerAndKeepsTheHistory) {
  LaunchAt(kT0, 1);
  Finish(Outcome::kGaveUp, kT0 + 1min, "inv-1");
  ASSERT_TRUE(store_->Reset({"disk", "web-1:9100"}).ok());
  KeyState key = KeyAt(kT0 + 2min);
  EXPECT_FALSE(key.breaker_opened_at);
  EXPECT_TRUE(key.attempts.empty());
  std::vector<KeyStatus> status = StatusAt(kT0 + 2min);
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].last_result, "gave-up");
  EXPECT_EQ(status[0].attempts_in_window, 0);
  EXPECT_FALSE(status[0].breaker_open);
}

TEST_F(SqliteStoreTest, ResetOfAnUnknownKeyIsNotFound) {
  Status s = store_->Reset({"disk", "web-9:9100"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kNotFound);
  EXPECT_EQ(s.error().message, "reset 'disk' on 'web-9:9100': nothing is recorded for it");
}

TEST_F(SqliteStoreTest, ResetAllClosesEveryBreaker) {
  Alert web2 = MakeAlert("DiskSpaceLow", "web-2:9100", "fp-2");
  LaunchAt(kT0, 1);
  LaunchAt(kT0, 1, web2);
  Finish(Outcome::kGaveUp, kT0 + 1min, "inv-1");
  Finish(Outcome::kGaveUp, kT0 + 1min, "inv-2", "web-2:9100");
  ASSERT_TRUE(store_->ResetAll().ok());
  for (const KeyStatus& k : StatusAt(kT0 + 2min)) {
    EXPECT_FALSE(k.breaker_open) << k.instance;
    EXPECT_EQ(k.attempts_in_window, 0) << k.instance;
  }
  EXPECT_EQ(StatusAt(kT0 + 2min).size(), 2u);
}

TEST_F(SqliteStoreTest, StatusListsEveryKeySorted) {
  Alert web2 = MakeAlert("DiskSpaceLow", "web-2:9100", "fp-2");
  LaunchAt(kT0, 1, web2);
  LaunchAt(kT0, 1);
  Finish(Outcome::kFailed, kT0 + 1min, "inv-1");
  std::vector<KeyStatus> status = StatusAt(kT0 + 2min);
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].instance, "web-1:9100");
  EXPECT_EQ(status[0].last_result, "failed");
  EXPECT_EQ(status[0].last_time, kT0 + 1min);
  EXPECT_EQ(status[0].running_unit, "");
  EXPECT_EQ(status[1].instance, "web-2:9100");
  EXPECT_EQ(status[1].last_result, "running");
  EXPECT_EQ(status[1].last_time, kT0);
  EXPECT_EQ(StatusAt(kT0 + 4h).at(0).attempts_in_window, 0);
}

TEST_F(SqliteStoreTest, TotalsCountResultsEscalationsAndTheLastRun) {
  LaunchAt(kT0, 1);
  Finish(Outcome::kFailed, kT0 + 1min, "inv-1");
  LaunchAt(kT0 + 10min, 2);
  Finish(Outcome::kFailed, kT0 + 11min, "inv-2");
  LaunchAt(kT0 + 20min, 3);
  Finish(Outcome::kDone, kT0 + 21min, "inv-3");
  ResolveAt(kT0 + 25min);
  LaunchAt(kT0 + 30min, 1);
  Escalation e;
  e.handler = "disk";
  e.instance = "web-1:9100";
  e.payload = "[]";
  e.next_try = kT0;
  ASSERT_TRUE(store_->EnqueueEscalation(e).ok());
  auto totals = store_->ReadTotals();
  ASSERT_TRUE(totals.ok()) << totals.error().message;
  using Row = std::pair<std::pair<std::string, std::string>, int64_t>;
  EXPECT_EQ(totals.value().results,
            (std::vector<Row>{{{"disk", "failed"}, 2}, {{"disk", "healed"}, 1}}));
  EXPECT_EQ(totals.value().escalations, 1);
  EXPECT_EQ(totals.value().last_run, kT0 + 30min);
}

TEST_F(SqliteStoreTest, LockedDatabaseIsUnavailableAndTheMessageSaysWhatFailed) {
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.db().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  Status s = store_->Record(alert_, Launch(disk(), 1), kT0, nullptr);  // waits out the 2 s timeout
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kUnavailable);
  EXPECT_EQ(s.error().message, "record attempt for 'disk' on 'web-1:9100': database is locked");
  EXPECT_TRUE(store_->LoadHistory(alert_, {&disk()}, kT0).ok());  // WAL: readers go on
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_TRUE(store_->Record(alert_, Launch(disk(), 1), kT0, nullptr).ok());
}

}  // namespace
}  // namespace selfheal
