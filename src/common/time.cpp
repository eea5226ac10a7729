// Implementation notes: no locale, no strptime (it accepts too much and varies by
// libc); every field is read by hand with exact widths and checked against the
// calendar, so "2026-02-30T00:00:00Z" is refused. Days are counted with Howard
// Hinnant's days_from_civil, which std::chrono::year_month_day implements in C++20.
#include "common/time.h"

#include <array>
#include <cstdio>
#include <limits>

namespace selfheal {
namespace {

bool ReadDigits(std::string_view text, size_t pos, size_t count, int* out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *out = value;
  return true;
}

}  // namespace

std::optional<TimePoint> ParseRfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
  int year, month, day, hour, minute, second;
  if (text.size() < 20) return std::nullopt;
  if (!ReadDigits(text, 0, 4, &year) || text[4] != '-' || !ReadDigits(text, 5, 2, &month) ||
      text[7] != '-' || !ReadDigits(text, 8, 2, &day) || (text[10] != 'T' && text[10] != 't') ||
      !ReadDigits(text, 11, 2, &hour) || text[13] != ':' || !ReadDigits(text, 14, 2, &minute) ||
      text[16] != ':' || !ReadDigits(text, 17, 2, &second)) {
    return std::nullopt;
  }
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                     std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  // Beyond these years the nanosecond count below would overflow.
  if (year < 1678 || year > 2261) return std::nullopt;
  size_t pos = 19;
  int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 9) nanos = nanos * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (size_t i = digits; i < 9; ++i) nanos *= 10;
  }
  int offset_minutes = 0;
  if (pos >= text.size()) return std::nullopt;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int oh, om;
    if (!ReadDigits(text, pos + 1, 2, &oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !ReadDigits(text, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  // A leap second is folded into the next second; nothing here needs better.
  auto days = sys_days(ymd).time_since_epoch();
  auto total = duration_cast<nanoseconds>(days) + hours(hour) + minutes(minute) + seconds(second) +
               nanoseconds(nanos) - minutes(offset_minutes);
  return TimePoint(total);
}

std::string FormatRfc3339(TimePoint t) {
  using namespace std::chrono;
  auto day_point = floor<days>(t);
  year_month_day ymd{day_point};
  auto in_day = t - day_point;
  auto h = duration_cast<hours>(in_day);
  auto m = duration_cast<minutes>(in_day - h);
  auto s = duration_cast<seconds>(in_day - h - m);
  auto ms = duration_cast<milliseconds>(in_day - h - m - s);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(h.count()),
                static_cast<int>(m.count()), static_cast<int>(s.count()),
                static_cast<int>(ms.count()));
  return buf;
}

namespace {

struct Unit {
  std::string_view name;
  int64_t nanos;
};

constexpr int64_t kUs = 1000, kMs = 1000 * kUs, kS = 1000 * kMs, kMin = 60 * kS, kH = 60 * kMin,
                  kD = 24 * kH, kW = 7 * kD;

// Longest names first so "ms" is not read as "m" + "s".
constexpr std::array<Unit, 22> kUnits = {{
    {"usec", kUs},  {"us", kUs},  {"msec", kMs}, {"ms", kMs},       {"seconds", kS},
    {"second", kS}, {"sec", kS},  {"s", kS},     {"minutes", kMin}, {"minute", kMin},
    {"min", kMin},  {"m", kMin},  {"hours", kH}, {"hour", kH},      {"hr", kH},
    {"h", kH},      {"days", kD}, {"day", kD},   {"d", kD},         {"weeks", kW},
    {"week", kW},   {"w", kW},
}};

}  // namespace

std::optional<Duration> ParseTimespan(std::string_view text) {
  int64_t total = 0;
  size_t pos = 0;
  bool any = false;
  auto skip_space = [&] {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  };
  skip_space();
  while (pos < text.size()) {
    int64_t number = 0;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (number > (std::numeric_limits<int64_t>::max() - 9) / 10) return std::nullopt;
      number = number * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    skip_space();
    size_t unit_end = pos;
    while (unit_end < text.size() && text[unit_end] >= 'a' && text[unit_end] <= 'z') ++unit_end;
    std::string_view unit_text = text.substr(pos, unit_end - pos);
    int64_t scale = kS;
    if (!unit_text.empty()) {
      bool found = false;
      for (const Unit& unit : kUnits) {
        if (unit.name == unit_text) {
          scale = unit.nanos;
          found = true;
          break;
        }
      }
      if (!found) return std::nullopt;
    }
    if (number > std::numeric_limits<int64_t>::max() / scale) return std::nullopt;
    int64_t part = number * scale;
    if (total > std::numeric_limits<int64_t>::max() - part) return std::nullopt;
    total += part;
    any = true;
    pos = unit_end;
    skip_space();
  }
  if (!any) return std::nullopt;
  return Duration(total);
}

std::string FormatTimespan(Duration d) {
  int64_t n = d.count();
  if (n == 0) return "0";
  static constexpr std::array<Unit, 7> kOut = {
      {{"w", kW}, {"d", kD}, {"h", kH}, {"min", kMin}, {"s", kS}, {"ms", kMs}, {"us", kUs}}};
  std::string out;
  for (const Unit& unit : kOut) {
    if (n >= unit.nanos) {
      if (!out.empty()) out += ' ';
      out += std::to_string(n / unit.nanos);
      out += unit.name;
      n %= unit.nanos;
    }
  }
  if (out.empty()) out = std::to_string(n) + "ns";
  return out;
}

}  // namespace selfheal
