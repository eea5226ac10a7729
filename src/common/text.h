// text.h — small text helpers shared by the stages.
#pragma once

#include <string>
#include <string_view>

namespace selfheal {

// Makes a value that came from outside safe to embed in one log line, as valid UTF-8
// whatever it holds: \n, \t, \r and \\ as in C, other control characters (C0, DEL,
// C1, line and paragraph separators) as \uXXXX, bytes that are not UTF-8 as \xNN.
// Only the first `max_bytes` bytes of `value` are kept, whole characters only, and a
// cut is marked with "…". Printable UTF-8 passes through unchanged.
std::string EscapeForLog(std::string_view value, size_t max_bytes = 200);

// 'value' in single quotes, escaped as by EscapeForLog and with ' as \' too, so the
// closing quote is unambiguous: how a message quotes an offending value.
std::string QuoteForLog(std::string_view value, size_t max_bytes);

// ASCII case-insensitive equality (HTTP header tokens, schemes, media types).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Appends `value` to `out` as a JSON string literal (quotes included), escaping what
// JSON requires plus all control characters.
void AppendJsonString(std::string& out, std::string_view value);

}  // namespace selfheal
