// request_checks.h — the header checks the server makes before reading a body, as
// pure functions on header values (no libmicrohttpd types), so they are unit-tested
// on their own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace selfheal {

// True for "application/json", case-insensitive, optionally followed by parameters
// ("application/json; charset=utf-8") and surrounded by optional whitespace.
bool IsJsonContentType(std::string_view value);

// Parses a Content-Length value: ASCII digits only, optional surrounding whitespace.
// Returns nullopt for an empty, signed, non-decimal or overflowing value.
std::optional<uint64_t> ParseContentLength(std::string_view value);

// True when a Transfer-Encoding value is exactly "chunked" (case-insensitive), the
// only coding libmicrohttpd decodes.
bool IsChunkedTransferEncoding(std::string_view value);

// The one-line JSON body of a rejection: {"error":"<message>"}.
std::string JsonError(std::string_view message);

}  // namespace selfheal
