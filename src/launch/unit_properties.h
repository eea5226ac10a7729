// unit_properties.h — the typed resource limits of a handler (config/resource_limits.h,
// parsed once when the config is loaded) as the D-Bus properties StartTransientUnit
// takes: what systemd-run sends for --property=MemoryMax=… and CPUQuota=…. Pure; no
// text is parsed here.
#pragma once

#include <cstdint>

#include "config/resource_limits.h"

namespace selfheal {

// One integer property: 't' (uint64) or 'u' (uint32).
struct IntegerProperty {
  const char* name;
  char type;
  uint64_t value;
  bool operator==(const IntegerProperty& other) const;
};

// MemoryMax (t, bytes; UINT64_MAX is infinity) or MemoryMaxScale (u, share of
// physical memory, UINT32_MAX = 100%).
IntegerProperty MemoryMaxProperty(const MemoryMax& limit);

// CPUQuotaPerSecUSec (t).
IntegerProperty CpuQuotaProperty(const CpuQuota& quota);

}  // namespace selfheal
