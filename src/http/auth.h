// auth.h — the Authorization check of the webhook path, as pure functions: no I/O,
// no logging. The server calls CheckAuthorization() before it reads a body byte.
// Nothing here ever copies a secret into a message.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace selfheal {

struct Credentials {
  AuthKind kind = AuthKind::kNone;
  std::string user;    // basic only
  std::string secret;  // the bearer token, or the basic password
};

// Parses an Authorization header value: "Bearer <token>" or
// "Basic <base64(user:password)>". The scheme is case-insensitive; the token and the
// base64 text must be non-empty. Returns nullopt for any other scheme, bad base64, or
// basic credentials without a ':'.
std::optional<Credentials> ParseAuthorization(std::string_view header);

// True when `header` (nullopt: no Authorization header) carries exactly the expected
// credentials for `kind`; always true for AuthKind::kNone. User and secret are
// compared with ConstantTimeEquals, both of them whatever the first one gave.
bool CheckAuthorization(std::optional<std::string_view> header, AuthKind kind,
                        std::string_view expected_user, std::string_view expected_secret);

// Decodes standard base64 (RFC 4648 alphabet, '=' padding optional). Returns nullopt
// for a character outside the alphabet, misplaced padding, or leftover bits.
std::optional<std::string> DecodeBase64(std::string_view text);

// Compares in time that depends only on the longer length, never on where the two
// differ: a caller learns nothing about a secret but (at most) its length.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// The WWW-Authenticate value of a 401 for `kind`: `Bearer realm="self-heal"` or
// `Basic realm="self-heal"`; empty for kNone.
std::string_view AuthChallenge(AuthKind kind);

}  // namespace selfheal
