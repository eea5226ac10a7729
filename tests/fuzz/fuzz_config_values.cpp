// libFuzzer entry point for the value syntaxes of the configuration, each a pure
// function on one value's text: integers, byte sizes, time spans, paths, names,
// URLs, Exec= word splitting, and MemoryMax=/CPUQuota= as systemd reads them. Every
// input goes through all of them. Beyond "no crash, no sanitizer report" it checks
// the round trips the headers promise (FormatCommandLine, FormatTimespan) and what an
// accepted value must be.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/text.h"
#include "common/time.h"
#include "config/handler_argv.h"
#include "config/resource_limits.h"
#include "config/systemd_numbers.h"
#include "config/values.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

bool IsAsciiDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

void CheckError(const selfheal::Error& error) {
  Check(error.code == selfheal::Errc::kInvalidInput, "errors are kInvalidInput");
  Check(!error.message.empty() && error.message.size() < 4096, "message size");
}

void CheckNumbers(std::string_view text) {
  if (auto n = selfheal::ParseUnsigned(text)) {
    Check(*n >= 0 && IsAsciiDigits(text) && text.size() <= 18, "ParseUnsigned takes digits");
    Check(std::to_string(*n) == text.substr(text.find_first_not_of('0') == std::string_view::npos
                                                ? text.size() - 1
                                                : text.find_first_not_of('0')),
          "ParseUnsigned reads the digits' value");
  }
  if (auto n = selfheal::ParseByteSize(text)) {
    if (IsAsciiDigits(text)) {
      Check(selfheal::ParseUnsigned(text) == static_cast<int64_t>(*n),
            "a plain byte size is its number");
    }
  }
  if (auto span = selfheal::ParseTimespan(text)) {
    Check(span->count() >= 0, "a time span is not negative");
    if (span->count() % 1000 == 0) {
      Check(selfheal::ParseTimespan(selfheal::FormatTimespan(*span)) == *span,
            "FormatTimespan parses back");
    }
  }
  auto size = selfheal::ParseSystemdSize(text);
  if (!size.ok()) CheckError(size.error());
  auto permyriad = selfheal::ParseSystemdPermyriad(text);
  if (permyriad.ok()) {
    Check(permyriad.value() >= 0, "a permyriad is not negative");
  } else {
    CheckError(permyriad.error());
  }
  auto memory = selfheal::ParseMemoryMax(text);
  if (memory.ok()) {
    if (memory.value().kind == selfheal::MemoryMax::Kind::kBytes) {
      Check(memory.value().bytes >= 1, "MemoryMax= is at least 1 byte");
    } else {
      Check(memory.value().scale > 0, "a MemoryMax= share is more than 0");
    }
  } else {
    CheckError(memory.error());
  }
  auto quota = selfheal::ParseCpuQuota(text);
  if (quota.ok()) {
    Check(quota.value().usec_per_sec > 0, "CPUQuota= is more than 0");
  } else {
    CheckError(quota.error());
  }
}

void CheckNames(std::string_view text) {
  if (selfheal::IsNormalizedAbsolutePath(text)) {
    Check(text.front() == '/', "a normalized path is absolute");
    Check(text.find("//") == std::string_view::npos, "a normalized path has no //");
    Check(text.size() == 1 || text.back() != '/', "a normalized path has no trailing /");
  }
  if (selfheal::IsValidUserName(text)) {
    Check(!text.empty() && text.size() <= 32, "a user name is 1..32 bytes");
    Check(selfheal::IsPrintableAsciiNoSpace(text), "a user name is printable ASCII");
  }
  if (selfheal::IsValidHandlerName(text)) {
    Check(!text.empty() && text.size() <= 64, "a handler name is 1..64 bytes");
    Check(selfheal::IsPrintableAsciiNoSpace(text), "a handler name is printable ASCII");
  }
  if (selfheal::IsValidWebhookPath(text)) {
    Check(text.front() == '/' && text != "/-/healthy", "a webhook path is not the health path");
    Check(text.find_first_of("?# ") == std::string_view::npos, "a webhook path is a path");
  }
  if (selfheal::IsValidHttpUrl(text)) {
    // The scheme is case-insensitive (RFC 3986 3.1), as curl reads it.
    Check(selfheal::EqualsIgnoreCase(text.substr(0, 7), "http://") ||
              selfheal::EqualsIgnoreCase(text.substr(0, 8), "https://"),
          "an URL is http(s)");
    Check(selfheal::IsPrintableAsciiNoSpace(text), "an URL is printable ASCII");
  }
}

void CheckCommandLine(std::string_view text) {
  auto words = selfheal::SplitCommandLine(text);
  if (!words.ok()) {
    CheckError(words.error());
  } else {
    std::string formatted = selfheal::FormatCommandLine(words.value());
    auto again = selfheal::SplitCommandLine(formatted);
    Check(again.ok() && again.value() == words.value(), "FormatCommandLine splits back");
  }
  auto exec = selfheal::ParseExec(text);
  if (exec.ok()) {
    Check(words.ok() && exec.value() == words.value(), "ParseExec is SplitCommandLine");
    Check(!exec.value().empty() && selfheal::IsNormalizedAbsolutePath(exec.value().front()),
          "Exec= argv[0] is a normalized absolute path");
  } else {
    CheckError(exec.error());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckNumbers(text);
  CheckNames(text);
  CheckCommandLine(text);
  return 0;
}
