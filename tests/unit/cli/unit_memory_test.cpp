// JudgeBodyMemory: the bodies serve may hold, plus its overhead, against the MemoryMax=
// systemd has for the unit.
#include "cli/unit_memory.h"

#include <gtest/gtest.h>

#include <limits>

#include "config/body_memory.h"

namespace selfheal {
namespace {

UnitCredentials WithMemoryMax(std::optional<uint64_t> memory_max) {
  UnitCredentials u;
  u.installed = true;
  u.memory_max = memory_max;
  return u;
}

ServerConfig AtTheBudget() {
  ServerConfig s;
  s.max_body_bytes = 4 * 1024 * 1024;
  s.max_connections = 32;  // 128M
  return s;
}

TEST(UnitMemoryTest, TheShippedMemoryMaxHoldsTheBudget) {
  EXPECT_FALSE(JudgeBodyMemory(AtTheBudget(), "c", WithMemoryMax(kShippedMemoryMax)));
  EXPECT_FALSE(JudgeBodyMemory(ServerConfig{}, "c", WithMemoryMax(kShippedMemoryMax)));
}

TEST(UnitMemoryTest, ALoweredMemoryMaxIsAnErrorNamingBothKeys) {
  auto f = JudgeBodyMemory(AtTheBudget(), "/etc/self-heal/self-heal.conf",
                           WithMemoryMax(128ULL * 1024 * 1024));
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->error);
  EXPECT_NE(f->message.find("/etc/self-heal/self-heal.conf: MaxBodyBytes=4M x "
                            "MaxConnections=32 = 128M of request bodies held at once, plus "
                            "112M for the rest of serve, is over the MemoryMax=134217728 bytes"),
            std::string::npos)
      << f->message;
}

TEST(UnitMemoryTest, ExactlyFittingIsFineAndInfinityNeverFails) {
  const uint64_t need = BodyMemoryBytes(AtTheBudget()) + kServeOverheadBytes;
  EXPECT_FALSE(JudgeBodyMemory(AtTheBudget(), "c", WithMemoryMax(need)));
  ASSERT_TRUE(JudgeBodyMemory(AtTheBudget(), "c", WithMemoryMax(need - 1)));
  EXPECT_FALSE(
      JudgeBodyMemory(AtTheBudget(), "c", WithMemoryMax(std::numeric_limits<uint64_t>::max())));
}

TEST(UnitMemoryTest, WhatCannotBeAskedIsANoteNotAnError) {
  auto unreachable =
      JudgeBodyMemory(ServerConfig{}, "c", Error{Errc::kUnavailable, "no system bus"});
  ASSERT_TRUE(unreachable);
  EXPECT_FALSE(unreachable->error);
  EXPECT_NE(unreachable->message.find("cannot verify"), std::string::npos);
  EXPECT_NE(unreachable->message.find("no system bus"), std::string::npos);
  auto unsaid = JudgeBodyMemory(ServerConfig{}, "c", WithMemoryMax(std::nullopt));
  ASSERT_TRUE(unsaid);
  EXPECT_FALSE(unsaid->error);
  UnitCredentials absent;
  auto missing = JudgeBodyMemory(ServerConfig{}, "c", absent);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->error);
}

}  // namespace
}  // namespace selfheal
