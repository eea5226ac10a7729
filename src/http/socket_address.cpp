#include "http/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace selfheal {

namespace {

std::optional<uint16_t> ParsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port > 65535) return std::nullopt;
  return static_cast<uint16_t>(port);
}

}  // namespace

std::optional<SocketAddress> ParseListenAddress(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::optional<uint16_t> port = ParsePort(text.substr(colon + 1));
  if (!port) return std::nullopt;
  std::string_view host = text.substr(0, colon);

  SocketAddress out;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    std::string literal(host.substr(1, host.size() - 2));
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(*port);
    if (inet_pton(AF_INET6, literal.c_str(), &sin6.sin6_addr) != 1) return std::nullopt;
    std::memcpy(&out.storage, &sin6, sizeof sin6);
    out.length = sizeof sin6;
    return out;
  }
  std::string literal(host);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(*port);
  // inet_pton accepts only the dotted-quad form, so "localhost" or "0x7f.1" fail here.
  if (inet_pton(AF_INET, literal.c_str(), &sin.sin_addr) != 1) return std::nullopt;
  std::memcpy(&out.storage, &sin, sizeof sin);
  out.length = sizeof sin;
  return out;
}

std::string FormatSocketAddress(const sockaddr* address) {
  if (address == nullptr) return "unknown";
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET) {
    sockaddr_in sin;
    std::memcpy(&sin, address, sizeof sin);
    if (inet_ntop(AF_INET, &sin.sin_addr, text, sizeof text) == nullptr) return "unknown";
    return std::string(text) + ":" + std::to_string(ntohs(sin.sin_port));
  }
  if (address->sa_family == AF_INET6) {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, address, sizeof sin6);
    if (inet_ntop(AF_INET6, &sin6.sin6_addr, text, sizeof text) == nullptr) return "unknown";
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(sin6.sin6_port));
  }
  return "unknown";
}

}  // namespace selfheal
