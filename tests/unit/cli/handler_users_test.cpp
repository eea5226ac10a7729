// check refuses a handler whose User= this host does not know: systemd would accept
// the unit and fail it at step USER, its result recorder too (issue 11).
#include "cli/handler_users.h"

#include <gtest/gtest.h>

#include "launch/host_user.h"

namespace selfheal {
namespace {

HandlerConfig Handler(const std::string& name, const std::string& user) {
  HandlerConfig h;
  h.name = name;
  h.source_file = "/etc/self-heal/handlers.d/" + name + ".conf";
  h.user = user;
  return h;
}

Expected<bool> Known(const std::string& name) {
  if (name == "broken") return Error{Errc::kUnavailable, "NSS said EIO"};
  return name == "healer" || name == "root";
}

TEST(HandlerUsersTest, UnknownUserIsAnErrorNamingTheFileAndKey) {
  auto findings =
      JudgeHandlerUsers({Handler("disk", "healer"), Handler("bad", "nosuchuser")}, Known);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_TRUE(findings[0].error);
  EXPECT_EQ(
      findings[0].message.rfind("/etc/self-heal/handlers.d/bad.conf: User=nosuchuser: no such "
                                "user on this host",
                                0),
      0u)
      << findings[0].message;
}

TEST(HandlerUsersTest, KnownUsersSayNothing) {
  EXPECT_TRUE(JudgeHandlerUsers({Handler("a", "healer"), Handler("b", "root")}, Known).empty());
}

TEST(HandlerUsersTest, FailedLookupIsANoteNotAnError) {
  auto findings = JudgeHandlerUsers({Handler("x", "broken")}, Known);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_FALSE(findings[0].error);
  EXPECT_NE(findings[0].message.find("not verified (NSS said EIO)"), std::string::npos);
}

TEST(HandlerUsersTest, HostLookupKnowsRootAndNotAnImpossibleName) {
  Expected<bool> root = HostUserExists("root");
  ASSERT_TRUE(root.ok()) << root.error().message;
  EXPECT_TRUE(root.value());
  Expected<bool> none = HostUserExists("self-heal-no-such-user-x9");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_FALSE(none.value());
}

}  // namespace
}  // namespace selfheal
