// Routing, authentication and the journal trail of the HTTP server, as Alertmanager
// and a health probe see it.
#include "http/server.h"

#include <gtest/gtest.h>
#include <microhttpd.h>

#include "http/test_support.h"

namespace selfheal {
namespace {

using namespace http_test;

const std::string kJsonHeader = "Content-Type: application/json";
const std::string kPayload = R"({"version":"4","alerts":[]})";
const std::string kBearerSecret = "PLACEHOLDER-bearer-token-not-a-secret";
const std::string kBasicPassword = "PLACEHOLDER-password";

ServerOptions WebhookOptions() {
  ServerOptions options;
  options.webhook_path = "/alertmanager";
  options.max_body_bytes = 64 * 1024;
  return options;
}

TEST(HttpServerTest, PassesAJsonPostToTheCallbackAndSendsItsAnswer) {
  RecordingJournal journal;
  RecordingCallback callback;
  callback.response = {202, "{\"status\":\"decided\"}"};
  RunningServer s = StartServer(WebhookOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);

  CurlResult r = Curl(s.Url("/alertmanager"), "POST", kPayload, {kJsonHeader});

  ASSERT_EQ(r.curl_code, 0);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "{\"status\":\"decided\"}");
  EXPECT_TRUE(r.HasHeader("Content-Type: application/json"));
  auto seen = callback.Seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body, kPayload);
  EXPECT_EQ(seen[0].remote.rfind("127.0.0.1:", 0), 0u) << seen[0].remote;
  EXPECT_EQ(seen[0].method, "POST");  // for the journal entry of a payload rejection
  EXPECT_EQ(seen[0].path, "/alertmanager");
  EXPECT_TRUE(journal.Events().empty());
}

TEST(HttpServerTest, AcceptsJsonContentTypeWithParametersInAnyCase) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(WebhookOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);

  CurlResult r = Curl(s.Url("/alertmanager"), "POST", kPayload,
                      {"Content-Type: Application/JSON; charset=utf-8"});

  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(callback.Seen().size(), 1u);
}

TEST(HttpServerTest, AnswersHealthProbeWithoutTheCallback) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(WebhookOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);

  CurlResult get = Curl(s.Url("/-/healthy"), "GET", std::nullopt, {});
  CurlResult head = Curl(s.Url("/-/healthy"), "HEAD", std::nullopt, {});

  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "{\"status\":\"ok\"}");
  EXPECT_TRUE(get.HasHeader("Content-Type: application/json"));
  EXPECT_EQ(head.curl_code, 0);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_TRUE(callback.Seen().empty());
  EXPECT_TRUE(journal.Events().empty());
}

TEST(HttpServerTest, AnswersAnUnknownPathWith404AndJournalsIt) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(WebhookOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);

  CurlResult r = Curl(s.Url("/x"), "POST", kPayload, {kJsonHeader});

  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "{\"error\":\"not found\"}");
  EXPECT_TRUE(callback.Seen().empty());
  auto events = journal.Events();
  ASSERT_EQ(events.size(), 1u);
  const AuditEvent& e = events[0];
  EXPECT_EQ(e.type, EventType::kRequestRejected);
  EXPECT_EQ(e.priority, 4);
  const std::string remote = FieldOf(e, "REMOTE");
  EXPECT_EQ(remote.rfind("127.0.0.1:", 0), 0u) << remote;
  EXPECT_EQ(e.message,
            "Rejected request from '" + remote + "' (POST '/x', HTTP 404): not found, skipping.");
  EXPECT_EQ(FieldOf(e, "ERROR"), "not found");
  EXPECT_EQ(FieldOf(e, "HTTP_STATUS"), "404");
  EXPECT_EQ(FieldOf(e, "REASON"), "not-found");
  EXPECT_EQ(FieldOf(e, "HTTP_PATH"), "/x");
  EXPECT_EQ(FieldOf(e, "HTTP_METHOD"), "POST");
}

TEST(HttpServerTest, AnswersGetOnTheWebhookPathWith405AllowingPost) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(WebhookOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);

  CurlResult r = Curl(s.Url("/alertmanager"), "GET", std::nullopt, {});

  EXPECT_EQ(r.status, 405);
  EXPECT_TRUE(r.HasHeader("Allow: POST")) << r.headers;
  EXPECT_TRUE(callback.Seen().empty());
  ASSERT_EQ(journal.Events().size(), 1u);
  EXPECT_EQ(FieldOf(journal.Events()[0], "HTTP_STATUS"), "405");
}

TEST(HttpServerTest, AnswersPostOnTheHealthPathWith405AllowingGetAndHead) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(WebhookOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);

  CurlResult r = Curl(s.Url("/-/healthy"), "POST", kPayload, {kJsonHeader});

  EXPECT_EQ(r.status, 405);
  EXPECT_TRUE(r.HasHeader("Allow: GET, HEAD")) << r.headers;
  EXPECT_TRUE(callback.Seen().empty());
}

TEST(HttpServerTest, RejectsANonJsonBodyWith415BeforeTheCallback) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(WebhookOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);

  CurlResult plain = Curl(s.Url("/alertmanager"), "POST", kPayload, {"Content-Type: text/plain"});
  CurlResult json_ish =
      Curl(s.Url("/alertmanager"), "POST", kPayload, {"Content-Type: application/jsonp"});

  EXPECT_EQ(plain.status, 415);
  EXPECT_EQ(json_ish.status, 415);
  EXPECT_TRUE(callback.Seen().empty());
  ASSERT_EQ(journal.Events().size(), 2u);
  EXPECT_EQ(FieldOf(journal.Events()[0], "REASON"), "unsupported-media-type");
  EXPECT_NE(journal.Events()[0].message.find("'text/plain'"), std::string::npos);
}

TEST(HttpServerTest, RefusesRequestSmugglingFramingWith400) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(WebhookOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  RawConnection c(s.port);
  ASSERT_TRUE(c.ok());

  ASSERT_TRUE(
      c.Send("POST /alertmanager HTTP/1.1\r\nHost: x\r\n"
             "Content-Type: application/json\r\nContent-Length: 4\r\n"
             "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
  auto r = c.ReadResponse();

  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(callback.Seen().empty());
}

TEST(HttpServerTest, TurnsACallbackExceptionInto500SoAlertmanagerRetries) {
  RecordingJournal journal;
  RunningServer s = StartServer(
      WebhookOptions(),
      [](const WebhookRequest&) -> HttpResponse { throw std::runtime_error("boom"); }, journal);
  ASSERT_TRUE(s.server);

  CurlResult r = Curl(s.Url("/alertmanager"), "POST", kPayload, {kJsonHeader});

  EXPECT_EQ(r.status, 500);
  ASSERT_EQ(journal.Events().size(), 1u);
  EXPECT_EQ(FieldOf(journal.Events()[0], "REASON"), "internal-error");
  EXPECT_EQ(FieldOf(journal.Events()[0], "HTTP_STATUS"), "500");
  EXPECT_EQ(journal.Events()[0].priority, 3);  // a 5xx is an error
}

// --- authentication ---

ServerOptions BearerOptions() {
  ServerOptions options = WebhookOptions();
  options.auth = AuthKind::kBearer;
  options.auth_secret = kBearerSecret;
  return options;
}

ServerOptions BasicOptions() {
  ServerOptions options = WebhookOptions();
  options.auth = AuthKind::kBasic;
  options.auth_user = "selfheal";
  options.auth_secret = kBasicPassword;
  return options;
}

std::string AlertmanagerAuthorization(const char* fixture) {
  return "Authorization: " + FixtureHeader(ReadBytes(Path(fixture)), "Authorization");
}

TEST(HttpServerTest, AcceptsTheBearerTokenAlertmanagerSends) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(BearerOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  const std::string auth = AlertmanagerAuthorization("05-auth-bearer.http");
  ASSERT_EQ(auth, "Authorization: Bearer " + kBearerSecret);

  CurlResult r = Curl(s.Url("/alertmanager"), "POST", kPayload, {kJsonHeader, auth});

  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(callback.Seen().size(), 1u);
  EXPECT_TRUE(journal.Events().empty());
}

TEST(HttpServerTest, RejectsMissingOrWrongBearerTokenWith401AndAChallenge) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(BearerOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  const std::vector<std::vector<std::string>> attempts = {
      {kJsonHeader},
      {kJsonHeader, "Authorization: Bearer " + kBearerSecret + "x"},
      {kJsonHeader, "Authorization: Bearer " + kBearerSecret.substr(1)},
      {kJsonHeader, AlertmanagerAuthorization("06-auth-basic.http")},  // wrong scheme
  };

  for (const auto& headers : attempts) {
    CurlResult r = Curl(s.Url("/alertmanager"), "POST", kPayload, headers);
    EXPECT_EQ(r.status, 401);
    EXPECT_TRUE(r.HasHeader("WWW-Authenticate: Bearer realm=\"self-heal\"")) << r.headers;
    EXPECT_EQ(r.body, "{\"error\":\"missing or wrong credentials\"}");
  }
  EXPECT_TRUE(callback.Seen().empty());
  EXPECT_EQ(journal.Events().size(), attempts.size());
}

TEST(HttpServerTest, AcceptsTheBasicCredentialsAlertmanagerSends) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(BasicOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  const std::string auth = AlertmanagerAuthorization("06-auth-basic.http");
  ASSERT_EQ(auth, "Authorization: Basic c2VsZmhlYWw6UExBQ0VIT0xERVItcGFzc3dvcmQ=");

  CurlResult r = Curl(s.Url("/alertmanager"), "POST", kPayload, {kJsonHeader, auth});

  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(callback.Seen().size(), 1u);
}

TEST(HttpServerTest, RejectsMissingOrWrongBasicCredentialsWith401AndAChallenge) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(BasicOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  const std::vector<std::vector<std::string>> attempts = {
      {kJsonHeader},
      // "selfheal:wrong", "other:PLACEHOLDER-password", "selfheal" without a colon
      {kJsonHeader, "Authorization: Basic c2VsZmhlYWw6d3Jvbmc="},
      {kJsonHeader, "Authorization: Basic b3RoZXI6UExBQ0VIT0xERVItcGFzc3dvcmQ="},
      {kJsonHeader, "Authorization: Basic c2VsZmhlYWw="},
      {kJsonHeader, "Authorization: Basic !!!"},
      {kJsonHeader, "Authorization: Bearer " + kBasicPassword},  // wrong scheme
  };

  for (const auto& headers : attempts) {
    CurlResult r = Curl(s.Url("/alertmanager"), "POST", kPayload, headers);
    EXPECT_EQ(r.status, 401);
    EXPECT_TRUE(r.HasHeader("WWW-Authenticate: Basic realm=\"self-heal\"")) << r.headers;
  }
  EXPECT_TRUE(callback.Seen().empty());
  EXPECT_EQ(journal.Events().size(), attempts.size());
}

TEST(HttpServerTest, ChecksAuthenticationBeforeTheContentType) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(BearerOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);

  CurlResult r = Curl(s.Url("/alertmanager"), "POST", kPayload, {"Content-Type: text/plain"});

  EXPECT_EQ(r.status, 401);
}

TEST(HttpServerTest, JournalsEveryRejectionButNeverTheSecret) {
  RecordingJournal journal;
  RecordingCallback callback;
  RunningServer s = StartServer(BearerOptions(), callback.AsCallback(), journal);
  ASSERT_TRUE(s.server);
  const std::string right = "Authorization: Bearer " + kBearerSecret;

  EXPECT_EQ(Curl(s.Url("/alertmanager"), "POST", kPayload, {kJsonHeader, right + "-nearly"}).status,
            401);
  EXPECT_EQ(Curl(s.Url("/elsewhere"), "POST", kPayload, {kJsonHeader, right}).status, 404);
  EXPECT_EQ(Curl(s.Url("/alertmanager"), "GET", std::nullopt, {right}).status, 405);
  EXPECT_EQ(
      Curl(s.Url("/alertmanager"), "POST", kPayload, {"Content-Type: text/plain", right}).status,
      415);
  EXPECT_EQ(Curl(s.Url("/alertmanager"), "POST", kPayload, {kJsonHeader, right}).status, 200);

  auto events = journal.Events();
  ASSERT_EQ(events.size(), 4u);
  for (const AuditEvent& e : events) {
    EXPECT_EQ(e.type, EventType::kRequestRejected);
    EXPECT_EQ(e.message.find("PLACEHOLDER"), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find("Authorization"), std::string::npos) << e.message;
    for (const auto& [name, value] : e.fields) {
      EXPECT_EQ(value.find("PLACEHOLDER"), std::string::npos) << name << "=" << value;
    }
  }
}

TEST(HttpServerTest, RefusesToStartWithoutAUsableWebhookPath) {
  RecordingJournal journal;
  RecordingCallback callback;
  int port = 0;
  Expected<int> fd = BindListen("127.0.0.1:0", &port);
  ASSERT_TRUE(fd.ok());
  ServerOptions options;
  options.webhook_path = "alertmanager";

  auto server = HttpServer::Start(fd.value(), options, callback.AsCallback(), journal);

  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code, Errc::kInvalidInput);
}

TEST(HttpServerTest, ReliesOnLibmicrohttpdToSuppressSigpipe) {
  // Nothing in the server blocks SIGPIPE: this feature is why it need not.
  EXPECT_EQ(MHD_is_feature_supported(MHD_FEATURE_AUTOSUPPRESS_SIGPIPE), MHD_YES);
}

}  // namespace
}  // namespace selfheal
