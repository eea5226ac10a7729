// The statement cache of a connection: a statement is found by its SQL text, so SQL
// built at run time in a buffer that earlier SQL used gets its own statement.
#include "state/sqlite_db.h"

#include <gtest/gtest.h>

#include <string>

#include "store_test_util.h"

namespace selfheal {
namespace {

using state_test::TempDir;

TEST(SqliteConnectionTest, StatementsAreCachedByTextNotByAddress) {
  TempDir dir;
  auto opened = sqlite::Connection::Open(dir.path() + "/cache.db", false);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  sqlite::Connection& db = *opened.value();
  sqlite::Transaction tx(db, "read twice");
  ASSERT_TRUE(tx.Begin(sqlite::Transaction::Mode::kRead).ok());
  std::string sql = "SELECT 1";
  const char* address = sql.c_str();
  {
    sqlite::Query q = tx.Sql(sql.c_str());
    ASSERT_TRUE(q.Next());
    EXPECT_EQ(q.Int(0), 1);
  }
  sql[7] = '2';  // other SQL at the same address
  ASSERT_EQ(sql.c_str(), address);
  {
    sqlite::Query q = tx.Sql(sql.c_str());
    ASSERT_TRUE(q.Next());
    EXPECT_EQ(q.Int(0), 2);
  }
  EXPECT_TRUE(tx.Commit().ok());
}

}  // namespace
}  // namespace selfheal
