#include "launch/unit_properties.h"

#include <limits>

namespace selfheal {

namespace {

// Digits with an optional fraction ("1.5"), returned as thousandths.
std::optional<uint64_t> ParseMilli(std::string_view text) {
  uint64_t whole = 0, frac = 0;
  size_t i = 0, frac_digits = 0;
  bool any = false;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (whole > std::numeric_limits<uint64_t>::max() / 10000) return std::nullopt;
    whole = whole * 10 + static_cast<uint64_t>(text[i] - '0');
    any = true;
  }
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (frac_digits < 3) frac = frac * 10 + static_cast<uint64_t>(text[i] - '0'), ++frac_digits;
      any = true;
    }
  }
  if (!any || i != text.size()) return std::nullopt;
  while (frac_digits < 3) frac *= 10, ++frac_digits;
  return whole * 1000 + frac;
}

}  // namespace

std::optional<MemoryLimit> ParseMemoryLimit(std::string_view text) {
  MemoryLimit limit;
  if (text == "infinity") {
    limit.bytes = std::numeric_limits<uint64_t>::max();
    return limit;
  }
  if (!text.empty() && text.back() == '%') {
    auto milli = ParseMilli(text.substr(0, text.size() - 1));
    if (!milli || *milli > 100000) return std::nullopt;
    limit.scaled = true;
    limit.scale = static_cast<uint32_t>(*milli * std::numeric_limits<uint32_t>::max() / 100000);
    return limit;
  }
  uint64_t factor = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'K': factor = 1ULL << 10; break;
      case 'M': factor = 1ULL << 20; break;
      case 'G': factor = 1ULL << 30; break;
      case 'T': factor = 1ULL << 40; break;
      default: break;
    }
    if (factor != 1) text.remove_suffix(1);
  }
  auto milli = ParseMilli(text);
  if (!milli || *milli / 1000 > std::numeric_limits<uint64_t>::max() / factor) return std::nullopt;
  limit.bytes = (*milli / 1000) * factor + (*milli % 1000) * factor / 1000;
  return limit;
}

std::optional<uint64_t> ParseCpuQuotaPerSecUsec(std::string_view text) {
  if (text.empty() || text.back() != '%') return std::nullopt;
  auto milli = ParseMilli(text.substr(0, text.size() - 1));
  if (!milli || *milli == 0 || *milli > 100000000) return std::nullopt;
  return *milli * 10;  // 1% of a second = 10000 us = 1000 milli-percent × 10
}

}  // namespace selfheal
