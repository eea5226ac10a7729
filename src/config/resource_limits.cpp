#include "config/resource_limits.h"

#include <limits>
#include <string>

#include "config/systemd_numbers.h"

namespace selfheal {
namespace {

constexpr int kPermyriadOfAll = 10000;  // 100%

bool LooksLikeShare(std::string_view text) {
  for (std::string_view symbol : {"%", "‰", "‱"}) {
    if (text.size() >= symbol.size() && text.substr(text.size() - symbol.size()) == symbol) {
      return true;
    }
  }
  return false;
}

Error Refused(const std::string& cause, const char* expected) {
  return Error{Errc::kInvalidInput, std::string("expected ") + expected + " (" + cause + ")"};
}

constexpr const char* kMemoryMaxSyntax =
    "a size such as 64M or 1G (suffixes K, M, G, T, P, E, base 1024), a share of physical "
    "memory such as 20%, or infinity";
constexpr const char* kCpuQuotaSyntax =
    "a percentage greater than 0 and at most 21474836.47%, such as 50% or 200%";

}  // namespace

Expected<MemoryMax> ParseMemoryMax(std::string_view text) {
  if (text == "infinity") {
    return MemoryMax{MemoryMax::Kind::kBytes, std::numeric_limits<uint64_t>::max(), 0};
  }
  // systemd tries a share first and falls back to a size, which then refuses the
  // symbol: a share it could not read is refused either way, so say why here.
  Expected<int> permyriad = ParseSystemdPermyriad(text);
  if (permyriad.ok() || LooksLikeShare(text)) {
    if (!permyriad.ok()) return Refused(permyriad.error().message, kMemoryMaxSyntax);
    const int p = permyriad.value();
    if (p > kPermyriadOfAll) {
      return Refused("more than 100%", kMemoryMaxSyntax);
    }
    if (p == 0) {
      return Refused("leaves no memory", kMemoryMaxSyntax);
    }
    // systemd's UINT32_SCALE_FROM_PERMYRIAD(): rounded to the nearest.
    const uint64_t scale =
        (static_cast<uint64_t>(p) * std::numeric_limits<uint32_t>::max() + kPermyriadOfAll / 2) /
        kPermyriadOfAll;
    return MemoryMax{MemoryMax::Kind::kShareOfPhysicalMemory, 0, static_cast<uint32_t>(scale)};
  }
  Expected<uint64_t> bytes = ParseSystemdSize(text);
  if (!bytes.ok()) return Refused(bytes.error().message, kMemoryMaxSyntax);
  if (bytes.value() == 0) {
    return Refused("leaves no memory", kMemoryMaxSyntax);
  }
  return MemoryMax{MemoryMax::Kind::kBytes, bytes.value(), 0};
}

Expected<CpuQuota> ParseCpuQuota(std::string_view text) {
  Expected<int> permyriad = ParseSystemdPermyriad(text);
  if (!permyriad.ok()) return Refused(permyriad.error().message, kCpuQuotaSyntax);
  if (permyriad.value() == 0) {
    return Refused("leaves no CPU time", kCpuQuotaSyntax);
  }
  // systemd: permyriad × USEC_PER_SEC / 10000; INT_MAX × 100 fits in 64 bits.
  return CpuQuota{static_cast<uint64_t>(permyriad.value()) * 100};
}

}  // namespace selfheal
