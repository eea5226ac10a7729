#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/server.h"

namespace selfheal {
namespace {

TEST(HttpBindTest, BindsAnEphemeralLoopbackPortAndListens) {
  int port = 0;
  Expected<int> fd = BindListen("127.0.0.1:0", &port);

  ASSERT_TRUE(fd.ok()) << fd.error().message;
  EXPECT_GT(port, 0);
  int listening = 0;
  socklen_t length = sizeof listening;
  ASSERT_EQ(getsockopt(fd.value(), SOL_SOCKET, SO_ACCEPTCONN, &listening, &length), 0);
  EXPECT_EQ(listening, 1);
  close(fd.value());
}

TEST(HttpBindTest, BindsIpv6LoopbackWhereTheHostHasIt) {
  int port = 0;
  Expected<int> fd = BindListen("[::1]:0", &port);
  if (!fd.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << fd.error().message;
  EXPECT_GT(port, 0);
  close(fd.value());
}

TEST(HttpBindTest, RejectsAnUnparsableAddressAsInvalidInput) {
  int port = -1;
  Expected<int> fd = BindListen("localhost:9095", &port);

  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.error().code, Errc::kInvalidInput);
  EXPECT_NE(fd.error().message.find("'localhost:9095'"), std::string::npos);
  EXPECT_EQ(port, -1);
}

TEST(HttpBindTest, ReportsAPortInUseAsUnavailable) {
  int port = 0;
  Expected<int> first = BindListen("127.0.0.1:0", &port);
  ASSERT_TRUE(first.ok());

  Expected<int> second = BindListen("127.0.0.1:" + std::to_string(port), nullptr);

  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::kUnavailable);
  EXPECT_NE(second.error().message.find("Address already in use"), std::string::npos)
      << second.error().message;
  close(first.value());
}

}  // namespace
}  // namespace selfheal
