// One table per limit: each text as `check` sees it (config/resource_limits.h) and,
// when accepted, the exact D-Bus property the launcher sends for it. The verdicts are
// systemd 252's (systemd-run --property=…), checked against real systemd by
// tests/integration/scenarios/29-limits-agree.sh with the same values.
#include "launch/unit_properties.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

namespace selfheal {
namespace {

constexpr uint64_t kInfinity = UINT64_MAX;

// systemd's UINT32_SCALE_FROM_PERMYRIAD().
uint64_t Scale(uint64_t permyriad) { return (permyriad * UINT32_MAX + 5000) / 10000; }

struct Case {
  std::string text;
  std::optional<IntegerProperty> property;  // nullopt: refused
  std::string refusal = {};                 // part of the message when refused
};

void PrintTo(const Case& c, std::ostream* os) { *os << "'" << c.text << "'"; }

IntegerProperty Bytes(uint64_t n) { return {"MemoryMax", 't', n}; }
IntegerProperty Share(uint64_t permyriad) { return {"MemoryMaxScale", 'u', Scale(permyriad)}; }
IntegerProperty Usec(uint64_t n) { return {"CPUQuotaPerSecUSec", 't', n}; }

class MemoryMaxTable : public testing::TestWithParam<Case> {};

TEST_P(MemoryMaxTable, CheckAndLaunchAgreeWithSystemd) {
  const Case& c = GetParam();
  Expected<MemoryMax> parsed = ParseMemoryMax(c.text);
  if (c.property) {
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(MemoryMaxProperty(parsed.value()), *c.property);
  } else {
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code, Errc::kInvalidInput);
    EXPECT_NE(parsed.error().message.find(c.refusal), std::string::npos) << parsed.error().message;
    EXPECT_EQ(parsed.error().message.rfind("expected a size such as 64M", 0), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Systemd252, MemoryMaxTable,
    testing::Values(
        Case{"64M", Bytes(64ull << 20)}, Case{"1G", Bytes(1ull << 30)},
        Case{"512K", Bytes(512ull << 10)}, Case{"4096", Bytes(4096)}, Case{"64B", Bytes(64)},
        Case{"1B", Bytes(1)}, Case{"1", Bytes(1)}, Case{"1.5K", Bytes(1536)},
        Case{"1.3K", Bytes(1331)}, Case{"10.M", Bytes(10ull << 20)},
        Case{"1G 512M", Bytes(1536ull << 20)}, Case{"1G512M", Bytes(1536ull << 20)},
        Case{"64 M", Bytes(64ull << 20)}, Case{"1K1", Bytes(1025)},
        Case{"+64M", Bytes(64ull << 20)}, Case{"15E", Bytes(15ull << 60)},
        Case{"18446744073709551615", Bytes(kInfinity)}, Case{"infinity", Bytes(kInfinity)},
        Case{"20%", Share(2000)}, Case{"12.5%", Share(1250)}, Case{"0.01%", Share(1)},
        Case{"100%", Share(10000)}, Case{"100.00%", Share(10000)}, Case{"50‰", Share(500)},
        Case{"5000‱", Share(5000)}, Case{"0x14%", Share(2000)}, Case{"010%", Share(800)},
        Case{" 5%", Share(500)}, Case{"0x10", std::nullopt, "not a size"},
        Case{"16E", std::nullopt, "more than 64 bits"},
        Case{"18446744073709551616", std::nullopt, "more than 64 bits"},
        Case{"17179869184G", std::nullopt, "more than 64 bits"},
        Case{"0", std::nullopt, "leaves no memory"}, Case{"0B", std::nullopt, "leaves no memory"},
        Case{"0K", std::nullopt, "leaves no memory"},
        Case{"0.0001K", std::nullopt, "leaves no memory"},
        Case{"0%", std::nullopt, "leaves no memory"},
        Case{"0.00%", std::nullopt, "leaves no memory"},
        Case{"0‰", std::nullopt, "leaves no memory"}, Case{"101%", std::nullopt, "more than 100%"},
        Case{"100.01%", std::nullopt, "more than 100%"},
        Case{"150%", std::nullopt, "more than 100%"}, Case{"-1M", std::nullopt, "negative"},
        Case{"-0", std::nullopt, "negative"}, Case{"-1", std::nullopt, "negative"},
        Case{"-5%", std::nullopt, "negative"}, Case{"1.5.5K", std::nullopt, "not a size"},
        Case{"lots", std::nullopt, "not a size"}, Case{"64m", std::nullopt, "not a size"},
        Case{"1MiB", std::nullopt, "not a size"}, Case{"1KB", std::nullopt, "not a size"},
        Case{"1M 1G", std::nullopt, "not a size"}, Case{"Infinity", std::nullopt, "not a size"},
        Case{"max", std::nullopt, "not a size"}, Case{"1.%", std::nullopt, "more decimals"},
        Case{"1.234%", std::nullopt, "more decimals"}, Case{"5.55‰", std::nullopt, "more decimals"},
        Case{"1.5‱", std::nullopt, "more decimals"}, Case{".5%", std::nullopt, "not a number"},
        Case{"5 %", std::nullopt, "not a number"}, Case{"%", std::nullopt, "not a number"},
        Case{"", std::nullopt, "not a size"}, Case{std::string("1\0M", 3), std::nullopt, "NUL"}));

class CpuQuotaTable : public testing::TestWithParam<Case> {};

TEST_P(CpuQuotaTable, CheckAndLaunchAgreeWithSystemd) {
  const Case& c = GetParam();
  Expected<CpuQuota> parsed = ParseCpuQuota(c.text);
  if (c.property) {
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(CpuQuotaProperty(parsed.value()), *c.property);
  } else {
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code, Errc::kInvalidInput);
    EXPECT_NE(parsed.error().message.find(c.refusal), std::string::npos) << parsed.error().message;
    EXPECT_EQ(parsed.error().message.rfind("expected a percentage greater than 0", 0), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Systemd252, CpuQuotaTable,
    testing::Values(
        Case{"50%", Usec(500000)}, Case{"200%", Usec(2000000)}, Case{"12.5%", Usec(125000)},
        Case{"0.01%", Usec(100)}, Case{"1%", Usec(10000)}, Case{"100%", Usec(1000000)},
        Case{"150000%", Usec(1500000000)}, Case{"21474836.47%", Usec(214748364700)},
        Case{"5‰", Usec(5000)}, Case{"1‱", Usec(100)}, Case{"2147483647‱", Usec(214748364700)},
        Case{"0x10%", Usec(160000)}, Case{"010%", Usec(80000)}, Case{"0b11%", Usec(30000)},
        Case{"0o17%", Usec(150000)}, Case{"+5%", Usec(50000)}, Case{"-0.5%", Usec(5000)},
        Case{"21474836.48%", std::nullopt, "too large"},
        Case{"21474837%", std::nullopt, "too large"}, Case{"99999999%", std::nullopt, "too large"},
        Case{"2147483648‱", std::nullopt, "too large"},
        Case{"0%", std::nullopt, "leaves no CPU time"},
        Case{"0.00%", std::nullopt, "leaves no CPU time"},
        Case{"0‱", std::nullopt, "leaves no CPU time"}, Case{"-5%", std::nullopt, "negative"},
        Case{"50", std::nullopt, "not a percentage"},
        Case{"infinity", std::nullopt, "not a percentage"},
        Case{"50 %", std::nullopt, "not a number"}, Case{".5%", std::nullopt, "not a number"},
        Case{"%", std::nullopt, "not a number"}, Case{"50%%", std::nullopt, "not a number"},
        Case{"1.234%", std::nullopt, "more decimals"}, Case{"1.%", std::nullopt, "more decimals"}));

}  // namespace
}  // namespace selfheal
