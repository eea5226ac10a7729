// connection_count.h — how many connections the server has open and since when none
// has been, for idle exit (IdleFor) and a graceful stop (Quiesce). Written by the
// server thread, read from others, hence the mutex.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "common/time.h"

namespace selfheal {

class ConnectionCount {
 public:
  ConnectionCount() : last_closed_(Clock::now()) {}  // the start counts as a close

  void Opened();
  void Closed();
  unsigned Open() const;
  // True when none is open and none has been for at least `idle`.
  bool IdleFor(Duration idle) const;
  // Waits, at most `grace`, until none is open.
  void WaitForNone(Duration grace);

 private:
  using Clock = std::chrono::steady_clock;
  mutable std::mutex mu_;
  std::condition_variable closed_;
  unsigned open_ = 0;              // guarded by mu_
  Clock::time_point last_closed_;  // guarded by mu_
};

}  // namespace selfheal
