#include "launch/unit_properties.h"

#include <string_view>

namespace selfheal {

bool IntegerProperty::operator==(const IntegerProperty& other) const {
  return std::string_view(name) == other.name && type == other.type && value == other.value;
}

IntegerProperty MemoryMaxProperty(const MemoryMax& limit) {
  if (limit.kind == MemoryMax::Kind::kShareOfPhysicalMemory) {
    return {"MemoryMaxScale", 'u', limit.scale};
  }
  return {"MemoryMax", 't', limit.bytes};
}

IntegerProperty CpuQuotaProperty(const CpuQuota& quota) {
  return {"CPUQuotaPerSecUSec", 't', quota.usec_per_sec};
}

}  // namespace selfheal
