// schema.h — the state database's tables and their migrations. The schema version
// lives in PRAGMA user_version; each migration step moves it up by one in its own
// transaction. A database from a newer self-heal is refused, never downgraded.
#pragma once

#include "common/expected.h"
#include "state/sqlite_db.h"

namespace selfheal::sqlite {

// The version this build writes and understands.
int SchemaVersion();

// The SQL of the step from version `from` to `from + 1`, 0 <= from < SchemaVersion();
// tests build databases of older versions with it.
const char* MigrationStep(int from);

// Brings the database up to SchemaVersion(). Safe when two processes open a fresh
// database at once: each step re-reads the version under the write lock. Returns
// kUnavailable for a database of a newer version or of another application.
Status Migrate(Connection& connection);

// For a read-only connection, which must not change anything: Ok when the database
// is at SchemaVersion(); kNotFound when it was never initialised; kUnavailable when it
// is older (the next `serve` migrates it) or newer.
Status CheckVersion(Connection& connection);

}  // namespace selfheal::sqlite
