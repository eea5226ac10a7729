#include "http/auth.h"

#include <algorithm>
#include <cstdint>

#include "common/text.h"

namespace selfheal {

namespace {

// -1 for a byte outside the base64 alphabet.
int Base64Value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::optional<std::string> DecodeBase64(std::string_view text) {
  size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  std::string_view data = text.substr(0, text.size() - padding);
  if (padding > 0 && (data.size() + padding) % 4 != 0) return std::nullopt;
  if (data.size() % 4 == 1) return std::nullopt;  // 6 bits cannot make a byte

  std::string out;
  out.reserve(data.size() / 4 * 3 + 2);
  uint32_t bits = 0;
  int nbits = 0;
  for (unsigned char c : data) {
    int v = Base64Value(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out += static_cast<char>((bits >> nbits) & 0xFF);
    }
  }
  // Canonical encodings leave only zero bits behind the last byte.
  if ((bits & ((1u << nbits) - 1)) != 0) return std::nullopt;
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  const size_t n = std::max(a.size(), b.size());
  size_t diff = a.size() ^ b.size();
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<size_t>(x ^ y);
  }
  return diff == 0;
}

std::optional<Credentials> ParseAuthorization(std::string_view header) {
  size_t space = header.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view scheme = header.substr(0, space);
  std::string_view rest = header.substr(space);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  if (rest.empty()) return std::nullopt;

  if (EqualsIgnoreCase(scheme, "Bearer")) {
    return Credentials{AuthKind::kBearer, std::string(), std::string(rest)};
  }
  if (EqualsIgnoreCase(scheme, "Basic")) {
    std::optional<std::string> decoded = DecodeBase64(rest);
    if (!decoded) return std::nullopt;
    // RFC 7617: the user-id cannot contain ':', the password can.
    size_t colon = decoded->find(':');
    if (colon == std::string::npos) return std::nullopt;
    return Credentials{AuthKind::kBasic, decoded->substr(0, colon), decoded->substr(colon + 1)};
  }
  return std::nullopt;
}

bool CheckAuthorization(std::optional<std::string_view> header, AuthKind kind,
                        std::string_view expected_user, std::string_view expected_secret) {
  if (kind == AuthKind::kNone) return true;
  if (!header) return false;
  std::optional<Credentials> given = ParseAuthorization(*header);
  if (!given || given->kind != kind) return false;
  if (kind == AuthKind::kBearer) return ConstantTimeEquals(given->secret, expected_secret);
  // Both comparisons always run (bitwise &): a wrong user takes as long as a wrong
  // password.
  bool user_ok = ConstantTimeEquals(given->user, expected_user);
  bool secret_ok = ConstantTimeEquals(given->secret, expected_secret);
  return user_ok & secret_ok;
}

std::string_view AuthChallenge(AuthKind kind) {
  switch (kind) {
    case AuthKind::kBearer:
      return "Bearer realm=\"self-heal\"";
    case AuthKind::kBasic:
      return "Basic realm=\"self-heal\"";
    case AuthKind::kNone:
      break;
  }
  return "";
}

}  // namespace selfheal
