#include "config/body_memory.h"

namespace selfheal {

namespace {

// In the suffixes MaxBodyBytes= takes, exact only: 64M, 512K, 1000.
std::string FormatSize(uint64_t bytes) {
  if (bytes != 0 && bytes % (1024 * 1024) == 0) return std::to_string(bytes >> 20) + "M";
  if (bytes != 0 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + "K";
  return std::to_string(bytes);
}

}  // namespace

std::string DescribeBodyMemory(const ServerConfig& server) {
  return "MaxBodyBytes=" + FormatSize(server.max_body_bytes) +
         " x MaxConnections=" + std::to_string(server.max_connections) + " = " +
         FormatSize(BodyMemoryBytes(server));
}

}  // namespace selfheal
