#include "http/drop_throttle.h"

namespace selfheal {

bool DropThrottle::Admit(Instant now, const std::string& reason) {
  if (!open_ || now >= start_ + limits_.window) {
    open_ = true;
    start_ = now;
    written_ = 0;
  }
  if (written_ < limits_.burst) {
    ++written_;
    return true;
  }
  ++suppressed_[reason];
  return false;
}

std::vector<SuppressedDrops> DropThrottle::TakeDue(Instant now) {
  if (!open_ || now < start_ + limits_.window) return {};
  open_ = false;
  return TakeAll();
}

std::vector<SuppressedDrops> DropThrottle::TakeAll() {
  std::vector<SuppressedDrops> taken;
  for (const auto& [reason, count] : suppressed_) taken.push_back({reason, count});
  suppressed_.clear();
  return taken;
}

std::optional<DropThrottle::Instant> DropThrottle::Due() const {
  if (!open_ || suppressed_.empty()) return std::nullopt;
  return start_ + limits_.window;
}

}  // namespace selfheal
