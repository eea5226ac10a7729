// resource_limits.h — a handler's MemoryMax= and CPUQuota=, parsed once, here, into
// the values systemd takes over D-Bus. `check` (the config loader) and the launcher
// both use what these return, so a limit check accepts is one every launch can send,
// and the texts accepted are exactly those systemd 252 accepts for a transient unit
// (systemd-run --property=MemoryMax=…/CPUQuota=…).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/expected.h"

namespace selfheal {

// MemoryMax=: bytes (UINT64_MAX for "infinity"), or a share of physical memory that
// systemd resolves on its side (MemoryMaxScale=, 0..UINT32_MAX meaning 0..100%).
struct MemoryMax {
  enum class Kind { kBytes, kShareOfPhysicalMemory };
  Kind kind = Kind::kBytes;
  uint64_t bytes = 0;  // kBytes
  uint32_t scale = 0;  // kShareOfPhysicalMemory
  bool operator==(const MemoryMax&) const = default;
};

// CPUQuota=: CPU time per second of wall time (CPUQuotaPerSecUSec=); 1% = 10000 us.
struct CpuQuota {
  uint64_t usec_per_sec = 0;
  bool operator==(const CpuQuota&) const = default;
};

// "infinity"; a share "20%", "12.5%", "200‰", "2000‱" of at most 100% and more than
// 0; else a size as systemd's parse_size() reads it ("64M", "1.5G", "512B", "1G 512M")
// of at least 1 byte. systemd refuses 0 and 0% (its minimum is 1 byte).
Expected<MemoryMax> ParseMemoryMax(std::string_view text);

// "50%", "200%", "12.5%", "5‰", "1‱": more than 0, at most INT_MAX permyriad
// (21474836.47%), which systemd turns into permyriad × 100 us per second.
Expected<CpuQuota> ParseCpuQuota(std::string_view text);

}  // namespace selfheal
