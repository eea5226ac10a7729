// Replays every request captured from Alertmanager 0.25 (tests/fixtures/alertmanager) byte for
// byte over a raw socket: each must be accepted and reach the callback with exactly
// the body Alertmanager sent.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "http/server.h"
#include "http/test_support.h"

namespace selfheal {
namespace {

using namespace http_test;

std::vector<std::filesystem::path> CapturedRequests() { return fixtures::WithExtension(".http"); }

// The request target of "POST /ok/single HTTP/1.1".
std::string PathOf(const std::string& request) {
  size_t start = request.find(' ') + 1;
  return request.substr(start, request.find(' ', start) - start);
}

ServerOptions OptionsFor(const std::filesystem::path& file, const std::string& request) {
  ServerOptions options;
  options.webhook_path = PathOf(request);
  const std::string name = file.filename().string();
  if (name.find("auth-bearer") != std::string::npos) {
    options.auth = AuthKind::kBearer;
    options.auth_secret = "PLACEHOLDER-bearer-token-not-a-secret";
  } else if (name.find("auth-basic") != std::string::npos) {
    options.auth = AuthKind::kBasic;
    options.auth_user = "selfheal";
    options.auth_secret = "PLACEHOLDER-password";
  }
  return options;
}

TEST(HttpFixtureReplayTest, AcceptsEveryCapturedAlertmanagerRequestWithItsExactBody) {
  const auto files = CapturedRequests();
  ASSERT_GE(files.size(), 21u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    const std::string request = ReadBytes(file.string());
    std::filesystem::path json = file;
    json.replace_extension(".json");
    const std::string body = ReadBytes(json.string());
    ASSERT_FALSE(body.empty());
    ASSERT_EQ(request.substr(request.size() - body.size()), body);  // the capture's tail

    RecordingJournal journal;
    RecordingCallback callback;
    RunningServer s = StartServer(OptionsFor(file, request), callback.AsCallback(), journal);
    ASSERT_TRUE(s.server);
    RawConnection c(s.port);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.Send(request));
    auto r = c.ReadResponse();

    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    auto seen = callback.Seen();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].body, body);
    EXPECT_EQ(seen[0].remote.rfind("127.0.0.1:", 0), 0u);
    EXPECT_TRUE(journal.Events().empty());
  }
}

// Alertmanager keeps connections alive (162 requests from 31 source ports in the
// capture): the same bytes twice on one connection are two deliveries.
TEST(HttpFixtureReplayTest, AcceptsARepeatOnTheSameKeptAliveConnection) {
  const std::string request = ReadBytes(Path("09-single-repeat.http"));
  RecordingJournal journal;
  RecordingCallback callback;
  ServerOptions options;
  options.webhook_path = PathOf(request);
  RunningServer s = StartServer(options, callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection c(s.port);
  ASSERT_TRUE(c.ok());

  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.Send(request));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(callback.Seen().size(), 2u);
}

}  // namespace
}  // namespace selfheal
