#include "http/tcp_counters.h"

// <linux/tcp.h>, not <netinet/tcp.h>: glibc's struct tcp_info stops before the
// counters used here (tcpi_bytes_acked, Linux 4.1; tcpi_data_segs_in, Linux 4.6).
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstddef>

namespace selfheal {

std::optional<TcpCounters> ReadTcpCounters(int fd) {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return std::nullopt;
  if (length < offsetof(tcp_info, tcpi_data_segs_in) + sizeof info.tcpi_data_segs_in) {
    return std::nullopt;  // an older kernel
  }
  int queued = 0;  // written but not yet acknowledged (SIOCOUTQ: write_seq - snd_una)
  if (ioctl(fd, SIOCOUTQ, &queued) != 0 || queued < 0) return std::nullopt;
  TcpCounters counters;
  counters.data_segments_in = info.tcpi_data_segs_in;
  counters.bytes_written = info.tcpi_bytes_acked + static_cast<uint64_t>(queued);
  return counters;
}

}  // namespace selfheal
