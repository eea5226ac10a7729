#include "config/values.h"

#include <gtest/gtest.h>

namespace selfheal {
namespace {

TEST(ConfigValuesTest, ByteSizesTakeSystemdSuffixes) {
  EXPECT_EQ(ParseByteSize("1024"), 1024u);
  EXPECT_EQ(ParseByteSize("512B"), 512u);
  EXPECT_EQ(ParseByteSize("64K"), 64u * 1024);
  EXPECT_EQ(ParseByteSize("1M"), 1024u * 1024);
  EXPECT_EQ(ParseByteSize("2G"), 2ull << 30);
  for (const char* bad : {"", "K", "1.5M", "-1", "1 M", "1m", "1MiB", "99999999999999999T"}) {
    EXPECT_FALSE(ParseByteSize(bad)) << bad;
  }
}

TEST(ConfigValuesTest, UserNamesFollowUseradd) {
  for (const char* good : {"healer", "_svc", "a-b_c9", "machine$"}) {
    EXPECT_TRUE(IsValidUserName(good)) << good;
  }
  EXPECT_TRUE(IsValidUserName(std::string(32, 'a')));
  for (const char* bad : {"", "Root", "9lives", "-x", "a b", "a$b", "$", "a.b", "ü"}) {
    EXPECT_FALSE(IsValidUserName(bad)) << bad;
  }
  EXPECT_FALSE(IsValidUserName(std::string(33, 'a')));
}

TEST(ConfigValuesTest, HandlerNamesAreSafeInUnitNames) {
  EXPECT_TRUE(IsValidHandlerName("restart_nginx-2"));
  EXPECT_TRUE(IsValidHandlerName(std::string(64, 'x')));
  EXPECT_FALSE(IsValidHandlerName(std::string(65, 'x')));
  for (const char* bad : {"", "a.b", "a b", "a/b", "ä", "@x"}) {
    EXPECT_FALSE(IsValidHandlerName(bad)) << bad;
  }
}

TEST(ConfigValuesTest, WebhookPathsArePlainAbsolutePaths) {
  for (const char* good : {"/", "/alertmanager", "/ok/single", "/a-b_c.d~e"}) {
    EXPECT_TRUE(IsValidWebhookPath(good)) << good;
  }
  for (const char* bad : {"", "hook", "/a b", "/a?b=1", "/a#x", "/-/healthy", "/\x7f", "/ü"}) {
    EXPECT_FALSE(IsValidWebhookPath(bad)) << bad;
  }
}

TEST(ConfigValuesTest, AlertmanagerUrlsAreHttpWithAHost) {
  for (const char* good : {"http://127.0.0.1:9093", "https://am.example.org", "HTTP://am:1/x",
                           "http://[::1]:9093/prefix", "http://am/"}) {
    EXPECT_TRUE(IsValidHttpUrl(good)) << good;
  }
  for (const char* bad : {"", "127.0.0.1:9093", "ftp://am", "http://", "http:///x", "http://am:",
                          "http://am:0", "http://am:65536", "http://am:x", "http://u:p@am",
                          "http://a m", "http://[::1", "http://[]:1", "http://[::1]x"}) {
    EXPECT_FALSE(IsValidHttpUrl(bad)) << bad;
  }
}

}  // namespace
}  // namespace selfheal
