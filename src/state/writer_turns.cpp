// Implementation notes: OFD locks (F_OFD_SETLK, Linux 3.15+) belong to the open file
// description, not the process, so they neither merge with SQLite's own POSIX locks
// nor vanish when some other descriptor of the process is closed. F_OFD_GETLK does
// not report the caller's own lock, so a waiter never gives way to itself.
#include "state/writer_turns.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace selfheal::sqlite {

namespace {

// A waiter polls about once a millisecond (see RetryWhileBusy), so a few milliseconds
// of free lock are enough for it to get in; the cap bounds what a stale mark can cost.
constexpr auto kMaxGiveWay = std::chrono::milliseconds(10);
constexpr auto kGiveWayStep = std::chrono::microseconds(200);

struct flock MarkOf(short type) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 1;
  return lock;
}

}  // namespace

WriterTurns::WriterTurns(const std::string& path)
    : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600)) {}

WriterTurns::~WriterTurns() {
  if (fd_ >= 0) ::close(fd_);
}

void WriterTurns::SetWaiting(bool waiting) {
  if (fd_ < 0 || waiting == waiting_) return;
  struct flock mark = MarkOf(waiting ? F_RDLCK : F_UNLCK);
  if (::fcntl(fd_, F_OFD_SETLK, &mark) == 0) waiting_ = waiting;
}

bool WriterTurns::OthersWaiting() const {
  struct flock probe = MarkOf(F_WRLCK);
  return ::fcntl(fd_, F_OFD_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
}

void WriterTurns::GiveWay() {
  if (fd_ < 0) return;
  auto deadline = std::chrono::steady_clock::now() + kMaxGiveWay;
  while (OthersWaiting() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kGiveWayStep);
  }
}

}  // namespace selfheal::sqlite
