#include "launch/launch_request.h"

#include <gtest/gtest.h>

namespace selfheal {
namespace {

Alert SampleAlert() {
  Alert a;
  a.labels = {{"alertname", "DiskSpaceLow"},
              {"instance", "web-1:9100"},
              {"mount-point", "/var"},
              {"unicode_ñame", "Grüße\n$(rm -rf /)"}};
  a.annotations = {{"summary", "Disk space low"}};
  a.fingerprint = "82cf4c324f050464";
  a.starts_at_text = "2026-11-22T01:25:02.807Z";
  a.starts_at = *ParseRfc3339(a.starts_at_text);
  a.ends_at_text = "0001-01-01T00:00:00Z";
  return a;
}

HandlerConfig SampleHandler() {
  HandlerConfig h;
  h.name = "disk-space-low";
  h.exec = {"/usr/lib/self-heal/handlers/clean", "--path", "/var"};
  h.user = "healer";
  h.timeout = std::chrono::seconds(90);
  return h;
}

std::string Env(const LaunchRequest& r, const std::string& name) {
  for (const auto& [n, v] : r.environment)
    if (n == name) return v;
  return "<absent>";
}

TEST(LaunchRequestTest, UnitNameHashesTheInstanceAndNeverContainsIt) {
  std::string unit = UnitNameFor("disk-space-low", "web-1:9100");
  EXPECT_EQ(unit.rfind("self-heal-disk-space-low-", 0), 0u);
  EXPECT_EQ(unit.size(), std::string("self-heal-disk-space-low-").size() + 8 + 8);
  EXPECT_EQ(unit.substr(unit.size() - 8), ".service");
  EXPECT_EQ(unit.find("web"), std::string::npos);
  // sha256("web-1:9100") begins with these 4 bytes (checked with sha256sum).
  EXPECT_EQ(UnitNameFor("h", "web-1:9100"), "self-heal-h-" + std::string("76f9c240") + ".service");
  EXPECT_NE(UnitNameFor("h", "web-1:9100"), UnitNameFor("h", "web-2:9100"));
}

TEST(LaunchRequestTest, EnvironmentNamesAreSanitisedAndValuesVerbatim) {
  LaunchRequest r = BuildLaunchRequest(SampleAlert(), SampleHandler(), 2);
  EXPECT_EQ(Env(r, "SELF_HEAL_ALERTNAME"), "DiskSpaceLow");
  EXPECT_EQ(Env(r, "SELF_HEAL_INSTANCE"), "web-1:9100");
  EXPECT_EQ(Env(r, "SELF_HEAL_ATTEMPT"), "2");
  EXPECT_EQ(Env(r, "SELF_HEAL_LABEL_MOUNT_POINT"), "/var");
  EXPECT_EQ(Env(r, "SELF_HEAL_LABEL_UNICODE___AME"), "Grüße\n$(rm -rf /)");
  EXPECT_EQ(Env(r, "SELF_HEAL_ANNOTATION_SUMMARY"), "Disk space low");
  for (const auto& [name, value] : r.environment) {
    EXPECT_EQ(name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"), std::string::npos)
        << name;
  }
}

TEST(LaunchRequestTest, CommandUserAndTimeoutComeFromConfigOnly) {
  LaunchRequest r = BuildLaunchRequest(SampleAlert(), SampleHandler(), 1);
  EXPECT_EQ(r.argv,
            (std::vector<std::string>{"/usr/lib/self-heal/handlers/clean", "--path", "/var"}));
  EXPECT_EQ(r.user, "healer");
  EXPECT_EQ(r.timeout, std::chrono::seconds(90));
}

TEST(LaunchRequestTest, ResourceLimitsArePassedAsParsedByTheConfig) {
  HandlerConfig h = SampleHandler();
  EXPECT_FALSE(BuildLaunchRequest(SampleAlert(), h, 1).memory_max);
  EXPECT_FALSE(BuildLaunchRequest(SampleAlert(), h, 1).cpu_quota);
  h.memory_max = MemoryMax{MemoryMax::Kind::kBytes, 64ull << 20, 0};
  h.cpu_quota = CpuQuota{1500000000};
  LaunchRequest r = BuildLaunchRequest(SampleAlert(), h, 1);
  EXPECT_EQ(r.memory_max, h.memory_max);
  EXPECT_EQ(r.cpu_quota, h.cpu_quota);
}

TEST(LaunchRequestTest, AlertJsonCarriesTheWholeAlert) {
  std::string json = AlertJson(SampleAlert());
  EXPECT_NE(json.find("\"endsAt\":\"0001-01-01T00:00:00Z\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"fingerprint\":\"82cf4c324f050464\""), std::string::npos);
  EXPECT_NE(json.find("Grüße\\n$(rm -rf /)"), std::string::npos);
}

TEST(LaunchRequestTest, LogExtraFieldsJoinTheAuditTrail) {
  LaunchRequest r = BuildLaunchRequest(SampleAlert(), SampleHandler(), 1);
  ASSERT_GE(r.log_extra_fields.size(), 3u);
  EXPECT_EQ(r.log_extra_fields[0],
            (std::pair<std::string, std::string>{"SELF_HEAL_FINGERPRINT", "82cf4c324f050464"}));
}

// Label names that differ only in case or punctuation, or in their UTF-8 letters,
// map to one variable (issue "The chain for real").
Alert CollidingAlert() {
  Alert a = SampleAlert();
  a.labels["job"] = "nginx";
  a.labels["JOB"] = "$(reboot)";
  a.labels["a.b"] = "dot";
  a.labels["a_b"] = "underscore";
  a.labels["A_B"] = "upper";
  a.labels["jöb"] = "umlaut";  // "ö" is two bytes: J__B
  a.labels["j__b"] = "plain";
  a.annotations["Summary"] = "other";  // collides with "summary"
  return a;
}

HandlerConfig MatchingOnJob() {
  HandlerConfig h = SampleHandler();
  h.labels = {{"job", "nginx"}};
  return h;
}

TEST(LaunchRequestTest, CollidingLabelIsSetOnlyFromTheNameTheHandlerMatchedOn) {
  LaunchRequest r = BuildLaunchRequest(CollidingAlert(), MatchingOnJob(), 1);
  EXPECT_EQ(Env(r, "SELF_HEAL_LABEL_JOB"), "nginx");
}

TEST(LaunchRequestTest, CollidingNamesNobodyMatchedOnLeaveTheVariableUnset) {
  LaunchRequest r = BuildLaunchRequest(CollidingAlert(), MatchingOnJob(), 1);
  EXPECT_EQ(Env(r, "SELF_HEAL_LABEL_A_B"), "<absent>");
  EXPECT_EQ(Env(r, "SELF_HEAL_LABEL_J__B"), "<absent>");
  EXPECT_EQ(Env(r, "SELF_HEAL_ANNOTATION_SUMMARY"), "<absent>");
  // A name that collides with nothing is set as before.
  EXPECT_EQ(Env(r, "SELF_HEAL_LABEL_MOUNT_POINT"), "/var");
}

TEST(LaunchRequestTest, UnmatchedHandlerNeverGetsAnyOfTheCollidingValues) {
  LaunchRequest r = BuildLaunchRequest(CollidingAlert(), SampleHandler(), 1);  // no Label=
  EXPECT_EQ(Env(r, "SELF_HEAL_LABEL_JOB"), "<absent>");
  for (const auto& [name, value] : r.environment) {
    if (name != "SELF_HEAL_ALERT_JSON") {
      EXPECT_NE(value, "$(reboot)") << name;
    }
  }
}

TEST(LaunchRequestTest, AlertJsonStillCarriesEveryCollidingName) {
  LaunchRequest r = BuildLaunchRequest(CollidingAlert(), MatchingOnJob(), 1);
  std::string json = Env(r, "SELF_HEAL_ALERT_JSON");
  for (const char* part :
       {"\"JOB\":\"$(reboot)\"", "\"a.b\":\"dot\"", "\"a_b\":\"underscore\"", "\"A_B\":\"upper\"",
        "\"j__b\":\"plain\"", ":\"umlaut\"", "\"Summary\":\"other\""}) {
    EXPECT_NE(json.find(part), std::string::npos) << part << " in " << json;
  }
}

TEST(LaunchRequestTest, CollisionsAreReportedInOrderWithTheNameUsed) {
  std::vector<EnvironmentCollision> c = EnvironmentCollisions(CollidingAlert(), MatchingOnJob());
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].variable, "SELF_HEAL_LABEL_A_B");
  EXPECT_EQ(c[0].names, (std::vector<std::string>{"A_B", "a.b", "a_b"}));
  EXPECT_EQ(c[0].set_from, "");
  EXPECT_EQ(c[1].variable, "SELF_HEAL_LABEL_JOB");
  EXPECT_EQ(c[1].names, (std::vector<std::string>{"JOB", "job"}));
  EXPECT_EQ(c[1].set_from, "job");
  EXPECT_EQ(c[2].variable, "SELF_HEAL_LABEL_J__B");
  EXPECT_EQ(c[2].names, (std::vector<std::string>{"j__b", "jöb"}));
  EXPECT_EQ(c[3].variable, "SELF_HEAL_ANNOTATION_SUMMARY");
  EXPECT_EQ(c[3].set_from, "");
  EXPECT_EQ(DescribeCollision(c[1]),
            "labels 'JOB', 'job' map to one variable SELF_HEAL_LABEL_JOB; it holds 'job', the "
            "label the handler matched on (all are in SELF_HEAL_ALERT_JSON)");
}

TEST(LaunchRequestTest, InstanceLabelKeepsItsVariableAgainstACollidingSpelling) {
  Alert a = SampleAlert();
  a.labels["INSTANCE"] = "evil:1";
  LaunchRequest r = BuildLaunchRequest(a, SampleHandler(), 1);
  EXPECT_EQ(Env(r, "SELF_HEAL_LABEL_INSTANCE"), "web-1:9100");
}

}  // namespace
}  // namespace selfheal

namespace selfheal {
namespace {

size_t EnvironmentBytes(const LaunchRequest& r) {
  size_t n = 0;
  for (const auto& [name, value] : r.environment) n += name.size() + value.size() + 2;
  return n;
}

// Issue 11: a legal alert with 140 KB of annotations, each under the parser's 64 KiB
// cap, made SELF_HEAL_ALERT_JSON one string over exec's 128 KiB: neither the handler
// nor its recorder could be exec'd (E2BIG).
Alert BigAlert() {
  Alert a = SampleAlert();
  for (char c : std::string("abcd"))
    a.annotations[std::string("note_") + c] = std::string(35000, c);
  return a;
}

TEST(LaunchRequestTest, TheWholeAlertIsAlwaysOnStdin) {
  EXPECT_EQ(BuildLaunchRequest(SampleAlert(), SampleHandler(), 1).stdin_data,
            AlertJson(SampleAlert()));
  LaunchRequest big = BuildLaunchRequest(BigAlert(), SampleHandler(), 1);
  EXPECT_EQ(big.stdin_data, AlertJson(BigAlert()));
  EXPECT_GT(big.stdin_data.size(), 140000u);
}

TEST(LaunchRequestTest, AnAlertJsonTooLargeForOneVariableIsLeftOutAndCounted) {
  LaunchRequest r = BuildLaunchRequest(BigAlert(), SampleHandler(), 1);
  EXPECT_EQ(Env(r, "SELF_HEAL_ALERT_JSON"), "<absent>");
  EXPECT_EQ(Env(r, "SELF_HEAL_OMITTED"), "1");
  EXPECT_EQ(Env(r, "SELF_HEAL_ANNOTATION_NOTE_A"), std::string(35000, 'a'));  // each fits
  EXPECT_EQ(Env(r, "SELF_HEAL_ANNOTATION_NOTE_D"), std::string(35000, 'd'));
  for (const auto& [name, value] : r.environment) EXPECT_LE(value.size(), kEnvironmentValueMax);
}

TEST(LaunchRequestTest, SmallAlertKeepsEveryVariableAndNoOmittedCount) {
  LaunchRequest r = BuildLaunchRequest(SampleAlert(), SampleHandler(), 1);
  EXPECT_EQ(Env(r, "SELF_HEAL_ALERT_JSON"), AlertJson(SampleAlert()));
  EXPECT_EQ(Env(r, "SELF_HEAL_OMITTED"), "<absent>");
}

TEST(LaunchRequestTest, TheEnvironmentStaysWithinItsBudgetAndKeepsTheFixedVariables) {
  Alert a = SampleAlert();
  a.annotations.clear();
  for (int i = 0; i < 128; ++i)
    a.annotations["n" + std::to_string(100 + i)] = std::string(65536, 'x');
  a.labels["zz"] = "last label";
  LaunchRequest r = BuildLaunchRequest(a, SampleHandler(), 3);
  EXPECT_LE(EnvironmentBytes(r), kEnvironmentBudget);
  for (const char* name :
       {"SELF_HEAL_ALERTNAME", "SELF_HEAL_INSTANCE", "SELF_HEAL_FINGERPRINT", "SELF_HEAL_ATTEMPT",
        "SELF_HEAL_HANDLER", "SELF_HEAL_STATUS", "SELF_HEAL_STARTS_AT"}) {
    EXPECT_NE(Env(r, name), "<absent>") << name;
  }
  EXPECT_EQ(Env(r, "SELF_HEAL_LABEL_ZZ"), "last label");  // labels before annotations
  EXPECT_EQ(Env(r, "SELF_HEAL_ANNOTATION_N100"), std::string(65536, 'x'));
  EXPECT_EQ(Env(r, "SELF_HEAL_ANNOTATION_N227"), "<absent>");
  int set = 0;
  for (const auto& [name, value] : r.environment) set += name.starts_with("SELF_HEAL_ANNOTATION_");
  EXPECT_EQ(Env(r, "SELF_HEAL_OMITTED"), std::to_string(128 - set + 1));  // + SELF_HEAL_ALERT_JSON
  EXPECT_GE(set, 3);
}

TEST(LaunchRequestTest, ASmallerVariableAfterOneLeftOutIsStillSet) {
  Alert a = SampleAlert();
  a.annotations.clear();
  for (int i = 0; i < 4; ++i) a.annotations["big" + std::to_string(i)] = std::string(65536, 'x');
  a.annotations["small"] = "fits";
  LaunchRequest r = BuildLaunchRequest(a, SampleHandler(), 1);
  EXPECT_EQ(Env(r, "SELF_HEAL_ANNOTATION_BIG3"), "<absent>");  // the budget is spent by then
  EXPECT_EQ(Env(r, "SELF_HEAL_ANNOTATION_SMALL"), "fits");
}

}  // namespace
}  // namespace selfheal
