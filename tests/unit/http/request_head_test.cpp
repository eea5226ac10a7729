// CheckRequestHead: the checks before any body byte is read, in journal-remote's
// order, on plain header values (the server tests cover them over real sockets).
#include <gtest/gtest.h>

#include <string>

#include "http/request_checks.h"

namespace selfheal {
namespace {

RequestHead GoodPost() {
  RequestHead head;
  head.path = "/";
  head.method = "POST";
  head.content_type = "application/json";
  head.content_lengths = {"17"};
  return head;
}

TEST(RequestHeadTest, AGoodPostReadsItsBody) {
  HeadVerdict v = CheckRequestHead(GoodPost(), ServerOptions{});
  EXPECT_EQ(v.action, HeadVerdict::Action::kReadBody);
  EXPECT_EQ(v.content_length, 17u);
}

TEST(RequestHeadTest, OverCapacityAsksForARetry) {
  HeadVerdict v = OverCapacity(64);
  EXPECT_EQ(v.action, HeadVerdict::Action::kRefuse);
  EXPECT_EQ(v.status, 503u);
  EXPECT_EQ(v.detail, "over capacity (all 64 body slots of MaxConnections= taken)");
  EXPECT_STREQ(v.reason, "over-capacity");
  ASSERT_EQ(v.headers.size(), 1u);
  EXPECT_EQ(v.headers[0].second, "1");  // Retry-After
}

TEST(RequestHeadTest, HealthPathAnswersGetAndHeadOnly) {
  RequestHead head;
  head.path = kHealthPath;
  head.method = "GET";
  EXPECT_EQ(CheckRequestHead(head, ServerOptions{}).action, HeadVerdict::Action::kHealthy);
  head.method = "POST";
  EXPECT_EQ(CheckRequestHead(head, ServerOptions{}).status, 405u);
}

TEST(RequestHeadTest, EachCheckAnswersItsOwnStatus) {
  ServerOptions bearer;
  bearer.auth = AuthKind::kBearer;
  bearer.auth_secret = "s3cret";
  RequestHead wrong_path = GoodPost(), wrong_method = GoodPost(), no_type = GoodPost(),
              smuggled = GoodPost(), too_long = GoodPost();
  wrong_path.path = "/x";
  wrong_method.method = "PUT";
  no_type.content_type.reset();
  smuggled.transfer_encoding = "chunked";
  too_long.content_lengths = {"1048577"};
  EXPECT_EQ(CheckRequestHead(wrong_path, ServerOptions{}).status, 404u);
  EXPECT_EQ(CheckRequestHead(wrong_method, ServerOptions{}).status, 405u);
  EXPECT_EQ(CheckRequestHead(GoodPost(), bearer).status, 401u);
  EXPECT_EQ(CheckRequestHead(no_type, ServerOptions{}).status, 415u);
  EXPECT_EQ(CheckRequestHead(smuggled, ServerOptions{}).status, 400u);
  EXPECT_EQ(CheckRequestHead(too_long, ServerOptions{}).status, 413u);
}

// libmicrohttpd frames the body by the first Content-Length; a proxy may have used
// another, so disagreeing values are refused like Content-Length with
// Transfer-Encoding. Repeated identical values frame one body (RFC 9110 8.6).
TEST(RequestHeadTest, RepeatedIdenticalContentLengthsReadTheBody) {
  RequestHead head = GoodPost();
  head.content_lengths = {"17", "17"};
  HeadVerdict v = CheckRequestHead(head, ServerOptions{});
  EXPECT_EQ(v.action, HeadVerdict::Action::kReadBody);
  EXPECT_EQ(v.content_length, 17u);
}

TEST(RequestHeadTest, DifferingContentLengthsAreRefusedAsBadFraming) {
  RequestHead head = GoodPost();
  head.content_lengths = {"17", "18"};
  HeadVerdict v = CheckRequestHead(head, ServerOptions{});
  EXPECT_EQ(v.status, 400u);
  EXPECT_STREQ(v.reason, "bad-framing");
  EXPECT_EQ(v.detail, "differing Content-Length headers '17' and '18'");
  head.content_lengths = {"17", "abc"};
  EXPECT_EQ(CheckRequestHead(head, ServerOptions{}).status, 400u);
}

// libmicrohttpd answers 400 for a list itself; the check refuses it on its own too,
// as 400 rather than 413: it is a framing error, not a size.
TEST(RequestHeadTest, AContentLengthListIsRefusedAsBadFraming) {
  RequestHead head = GoodPost();
  for (const char* list : {"5, 6", "1, 1"}) {
    head.content_lengths = {list};
    HeadVerdict v = CheckRequestHead(head, ServerOptions{});
    EXPECT_EQ(v.status, 400u) << list;
    EXPECT_STREQ(v.reason, "bad-framing");
    EXPECT_EQ(v.detail, "Content-Length list '" + std::string(list) + "'");
  }
}

TEST(RequestHeadTest, ValuesFromOutsideAreEscapedInTheDetail) {
  RequestHead head = GoodPost();
  head.content_type = "text/plain\n";
  EXPECT_EQ(CheckRequestHead(head, ServerOptions{}).detail,
            "Content-Type 'text/plain\\n' is not application/json");
}

}  // namespace
}  // namespace selfheal
