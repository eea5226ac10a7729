#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "config/config_loader.h"
#include "temp_dir.h"

namespace selfheal {
namespace {

using testing::HasSubstr;
using testing::Not;

// Sets $CREDENTIALS_DIRECTORY for one test and puts the old value back after.
class ConfigSecretTest : public testing::Test {
 protected:
  void SetUp() override {
    if (const char* old = std::getenv("CREDENTIALS_DIRECTORY")) saved_ = old;
    setenv("CREDENTIALS_DIRECTORY", credentials_.path().c_str(), 1);
  }
  void TearDown() override {
    if (saved_) {
      setenv("CREDENTIALS_DIRECTORY", saved_->c_str(), 1);
    } else {
      unsetenv("CREDENTIALS_DIRECTORY");
    }
  }

  static ServerConfig WithSecretFile(std::string file) {
    ServerConfig server;
    server.auth = AuthKind::kBearer;
    server.auth_secret_file = std::move(file);
    return server;
  }

  TempDir credentials_;
  std::optional<std::string> saved_;
};

TEST_F(ConfigSecretTest, CredentialNameIsReadFromCredentialsDirectoryWithoutTrailingNewline) {
  credentials_.Write("webhook-secret", "PLACEHOLDER-bearer-token-not-a-secret\n");
  SecretResult result = ReadAuthSecret(WithSecretFile("webhook-secret"));
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.secret, "PLACEHOLDER-bearer-token-not-a-secret");
}

TEST_F(ConfigSecretTest, OnlyOneTrailingNewlineIsDropped) {
  credentials_.Write("a", "token\n\n");
  credentials_.Write("b", "token\r\n");
  credentials_.Write("c", "token");
  EXPECT_EQ(ReadAuthSecret(WithSecretFile("a")).secret, "token\n");
  EXPECT_EQ(ReadAuthSecret(WithSecretFile("b")).secret, "token");
  EXPECT_EQ(ReadAuthSecret(WithSecretFile("c")).secret, "token");
}

TEST_F(ConfigSecretTest, AbsolutePathIsReadAsIs) {
  TempDir other;
  std::string path = other.Write("secret", "s3cret\n");
  unsetenv("CREDENTIALS_DIRECTORY");
  SecretResult result = ReadAuthSecret(WithSecretFile(path));
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.secret, "s3cret");
}

TEST_F(ConfigSecretTest, CredentialNameWithoutCredentialsDirectoryIsAnError) {
  unsetenv("CREDENTIALS_DIRECTORY");
  SecretResult result = ReadAuthSecret(WithSecretFile("webhook-secret"));
  EXPECT_EQ(result.secret, "");
  EXPECT_THAT(result.error, HasSubstr("'webhook-secret'"));
  EXPECT_THAT(result.error, HasSubstr("$CREDENTIALS_DIRECTORY is not set"));
}

TEST_F(ConfigSecretTest, MissingEmptyAndUnsetSecretsAreErrorsNamingTheFile) {
  credentials_.Write("empty", "");
  credentials_.Write("newline", "\n");
  std::string dir = credentials_.path();
  EXPECT_THAT(ReadAuthSecret(WithSecretFile("nope")).error,
              HasSubstr("'" + dir + "/nope': No such file or directory"));
  EXPECT_EQ(ReadAuthSecret(WithSecretFile("empty")).error,
            "The auth secret file '" + dir + "/empty' is empty");
  EXPECT_EQ(ReadAuthSecret(WithSecretFile("newline")).error,
            "The auth secret file '" + dir + "/newline' is empty");
  EXPECT_EQ(ReadAuthSecret(ServerConfig{}).error, "AuthSecretFile= is not set");
}

TEST_F(ConfigSecretTest, ErrorsNeverContainTheSecret) {
  credentials_.Write("big", "hunter2-" + std::string(5000, 'x'));
  SecretResult result = ReadAuthSecret(WithSecretFile("big"));
  EXPECT_EQ(result.secret, "");
  EXPECT_THAT(result.error, HasSubstr("larger than 4096 bytes"));
  EXPECT_THAT(result.error, Not(HasSubstr("hunter2")));
}

TEST_F(ConfigSecretTest, SecretOfExactly4KiBIsAccepted) {
  credentials_.Write("max", std::string(4096, 'k'));
  EXPECT_EQ(ReadAuthSecret(WithSecretFile("max")).secret.size(), 4096u);
}

}  // namespace
}  // namespace selfheal
