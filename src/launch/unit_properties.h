// unit_properties.h — systemd's resource-limit syntax turned into the D-Bus values
// StartTransientUnit wants (what systemd-run --property does for its callers).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace selfheal {

struct MemoryLimit {
  bool scaled = false;     // a percentage: use MemoryMaxScale
  uint64_t bytes = 0;      // MemoryMax=, UINT64_MAX for "infinity"
  uint32_t scale = 0;      // MemoryMaxScale= (fraction of physical memory × UINT32_MAX)
};

// "64M", "1G", "512K", "1048576", "infinity", "50%" (suffixes base 1024, like systemd).
std::optional<MemoryLimit> ParseMemoryLimit(std::string_view text);

// "50%" → 500000 (CPUQuotaPerSecUSec); "200%" → 2000000. Only percentages, like systemd.
std::optional<uint64_t> ParseCpuQuotaPerSecUsec(std::string_view text);

}  // namespace selfheal
