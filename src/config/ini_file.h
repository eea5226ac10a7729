// ini_file.h — the syntax of self-heal's configuration files, systemd style:
//
//   # comment            ; comment
//   [Section]
//   Key=value            (spaces around '=' and at both ends of the line are ignored)
//
// Nothing else: no end-of-line comments (as in systemd, a comment is a line of its
// own; a value with ' #' or ' ;' in it is refused, so that a comment meant for a person
// never becomes data), no continuation lines, no `name: value`. What a key means is the loader's
// business; this layer only says where each assignment is.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace selfheal {

struct IniSection {
  std::string name;
  int line = 0;
};

struct IniAssignment {
  std::string section;  // never empty: assignments before any header are errors
  std::string key;
  std::string value;  // may be empty: `Key=` (systemd: reset to the default)
  int line = 0;
};

struct IniDocument {
  std::vector<IniSection> sections;        // every valid header, in file order
  std::vector<IniAssignment> assignments;  // in file order
};

// Parses `text`, the contents of `file` (used only to name errors). Syntax errors are
// appended to `errors` and the offending line is skipped; so are the assignments that
// follow a malformed section header, up to the next good one. Never stops early.
IniDocument ParseIni(const std::string& file, std::string_view text,
                     std::vector<ConfigError>* errors);

}  // namespace selfheal
