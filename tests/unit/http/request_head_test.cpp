// CheckRequestHead: the checks before any body byte is read, in journal-remote's
// order, on plain header values (the server tests cover them over real sockets).
#include <gtest/gtest.h>

#include "http/request_checks.h"

namespace selfheal {
namespace {

RequestHead GoodPost() {
  RequestHead head;
  head.path = "/";
  head.method = "POST";
  head.content_type = "application/json";
  head.content_length = "17";
  head.open_connections = 1;
  return head;
}

TEST(RequestHeadTest, AGoodPostReadsItsBody) {
  HeadVerdict v = CheckRequestHead(GoodPost(), ServerOptions{});
  EXPECT_EQ(v.action, HeadVerdict::Action::kReadBody);
  EXPECT_EQ(v.content_length, 17u);
}

TEST(RequestHeadTest, CapacityComesFirstAndAsksForARetry) {
  RequestHead head = GoodPost();
  head.path = "/nowhere";
  head.open_connections = 65;
  HeadVerdict v = CheckRequestHead(head, ServerOptions{});
  EXPECT_EQ(v.status, 503u);
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
  too_long.content_length = "1048577";
  EXPECT_EQ(CheckRequestHead(wrong_path, ServerOptions{}).status, 404u);
  EXPECT_EQ(CheckRequestHead(wrong_method, ServerOptions{}).status, 405u);
  EXPECT_EQ(CheckRequestHead(GoodPost(), bearer).status, 401u);
  EXPECT_EQ(CheckRequestHead(no_type, ServerOptions{}).status, 415u);
  EXPECT_EQ(CheckRequestHead(smuggled, ServerOptions{}).status, 400u);
  EXPECT_EQ(CheckRequestHead(too_long, ServerOptions{}).status, 413u);
}

TEST(RequestHeadTest, ValuesFromOutsideAreEscapedInTheDetail) {
  RequestHead head = GoodPost();
  head.content_type = "text/plain\n";
  EXPECT_EQ(CheckRequestHead(head, ServerOptions{}).detail,
            "Content-Type 'text/plain\\n' is not application/json");
}

}  // namespace
}  // namespace selfheal
