#include "common/text.h"

#include <gtest/gtest.h>

#include <string>

namespace selfheal {
namespace {

TEST(EscapeForLogTest, PrintableUtf8PassesThrough) {
  EXPECT_EQ(EscapeForLog("web-1:9100 Grüße"), "web-1:9100 Grüße");
}

TEST(EscapeForLogTest, ControlCharactersAndBackslashesAreEscaped) {
  EXPECT_EQ(EscapeForLog("a\nb\rc\td\\e"), "a\\nb\\rc\\td\\\\e");
  EXPECT_EQ(EscapeForLog("\x1b[31m\x7f"), "\\u001B[31m\\u007F");
  EXPECT_EQ(EscapeForLog("\xC2\x85 \xE2\x80\xA8"), "\\u0085 \\u2028");  // C1, line separator
}

TEST(EscapeForLogTest, BytesThatAreNotUtf8AreShownAsBytes) {
  EXPECT_EQ(EscapeForLog("a\xED\xB0\x80"
                         "b\xFF"),
            "a\\xED\\xB0\\x80b\\xFF");
  EXPECT_EQ(EscapeForLog(std::string("a\0b", 3)), "a\\u0000b");
}

TEST(EscapeForLogTest, CutsWholeCharactersAndSaysSo) {
  EXPECT_EQ(EscapeForLog("abcdef", 4), "abcd…");
  EXPECT_EQ(EscapeForLog("abcd", 4), "abcd");
  EXPECT_EQ(EscapeForLog("abü", 3), "ab…");  // ü is two bytes: never half of it
}

TEST(QuoteForLogTest, QuotesAndEscapesTheQuote) {
  EXPECT_EQ(QuoteForLog("it's", 64), "'it\\'s'");
  EXPECT_EQ(QuoteForLog("a\nb", 64), "'a\\nb'");
  EXPECT_EQ(EscapeForLog("it's"), "it's");  // only a quoted value needs \'
}

}  // namespace
}  // namespace selfheal
