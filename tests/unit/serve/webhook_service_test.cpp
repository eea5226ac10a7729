#include "serve/webhook_service.h"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "escalate/escalation_payload.h"
#include "fakes.h"
#include "fixtures.h"
#include "forwarding_store.h"
#include "state/memory_store.h"

namespace selfheal {
namespace {

std::string Fixture(const std::string& name) { return fixtures::Read(name); }

struct FailingStore : Store {
  Expected<History> LoadHistory(const Alert&, const std::vector<const HandlerConfig*>&,
                                TimePoint) override {
    return Error{Errc::kUnavailable, "database is locked"};
  }
  Status Record(const Alert&, const Decision&, TimePoint, const Escalation*) override {
    return Ok();
  }
  Status CancelLaunch(const Alert&, const Decision&, TimePoint) override { return Ok(); }
  Status AwaitRetry(std::span<const Alert>, TimePoint) override {
    return Error{Errc::kUnavailable, "database is locked"};
  }
  Expected<ResolveCredit> CreditResolved(const Alert&, const Decision&, TimePoint) override {
    return Error{Errc::kUnavailable, "database is locked"};
  }
};

class WebhookServiceTest : public testing::Test {
 protected:
  WebhookServiceTest() {
    HandlerConfig disk;
    disk.name = "disk-space-low";
    disk.alertname = "DiskSpaceLow";
    disk.instances = {"web-1:9100"};
    disk.exec = {"/usr/lib/self-heal/handlers/clean-disk", "/var"};
    HandlerConfig down;
    down.name = "service-down";
    down.alertname = "ServiceDown";
    down.instances = {"web-1:8080", "web-2:8080"};
    down.exec = {"/usr/lib/self-heal/handlers/restart-service", "nginx"};
    config_.handlers = {disk, down};
  }
  HttpResponse Post(const std::string& fixture) {
    return service_.Handle({Fixture(fixture), "127.0.0.1:4000"});
  }
  std::vector<std::string> Decisions() const {
    std::vector<std::string> out;
    for (size_t i = 0; i < journal_.events.size(); ++i) {
      if (journal_.events[i].type == EventType::kDecision)
        out.push_back(journal_.Field(i, "DECISION"));
    }
    return out;
  }

  Config config_;
  MemoryStore store_;
  FakeLauncher launcher_;
  RecordingJournal journal_;
  FakeClock clock_;
  WebhookService service_{config_, store_, &launcher_, journal_, clock_};
};

TEST_F(WebhookServiceTest, FiringAlertLaunchesItsHandlerWithTheAlertInTheEnvironment) {
  HttpResponse r = Post("01-single-firing.json");
  EXPECT_EQ(r.status, 200);
  ASSERT_EQ(launcher_.started.size(), 1u);
  const LaunchRequest& l = launcher_.started[0];
  EXPECT_EQ(l.unit_name.rfind("self-heal-disk-space-low-", 0), 0u);
  EXPECT_EQ(l.user, "healer");
  auto env = [&](const std::string& name) {
    for (const auto& [n, v] : l.environment)
      if (n == name) return v;
    return std::string("<absent>");
  };
  EXPECT_EQ(env("SELF_HEAL_INSTANCE"), "web-1:9100");
  EXPECT_EQ(env("SELF_HEAL_FINGERPRINT"), "82cf4c324f050464");
  EXPECT_EQ(env("SELF_HEAL_ATTEMPT"), "1");
  EXPECT_EQ(env("SELF_HEAL_LABEL_MOUNTPOINT"), "/var");
  EXPECT_EQ(env("SELF_HEAL_ANNOTATION_SUMMARY"), "Disk space low on web-1:9100");
  EXPECT_EQ(Decisions(), std::vector<std::string>{"launch"});
  ASSERT_EQ(journal_.events.size(), 2u);
  EXPECT_EQ(journal_.events[1].type, EventType::kDecision);
  EXPECT_EQ(journal_.Field(1, "UNIT"), l.unit_name);
}

TEST_F(WebhookServiceTest, ReceiptIsJournaledFirstWithEachAlertsFingerprintOnce) {
  EXPECT_EQ(Post("03-group3-firing.json").status, 200);
  ASSERT_EQ(journal_.events.size(), 4u);  // the receipt, then one decision per alert
  const AuditEvent& receipt = journal_.events[0];
  EXPECT_EQ(receipt.type, EventType::kWebhookReceived);
  EXPECT_EQ(receipt.priority, 6);
  EXPECT_EQ(receipt.message,
            "Received 3 alert(s) (3 firing, 0 resolved) for receiver 'selfheal-group' from "
            "127.0.0.1:4000.");
  EXPECT_EQ(journal_.Field(0, "REMOTE"), "127.0.0.1:4000");
  EXPECT_EQ(journal_.Field(0, "ALERTS"), "3");
  std::vector<std::string> fingerprints;
  for (const auto& [name, value] : receipt.fields) {
    if (name == "FINGERPRINT") fingerprints.push_back(value);
  }
  std::vector<std::string> decided;
  for (size_t i = 1; i < journal_.events.size(); ++i)
    decided.push_back(journal_.Field(i, "FINGERPRINT"));
  EXPECT_EQ(fingerprints, decided) << "every decided alert's story starts with this receipt";
}

TEST_F(WebhookServiceTest, TruncatedGroupIsAWarningThatSaysWhatToChange) {
  EXPECT_EQ(Post("04-group3-max1-truncated.json").status, 200);
  const AuditEvent& receipt = journal_.events.at(0);
  EXPECT_EQ(receipt.type, EventType::kWebhookReceived);
  EXPECT_EQ(receipt.priority, 4);  // LOG_WARNING
  EXPECT_EQ(journal_.Field(0, "TRUNCATED_ALERTS"), "2");
  for (const char* hint : {"left out 2 more alert(s) of group {alertname=\"ServiceDown\"}",
                           "group_by: [alertname, instance]", "max_alerts", "no handler runs"}) {
    EXPECT_NE(receipt.message.find(hint), std::string::npos) << hint << " in " << receipt.message;
  }
}

TEST_F(WebhookServiceTest, MalformedPayloadHasNoReceipt) {
  EXPECT_EQ(service_.Handle({R"({"version":"4","alerts":"no"})", "127.0.0.1:4000"}).status, 400);
  ASSERT_EQ(journal_.events.size(), 1u);
  EXPECT_EQ(journal_.events[0].type, EventType::kRequestRejected);
}

TEST_F(WebhookServiceTest, HaDuplicateFromSecondAlertmanagerIsSkipped) {
  EXPECT_EQ(Post("10-ha-am-a-firing.json").status, 200);
  clock_.Advance(std::chrono::milliseconds(15));
  launcher_.active.clear();  // even if the first run already finished
  EXPECT_EQ(Post("11-ha-am-b-firing.json").status, 200);
  EXPECT_EQ(launcher_.started.size(), 1u);
  EXPECT_EQ(Decisions(), (std::vector<std::string>{"launch", "duplicate-notification"}));
}

TEST_F(WebhookServiceTest, RepeatAfterDedupWindowCountsTowardTheBudget) {
  Post("01-single-firing.json");
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(std::chrono::minutes(5));
    launcher_.active.clear();
    Post("09-single-repeat.json");
  }
  EXPECT_EQ(launcher_.started.size(), 3u);
  EXPECT_EQ(Decisions(), (std::vector<std::string>{"launch", "launch", "launch", "breaker-open"}));
}

TEST_F(WebhookServiceTest, ActiveUnitMakesADuplicateRunThatCostsNoAttempt) {
  Post("01-single-firing.json");
  clock_.Advance(std::chrono::minutes(5));
  Post("09-single-repeat.json");  // unit still active
  EXPECT_EQ(Decisions(), (std::vector<std::string>{"launch", "duplicate-run"}));
  clock_.Advance(std::chrono::minutes(5));
  launcher_.active.clear();
  Post("09-single-repeat.json");
  ASSERT_EQ(launcher_.started.size(), 2u);
  auto attempt = [](const LaunchRequest& l) {
    for (const auto& [n, v] : l.environment)
      if (n == "SELF_HEAL_ATTEMPT") return v;
    return std::string();
  };
  EXPECT_EQ(attempt(launcher_.started[1]), "2");
}

TEST_F(WebhookServiceTest, GroupOfThreeIsDecidedPerAlert) {
  EXPECT_EQ(Post("03-group3-firing.json").status, 200);
  EXPECT_EQ(Decisions(), (std::vector<std::string>{"launch", "launch", "instance-not-allowed"}));
  EXPECT_EQ(launcher_.started.size(), 2u);
}

TEST_F(WebhookServiceTest, ResolvedNeverLaunches) {
  EXPECT_EQ(Post("02-single-resolved.json").status, 200);
  EXPECT_TRUE(launcher_.started.empty());
  EXPECT_EQ(Decisions(), std::vector<std::string>{"resolved"});
}

TEST_F(WebhookServiceTest, MalformedPayloadIs400AndNothingHappens) {
  HttpResponse r = service_.Handle({"{\"version\":\"4\",\"alerts\":[{]}", "127.0.0.1:4000"});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("\"error\""), std::string::npos);
  EXPECT_TRUE(launcher_.started.empty());
  ASSERT_EQ(journal_.events.size(), 1u);
  EXPECT_EQ(journal_.events[0].type, EventType::kRequestRejected);
  EXPECT_EQ(journal_.Field(0, "HTTP_STATUS"), "400");
}

TEST_F(WebhookServiceTest, UnavailableStoreIs503AndLaunchesNothing) {
  FailingStore store;
  WebhookService service(config_, store, &launcher_, journal_, clock_);
  HttpResponse r = service.Handle({Fixture("01-single-firing.json"), "127.0.0.1:4000"});
  EXPECT_EQ(r.status, 503);
  EXPECT_TRUE(launcher_.started.empty());
  EXPECT_EQ(journal_.events.back().priority, 3);
}

// An alert no handler acts on is decided without the store: the store is not even
// read (here it fails every read), so such alerts cost no SQLite transaction.
TEST_F(WebhookServiceTest, AnAlertNoHandlerActsOnIsDecidedWithoutReadingTheStore) {
  FailingStore store;
  for (std::vector<std::string> instances :
       {std::vector<std::string>{"db-9:9100"}, std::vector<std::string>{}}) {
    Config config = config_;
    config.handlers[0].instances = instances;  // none of them the alert's
    if (instances.empty()) config.handlers.erase(config.handlers.begin());
    RecordingJournal journal;
    WebhookService service(config, store, &launcher_, journal, clock_);
    HttpResponse r = service.Handle({Fixture("01-single-firing.json"), "127.0.0.1:4000"});
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find(instances.empty() ? "no-handler" : "instance-not-allowed"),
              std::string::npos)
        << r.body;
  }
  EXPECT_TRUE(launcher_.started.empty());
}

TEST_F(WebhookServiceTest, UnreachableSystemdIs503AndTheRetryLaunches) {
  launcher_.unavailable = true;
  EXPECT_EQ(Post("01-single-firing.json").status, 503);
  EXPECT_EQ(journal_.events.back().type, EventType::kLaunchFailed);
  launcher_.unavailable = false;
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(Post("01-single-firing.json").status, 200);
  ASSERT_EQ(launcher_.started.size(), 1u);
  EXPECT_EQ(Decisions().back(), "launch");
}

TEST_F(WebhookServiceTest, UnusualLabelsAreDataThatMatchesNothing) {
  EXPECT_EQ(Post("07-unusual-labels-rule.json").status, 200);
  EXPECT_EQ(Post("08-unusual-labels-amtool.json").status, 200);
  EXPECT_TRUE(launcher_.started.empty());
}

}  // namespace
}  // namespace selfheal

namespace selfheal {
namespace {

// A store whose key has an attempt without a result, as after serve was killed
// between recording an attempt and starting its unit.
struct UnfinishedAttemptStore : ForwardingStore {
  Expected<History> LoadHistory(const Alert& alert,
                                const std::vector<const HandlerConfig*>& handlers,
                                TimePoint now) override {
    Expected<History> h = inner.LoadHistory(alert, handlers, now);
    if (h.ok() && !handlers.empty()) {
      KeyState& key = h.value().keys[handlers.front()->name];
      key.run_active = true;
      key.attempts.push_back(now - std::chrono::seconds(1));
      h.value().notification_round = NotificationRound{now - std::chrono::seconds(1), {}};
    }
    return h;
  }
};

TEST_F(WebhookServiceTest, AttemptWhoseUnitNeverStartedNeitherBlocksNorDedupsTheRetry) {
  UnfinishedAttemptStore store;
  WebhookService service(config_, store, &launcher_, journal_, clock_);
  EXPECT_EQ(service.Handle({Fixture("01-single-firing.json"), "127.0.0.1:4000"}).status, 200);
  ASSERT_EQ(launcher_.started.size(), 1u);
  auto attempt = [](const LaunchRequest& l) {
    for (const auto& [n, v] : l.environment)
      if (n == "SELF_HEAL_ATTEMPT") return v;
    return std::string();
  };
  EXPECT_EQ(attempt(launcher_.started[0]), "2");  // the lost attempt still counts
  ASSERT_GE(journal_.events.size(), 3u);
  EXPECT_EQ(journal_.events[0].type, EventType::kWebhookReceived);
  EXPECT_EQ(journal_.events[1].type, EventType::kLaunchFailed);
  EXPECT_EQ(journal_.events[1].priority, 4);
}

// A store whose key has spent its budget: three attempts, the last one lost.
struct SpentBudgetStore : Store {
  Expected<History> LoadHistory(const Alert&, const std::vector<const HandlerConfig*>& handlers,
                                TimePoint now) override {
    History h;
    KeyState& key = h.keys[handlers.front()->name];
    key.attempts = {now - std::chrono::minutes(30), now - std::chrono::minutes(20),
                    now - std::chrono::minutes(10)};
    key.last_result = "lost";
    return h;
  }
  Status Record(const Alert&, const Decision& d, TimePoint, const Escalation* e) override {
    if (d.escalate && e) escalations.push_back(*e);
    return Ok();
  }
  Status CancelLaunch(const Alert&, const Decision&, TimePoint) override { return Ok(); }
  Status AwaitRetry(std::span<const Alert>, TimePoint) override { return Ok(); }
  Expected<ResolveCredit> CreditResolved(const Alert&, const Decision&, TimePoint) override {
    return ResolveCredit{};
  }
  std::vector<Escalation> escalations;  // handed to Record with the decision
};

TEST_F(WebhookServiceTest, BreakerOpenedByADecisionIsRecordedWithItsEscalation) {
  SpentBudgetStore store;
  WebhookService service(config_, store, &launcher_, journal_, clock_);
  EXPECT_EQ(service.Handle({Fixture("01-single-firing.json"), "127.0.0.1:4000"}).status, 200);
  EXPECT_TRUE(launcher_.started.empty());
  ASSERT_EQ(store.escalations.size(), 1u) << "the escalation goes to Record, with the decision";
  const Escalation& e = store.escalations[0];
  EXPECT_EQ(e.handler, "disk-space-low");
  EXPECT_EQ(e.instance, "web-1:9100");
  EXPECT_EQ(e.next_try, clock_.now);
  EXPECT_EQ(PayloadAnnotation(e.payload, "attempts"), "3");
  EXPECT_EQ(PayloadAnnotation(e.payload, "last_result"), "lost");
  EXPECT_EQ(PayloadAnnotation(e.payload, "unit").value_or("").rfind("self-heal-disk-space-low-", 0),
            0u);
  ASSERT_EQ(journal_.events.size(), 3u);  // receipt, decision, escalation
  EXPECT_EQ(journal_.Field(1, "DECISION"), "breaker-open");
  EXPECT_EQ(journal_.events[2].type, EventType::kEscalation);
  EXPECT_EQ(journal_.events[2].priority, 2);
}

// How many entries carry a DECISION (what `journalctl SELF_HEAL_DECISION=` counts).
size_t DecisionEntries(const RecordingJournal& journal) {
  size_t n = 0;
  for (size_t i = 0; i < journal.events.size(); ++i)
    n += journal.Field(i, "DECISION") != "<absent>";
  return n;
}

// A launcher whose Start answers `answer` once, as systemd might between GetUnit and
// StartTransientUnit.
struct AnsweringLauncher : FakeLauncher {
  Status Start(const LaunchRequest& request, Deadline deadline) override {
    if (answer) return Error{*answer, "systemd says no"};
    return FakeLauncher::Start(request, deadline);
  }
  std::optional<Errc> answer;
};

TEST_F(WebhookServiceTest, OneDecisionEntryPerAlertWhateverSystemdAnswers) {
  struct Case {
    std::optional<Errc> answer;
    int status;
    std::string decision;  // of the one entry carrying one ("" when none)
    EventType type;
  };
  const std::vector<Case> cases = {
      {std::nullopt, 200, "launch", EventType::kDecision},
      {Errc::kConflict, 200, "duplicate-run", EventType::kDecision},   // unit appeared meanwhile
      {Errc::kInvalidInput, 200, "launch", EventType::kLaunchFailed},  // never startable: counts
      {Errc::kUnavailable, 503, "", EventType::kLaunchFailed},         // taken back, retried
  };
  for (const Case& c : cases) {
    MemoryStore store;
    RecordingJournal journal;
    AnsweringLauncher launcher;
    launcher.answer = c.answer;
    WebhookService service(config_, store, &launcher, journal, clock_);
    HttpResponse r = service.Handle({Fixture("01-single-firing.json"), "127.0.0.1:4000"});
    SCOPED_TRACE(c.decision + " " + std::to_string(c.status));
    EXPECT_EQ(r.status, c.status);
    ASSERT_EQ(journal.events.size(), 2u) << "the receipt and one entry for the alert";
    EXPECT_EQ(journal.events[1].type, c.type);
    EXPECT_EQ(DecisionEntries(journal), c.decision.empty() ? 0u : 1u);
    EXPECT_EQ(journal.Field(1, "DECISION"), c.decision.empty() ? "<absent>" : c.decision);
    EXPECT_NE(journal.Field(1, "UNIT"), "<absent>");
  }
}

TEST_F(WebhookServiceTest, TheLaunchEntryIsWrittenOnceSystemdTookTheUnit) {
  struct OrderCheckingLauncher : FakeLauncher {
    Status Start(const LaunchRequest& request, Deadline deadline) override {
      journaled_before = journal->events.size();
      return FakeLauncher::Start(request, deadline);
    }
    RecordingJournal* journal = nullptr;
    size_t journaled_before = 0;
  } launcher;
  launcher.journal = &journal_;
  WebhookService service(config_, store_, &launcher, journal_, clock_);
  service.Handle({Fixture("01-single-firing.json"), "127.0.0.1:4000"});
  EXPECT_EQ(launcher.journaled_before, 1u);  // the receipt only
  ASSERT_EQ(journal_.events.size(), 2u);
  EXPECT_EQ(journal_.Field(1, "DECISION"), "launch");
}

}  // namespace
}  // namespace selfheal
