#include "cli/unit_credentials.h"

#include <gtest/gtest.h>

namespace selfheal {
namespace {

ServerConfig Bearer(const std::string& secret_file) {
  ServerConfig s;
  s.auth = AuthKind::kBearer;
  s.auth_secret_file = secret_file;
  return s;
}

UnitCredentials Passing(std::vector<std::string> names) {
  UnitCredentials u;
  u.installed = true;
  u.names = std::move(names);
  return u;
}

TEST(UnitCredentialsTest, CredentialTheUnitDoesNotPassIsAnError) {
  auto f =
      JudgeCredential(Bearer("auth-secret"), "/etc/self-heal/self-heal.conf", Passing({"other"}));
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->error);
  EXPECT_NE(f->message.find("/etc/self-heal/self-heal.conf: AuthSecretFile=auth-secret names a "
                            "credential, but self-heal.service has no LoadCredential=auth-secret"),
            std::string::npos)
      << f->message;
}

TEST(UnitCredentialsTest, CredentialTheUnitPassesIsFine) {
  EXPECT_FALSE(JudgeCredential(Bearer("auth-secret"), "c", Passing({"x", "auth-secret"})));
}

TEST(UnitCredentialsTest, UnreachableSystemdIsSaidPlainlyAndIsNoError) {
  auto f =
      JudgeCredential(Bearer("auth-secret"), "c",
                      Error{Errc::kUnavailable, "cannot connect to the system bus: No such file"});
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->error);
  EXPECT_NE(f->message.find("cannot verify that self-heal.service passes it (cannot connect"),
            std::string::npos)
      << f->message;
}

TEST(UnitCredentialsTest, UninstalledUnitCannotBeVerified) {
  auto f = JudgeCredential(Bearer("auth-secret"), "c", UnitCredentials{});
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->error);
  EXPECT_NE(f->message.find("is not installed"), std::string::npos);
}

TEST(UnitCredentialsTest, NoAuthOrAnAbsolutePathNeedsNoCredential) {
  EXPECT_FALSE(JudgeCredential(ServerConfig{}, "c", Passing({})));
  EXPECT_FALSE(JudgeCredential(Bearer("/etc/self-heal/secret"), "c", Passing({})));
}

TEST(UnitCredentialsTest, PendingDaemonReloadIsMentioned) {
  UnitCredentials u = Passing({});
  u.need_daemon_reload = true;
  auto f = JudgeCredential(Bearer("auth-secret"), "c", u);
  ASSERT_TRUE(f);
  EXPECT_NE(f->message.find("daemon-reload is due"), std::string::npos);
}

}  // namespace
}  // namespace selfheal
