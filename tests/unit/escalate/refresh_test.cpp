// Keeping a delivered escalation true in Alertmanager: re-sent with endsAt ahead while
// its breaker is open, resolved (endsAt = now) once it closed, never a resolve that
// would end a newer opening's alert.
#include "escalate/refresh.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <syslog.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "escalate/escalation_payload.h"
#include "escalate/sample_facts.h"
#include "fakes.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;

// The active escalations as the store would list them; records every mark.
class ActiveStore final : public Outbox {
 public:
  Status EnqueueEscalation(const Escalation&) override { return Ok(); }
  Expected<std::vector<Escalation>> DueEscalations(TimePoint) override {
    return std::vector<Escalation>{};
  }
  Status MarkEscalation(int64_t, const EscalationMark&) override { return Ok(); }
  Expected<std::vector<Escalation>> PendingEscalations() override {
    return std::vector<Escalation>{};
  }
  Expected<std::vector<ActiveEscalation>> ActiveEscalations(TimePoint) override {
    if (unavailable) return Error{Errc::kUnavailable, "database is locked"};
    std::vector<ActiveEscalation> out;
    for (const ActiveEscalation& a : rows) {
      if (!finished.contains(a.escalation.id)) out.push_back(a);
    }
    return out;
  }
  Status MarkRefresh(int64_t id, const RefreshMark& mark) override {
    marks.emplace_back(id, mark);
    if (mark.finished_at) finished[id] = *mark.finished_at;
    for (ActiveEscalation& a : rows) {
      if (a.escalation.id == id && mark.posted_at) a.last_post = *mark.posted_at;
    }
    return Ok();
  }

  std::vector<ActiveEscalation> rows;
  std::vector<std::pair<int64_t, RefreshMark>> marks;
  std::map<int64_t, TimePoint> finished;
  bool unavailable = false;
};

const TimePoint kNow = *ParseRfc3339("2026-11-22T13:00:00.000Z");
const Error kRefused{Errc::kUnavailable, "Failed to POST to Alertmanager: connection refused"};

Escalation Nginx(int64_t id) {
  Escalation e;
  e.id = id;
  e.handler = "nginx-restart";
  e.instance = "web-1:9100";
  e.alertname = "NginxDown";
  e.payload = BuildEscalationPayload(test::NginxFacts());
  e.delivered = true;
  e.breaker_opened_at = test::NginxFacts().opened_at;
  return e;
}

std::string EndsAt(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  if (doc.HasParseError() || !doc.IsArray() || doc.Empty()) return "<not a body>";
  auto it = doc[0].FindMember("endsAt");
  return it == doc[0].MemberEnd() ? "<none>" : it->value.GetString();
}

class RefreshTest : public ::testing::Test {
 protected:
  RefreshReport Refresh(TimePoint now = kNow) {
    return RefreshActive(store, post, journal, now, 60s);
  }
  void Add(int64_t id, TimePoint last_post, bool open, bool superseded = false) {
    store.rows.push_back({Nginx(id), last_post, open, superseded});
  }

  ActiveStore store;
  RecordingJournal journal;
  std::vector<std::string> posted;
  std::vector<Status> answers;  // then Ok
  std::function<Status(const std::string&)> post = [this](const std::string& body) -> Status {
    posted.push_back(body);
    if (answers.empty()) return Ok();
    Status s = answers.front();
    answers.erase(answers.begin());
    return s;
  };
};

TEST(RefreshBodyTest, FiringBodyPutsEndsAtFourIntervalsAheadAndKeepsTheRest) {
  Escalation e = Nginx(1);
  std::string body = FiringBody(e, kNow, 60s);
  EXPECT_EQ(EndsAt(body), "2026-11-22T13:04:00.000Z");
  EXPECT_EQ(EndsAt(e.payload), "2026-11-22T16:00:00.000Z") << "as queued: opening + window";
  EXPECT_EQ(PayloadAnnotation(body, "attempts"), "3");
  EXPECT_NE(body.find("\"startsAt\":\"2026-11-22T12:00:00.000Z\""), std::string::npos);
  EXPECT_NE(body.find("\"alertname\":\"SelfHealExhausted\""), std::string::npos);
  EXPECT_EQ(EndsAt(ResolvedBody(e, kNow)), "2026-11-22T13:00:00.000Z");
}

TEST(RefreshBodyTest, EndsAtIsAddedWhenMissingAndOldOrForeignPayloadsAreKept) {
  EXPECT_EQ(EndsAt(WithEndsAt(R"([{"labels":{"a":"b"}}])", kNow)), "2026-11-22T13:00:00.000Z");
  EXPECT_EQ(WithEndsAt("not json", kNow), "not json");
  EXPECT_EQ(WithEndsAt(R"({"labels":{}})", kNow), R"({"labels":{}})");
  Escalation old = Nginx(1);
  old.breaker_opened_at.reset();  // queued before openings were recorded
  EXPECT_EQ(FiringBody(old, kNow, 60s), old.payload);
}

TEST(RefreshBodyTest, ResendIsDueAfterHalfAnInterval) {
  EXPECT_FALSE(ResendDue(kNow, kNow, 60s));
  EXPECT_FALSE(ResendDue(kNow - 29s, kNow, 60s));
  EXPECT_TRUE(ResendDue(kNow - 30s, kNow, 60s));
  EXPECT_TRUE(ResendDue(kNow - 1h, kNow, 60s));
}

TEST_F(RefreshTest, OpenBreakerIsReSentAndTheNextRoundIsOneIntervalLater) {
  Add(1, kNow - 61s, true);
  RefreshReport report = Refresh();
  EXPECT_EQ(report.resent, 1);
  EXPECT_EQ(report.next_round, kNow + 60s);
  ASSERT_EQ(posted.size(), 1u);
  EXPECT_EQ(EndsAt(posted[0]), "2026-11-22T13:04:00.000Z");
  ASSERT_EQ(store.marks.size(), 1u);
  EXPECT_EQ(store.marks[0].second.posted_at, kNow);
  EXPECT_EQ(store.marks[0].second.finished_at, std::nullopt);
  ASSERT_EQ(journal.events.size(), 1u);
  EXPECT_EQ(journal.events[0].priority, LOG_INFO);
  EXPECT_EQ(journal.Field(0, "REASON"), "resent");
  EXPECT_EQ(journal.Field(0, "FINGERPRINT"), "6d0a5ab2a4a7c2f1");
}

TEST_F(RefreshTest, JustPostedIsNotPostedAgain) {
  Add(1, kNow - 10s, true);
  RefreshReport report = Refresh();
  EXPECT_TRUE(posted.empty());
  EXPECT_EQ(report.resent, 0);
  EXPECT_EQ(report.next_round, kNow + 50s) << "one interval after the last post";
  EXPECT_TRUE(journal.events.empty());
}

TEST_F(RefreshTest, FailedReSendIsJournaledAtErrAndRetriedNextRound) {
  Add(1, kNow - 61s, true);
  answers = {kRefused};
  RefreshReport report = Refresh();
  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(report.next_round, kNow + 60s);
  EXPECT_TRUE(store.marks.empty()) << "the last post stays the one Alertmanager took";
  ASSERT_EQ(journal.events.size(), 1u);
  EXPECT_EQ(journal.events[0].priority, LOG_ERR);
  EXPECT_NE(journal.events[0].message.find("connection refused"), std::string::npos);
}

TEST_F(RefreshTest, ClosedBreakerIsResolvedWithEndsAtNowAndFinished) {
  Add(1, kNow - 20s, false);
  RefreshReport report = Refresh();
  EXPECT_EQ(report.resolved, 1);
  EXPECT_EQ(report.next_round, std::nullopt) << "nothing active: the timer can go";
  ASSERT_EQ(posted.size(), 1u);
  EXPECT_EQ(EndsAt(posted[0]), "2026-11-22T13:00:00.000Z");
  EXPECT_EQ(store.finished.at(1), kNow);
  ASSERT_EQ(journal.events.size(), 1u);
  EXPECT_EQ(journal.events[0].priority, LOG_NOTICE);
  EXPECT_EQ(journal.Field(0, "REASON"), "resolved");
  EXPECT_TRUE(Refresh(kNow + 1s).next_round == std::nullopt && posted.size() == 1u)
      << "finished: never posted again";
}

TEST_F(RefreshTest, FailedResolveIsRetriedUntilItsEndsAtHasPassed) {
  Add(1, kNow - 60s, false);
  answers = {kRefused, kRefused, kRefused};
  RefreshReport report = Refresh();
  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(report.next_round, kNow + 60s);
  EXPECT_FALSE(store.finished.contains(1));
  EXPECT_EQ(journal.events.back().priority, LOG_ERR);

  // The last post's endsAt was 4 intervals after it: kNow + 3min.
  EXPECT_EQ(Refresh(kNow + 179s).failed, 1);
  report = Refresh(kNow + 3min);
  EXPECT_EQ(report.resolved, 1);
  EXPECT_EQ(report.next_round, std::nullopt);
  EXPECT_EQ(store.finished.at(1), kNow + 3min);
  EXPECT_EQ(journal.events.back().priority, LOG_WARNING);
  EXPECT_NE(journal.events.back().message.find("resolved it itself"), std::string::npos);
}

TEST_F(RefreshTest, SupersededIsFinishedWithoutAPostThatWouldEndTheNewerAlert) {
  Add(1, kNow - 2h, false, /*superseded=*/true);
  Add(2, kNow - 61s, true);
  RefreshReport report = Refresh();
  EXPECT_EQ(report.resolved, 1);
  EXPECT_EQ(report.resent, 1);
  ASSERT_EQ(posted.size(), 1u) << "only the newer one's re-send";
  EXPECT_EQ(EndsAt(posted[0]), "2026-11-22T13:04:00.000Z");
  EXPECT_TRUE(store.finished.contains(1));
  EXPECT_EQ(journal.Field(0, "REASON"), "superseded");
}

TEST_F(RefreshTest, StoreThatCannotBeReadIsJournaledAndRetriedAfterAnInterval) {
  store.unavailable = true;
  RefreshReport report = Refresh();
  EXPECT_EQ(report.next_round, kNow + 60s);
  ASSERT_EQ(journal.events.size(), 1u);
  EXPECT_EQ(journal.events[0].type, EventType::kStoreError);
  EXPECT_TRUE(posted.empty());
}

}  // namespace
}  // namespace selfheal
