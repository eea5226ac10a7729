#include "metrics/textfile.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace selfheal {
namespace {

KeyStatus Key(std::string handler, std::string instance, bool open) {
  KeyStatus s;
  s.handler = std::move(handler);
  s.instance = std::move(instance);
  s.breaker_open = open;
  return s;
}

TEST(MetricsTextfileTest, FormatsEveryFamilyWithHelpAndTypeInAStableOrder) {
  StateStore::Totals totals;
  totals.results = {{{"nginx-restart", "healed"}, 4},
                    {{"disk-cleanup", "gave-up"}, 1},
                    {{"nginx-restart", "failed"}, 2}};
  totals.escalations = 1;
  totals.last_run = *ParseRfc3339("2026-11-22T12:00:00.250Z");
  std::vector<KeyStatus> status = {Key("nginx-restart", "web-2:9100", false),
                                   Key("disk-cleanup", "db-1:9100", true),
                                   Key("nginx-restart", "web-1:9100", false)};

  EXPECT_EQ(FormatMetrics(totals, status),
            "# HELP self_heal_attempts_total Handler runs that finished, by handler and result.\n"
            "# TYPE self_heal_attempts_total counter\n"
            "self_heal_attempts_total{handler=\"disk-cleanup\",result=\"gave-up\"} 1\n"
            "self_heal_attempts_total{handler=\"nginx-restart\",result=\"failed\"} 2\n"
            "self_heal_attempts_total{handler=\"nginx-restart\",result=\"healed\"} 4\n"
            "# HELP self_heal_breaker_open Whether the breaker of a handler on an instance is "
            "open (1) or closed (0).\n"
            "# TYPE self_heal_breaker_open gauge\n"
            "self_heal_breaker_open{handler=\"disk-cleanup\",instance=\"db-1:9100\"} 1\n"
            "self_heal_breaker_open{handler=\"nginx-restart\",instance=\"web-1:9100\"} 0\n"
            "self_heal_breaker_open{handler=\"nginx-restart\",instance=\"web-2:9100\"} 0\n"
            "# HELP self_heal_escalations_total Escalations queued for Alertmanager because a "
            "breaker opened.\n"
            "# TYPE self_heal_escalations_total counter\n"
            "self_heal_escalations_total 1\n"
            "# HELP self_heal_last_run_timestamp_seconds When a handler last started or "
            "finished, in seconds since the epoch.\n"
            "# TYPE self_heal_last_run_timestamp_seconds gauge\n"
            "self_heal_last_run_timestamp_seconds 1795348800.250\n");
}

TEST(MetricsTextfileTest, EmptyStoreStillDescribesEveryFamily) {
  EXPECT_EQ(FormatMetrics({}, {}),
            "# HELP self_heal_attempts_total Handler runs that finished, by handler and result.\n"
            "# TYPE self_heal_attempts_total counter\n"
            "# HELP self_heal_breaker_open Whether the breaker of a handler on an instance is "
            "open (1) or closed (0).\n"
            "# TYPE self_heal_breaker_open gauge\n"
            "# HELP self_heal_escalations_total Escalations queued for Alertmanager because a "
            "breaker opened.\n"
            "# TYPE self_heal_escalations_total counter\n"
            "self_heal_escalations_total 0\n"
            "# HELP self_heal_last_run_timestamp_seconds When a handler last started or "
            "finished, in seconds since the epoch.\n"
            "# TYPE self_heal_last_run_timestamp_seconds gauge\n");
}

TEST(MetricsTextfileTest, LabelValuesAreEscapedForTheExpositionFormat) {
  EXPECT_EQ(EscapeLabelValue("db 2 \"primary\"\nback\\slash Grüße\t"),
            "db 2 \\\"primary\\\"\\nback\\\\slash Grüße\t");
  std::string text = FormatMetrics({}, {Key("h", "a\"b\\c\nd", true)});
  EXPECT_NE(text.find("self_heal_breaker_open{handler=\"h\",instance=\"a\\\"b\\\\c\\nd\"} 1\n"),
            std::string::npos)
      << text;
}

TEST(MetricsTextfileTest, AKeyListedTwiceYieldsOneSeriesOpenIfEitherIsOpen) {
  std::string text =
      FormatMetrics({}, {Key("h", "i", false), Key("h", "i", true), Key("h", "i", false)});
  EXPECT_NE(text.find("self_heal_breaker_open{handler=\"h\",instance=\"i\"} 1\n"),
            std::string::npos);
  EXPECT_EQ(text.find("self_heal_breaker_open{handler=\"h\",instance=\"i\"} 0\n"),
            std::string::npos);
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
