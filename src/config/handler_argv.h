// handler_argv.h — the command line of a handler (Exec=, EscalateExec=) as argv.
// Pure functions on text: no shell, no environment, no file system.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"

namespace selfheal {

// Splits a command line into words the way systemd splits ExecStart=: words are
// separated by spaces or tabs; a word may be wrapped whole in "double" or 'single'
// quotes (the opening quote only at the start of a word, the closing one followed by
// whitespace or the end), which keeps its spaces and is removed. Outside and inside
// quotes these escapes are understood: \\ \" \' \<space> \t \n. `$`, `%`, backticks,
// `;`, `|` and the like are plain data: nothing is expanded, ever.
// Returns the words (possibly none), or kInvalidInput naming the problem: an
// unterminated quote, a quote in the middle of a word, an unknown escape.
Expected<std::vector<std::string>> SplitCommandLine(std::string_view text);

// SplitCommandLine plus what a handler command must be: at least one word, and
// argv[0] an absolute, normalized path ("/usr/lib/x", not "x", "./x" or "/a/../x").
// Returns kInvalidInput otherwise.
Expected<std::vector<std::string>> ParseExec(std::string_view text);

// The inverse, for messages and `self-heal check`: words joined by spaces, each
// quoted and escaped only when it needs to be. SplitCommandLine(FormatCommandLine(v))
// == v for every v.
std::string FormatCommandLine(const std::vector<std::string>& argv);

}  // namespace selfheal
