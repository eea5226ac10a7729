// ReadSmallFile: the whole file or an error with its cause, and a buffer the size of
// the file, not of the limit (a config file is read at every start).
#include "config/small_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "temp_dir.h"

namespace selfheal {
namespace {

constexpr size_t kLimit = 1024 * 1024;

TEST(SmallFileTest, ReadsTheWholeFileIntoABufferSizedToIt) {
  TempDir dir;
  const std::string text(100, 'x');
  auto read = ReadSmallFile(dir.Write("a.conf", text), kLimit);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read.value(), text);
  EXPECT_LT(read.value().capacity(), 4096u) << "a buffer of the limit's size, not the file's";
}

TEST(SmallFileTest, ReadsEmptyFilesAndFilesExactlyAtTheLimit) {
  TempDir dir;
  auto empty = ReadSmallFile(dir.Write("empty.conf", ""), kLimit);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty.value(), "");
  const std::string full(kLimit, 'y');
  auto at_limit = ReadSmallFile(dir.Write("full.conf", full), kLimit);
  ASSERT_TRUE(at_limit.ok());
  EXPECT_EQ(at_limit.value().size(), kLimit);
}

TEST(SmallFileTest, RefusesAFileOverTheLimitAndWhatIsNotARegularFile) {
  TempDir dir;
  auto big = ReadSmallFile(dir.Write("big.conf", std::string(kLimit + 1, 'z')), kLimit);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, Errc::kInvalidInput);
  EXPECT_EQ(big.error().message, "larger than 1048576 bytes");
  const std::string fifo = dir.path() + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto planted = ReadSmallFile(fifo, kLimit);
  ASSERT_FALSE(planted.ok());
  EXPECT_EQ(planted.error().message, "not a regular file");
  auto missing = ReadSmallFile(dir.path() + "/none.conf", kLimit);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace selfheal
