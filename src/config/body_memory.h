// body_memory.h — how much memory request bodies may hold at once, so that serve stays
// under its unit's MemoryMax= by construction. Each connection may hold a whole body
// (reserved at its Content-Length as soon as the headers pass), so MaxBodyBytes= ×
// MaxConnections= is what a set of slow or hostile clients can pin; the issue that
// brought this rule saw 10 connections × 32 MiB reach 331 MiB RSS under MemoryMax=256M.
#pragma once

#include <cstdint>
#include <string>

#include "config/config.h"

namespace selfheal {

// units/self-heal.service ships MemoryMax=256M.
inline constexpr uint64_t kShippedMemoryMax = 256ULL * 1024 * 1024;

// What serve uses besides the bodies held: the decision's parse of the one body being
// decided (one at a time: a single server thread), at most the 64M MaxBodyBytes=
// allows, plus the process itself and libmicrohttpd's 32 KiB per connection (about
// 33 MiB at 1024 connections), 48 MiB for both.
inline constexpr uint64_t kServeOverheadBytes = (64ULL + 48) * 1024 * 1024;

// Half the shipped MemoryMax=: with the overhead (112 MiB) it comes to 240 MiB, under
// 256M with room to spare, so a config within the budget cannot be OOM-killed by its
// bodies in the shipped unit.
inline constexpr uint64_t kBodyMemoryBudget = kShippedMemoryMax / 2;
static_assert(kBodyMemoryBudget + kServeOverheadBytes < kShippedMemoryMax);

// MaxBodyBytes= × MaxConnections=: the bodies connections may hold at once.
inline uint64_t BodyMemoryBytes(const ServerConfig& server) {
  return static_cast<uint64_t>(server.max_body_bytes) * server.max_connections;
}

// "MaxBodyBytes=1M x MaxConnections=64 = 64M": the product, in the words of the config.
std::string DescribeBodyMemory(const ServerConfig& server);

}  // namespace selfheal
