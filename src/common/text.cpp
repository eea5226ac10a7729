#include "common/text.h"

#include <cstdint>
#include <cstdio>

namespace selfheal {

namespace {

// Length (1-4) of the well-formed UTF-8 sequence that starts `s`, or 0 if there is
// none: overlong forms, surrogates and code points above U+10FFFF are not well-formed.
size_t Utf8SequenceLength(std::string_view s, uint32_t* code_point) {
  auto b0 = static_cast<unsigned char>(s[0]);
  size_t length;
  uint32_t cp, min;
  if (b0 < 0x80) {
    *code_point = b0;
    return 1;
  }
  if ((b0 & 0xE0) == 0xC0) {
    length = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *code_point = cp;
  return length;
}

// The one escaper. Whole characters only, so a cut never splits a sequence or an
// escape; `quote` gets a backslash too, so a closing quote is unambiguous.
std::string Escape(std::string_view text, size_t max_bytes, char quote) {
  std::string out;
  out.reserve(text.size() < max_bytes ? text.size() : max_bytes);
  char buf[12];  // "\\u" and up to six hex digits: the compiler cannot see cp < 0x2030
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    size_t n = Utf8SequenceLength(text.substr(i), &cp);
    if (i + (n == 0 ? 1 : n) > max_bytes) {
      out += "…";
      break;
    }
    if (n == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(text[i]));
      out += buf;
      n = 1;
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 ||
               cp == 0x2029) {
      std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(cp));
      out += buf;
    } else if (cp == '\\' || (quote != '\0' && cp == static_cast<unsigned char>(quote))) {
      out += '\\';
      out += static_cast<char>(cp);
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

}  // namespace

std::string EscapeForLog(std::string_view value, size_t max_bytes) {
  return Escape(value, max_bytes, '\0');
}

std::string QuoteForLog(std::string_view value, size_t max_bytes) {
  return "'" + Escape(value, max_bytes, '\'') + "'";
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

void AppendJsonString(std::string& out, std::string_view value) {
  out += '"';
  for (char ch : value) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

}  // namespace selfheal
