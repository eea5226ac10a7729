// Implementation notes: everything the handler calls is async-signal-safe (open, read,
// close, mmap, sigaction, raise) and works on the stack, so two threads faulting at
// once each parse their own copy. /proc/self/maps names the file behind each mapping,
// with " (deleted)" after a name that was unlinked; 's' in the permissions marks a
// shared mapping, which SQLite uses for the index and nothing else of ours does.
#include "state/shared_index.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>

namespace selfheal::sqlite {

namespace {

std::atomic<bool> g_lost{false};
struct sigaction g_previous {};

struct Range {
  uintptr_t start = 0;
  uintptr_t end = 0;
};

uintptr_t Hex(const char*& p, const char* end) {
  uintptr_t value = 0;
  for (; p < end; ++p) {
    char c = *p;
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) break;
    value = value * 16 + static_cast<uintptr_t>(digit);
  }
  return value;
}

bool EndsWith(const char* text, size_t size, const char* suffix) {
  size_t n = std::strlen(suffix);
  return size >= n && std::memcmp(text + size - n, suffix, n) == 0;
}

// One line of /proc/self/maps: "start-end perms offset dev inode   path".
bool IsIndexMapping(const char* line, size_t size, uintptr_t address, Range* out) {
  const char* p = line;
  const char* end = line + size;
  uintptr_t start = Hex(p, end);
  if (p == end || *p != '-') return false;
  ++p;
  uintptr_t stop = Hex(p, end);
  if (address < start || address >= stop) return false;
  if (end - p < 5 || p[0] != ' ' || p[4] != 's') return false;
  const char* path = static_cast<const char*>(std::memchr(p, '/', static_cast<size_t>(end - p)));
  if (!path) return false;
  size_t length = static_cast<size_t>(end - path);
  if (EndsWith(path, length, " (deleted)")) length -= std::strlen(" (deleted)");
  if (!EndsWith(path, length, "-shm")) return false;
  *out = {start, stop};
  return true;
}

bool FindIndexMapping(uintptr_t address, Range* out) {
  int fd = ::open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char chunk[4096];
  char line[4608];  // longer lines are not ours: SQLite's paths stay far shorter
  size_t used = 0;
  bool overlong = false;
  bool found = false;
  while (!found) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n && !found; ++i) {
      if (chunk[i] != '\n') {
        if (used < sizeof line)
          line[used++] = chunk[i];
        else
          overlong = true;
        continue;
      }
      found = !overlong && IsIndexMapping(line, used, address, out);
      used = 0;
      overlong = false;
    }
  }
  ::close(fd);
  return found;
}

void OnBusError(int signal, siginfo_t* info, void* context) {
  int saved = errno;
  Range lost;
  // si_code > 0: raised by an access, not sent by kill().
  if (info->si_code > 0 && FindIndexMapping(reinterpret_cast<uintptr_t>(info->si_addr), &lost) &&
      // NOLINTNEXTLINE(performance-no-int-to-ptr): /proc/self/maps gives the address as text
      ::mmap(reinterpret_cast<void*>(lost.start), lost.end - lost.start, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
    g_lost.store(true);
    errno = saved;
    return;  // the access runs again, on zeroed memory
  }
  // Not ours: whatever was there before the guard handles it, or the default kills.
  if (g_previous.sa_flags & SA_SIGINFO && g_previous.sa_sigaction) {
    g_previous.sa_sigaction(signal, info, context);
    errno = saved;
    return;
  }
  ::sigaction(SIGBUS, &g_previous, nullptr);
  if (info->si_code <= 0) ::raise(SIGBUS);  // blocked until this returns, then delivered
  errno = saved;
}

}  // namespace

void GuardSharedIndex() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_sigaction = OnBusError;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGBUS, &action, &g_previous);
  });
}

bool SharedIndexLost() { return g_lost.load(); }

}  // namespace selfheal::sqlite
