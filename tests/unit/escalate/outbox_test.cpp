#include "escalate/outbox.h"

#include <gtest/gtest.h>
#include <syslog.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "escalate/escalation_payload.h"
#include "escalate/sample_facts.h"
#include "fakes.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;

// The outbox, in memory, with the semantics DeliverDue relies on: due = undelivered
// with next_try <= now; a mark counts a try.
class OutboxStore final : public Outbox {
 public:
  Status EnqueueEscalation(const Escalation& escalation) override {
    Escalation e = escalation;
    e.id = next_id_++;
    rows_[e.id] = e;
    return Ok();
  }
  Expected<std::vector<Escalation>> DueEscalations(TimePoint now) override {
    if (unavailable) return Error{Errc::kUnavailable, "database is locked"};
    std::vector<Escalation> due;
    for (const auto& [id, e] : rows_) {
      if (!e.done() && e.next_try <= now) due.push_back(e);
    }
    return due;
  }
  Status MarkEscalation(int64_t id, const EscalationMark& mark) override {
    if (unavailable || fail_marks) return Error{Errc::kUnavailable, "database is locked"};
    Escalation& e = rows_.at(id);
    ++e.tries;
    e.delivered = e.delivered || mark.delivered;
    e.command_pending = e.command_pending && !mark.command_started;
    e.next_try = mark.next_try;
    e.last_error = mark.error;
    return Ok();
  }
  Expected<std::vector<Escalation>> PendingEscalations() override {
    if (unavailable) return Error{Errc::kUnavailable, "database is locked"};
    std::vector<Escalation> pending;
    for (const auto& [id, e] : rows_) {
      if (!e.done()) pending.push_back(e);
    }
    return pending;
  }
  // Refreshing is refresh_test.cpp's: DeliverDue never calls these.
  Expected<std::vector<ActiveEscalation>> ActiveEscalations(TimePoint) override {
    return std::vector<ActiveEscalation>{};
  }
  Status MarkRefresh(int64_t, const RefreshMark&) override { return Ok(); }

  const Escalation& Row(int64_t id) const { return rows_.at(id); }
  bool unavailable = false;
  bool fail_marks = false;

 private:
  int64_t next_id_ = 1;
  std::map<int64_t, Escalation> rows_;
};

// Answers from a script, then Ok; records every escalation it was asked to send.
struct ScriptedSender {
  std::function<Status(const Escalation&)> AsSend() {
    return [this](const Escalation& e) -> Status {
      sent.push_back(e.id);
      if (answers.empty()) return Ok();
      Status s = answers.front();
      answers.erase(answers.begin());
      return s;
    };
  }
  std::vector<Status> answers;
  std::vector<int64_t> sent;
};

Escalation Queued(const std::string& instance, TimePoint now) {
  EscalationFacts f = test::NginxFacts();
  f.instance = instance;
  f.opened_at = now;
  Escalation e;
  e.handler = f.handler;
  e.instance = f.instance;
  e.alertname = f.alertname;
  e.payload = BuildEscalationPayload(f);
  e.next_try = now;
  return e;
}

const Error kRefused{Errc::kUnavailable, "Failed to POST to Alertmanager: connection refused"};

class OutboxTest : public ::testing::Test {
 protected:
  DeliveryReport Deliver() { return DeliverDue(store, sender.AsSend(), journal, clock.now); }
  DeliveryReport DeliverWithCommand() {
    return DeliverDue(store, sender.AsSend(), journal, clock.now, starter.AsSend());
  }
  static Escalation WithCommand(Escalation e) {
    e.command_pending = true;
    return e;
  }

  FakeClock clock;
  OutboxStore store;
  ScriptedSender sender;
  ScriptedSender starter;  // starts EscalateExec= units
  RecordingJournal journal;
};

TEST(OutboxBackoffTest, DoublesFromFiveSecondsAndStopsAtTenMinutes) {
  EXPECT_EQ(Backoff(0), 5s);
  EXPECT_EQ(Backoff(1), 5s);
  EXPECT_EQ(Backoff(2), 10s);
  EXPECT_EQ(Backoff(3), 20s);
  EXPECT_EQ(Backoff(7), 320s);
  EXPECT_EQ(Backoff(8), 10min);
  EXPECT_EQ(Backoff(9), 10min);
  EXPECT_EQ(Backoff(1000000), 10min);
}

TEST_F(OutboxTest, SuccessMarksDeliveredAndJournalsTheEscalationAtCrit) {
  ASSERT_TRUE(store.EnqueueEscalation(Queued("web-1:9100", clock.now)).ok());

  DeliveryReport report = Deliver();

  EXPECT_EQ(report.delivered, 1);
  EXPECT_EQ(report.failed, 0);
  EXPECT_EQ(report.next_due, std::nullopt);
  EXPECT_TRUE(store.Row(1).delivered);
  ASSERT_EQ(journal.events.size(), 1u);
  const AuditEvent& e = journal.events[0];
  EXPECT_EQ(e.type, EventType::kEscalation);
  EXPECT_EQ(e.priority, LOG_CRIT);
  EXPECT_EQ(e.message,
            "Escalated 'NginxDown' on 'web-1:9100' to Alertmanager: breaker of 'nginx-restart' "
            "is open after 3 attempts.");
  EXPECT_EQ(journal.Field(0, "ALERTNAME"), "NginxDown");
  EXPECT_EQ(journal.Field(0, "INSTANCE"), "web-1:9100");
  EXPECT_EQ(journal.Field(0, "HANDLER"), "nginx-restart");
  EXPECT_EQ(journal.Field(0, "ESCALATION_ID"), "1");
  EXPECT_EQ(journal.Field(0, "TRIES"), "1");
  EXPECT_EQ(journal.Field(0, "REASON"), "delivered");
  EXPECT_EQ(journal.Field(0, "FINGERPRINT"), "6d0a5ab2a4a7c2f1") << "part of the alert's story";
}

TEST_F(OutboxTest, FailuresBackOffAndAreRetriedUntilDelivered) {
  ASSERT_TRUE(store.EnqueueEscalation(Queued("web-1:9100", clock.now)).ok());
  sender.answers = {kRefused, kRefused, kRefused};

  DeliveryReport first = Deliver();
  EXPECT_EQ(first.failed, 1);
  EXPECT_EQ(first.next_due, clock.now + 5s);
  ASSERT_EQ(journal.events.size(), 1u);
  EXPECT_EQ(journal.events[0].type, EventType::kEscalation);
  EXPECT_EQ(journal.events[0].priority, LOG_ERR);
  EXPECT_EQ(journal.events[0].message,
            "Failed to deliver escalation of 'NginxDown' on 'web-1:9100' (handler "
            "'nginx-restart', try 1): Failed to POST to Alertmanager: connection refused, "
            "retrying in 5s.");
  EXPECT_EQ(journal.Field(0, "TRIES"), "1");
  EXPECT_EQ(journal.Field(0, "REASON"), kRefused.message);
  EXPECT_EQ(store.Row(1).last_error, kRefused.message);

  clock.Advance(4s);
  EXPECT_EQ(Deliver().failed, 0) << "not due before its backoff";
  EXPECT_EQ(sender.sent.size(), 1u);

  clock.Advance(1s);
  DeliveryReport second = Deliver();
  EXPECT_EQ(second.failed, 1);
  EXPECT_EQ(second.next_due, clock.now + 10s);

  clock.Advance(10s);
  EXPECT_EQ(Deliver().next_due, clock.now + 20s);

  clock.Advance(20s);
  DeliveryReport last = Deliver();
  EXPECT_EQ(last.delivered, 1);
  EXPECT_EQ(last.next_due, std::nullopt);
  EXPECT_EQ(sender.sent, (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_TRUE(store.Row(1).delivered);
  EXPECT_EQ(journal.Field(journal.events.size() - 1, "TRIES"), "4");
}

TEST_F(OutboxTest, EachEscalationIsDeliveredExactlyOnceOverRepeatedRounds) {
  ASSERT_TRUE(store.EnqueueEscalation(Queued("web-1:9100", clock.now)).ok());
  ASSERT_TRUE(store.EnqueueEscalation(Queued("web-2:9100", clock.now)).ok());
  sender.answers = {Ok(), kRefused};

  for (int round = 0; round < 20; ++round) {
    Deliver();
    clock.Advance(1min);
  }

  EXPECT_EQ(sender.sent, (std::vector<int64_t>{1, 2, 2}));
  EXPECT_TRUE(store.Row(1).delivered);
  EXPECT_TRUE(store.Row(2).delivered);
}

TEST_F(OutboxTest, ARejectedPayloadStaysQueuedAndDoesNotHoldBackOthers) {
  ASSERT_TRUE(store.EnqueueEscalation(Queued("web-1:9100", clock.now)).ok());
  ASSERT_TRUE(store.EnqueueEscalation(Queued("web-2:9100", clock.now)).ok());
  sender.answers = {Error{Errc::kInvalidInput, "Alertmanager answered 400: bad"}, Ok()};

  DeliveryReport report = Deliver();

  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(report.delivered, 1);
  EXPECT_FALSE(store.Row(1).delivered);
  EXPECT_TRUE(store.Row(2).delivered);
  EXPECT_EQ(report.next_due, clock.now + 5s);
  EXPECT_EQ(journal.events[0].priority, LOG_ERR);
}

TEST_F(OutboxTest, NextDueCoversEscalationsNotYetDue) {
  Escalation later = Queued("web-1:9100", clock.now);
  later.next_try = clock.now + 2min;
  ASSERT_TRUE(store.EnqueueEscalation(later).ok());

  DeliveryReport report = Deliver();

  EXPECT_TRUE(sender.sent.empty());
  EXPECT_EQ(report.next_due, clock.now + 2min);
}

TEST_F(OutboxTest, UnreadableStoreIsJournaledAndRetriedSoon) {
  ASSERT_TRUE(store.EnqueueEscalation(Queued("web-1:9100", clock.now)).ok());
  store.unavailable = true;

  DeliveryReport report = Deliver();

  EXPECT_TRUE(sender.sent.empty());
  EXPECT_EQ(report.next_due, clock.now + 5s);
  ASSERT_EQ(journal.events.size(), 1u);
  EXPECT_EQ(journal.events[0].type, EventType::kStoreError);
  EXPECT_EQ(journal.events[0].priority, LOG_ERR);

  store.unavailable = false;
  EXPECT_EQ(Deliver().delivered, 1);
}

TEST_F(OutboxTest, ADeliveryThatCannotBeMarkedIsSentAgainRatherThanLost) {
  ASSERT_TRUE(store.EnqueueEscalation(Queued("web-1:9100", clock.now)).ok());
  store.fail_marks = true;

  EXPECT_EQ(Deliver().delivered, 1);
  EXPECT_EQ(journal.events.back().type, EventType::kStoreError);
  EXPECT_FALSE(store.Row(1).delivered);

  store.fail_marks = false;
  EXPECT_EQ(Deliver().delivered, 1);
  EXPECT_TRUE(store.Row(1).delivered);
  EXPECT_EQ(sender.sent, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(Deliver().delivered, 0);
}

TEST_F(OutboxTest, CommandStartsOnceBesideTheDeliveryAndIsJournaledAtNotice) {
  ASSERT_TRUE(store.EnqueueEscalation(WithCommand(Queued("web-1:9100", clock.now))).ok());

  DeliveryReport report = DeliverWithCommand();

  EXPECT_EQ(report.delivered, 1);
  EXPECT_EQ(report.next_due, std::nullopt);
  EXPECT_EQ(sender.sent, std::vector<int64_t>{1});
  EXPECT_EQ(starter.sent, std::vector<int64_t>{1});
  EXPECT_TRUE(store.Row(1).done());
  ASSERT_EQ(journal.events.size(), 2u);
  EXPECT_EQ(journal.events[1].priority, LOG_NOTICE);
  EXPECT_EQ(journal.events[1].message,
            "Started the escalation command for 'NginxDown' on 'web-1:9100' as "
            "self-heal-escalate-1.service.");
  EXPECT_EQ(journal.Field(1, "REASON"), "command-started");
  EXPECT_EQ(DeliverWithCommand().delivered, 0);
  EXPECT_EQ(starter.sent.size(), 1u);
}

TEST_F(OutboxTest, AFailedStepIsRetriedAloneAndTheOtherIsNotRepeated) {
  ASSERT_TRUE(store.EnqueueEscalation(WithCommand(Queued("web-1:9100", clock.now))).ok());
  starter.answers = {Error{Errc::kUnavailable, "cannot connect to systemd"}};

  DeliveryReport first = DeliverWithCommand();
  EXPECT_EQ(first.failed, 1);
  EXPECT_EQ(first.next_due, clock.now + 5s);
  EXPECT_TRUE(store.Row(1).delivered);
  EXPECT_TRUE(store.Row(1).command_pending);
  EXPECT_EQ(journal.events.back().priority, LOG_ERR);
  EXPECT_EQ(journal.events.back().message,
            "Failed to deliver escalation of 'NginxDown' on 'web-1:9100' (handler "
            "'nginx-restart', try 1): EscalateExec= could not start: cannot connect to "
            "systemd, retrying in 5s.");

  clock.Advance(5s);
  EXPECT_EQ(DeliverWithCommand().delivered, 1);
  EXPECT_EQ(sender.sent, std::vector<int64_t>{1}) << "Alertmanager is not asked twice";
  EXPECT_EQ(starter.sent, (std::vector<int64_t>{1, 1}));
  EXPECT_TRUE(store.Row(1).done());
}

TEST_F(OutboxTest, AnExistingCommandUnitCountsAsStarted) {
  ASSERT_TRUE(store.EnqueueEscalation(WithCommand(Queued("web-1:9100", clock.now))).ok());
  starter.answers = {Error{Errc::kConflict, "Unit self-heal-escalate-1.service already exists."}};
  EXPECT_EQ(DeliverWithCommand().delivered, 1);
  EXPECT_TRUE(store.Row(1).done());
}

TEST_F(OutboxTest, ACommandUnconfiguredSinceIsDroppedWithAWarning) {
  ASSERT_TRUE(store.EnqueueEscalation(WithCommand(Queued("web-1:9100", clock.now))).ok());
  EXPECT_EQ(Deliver().delivered, 1);
  EXPECT_TRUE(store.Row(1).done());
  EXPECT_EQ(journal.events.back().priority, LOG_WARNING);
  EXPECT_EQ(journal.Field(journal.events.size() - 1, "REASON"), "command-unconfigured");
}

// A fake Alertmanager at the edge: records what it was sent, answers `answer`.
struct FakeAlertmanager {
  std::string url;
  Status answer = Ok();
  std::vector<std::string> bodies;
  std::function<Status(const std::string&)> Post() {
    return [this](const std::string& body) {
      bodies.push_back(body);
      return answer;
    };
  }
};

TEST(PostToEachTest, EveryAlertmanagerGetsTheEscalationWhenOneIsDown) {
  FakeAlertmanager down{"http://127.0.0.1:19093",
                        Error{Errc::kUnavailable, "http://127.0.0.1:19093: connection refused"},
                        {}};
  FakeAlertmanager up{"http://127.0.0.1:29093", Ok(), {}};
  Status s = PostToEach({down.Post(), up.Post()}, "[{}]");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kUnavailable);
  EXPECT_EQ(s.error().message, "http://127.0.0.1:19093: connection refused");
  EXPECT_EQ(up.bodies, std::vector<std::string>{"[{}]"});
  EXPECT_EQ(down.bodies, std::vector<std::string>{"[{}]"});
}

TEST(PostToEachTest, ErrorsOfEveryFailingAlertmanagerAreReported) {
  FakeAlertmanager a{"a", Error{Errc::kInvalidInput, "a: 400 bad"}, {}};
  FakeAlertmanager b{"b", Error{Errc::kInvalidInput, "b: 400 bad"}, {}};
  Status s = PostToEach({a.Post(), b.Post()}, "[{}]");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kInvalidInput);
  EXPECT_EQ(s.error().message, "a: 400 bad; b: 400 bad");
}

TEST(PostToEachTest, AllTakingItIsOk) {
  FakeAlertmanager a{"a", Ok(), {}};
  FakeAlertmanager b{"b", Ok(), {}};
  EXPECT_TRUE(PostToEach({a.Post(), b.Post()}, "[{}]").ok());
  EXPECT_EQ(a.bodies.size(), 1u);
  EXPECT_EQ(b.bodies.size(), 1u);
}

}  // namespace
}  // namespace selfheal
