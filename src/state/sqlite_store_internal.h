// sqlite_store_internal.h — helpers the SqliteStore source files share. Each runs
// inside the caller's transaction; errors carry the transaction's sentence.
#pragma once

#include <string>

#include "common/result.h"
#include "common/time.h"
#include "state/sqlite_db.h"

namespace selfheal::state_internal {

// After TimeoutSec systemd stops the unit; 30 s more covers ExecStopPost= and a slow
// write. An attempt still without a result by then has lost it (it counts as failed).
inline constexpr Duration kResultGrace = std::chrono::seconds(30);

// "'disk' on 'web-1:9100'", the instance escaped for a log line.
std::string KeyText(const std::string& handler, const std::string& instance);

// When the key's breaker has been open for `window` or longer at `now`, closes it:
// deletes the row and stops counting the attempts that started before it opened.
Status CloseExpiredBreaker(sqlite::Transaction& tx, const std::string& handler,
                           const std::string& instance, TimePoint now, Duration window);

// Attempts of the key that count and started in (at - window, at].
Result<int> CountInWindow(sqlite::Transaction& tx, const std::string& handler,
                          const std::string& instance, TimePoint at, Duration window);

}  // namespace selfheal::state_internal
