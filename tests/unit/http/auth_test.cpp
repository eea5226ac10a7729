// The pure pieces of the HTTP stage: Authorization parsing and checking, header
// checks, listen and remote address text.
#include "http/auth.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include "http/request_checks.h"
#include "http/socket_address.h"

namespace selfheal {
namespace {

TEST(HttpAuthTest, DecodesBase64WithAndWithoutPadding) {
  EXPECT_EQ(DecodeBase64("c2VsZmhlYWw6UExBQ0VIT0xERVItcGFzc3dvcmQ="),
            "selfheal:PLACEHOLDER-password");
  EXPECT_EQ(DecodeBase64("c2VsZmhlYWw6UExBQ0VIT0xERVItcGFzc3dvcmQ"),
            "selfheal:PLACEHOLDER-password");
  EXPECT_EQ(DecodeBase64(""), "");
  EXPECT_EQ(DecodeBase64("YQ=="), "a");
  EXPECT_EQ(DecodeBase64("YWI="), "ab");
  EXPECT_EQ(DecodeBase64("YWJj"), "abc");
  EXPECT_EQ(DecodeBase64("+/+/"), std::string("\xfb\xff\xbf", 3));
}

TEST(HttpAuthTest, RejectsMalformedBase64) {
  EXPECT_FALSE(DecodeBase64("YQ="));   // padding that does not complete a quantum
  EXPECT_FALSE(DecodeBase64("Y"));     // 6 bits
  EXPECT_FALSE(DecodeBase64("Y=Q="));  // padding in the middle
  EXPECT_FALSE(DecodeBase64("YR=="));  // non-zero leftover bits
  EXPECT_FALSE(DecodeBase64("YW J"));  // space
  EXPECT_FALSE(DecodeBase64("YWJj===="));
  EXPECT_FALSE(DecodeBase64("YW-_"));  // URL alphabet
}

TEST(HttpAuthTest, ComparesInConstantTimeButCorrectly) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", std::string_view("secret\0", 7)));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secre"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
}

TEST(HttpAuthTest, ParsesBearerAndBasicWithAnyCaseScheme) {
  auto bearer = ParseAuthorization("bEaReR  PLACEHOLDER-bearer-token-not-a-secret");
  ASSERT_TRUE(bearer);
  EXPECT_EQ(bearer->kind, AuthKind::kBearer);
  EXPECT_EQ(bearer->secret, "PLACEHOLDER-bearer-token-not-a-secret");

  auto basic = ParseAuthorization("Basic c2VsZmhlYWw6UExBQ0VIT0xERVItcGFzc3dvcmQ=");
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->kind, AuthKind::kBasic);
  EXPECT_EQ(basic->user, "selfheal");
  EXPECT_EQ(basic->secret, "PLACEHOLDER-password");

  auto colon_in_password = ParseAuthorization("Basic dTpwOnc=");  // u:p:w
  ASSERT_TRUE(colon_in_password);
  EXPECT_EQ(colon_in_password->user, "u");
  EXPECT_EQ(colon_in_password->secret, "p:w");
}

TEST(HttpAuthTest, RejectsOtherSchemesAndEmptyCredentials) {
  EXPECT_FALSE(ParseAuthorization(""));
  EXPECT_FALSE(ParseAuthorization("Bearer"));
  EXPECT_FALSE(ParseAuthorization("Bearer "));
  EXPECT_FALSE(ParseAuthorization("Digest username=\"x\""));
  EXPECT_FALSE(ParseAuthorization("BearerX token"));
  EXPECT_FALSE(ParseAuthorization("Basic c2VsZmhlYWw="));  // no colon
  EXPECT_FALSE(ParseAuthorization("Basic ****"));
}

TEST(HttpAuthTest, ChecksExactlyTheConfiguredCredentials) {
  const std::string token = "PLACEHOLDER-bearer-token-not-a-secret";
  EXPECT_TRUE(CheckAuthorization(std::nullopt, AuthKind::kNone, "", ""));
  EXPECT_TRUE(CheckAuthorization("Bearer " + token, AuthKind::kBearer, "", token));
  EXPECT_FALSE(CheckAuthorization(std::nullopt, AuthKind::kBearer, "", token));
  EXPECT_FALSE(CheckAuthorization("Bearer " + token + "x", AuthKind::kBearer, "", token));
  EXPECT_FALSE(CheckAuthorization("Bearer ", AuthKind::kBearer, "", ""));

  const std::string basic = "Basic c2VsZmhlYWw6UExBQ0VIT0xERVItcGFzc3dvcmQ=";
  EXPECT_TRUE(CheckAuthorization(basic, AuthKind::kBasic, "selfheal", "PLACEHOLDER-password"));
  EXPECT_FALSE(CheckAuthorization(basic, AuthKind::kBasic, "selfheal2", "PLACEHOLDER-password"));
  EXPECT_FALSE(CheckAuthorization(basic, AuthKind::kBasic, "selfheal", "PLACEHOLDER"));
  EXPECT_FALSE(CheckAuthorization(basic, AuthKind::kBearer, "", "PLACEHOLDER-password"));
  EXPECT_FALSE(CheckAuthorization("Bearer PLACEHOLDER-password", AuthKind::kBasic, "selfheal",
                                  "PLACEHOLDER-password"));
}

TEST(HttpAuthTest, ChallengesWithTheConfiguredScheme) {
  EXPECT_EQ(AuthChallenge(AuthKind::kBearer), "Bearer realm=\"self-heal\"");
  EXPECT_EQ(AuthChallenge(AuthKind::kBasic), "Basic realm=\"self-heal\"");
  EXPECT_EQ(AuthChallenge(AuthKind::kNone), "");
}

TEST(HttpRequestChecksTest, RecognisesJsonContentTypes) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType("Application/JSON"));
  EXPECT_TRUE(IsJsonContentType("application/json; charset=utf-8"));
  EXPECT_TRUE(IsJsonContentType(" application/json ;charset=UTF-8"));
  EXPECT_FALSE(IsJsonContentType(""));
  EXPECT_FALSE(IsJsonContentType("text/plain"));
  EXPECT_FALSE(IsJsonContentType("application/jsonp"));
  EXPECT_FALSE(IsJsonContentType("application/json-patch+json"));
  EXPECT_FALSE(IsJsonContentType("application/x-www-form-urlencoded"));
}

TEST(HttpRequestChecksTest, ParsesOnlyDecimalContentLengths) {
  EXPECT_EQ(ParseContentLength("0"), 0u);
  EXPECT_EQ(ParseContentLength("979"), 979u);
  EXPECT_EQ(ParseContentLength(" 12 "), 12u);
  EXPECT_EQ(ParseContentLength("18446744073709551615"), 18446744073709551615ull);
  EXPECT_FALSE(ParseContentLength("18446744073709551616"));
  EXPECT_FALSE(ParseContentLength(""));
  EXPECT_FALSE(ParseContentLength("-1"));
  EXPECT_FALSE(ParseContentLength("+1"));
  EXPECT_FALSE(ParseContentLength("0x10"));
  EXPECT_FALSE(ParseContentLength("1 2"));
}

TEST(HttpRequestChecksTest, RecognisesOnlyChunkedTransferEncoding) {
  EXPECT_TRUE(IsChunkedTransferEncoding("chunked"));
  EXPECT_TRUE(IsChunkedTransferEncoding("Chunked"));
  EXPECT_FALSE(IsChunkedTransferEncoding("gzip, chunked"));
  EXPECT_FALSE(IsChunkedTransferEncoding("identity"));
}

TEST(HttpRequestChecksTest, WritesErrorsAsOneLineJson) {
  EXPECT_EQ(JsonError("not found"), "{\"error\":\"not found\"}");
  EXPECT_EQ(JsonError("a \"b\"\n"), "{\"error\":\"a \\\"b\\\"\\n\"}");
}

TEST(HttpSocketAddressTest, ParsesNumericLoopbackAddresses) {
  auto v4 = ParseListenAddress("127.0.0.1:9095");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->family(), AF_INET);
  EXPECT_EQ(FormatSocketAddress(reinterpret_cast<const sockaddr*>(&v4->storage)), "127.0.0.1:9095");
  auto v6 = ParseListenAddress("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->family(), AF_INET6);
  EXPECT_EQ(FormatSocketAddress(reinterpret_cast<const sockaddr*>(&v6->storage)), "[::1]:0");
}

TEST(HttpSocketAddressTest, RejectsWhatIsNotANumericAddressAndPort) {
  for (const char* bad : {"", "127.0.0.1", "localhost:9095", "127.0.0.1:", "127.0.0.1:65536",
                          "127.0.0.1:-1", "127.0.0.1:9095x", "::1:9095", "[::1]", "[::1:9095",
                          "[localhost]:1", "127.1:9095", ":9095"}) {
    EXPECT_FALSE(ParseListenAddress(bad)) << bad;
  }
}

TEST(HttpSocketAddressTest, FormatsUnknownAddressesPlainly) {
  EXPECT_EQ(FormatSocketAddress(nullptr), "unknown");
  sockaddr unix_address{};
  unix_address.sa_family = AF_UNIX;
  EXPECT_EQ(FormatSocketAddress(&unix_address), "unknown");
}

}  // namespace
}  // namespace selfheal
