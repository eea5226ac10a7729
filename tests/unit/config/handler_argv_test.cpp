#include "config/handler_argv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace selfheal {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;
using Words = std::vector<std::string>;

Words Split(std::string_view text) {
  auto words = SplitCommandLine(text);
  EXPECT_TRUE(words.ok()) << text << ": " << words.error().message;
  return words.ok() ? words.value() : Words{};
}

std::string SplitError(std::string_view text) {
  auto words = SplitCommandLine(text);
  EXPECT_FALSE(words.ok()) << text;
  return words.ok() ? "" : words.error().message;
}

TEST(ConfigExecTest, SplitsOnRunsOfSpacesAndTabs) {
  EXPECT_THAT(Split("  /bin/echo   a\tb  "), ElementsAre("/bin/echo", "a", "b"));
  EXPECT_THAT(Split(""), ElementsAre());
  EXPECT_THAT(Split(" \t "), ElementsAre());
}

TEST(ConfigExecTest, QuotesWrapAWholeWordAndAreRemoved) {
  EXPECT_THAT(Split("/bin/x \"a b\" 'c d' \"\" ''"), ElementsAre("/bin/x", "a b", "c d", "", ""));
  EXPECT_THAT(Split("/bin/x \"it's\" 'say \"hi\"'"), ElementsAre("/bin/x", "it's", "say \"hi\""));
}

TEST(ConfigExecTest, EscapesWorkInAndOutOfQuotes) {
  EXPECT_THAT(Split(R"(/bin/x a\ b "q\"q" 'back\\slash' tab\tnl\n)"),
              ElementsAre("/bin/x", "a b", "q\"q", "back\\slash", "tab\tnl\n"));
}

TEST(ConfigExecTest, ShellCharactersAreData) {
  EXPECT_THAT(
      Split("/bin/x $HOME ${PATH} `id` $(id) ; | && > %n *"),
      ElementsAre("/bin/x", "$HOME", "${PATH}", "`id`", "$(id)", ";", "|", "&&", ">", "%n", "*"));
}

TEST(ConfigExecTest, MalformedQuotingIsRefused) {
  EXPECT_THAT(SplitError("/bin/x \"open"), HasSubstr("unterminated \" quote"));
  EXPECT_THAT(SplitError("/bin/x 'open"), HasSubstr("unterminated ' quote"));
  EXPECT_THAT(SplitError("/bin/x a\"b\""), HasSubstr("may only open a word"));
  EXPECT_THAT(SplitError("/bin/x \"a\"b"), HasSubstr("must be followed by a space"));
  EXPECT_THAT(SplitError("/bin/x \\q"), HasSubstr("unknown escape '\\q'"));
  EXPECT_THAT(SplitError("/bin/x \\"), HasSubstr("trailing '\\'"));
}

TEST(ConfigExecTest, ProgramMustBeAnAbsoluteNormalizedPath) {
  EXPECT_TRUE(ParseExec("/usr/lib/self-heal/handlers/restart-service nginx").ok());
  EXPECT_TRUE(ParseExec("\"/opt/my tools/heal\"").ok());
  for (const char* bad : {"restart.sh", "./restart.sh", "-/bin/true", "/", "/usr/bin/",
                          "/usr/../bin/sh", "/usr/./bin/sh", "//bin/sh", "~/heal"}) {
    auto argv = ParseExec(bad);
    ASSERT_FALSE(argv.ok()) << bad;
    EXPECT_EQ(argv.error().code, Errc::kInvalidInput);
    EXPECT_THAT(argv.error().message, HasSubstr("must be an absolute, normalized path")) << bad;
  }
  auto empty = ParseExec("   ");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "the command is empty");
}

TEST(ConfigExecTest, FormattedCommandLineSplitsBackToTheSameWords) {
  for (const Words& argv : {Words{"/bin/true"}, Words{"/bin/x", "a b", "", "it's", "say \"hi\""},
                            Words{"/bin/x", "back\\slash", "tab\t", "nl\n", "$HOME", ";"}}) {
    auto again = SplitCommandLine(FormatCommandLine(argv));
    ASSERT_TRUE(again.ok()) << FormatCommandLine(argv);
    EXPECT_EQ(again.value(), argv) << FormatCommandLine(argv);
  }
  EXPECT_EQ(FormatCommandLine({"/bin/x", "plain", "two words"}), "/bin/x plain \"two words\"");
}

}  // namespace
}  // namespace selfheal
