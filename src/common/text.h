// text.h — small text helpers shared by the stages.
#pragma once

#include <string>
#include <string_view>

namespace selfheal {

// Makes a value that came from outside safe to embed in one log line: control
// characters and backslashes become C escapes (\n, \t, \x1b, \\), and anything past
// `max_bytes` is cut (at a UTF-8 boundary) and marked with "…". Valid UTF-8 passes
// through unchanged.
std::string EscapeForLog(std::string_view value, size_t max_bytes = 200);

// ASCII case-insensitive equality (HTTP header tokens, schemes, media types).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Appends `value` to `out` as a JSON string literal (quotes included), escaping what
// JSON requires plus all control characters.
void AppendJsonString(std::string& out, std::string_view value);

}  // namespace selfheal
