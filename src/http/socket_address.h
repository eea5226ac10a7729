// socket_address.h — the two text forms of a socket address the server uses: the
// listen address it is given ("127.0.0.1:9095", "[::1]:9095") and the remote address
// it reports ("127.0.0.1:53412", "[::1]:53412").
#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>

namespace selfheal {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family() const { return storage.ss_family; }
};

// Parses "IPV4:PORT" or "[IPV6]:PORT" with numeric addresses only (no host names,
// no scope ids) and PORT in 0..65535. Returns nullopt for anything else.
std::optional<SocketAddress> ParseListenAddress(std::string_view text);

// "1.2.3.4:PORT" or "[::1]:PORT"; "unknown" for a null or non-IP address.
std::string FormatSocketAddress(const sockaddr* address);

}  // namespace selfheal
