// values.h — the value syntaxes of self-heal's configuration, one pure check each.
// They return nullopt or false for anything they do not accept; the loader words the
// error (what was given, what is allowed).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace selfheal {

// Only printable ASCII, no space: what a path or name in the config may hold.
bool IsPrintableAsciiNoSpace(std::string_view text);

// A decimal integer without sign or spaces, at most 18 digits.
std::optional<int64_t> ParseUnsigned(std::string_view text);

// A byte size for self-heal's own keys (MaxBodyBytes=): an integer with an optional
// suffix B, K, M, G or T (powers of 1024): "65536", "64K", "1M". Limits systemd
// enforces are read as systemd reads them instead (config/resource_limits.h).
std::optional<uint64_t> ParseByteSize(std::string_view text);

// An absolute, normalized path: "/usr/lib/x", not "x", "/a/../x", "/a//x" or "/a/".
bool IsNormalizedAbsolutePath(std::string_view path);

// A Unix user name as useradd takes it: [a-z_][a-z0-9_-]*[$]?, at most 32 characters.
bool IsValidUserName(std::string_view text);

// A handler's name, the stem of handlers.d/NAME.conf: [A-Za-z0-9_-]{1,64}.
bool IsValidHandlerName(std::string_view text);

// WebhookPath=: starts with '/', printable ASCII without spaces, '?' or '#' (a path,
// not a query), and not the health path "/-/healthy".
bool IsValidWebhookPath(std::string_view text);

// AlertmanagerURL=: http:// or https://, a host (no user:password@, which would end up
// in logs), an optional port 1..65535, an optional path; printable ASCII only.
bool IsValidHttpUrl(std::string_view text);

}  // namespace selfheal
