// Implementation notes: the C library's strtoull()/strtol() are called on a
// NUL-terminated copy, as systemd calls them, so that every corner systemd inherits
// from them (a leading '+', blanks strtol skips, base prefixes) comes out the same.
// The fraction of a size is computed in double, as systemd does, so "1.3K" gives the
// same byte systemd gives.
#include "config/systemd_numbers.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>

namespace selfheal {
namespace {

constexpr const char* kBlanks = " \t\n\r";  // systemd's WHITESPACE

struct Suffix {
  const char* text;
  unsigned long long factor;
};

// In the order parse_size() tries them; the empty suffix matches anything.
constexpr Suffix kIecSuffixes[] = {
    {"E", 1ULL << 60}, {"P", 1ULL << 50}, {"T", 1ULL << 40}, {"G", 1ULL << 30},
    {"M", 1ULL << 20}, {"K", 1ULL << 10}, {"B", 1},          {"", 1},
};

// The cause alone: the caller names the key and quotes the value.
Error Invalid(const std::string& why) { return Error{Errc::kInvalidInput, why}; }

bool HasNul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// systemd's safe_atoi(): blanks, then "0b"/"0o" prefixes of its own, then strtol base
// 0 (which adds "0x" and C's octal) over the whole rest, fitting an int.
Expected<int> SafeAtoi(const std::string& number) {
  const char* s = number.c_str();
  s += std::strspn(s, kBlanks);
  int base = 0;
  if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    base = 2;
    s += 2;
  } else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
    base = 8;
    s += 2;
  }
  errno = 0;
  char* end = nullptr;
  const long value = std::strtol(s, &end, base);
  if (errno == ERANGE || value < INT_MIN || value > INT_MAX) {
    return Invalid("too large");
  }
  if (errno != 0 || end == s || *end != '\0') return Invalid("not a number");
  return static_cast<int>(value);
}

// parse_parts_value_*: NUMBER[.DIGITS]SYMBOL with `places` decimals at most, scaled by
// 10^places.
Expected<int> ParseParts(std::string_view whole, std::string_view symbol, int places) {
  std::string_view number = whole.substr(0, whole.size() - symbol.size());
  int fraction = 0;
  const size_t dot = number.find('.');
  if (dot != std::string_view::npos) {
    std::string_view digits = number.substr(dot + 1);
    if (places == 0 || digits.empty() || digits.size() > static_cast<size_t>(places)) {
      return Invalid(
          "more decimals than systemd takes: two for %, one for ‰, "
          "none for ‱");
    }
    for (char c : digits) {
      if (!IsAsciiDigit(c)) return Invalid("not a number");
      fraction = fraction * 10 + (c - '0');
    }
    for (size_t i = digits.size(); i < static_cast<size_t>(places); ++i) fraction *= 10;
    number = number.substr(0, dot);
  }
  Expected<int> value = SafeAtoi(std::string(number));
  if (!value.ok()) return value.error();
  int scale = 1;
  for (int i = 0; i < places; ++i) scale *= 10;
  if (value.value() < 0) return Invalid("negative");
  if (value.value() > (INT_MAX - fraction) / scale) return Invalid("too large");
  return value.value() * scale + fraction;
}

}  // namespace

Expected<uint64_t> ParseSystemdSize(std::string_view text) {
  if (HasNul(text)) return Invalid("a NUL byte");
  const std::string copy(text);
  const char* p = copy.c_str();
  unsigned long long total = 0;
  size_t first_suffix = 0;
  do {
    p += std::strspn(p, kBlanks);
    errno = 0;
    char* e = nullptr;
    const unsigned long long whole = std::strtoull(p, &e, 10);
    if (errno == ERANGE) return Invalid("more than 64 bits");
    if (errno != 0 || e == p) return Invalid("not a size");
    if (*p == '-') return Invalid("negative");
    double fraction = 0;
    if (*e == '.') {
      ++e;
      if (IsAsciiDigit(*e)) {
        char* fraction_end = nullptr;
        const unsigned long long digits = std::strtoull(e, &fraction_end, 10);
        if (errno != 0) return Invalid("too many decimals");
        fraction = static_cast<double>(digits);
        for (; e < fraction_end; ++e) fraction /= 10;
      }
    }
    e += std::strspn(e, kBlanks);
    size_t i = first_suffix;
    while (i < std::size(kIecSuffixes) &&
           std::strncmp(e, kIecSuffixes[i].text, std::strlen(kIecSuffixes[i].text)) != 0) {
      ++i;
    }
    if (i == std::size(kIecSuffixes)) {
      return Invalid(
          "not a size: a number, each suffix E, P, T, G, M, K, B at most once, in that order");
    }
    const unsigned long long factor = kIecSuffixes[i].factor;
    if (whole + (fraction > 0) > ULLONG_MAX / factor) {
      return Invalid("more than 64 bits");
    }
    const unsigned long long part =
        whole * factor + static_cast<unsigned long long>(fraction * static_cast<double>(factor));
    if (part > ULLONG_MAX - total) return Invalid("more than 64 bits");
    total += part;
    p = e + std::strlen(kIecSuffixes[i].text);
    first_suffix = i + 1;
  } while (*p != '\0');
  return static_cast<uint64_t>(total);
}

Expected<int> ParseSystemdPermyriad(std::string_view text) {
  if (HasNul(text)) return Invalid("a NUL byte");
  if (EndsWith(text, "‱")) return ParseParts(text, "‱", 0);
  if (EndsWith(text, "‰")) return ParseParts(text, "‰", 1);
  if (EndsWith(text, "%")) return ParseParts(text, "%", 2);
  return Invalid("not a percentage");
}

}  // namespace selfheal
