#include "common/time.h"

#include <gtest/gtest.h>

namespace selfheal {
namespace {

using namespace std::chrono;

TEST(TimeTest, ParsesAlertmanagerMillisecondTimestamps) {
  auto t = ParseRfc3339("2026-11-22T01:25:02.807Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatRfc3339(*t), "2026-11-22T01:25:02.807Z");
}

TEST(TimeTest, ParsesNanosecondsAndOffsets) {
  auto a = ParseRfc3339("2026-11-22T01:25:02.123456789Z");
  auto b = ParseRfc3339("2026-11-22T03:25:02.123456789+02:00");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->time_since_epoch().count() % 1000000000, 123456789);
}

TEST(TimeTest, RefusesYearsATimePointCannotHoldInsteadOfOverflowing) {
  EXPECT_FALSE(ParseRfc3339("0001-01-01T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("9999-12-31T23:59:59Z"));
  EXPECT_TRUE(ParseRfc3339("1678-01-01T00:00:00Z"));
  EXPECT_TRUE(ParseRfc3339("2261-12-31T23:59:59Z"));
}

TEST(TimeTest, RejectsImpossibleDatesAndJunk) {
  for (const char* bad :
       {"", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-22T24:00:00Z",
        "2026-11-22T01:25:02", "2026-11-22 01:25:02Z", "2026-11-22T01:25:02.Z",
        "2026-11-22T01:25:02Zjunk", "2026-11-22T01:25:02+0200", "yesterday"}) {
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
  }
}

TEST(TimeTest, ParsesSystemdTimespans) {
  EXPECT_EQ(ParseTimespan("90s"), Duration(seconds(90)));
  EXPECT_EQ(ParseTimespan("4h"), Duration(hours(4)));
  EXPECT_EQ(ParseTimespan("1h 30min"), Duration(minutes(90)));
  EXPECT_EQ(ParseTimespan("30"), Duration(seconds(30)));
  EXPECT_EQ(ParseTimespan("250ms"), Duration(milliseconds(250)));
  EXPECT_EQ(ParseTimespan("2d"), Duration(hours(48)));
}

TEST(TimeTest, RejectsBadTimespans) {
  for (const char* bad : {"", "  ", "-5s", "5 parsecs", "h", "99999999999999999999s", "1.5h"}) {
    EXPECT_FALSE(ParseTimespan(bad)) << bad;
  }
}

TEST(TimeTest, FormatsTimespansLikeSystemd) {
  EXPECT_EQ(FormatTimespan(hours(4)), "4h");
  EXPECT_EQ(FormatTimespan(seconds(90)), "1min 30s");
}

}  // namespace
}  // namespace selfheal
