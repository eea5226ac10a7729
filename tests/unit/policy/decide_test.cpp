#include "policy/decide.h"

#include <gtest/gtest.h>

namespace selfheal {
namespace {

using namespace std::chrono;

const TimePoint kNow = *ParseRfc3339("2026-11-22T12:00:00Z");

Alert MakeAlert(std::string alertname, std::string instance,
                AlertStatus status = AlertStatus::kFiring) {
  Alert a;
  a.status = status;
  a.labels = {{"alertname", std::move(alertname)},
              {"instance", std::move(instance)},
              {"severity", "warning"}};
  a.fingerprint = "82cf4c324f050464";
  a.starts_at_text = "2026-11-22T11:59:00.000Z";
  a.starts_at = *ParseRfc3339(a.starts_at_text);
  return a;
}

HandlerConfig MakeHandler(std::string name, std::string alertname,
                          std::vector<std::string> instances) {
  HandlerConfig h;
  h.name = std::move(name);
  h.alertname = std::move(alertname);
  h.instances = std::move(instances);
  h.exec = {"/bin/true"};
  return h;
}

Config MakeConfig() {
  Config c;
  c.handlers.push_back(MakeHandler("disk", "DiskSpaceLow", {"web-1:9100", "web-2:9100"}));
  HandlerConfig labelled = MakeHandler("nginx", "ServiceDown", {"web-1:8080"});
  labelled.labels.push_back({"severity", "critical"});
  c.handlers.push_back(labelled);
  HandlerConfig dry = MakeHandler("probe", "Probe", {"web-1:9100"});
  dry.mode = HandlerMode::kDryRun;
  c.handlers.push_back(dry);
  return c;
}

struct Case {
  const char* name;
  Alert alert;
  History history;
  Verdict want;
  const char* want_handler;  // nullptr: none
  int want_attempt;
  bool want_escalate;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

History WithKey(const std::string& handler, KeyState key) {
  History h;
  h.keys[handler] = std::move(key);
  return h;
}

std::vector<Case> Cases() {
  KeyState two_attempts;
  two_attempts.attempts = {kNow - minutes(30), kNow - minutes(10)};
  KeyState three_attempts = two_attempts;
  three_attempts.attempts.push_back(kNow - minutes(5));
  KeyState old_attempts;
  old_attempts.attempts = {kNow - hours(5), kNow - hours(6), kNow - hours(7)};
  KeyState running;
  running.run_active = true;
  KeyState open_fresh;
  open_fresh.breaker_opened_at = kNow - minutes(1);
  KeyState open_escalated = open_fresh;
  open_escalated.escalated = true;
  KeyState open_expired;
  open_expired.breaker_opened_at = kNow - hours(4) - seconds(1);
  open_expired.escalated = true;

  History seen_recently;
  seen_recently.notification_round = NotificationRound{kNow - seconds(1), {}};
  History seen_long_ago;
  seen_long_ago.notification_round = NotificationRound{kNow - seconds(61), {}};
  History paused;
  paused.paused_until = kNow + minutes(30);
  History pause_over;
  pause_over.paused_until = kNow - seconds(1);
  History running_and_seen = WithKey("disk", running);
  running_and_seen.notification_round = NotificationRound{kNow - seconds(1), {}};
  History open_and_paused = WithKey("disk", open_escalated);
  open_and_paused.paused_until = kNow + hours(1);

  Alert labelled_ok = MakeAlert("ServiceDown", "web-1:8080");
  labelled_ok.labels["severity"] = "critical";
  Alert labelled_missing = MakeAlert("ServiceDown", "web-1:8080");
  labelled_missing.labels.erase("severity");
  Alert no_instance = MakeAlert("DiskSpaceLow", "");
  no_instance.labels.erase("instance");
  Alert strange = MakeAlert("DiskSpaceLow", "web-1:9100\n; rm -rf /");

  return {
      {"FirstAttemptLaunches",
       MakeAlert("DiskSpaceLow", "web-1:9100"),
       {},
       Verdict::kLaunch,
       "disk",
       1,
       false},
      {"ThirdAttemptLaunches", MakeAlert("DiskSpaceLow", "web-1:9100"),
       WithKey("disk", two_attempts), Verdict::kLaunch, "disk", 3, false},
      {"ExhaustedBudgetOpensBreakerAndEscalates", MakeAlert("DiskSpaceLow", "web-1:9100"),
       WithKey("disk", three_attempts), Verdict::kBreakerOpen, "disk", 0, true},
      {"AttemptsOutsideWindowDoNotCount", MakeAlert("DiskSpaceLow", "web-1:9100"),
       WithKey("disk", old_attempts), Verdict::kLaunch, "disk", 1, false},
      {"ResolvedNeverLaunches",
       MakeAlert("DiskSpaceLow", "web-1:9100", AlertStatus::kResolved),
       {},
       Verdict::kResolved,
       "disk",
       0,
       false},
      {"ResolvedWithoutHandlerIsStillResolved",
       MakeAlert("Unknown", "x", AlertStatus::kResolved),
       {},
       Verdict::kResolved,
       nullptr,
       0,
       false},
      {"UnknownAlertnameHasNoHandler",
       MakeAlert("Unknown", "web-1:9100"),
       {},
       Verdict::kNoHandler,
       nullptr,
       0,
       false},
      {"AlertnameIsCaseSensitive",
       MakeAlert("diskspacelow", "web-1:9100"),
       {},
       Verdict::kNoHandler,
       nullptr,
       0,
       false},
      {"OwnEscalationAlertIsNeverActedOn",
       MakeAlert("SelfHealExhausted", "web-1:9100"),
       {},
       Verdict::kNoHandler,
       nullptr,
       0,
       false},
      {"InstanceNotInAllowlistIsSkipped",
       MakeAlert("DiskSpaceLow", "web-9:9100"),
       {},
       Verdict::kInstanceNotAllowed,
       "disk",
       0,
       false},
      {"InstanceIsExactNeverSubstring",
       MakeAlert("DiskSpaceLow", "web-1:910"),
       {},
       Verdict::kInstanceNotAllowed,
       "disk",
       0,
       false},
      {"InstanceSuperstringIsNotAllowed",
       MakeAlert("DiskSpaceLow", "web-1:9100 "),
       {},
       Verdict::kInstanceNotAllowed,
       "disk",
       0,
       false},
      {"MissingInstanceLabelMatchesNothing",
       no_instance,
       {},
       Verdict::kInstanceNotAllowed,
       "disk",
       0,
       false},
      {"StrangeInstanceValueJustMatchesNothing",
       strange,
       {},
       Verdict::kInstanceNotAllowed,
       "disk",
       0,
       false},
      {"ExtraLabelMatcherMismatchSkips",
       MakeAlert("ServiceDown", "web-1:8080"),
       {},
       Verdict::kLabelsMismatch,
       "nginx",
       0,
       false},
      {"ExtraLabelMatcherAbsentLabelSkips",
       labelled_missing,
       {},
       Verdict::kLabelsMismatch,
       "nginx",
       0,
       false},
      {"ExtraLabelMatcherMatchLaunches", labelled_ok, {}, Verdict::kLaunch, "nginx", 1, false},
      {"ActiveRunIsDuplicate", MakeAlert("DiskSpaceLow", "web-1:9100"), WithKey("disk", running),
       Verdict::kDuplicateRun, "disk", 0, false},
      {"ActiveRunWinsOverSeenNotification", MakeAlert("DiskSpaceLow", "web-1:9100"),
       running_and_seen, Verdict::kDuplicateRun, "disk", 0, false},
      {"SameNotificationWithinWindowIsDuplicate", MakeAlert("DiskSpaceLow", "web-1:9100"),
       seen_recently, Verdict::kDuplicateNotification, "disk", 0, false},
      {"SameNotificationAfterWindowCountsAgain", MakeAlert("DiskSpaceLow", "web-1:9100"),
       seen_long_ago, Verdict::kLaunch, "disk", 1, false},
      {"OpenBreakerSkipsAndEscalatesFirstTime", MakeAlert("DiskSpaceLow", "web-1:9100"),
       WithKey("disk", open_fresh), Verdict::kBreakerOpen, "disk", 0, true},
      {"OpenBreakerEscalatesOnlyOnce", MakeAlert("DiskSpaceLow", "web-1:9100"),
       WithKey("disk", open_escalated), Verdict::kBreakerOpen, "disk", 0, false},
      {"BreakerClosesAfterWindow", MakeAlert("DiskSpaceLow", "web-1:9100"),
       WithKey("disk", open_expired), Verdict::kLaunch, "disk", 1, false},
      {"PausedSkips", MakeAlert("DiskSpaceLow", "web-1:9100"), paused, Verdict::kPaused, "disk", 0,
       false},
      {"ExpiredPauseLaunches", MakeAlert("DiskSpaceLow", "web-1:9100"), pause_over,
       Verdict::kLaunch, "disk", 1, false},
      {"OpenBreakerIsReportedEvenWhilePaused", MakeAlert("DiskSpaceLow", "web-1:9100"),
       open_and_paused, Verdict::kBreakerOpen, "disk", 0, false},
      {"DryRunHandlerIsDecidedButNotLaunched",
       MakeAlert("Probe", "web-1:9100"),
       {},
       Verdict::kDryRun,
       "probe",
       1,
       false},
  };
}

class DecideTest : public testing::TestWithParam<Case> {};

TEST_P(DecideTest, FollowsDesignRules) {
  const Config config = MakeConfig();
  const Case& c = GetParam();
  Decision d = Decide(c.alert, config, c.history, kNow);
  EXPECT_EQ(VerdictName(d.verdict), VerdictName(c.want)) << d.reason;
  if (c.want_handler) {
    ASSERT_NE(d.handler, nullptr);
    EXPECT_EQ(d.handler->name, c.want_handler);
  } else {
    EXPECT_EQ(d.handler, nullptr);
  }
  EXPECT_EQ(d.attempt, c.want_attempt);
  EXPECT_EQ(d.escalate, c.want_escalate);
  EXPECT_FALSE(d.reason.empty());
}

INSTANTIATE_TEST_SUITE_P(Rules, DecideTest, testing::ValuesIn(Cases()),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(DecideRulesTest, SameInputsGiveSameDecision) {
  const Config config = MakeConfig();
  Alert alert = MakeAlert("DiskSpaceLow", "web-1:9100");
  Decision a = Decide(alert, config, {}, kNow);
  Decision b = Decide(alert, config, {}, kNow);
  EXPECT_EQ(a.verdict, b.verdict);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.handler, b.handler);
}

TEST(DecideRulesTest, ExhaustedBudgetMarksTheBreakerToOpen) {
  const Config config = MakeConfig();
  KeyState key;
  key.attempts = {kNow - minutes(3), kNow - minutes(2), kNow - minutes(1)};
  Decision d = Decide(MakeAlert("DiskSpaceLow", "web-1:9100"), config, WithKey("disk", key), kNow);
  EXPECT_TRUE(d.opens_breaker);
  EXPECT_NE(d.reason.find("3 of 3 attempts"), std::string::npos) << d.reason;
}

TEST(DecideRulesTest, SecondHandlerForSameAlertnameCoversOtherInstances) {
  Config config = MakeConfig();
  config.handlers.push_back(MakeHandler("disk-db", "DiskSpaceLow", {"db-1:9100"}));
  Decision d = Decide(MakeAlert("DiskSpaceLow", "db-1:9100"), config, {}, kNow);
  ASSERT_EQ(d.verdict, Verdict::kLaunch);
  EXPECT_EQ(d.handler->name, "disk-db");
}

TEST(DecideRulesTest, HistoryOfOtherHandlerDoesNotCount) {
  const Config config = MakeConfig();
  KeyState running;
  running.run_active = true;
  Decision d =
      Decide(MakeAlert("DiskSpaceLow", "web-1:9100"), config, WithKey("nginx", running), kNow);
  EXPECT_EQ(d.verdict, Verdict::kLaunch);
}

TEST(DecideRulesTest, VerdictNamesAreTheDocumentedOnes) {
  EXPECT_EQ(VerdictName(Verdict::kLaunch), "launch");
  EXPECT_EQ(VerdictName(Verdict::kResolved), "resolved");
  EXPECT_EQ(VerdictName(Verdict::kNoHandler), "no-handler");
  EXPECT_EQ(VerdictName(Verdict::kInstanceNotAllowed), "instance-not-allowed");
  EXPECT_EQ(VerdictName(Verdict::kLabelsMismatch), "labels-mismatch");
  EXPECT_EQ(VerdictName(Verdict::kDuplicateRun), "duplicate-run");
  EXPECT_EQ(VerdictName(Verdict::kDuplicateNotification), "duplicate-notification");
  EXPECT_EQ(VerdictName(Verdict::kBreakerOpen), "breaker-open");
  EXPECT_EQ(VerdictName(Verdict::kPaused), "paused");
  EXPECT_EQ(VerdictName(Verdict::kDryRun), "dry-run");
}

}  // namespace
}  // namespace selfheal
