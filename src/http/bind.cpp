// bind.cpp — BindListen: the development and test path. In production the listening
// socket comes from systemd (self-heal.socket owns the address).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/text.h"
#include "http/server.h"
#include "http/socket_address.h"

namespace selfheal {

namespace {

constexpr int kListenBacklog = 128;

Error SocketError(const std::string& what, const std::string& address, int err) {
  return Error{Errc::kUnavailable,
               "Failed to " + what + " '" + EscapeForLog(address) + "': " + std::strerror(err)};
}

}  // namespace

Expected<int> BindListen(const std::string& address, int* bound_port) {
  std::optional<SocketAddress> parsed = ParseListenAddress(address);
  if (!parsed) {
    return Error{Errc::kInvalidInput, "Invalid listen address '" + EscapeForLog(address) +
                                          "': expected 127.0.0.1:PORT or [::1]:PORT"};
  }
  // Non-blocking like the sockets systemd passes: libmicrohttpd accepts in a loop.
  int fd = socket(parsed->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return SocketError("create a socket for", address, errno);

  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      (parsed->family() == AF_INET6 &&
       setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)) {
    int err = errno;
    close(fd);
    return SocketError("set options on", address, err);
  }
  if (bind(fd, reinterpret_cast<const sockaddr*>(&parsed->storage), parsed->length) != 0) {
    int err = errno;
    close(fd);
    return SocketError("bind", address, err);
  }
  if (listen(fd, kListenBacklog) != 0) {
    int err = errno;
    close(fd);
    return SocketError("listen on", address, err);
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
    int err = errno;
    close(fd);
    return SocketError("read the bound port of", address, err);
  }
  if (bound_port != nullptr) {
    *bound_port = bound.ss_family == AF_INET6
                      ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                      : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  }
  return fd;
}

}  // namespace selfheal
