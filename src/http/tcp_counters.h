// tcp_counters.h — what the kernel counted on a TCP connection. The server uses it to
// tell a connection whose request libmicrohttpd refused before any callback of ours
// ran (a request line too long or malformed) from one that was merely idle.
#pragma once

#include <cstdint>
#include <optional>

namespace selfheal {

struct TcpCounters {
  uint64_t data_segments_in = 0;  // segments from the peer that carried payload
  // Bytes written to the connection: acknowledged plus still queued. A FIN, once
  // queued, counts as one byte.
  uint64_t bytes_written = 0;
};

// nullopt when `fd` is not a TCP socket or the kernel does not report these counters.
std::optional<TcpCounters> ReadTcpCounters(int fd);

}  // namespace selfheal
