#include "http/connection_count.h"

namespace selfheal {

void ConnectionCount::Opened() {
  std::lock_guard<std::mutex> lock(mu_);
  ++open_;
}

void ConnectionCount::Closed() {
  std::lock_guard<std::mutex> lock(mu_);
  if (open_ == 0) return;
  --open_;
  last_closed_ = Clock::now();
  closed_.notify_all();
}

unsigned ConnectionCount::Open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

bool ConnectionCount::IdleFor(Duration idle) const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_ == 0 && Clock::now() - last_closed_ >= idle;
}

void ConnectionCount::WaitForNone(Duration grace) {
  std::unique_lock<std::mutex> lock(mu_);
  closed_.wait_for(lock, grace, [this] { return open_ == 0; });
}

}  // namespace selfheal
