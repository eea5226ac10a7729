#include "metrics/textfile.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace selfheal {
namespace {

KeyStatus Key(std::string handler, std::string instance, bool open,
              std::optional<TimePoint> open_until = std::nullopt) {
  KeyStatus s;
  s.handler = std::move(handler);
  s.instance = std::move(instance);
  s.breaker_open = open;
  s.breaker_open_until = open_until;
  return s;
}

// The HELP and TYPE lines of every family, in order, each followed by `series[name]`.
std::string Expected(std::map<std::string, std::string> series) {
  static const std::pair<const char*, const char*> kFamilies[] = {
      {"self_heal_attempts_total", "counter Handler runs that finished, by handler and result."},
      {"self_heal_breaker_open",
       "gauge Whether the breaker of a handler on an alert's instance is open (1) or closed (0)."},
      {"self_heal_breaker_open_until_seconds",
       "gauge When an open breaker closes by its window, in seconds since the epoch."},
      {"self_heal_decisions_total", "counter Alerts decided by serve, by decision."},
      {"self_heal_escalations_total",
       "counter Escalations queued for Alertmanager because a breaker opened."},
      {"self_heal_handler_duration_seconds",
       "histogram How long finished handler runs took, by handler."},
      {"self_heal_last_run_timestamp_seconds",
       "gauge When a handler last started, in seconds since the epoch."},
      {"self_heal_outbox_depth",
       "gauge Escalations not yet delivered to Alertmanager or their EscalateExec=."},
      {"self_heal_paused_until_seconds",
       "gauge When the pause ends, in seconds since the epoch; +Inf until resumed, 0 when not "
       "paused."},
      {"self_heal_rejected_requests_total",
       "counter Requests answered or ended without being acted on, by reason."},
      {"self_heal_time_to_resolve_seconds",
       "histogram From a healed run's start to its alert's resolve, by handler."},
      {"self_heal_truncated_alerts_total",
       "counter Alerts Alertmanager left out of a notification (max_alerts): never decided."},
  };
  std::string out;
  for (const auto& [name, type_help] : kFamilies) {
    std::string th = type_help;
    size_t space = th.find(' ');
    out += std::string("# HELP ") + name + " " + th.substr(space + 1) + "\n";
    out += std::string("# TYPE ") + name + " " + th.substr(0, space) + "\n";
    out += series[name];
  }
  return out;
}

TEST(MetricsTextfileTest, FormatsEveryFamilyWithHelpAndTypeInAStableOrder) {
  StateStore::Totals totals;
  totals.results = {{{"nginx-restart", "healed"}, 4},
                    {{"disk-cleanup", "gave-up"}, 1},
                    {{"nginx-restart", "failed"}, 2}};
  totals.escalations = 1;
  totals.outbox_depth = 1;
  totals.last_run = *ParseRfc3339("2026-11-22T12:00:00.250Z");
  totals.paused_until = *ParseRfc3339("2026-11-22T13:00:00Z");
  totals.events = {{{"decisions", "launch"}, 6},
                   {{"decisions", "breaker-open"}, 2},
                   {{"rejected_requests", "unauthorized"}, 3},
                   {{"truncated_alerts", ""}, 7}};
  std::vector<KeyStatus> status = {
      Key("nginx-restart", "web-2:9100", false),
      Key("disk-cleanup", "db-1:9100", true, *ParseRfc3339("2026-11-22T13:00:00.500Z")),
      Key("nginx-restart", "web-1:9100", false)};

  EXPECT_EQ(
      FormatMetrics(totals, status),
      Expected({
          {"self_heal_attempts_total",
           "self_heal_attempts_total{handler=\"disk-cleanup\",result=\"gave-up\"} 1\n"
           "self_heal_attempts_total{handler=\"nginx-restart\",result=\"failed\"} 2\n"
           "self_heal_attempts_total{handler=\"nginx-restart\",result=\"healed\"} 4\n"},
          {"self_heal_breaker_open",
           "self_heal_breaker_open{handler=\"disk-cleanup\",alert_instance=\"db-1:9100\"} 1\n"
           "self_heal_breaker_open{handler=\"nginx-restart\",alert_instance=\"web-1:9100\"} 0\n"
           "self_heal_breaker_open{handler=\"nginx-restart\",alert_instance=\"web-2:9100\"} 0\n"},
          {"self_heal_breaker_open_until_seconds",
           "self_heal_breaker_open_until_seconds{handler=\"disk-cleanup\","
           "alert_instance=\"db-1:9100\"} 1795352400.500\n"},
          {"self_heal_decisions_total",
           "self_heal_decisions_total{decision=\"breaker-open\"} 2\n"
           "self_heal_decisions_total{decision=\"launch\"} 6\n"},
          {"self_heal_escalations_total", "self_heal_escalations_total 1\n"},
          {"self_heal_last_run_timestamp_seconds",
           "self_heal_last_run_timestamp_seconds 1795348800.250\n"},
          {"self_heal_outbox_depth", "self_heal_outbox_depth 1\n"},
          {"self_heal_paused_until_seconds", "self_heal_paused_until_seconds 1795352400.000\n"},
          {"self_heal_rejected_requests_total",
           "self_heal_rejected_requests_total{reason=\"unauthorized\"} 3\n"},
          {"self_heal_truncated_alerts_total", "self_heal_truncated_alerts_total 7\n"},
      }));
}

TEST(MetricsTextfileTest, EmptyStoreStillDescribesEveryFamily) {
  EXPECT_EQ(
      FormatMetrics({}, {}),
      Expected({{"self_heal_escalations_total", "self_heal_escalations_total 0\n"},
                {"self_heal_outbox_depth", "self_heal_outbox_depth 0\n"},
                {"self_heal_paused_until_seconds", "self_heal_paused_until_seconds 0\n"},
                {"self_heal_truncated_alerts_total", "self_heal_truncated_alerts_total 0\n"}}));
}

TEST(MetricsTextfileTest, APauseUntilResumeIsInfinitySoThatItIsAlwaysLaterThanTime) {
  StateStore::Totals totals;
  totals.paused_until = TimePoint::max();
  EXPECT_NE(FormatMetrics(totals, {}).find("\nself_heal_paused_until_seconds +Inf\n"),
            std::string::npos);
}

TEST(MetricsTextfileTest, HistogramsAreCumulativeWithInfSumAndCountPerHandler) {
  StateStore::Totals totals;
  SecondsHistogram h;
  h.buckets = {0, 1, 1, 2, 2, 2, 3, 3, 3, 3};  // observations 3 s, 20 s, 200 s
  h.count = 3;
  h.sum_ns = 223'500'000'000;
  totals.handler_duration["disk"] = h;
  SecondsHistogram r;
  r.buckets = {0, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  r.count = 1;
  r.sum_ns = 45'000'000'000;
  totals.time_to_resolve["disk"] = r;
  std::string text = FormatMetrics(totals, {});
  EXPECT_NE(text.find("# TYPE self_heal_handler_duration_seconds histogram\n"
                      "self_heal_handler_duration_seconds_bucket{handler=\"disk\",le=\"1\"} 0\n"
                      "self_heal_handler_duration_seconds_bucket{handler=\"disk\",le=\"5\"} 1\n"
                      "self_heal_handler_duration_seconds_bucket{handler=\"disk\",le=\"15\"} 1\n"
                      "self_heal_handler_duration_seconds_bucket{handler=\"disk\",le=\"30\"} 2\n"
                      "self_heal_handler_duration_seconds_bucket{handler=\"disk\",le=\"60\"} 2\n"
                      "self_heal_handler_duration_seconds_bucket{handler=\"disk\",le=\"120\"} 2\n"
                      "self_heal_handler_duration_seconds_bucket{handler=\"disk\",le=\"300\"} 3\n"
                      "self_heal_handler_duration_seconds_bucket{handler=\"disk\",le=\"600\"} 3\n"
                      "self_heal_handler_duration_seconds_bucket{handler=\"disk\",le=\"1800\"} 3\n"
                      "self_heal_handler_duration_seconds_bucket{handler=\"disk\",le=\"3600\"} 3\n"
                      "self_heal_handler_duration_seconds_bucket{handler=\"disk\",le=\"+Inf\"} 3\n"
                      "self_heal_handler_duration_seconds_sum{handler=\"disk\"} 223.500\n"
                      "self_heal_handler_duration_seconds_count{handler=\"disk\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("self_heal_time_to_resolve_seconds_bucket{handler=\"disk\",le=\"30\"} 0\n"
                      "self_heal_time_to_resolve_seconds_bucket{handler=\"disk\",le=\"60\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("self_heal_time_to_resolve_seconds_bucket{handler=\"disk\",le=\"21600\"} 1\n"
                      "self_heal_time_to_resolve_seconds_bucket{handler=\"disk\",le=\"+Inf\"} 1\n"
                      "self_heal_time_to_resolve_seconds_sum{handler=\"disk\"} 45.000\n"
                      "self_heal_time_to_resolve_seconds_count{handler=\"disk\"} 1\n"),
            std::string::npos)
      << text;
}

TEST(MetricsTextfileTest, NoSeriesOfSelfHealsOwnCarriesAnInstanceLabel) {
  StateStore::Totals totals;
  totals.results = {{{"h", "failed"}, 1}};
  std::string text = FormatMetrics(totals, {Key("h", "web-1:9100", true, TimePoint{})});
  EXPECT_EQ(text.find("instance=\""), text.find("alert_instance=\"") + 6) << text;
  EXPECT_EQ(text.find("{instance="), std::string::npos) << text;
  EXPECT_EQ(text.find(",instance="), std::string::npos) << text;
}

TEST(MetricsTextfileTest, LabelValuesAreEscapedForTheExpositionFormat) {
  EXPECT_EQ(EscapeLabelValue("db 2 \"primary\"\nback\\slash Grüße\t"),
            "db 2 \\\"primary\\\"\\nback\\\\slash Grüße\t");
  std::string text = FormatMetrics({}, {Key("h", "a\"b\\c\nd", true, TimePoint{})});
  EXPECT_NE(
      text.find("self_heal_breaker_open{handler=\"h\",alert_instance=\"a\\\"b\\\\c\\nd\"} 1\n"),
      std::string::npos)
      << text;
}

TEST(MetricsTextfileTest, AKeyListedTwiceYieldsOneSeriesOpenIfEitherIsOpenUntilTheLaterEnd) {
  const TimePoint t = *ParseRfc3339("2026-11-22T13:00:00Z");
  std::string text = FormatMetrics({}, {Key("h", "i", false), Key("h", "i", true, t),
                                        Key("h", "i", true, t - std::chrono::hours(1))});
  EXPECT_NE(text.find("self_heal_breaker_open{handler=\"h\",alert_instance=\"i\"} 1\n"),
            std::string::npos);
  EXPECT_EQ(text.find("self_heal_breaker_open{handler=\"h\",alert_instance=\"i\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("self_heal_breaker_open_until_seconds{handler=\"h\",alert_instance=\"i\"} "
                      "1795352400.000\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("1795348800.000"), std::string::npos) << text;
}

class MetricsTextfileWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/self-heal-metrics-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const std::string& name : Names()) ::unlink((dir_ + "/" + name).c_str());
    ::rmdir(dir_.c_str());
  }
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    if (DIR* d = ::opendir(dir_.c_str())) {
      while (dirent* entry = ::readdir(d)) {
        std::string name = entry->d_name;
        if (name != "." && name != "..") names.push_back(name);
      }
      ::closedir(d);
    }
    return names;
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string dir_;
};

TEST_F(MetricsTextfileWriteTest, ReplacesTheOldContentAndLeavesNoTempFile) {
  std::string path = dir_ + "/self-heal.prom";
  ASSERT_TRUE(WriteTextfileAtomically(path, "old 1\nold 2\nold 3\n").ok());
  Status written = WriteTextfileAtomically(path, "new 1\n");
  ASSERT_TRUE(written.ok()) << written.error().message;

  EXPECT_EQ(Read(path), "new 1\n");
  EXPECT_EQ(Names(), std::vector<std::string>{"self-heal.prom"});
}

TEST_F(MetricsTextfileWriteTest, FileIsReadableByOthersWhateverTheUmask) {
  std::string path = dir_ + "/self-heal.prom";
  mode_t old = ::umask(077);
  Status written = WriteTextfileAtomically(path, "x 1\n");
  ::umask(old);
  ASSERT_TRUE(written.ok()) << written.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
}

TEST_F(MetricsTextfileWriteTest, MissingDirectoryIsUnavailableNamingThePath) {
  std::string path = dir_ + "/node-exporter/self-heal.prom";
  Status written = WriteTextfileAtomically(path, "x 1\n");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, Errc::kUnavailable);
  EXPECT_NE(written.error().message.find(path), std::string::npos) << written.error().message;
  EXPECT_TRUE(Names().empty());
}

TEST_F(MetricsTextfileWriteTest, AFailedRenameLeavesTheTargetAndNoTempFile) {
  std::string path = dir_ + "/self-heal.prom";
  ASSERT_EQ(::mkdir(path.c_str(), 0755), 0);  // a directory where the file should be
  Status written = WriteTextfileAtomically(path, "x 1\n");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, Errc::kUnavailable);
  EXPECT_EQ(Names(), std::vector<std::string>{"self-heal.prom"});
  ::rmdir(path.c_str());
}

}  // namespace
}  // namespace selfheal
