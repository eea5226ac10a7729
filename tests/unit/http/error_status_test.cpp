#include "http/error_status.h"

#include <gtest/gtest.h>

namespace selfheal {
namespace {

TEST(ErrorStatusTest, OnlyFailuresARetryCanCureAreServerErrors) {
  EXPECT_EQ(StatusFor(Errc::kInvalidInput), 400);
  EXPECT_EQ(StatusFor(Errc::kNotFound), 404);
  EXPECT_EQ(StatusFor(Errc::kConflict), 409);
  EXPECT_EQ(StatusFor(Errc::kUnavailable), 503);
  EXPECT_EQ(StatusFor(Errc::kInternal), 500);
}

}  // namespace
}  // namespace selfheal
