// Implementation notes: libinih does the walking, through ini_parse_stream() and a
// reader callback of ours that hands it the file one line per call. That buys two
// things inih (as Debian builds it) does not give: the line number of every
// assignment (INI_HANDLER_LINENO is 0), and systemd's syntax instead of inih's own
// extensions. Each line is checked and normalized before inih sees it:
//  - blank lines, comments and bad lines reach inih as an empty line, so each bad line
//    gets its own error instead of inih's single "first error" return;
//  - leading whitespace is dropped, so inih never treats a line as a continuation
//    (INI_ALLOW_MULTILINE);
//  - an assignment reaches inih as "Key=" only; its value is kept here and taken from
//    here by the callback. inih would cut a value at " ;" (INI_ALLOW_INLINE_COMMENTS)
//    and cannot take lines longer than its buffer (INI_MAX_LINE, 200 bytes); systemd
//    has neither limit, and Exec= lines get long.
// The callback runs while inih processes the line just read, so the reader's line
// counter is the assignment's line.
#include "config/ini_file.h"

#include <ini.h>

#include <cstring>

namespace selfheal {
namespace {

// inih keeps section names in a 50-byte buffer; stay well inside it.
constexpr size_t kMaxNameLength = 40;

std::string_view Trim(std::string_view text) {
  const char* kBlank = " \t\r";
  size_t begin = text.find_first_not_of(kBlank);
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(kBlank);
  return text.substr(begin, end - begin + 1);
}

bool IsAlnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool IsName(std::string_view name, bool allow_dash_underscore) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (char c : name) {
    if (!IsAlnum(c) && !(allow_dash_underscore && (c == '-' || c == '_'))) return false;
  }
  return true;
}

// Where a '#' or ';' follows a blank inside `value`, else npos. Such text looks like an
// end-of-line comment, which systemd's syntax does not have: taken as data it would
// silently become part of an AlertName= or an Exec= argument, so it is refused.
size_t CommentMark(std::string_view value) {
  for (size_t i = 1; i < value.size(); ++i) {
    if ((value[i] == '#' || value[i] == ';') && (value[i - 1] == ' ' || value[i - 1] == '\t')) {
      return i;
    }
  }
  return std::string_view::npos;
}

bool HasControlCharacter(std::string_view line) {
  for (char c : line) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return true;
  }
  return false;
}

struct ParseState {
  ParseState(const std::string& f, std::string_view t, std::vector<ConfigError>* e)
      : file(f), text(t), errors(e) {}

  const std::string& file;
  std::string_view text;
  std::vector<ConfigError>* errors;
  IniDocument doc;
  size_t pos = 0;
  int line = 0;
  bool after_bad_header = false;  // skip assignments until the next good header
  std::string value;              // the value of the assignment on `line`

  void Fail(std::string message) { errors->push_back({file, line, std::move(message)}); }

  // Consumes the next line of `text`; returns what inih should see of it.
  std::string NextLine() {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (line == 1 && raw.starts_with("\xEF\xBB\xBF")) raw.remove_prefix(3);
    std::string_view l = Trim(raw);
    if (HasControlCharacter(l)) {
      Fail("Line contains a control character; only printable text and tabs are allowed");
      return {};
    }
    if (l.empty() || l.front() == '#' || l.front() == ';') return {};
    if (l.front() == '[') {
      std::string_view name =
          l.size() >= 2 && l.back() == ']' ? l.substr(1, l.size() - 2) : std::string_view{};
      if (!IsName(name, true)) {
        Fail("Invalid section header '" + std::string(l) +
             "': expected [Name] with letters, digits, '-' or '_'");
        after_bad_header = true;
        return {};
      }
      after_bad_header = false;
      doc.sections.push_back({std::string(name), line});
      return std::string(l);
    }
    if (l.back() == '\\') {
      Fail("A trailing '\\' does not continue a line here; write the assignment on one line");
      return {};
    }
    size_t eq = l.find('=');
    if (eq == std::string_view::npos) {
      Fail("Expected Key=value, a [Section] header or a comment, got '" + std::string(l) + "'");
      return {};
    }
    std::string_view key = Trim(l.substr(0, eq));
    if (!IsName(key, false)) {
      Fail("Invalid key '" + std::string(key) +
           "': expected letters and digits, as in TimeoutSec=");
      return {};
    }
    if (after_bad_header) return {};
    std::string_view v = Trim(l.substr(eq + 1));
    if (size_t mark = CommentMark(v); mark != std::string_view::npos) {
      Fail("'" + std::string(key) + "=' has '" + v[mark] + "' after a blank in its value: " +
           "comments go on a line of their own (systemd style); a value may not contain ' " +
           v[mark] + "'");
      return {};
    }
    value = std::string(v);
    return std::string(key) + "=";
  }
};

char* ReadLine(char* buffer, int size, void* stream) {
  auto* state = static_cast<ParseState*>(stream);
  if (state->pos >= state->text.size()) return nullptr;
  std::string forwarded = state->NextLine() + "\n";
  if (forwarded.size() >= static_cast<size_t>(size)) {  // only with a tiny INI_MAX_LINE
    state->Fail("Line too long for the INI parser");
    forwarded = "\n";
  }
  std::memcpy(buffer, forwarded.c_str(), forwarded.size() + 1);
  return buffer;
}

void Record(void* user, const char* section, const char* key) {
  auto* state = static_cast<ParseState*>(user);
  if (*section == '\0') {
    state->Fail("'" + std::string(key) + "=' appears before any [Section] header");
    return;
  }
  state->doc.assignments.push_back({section, key, state->value, state->line});
}

#if INI_HANDLER_LINENO
int OnAssignment(void* user, const char* section, const char* key, const char*, int) {
  Record(user, section, key);
  return 1;
}
#else
int OnAssignment(void* user, const char* section, const char* key, const char*) {
  Record(user, section, key);
  return 1;
}
#endif

}  // namespace

IniDocument ParseIni(const std::string& file, std::string_view text,
                     std::vector<ConfigError>* errors) {
  ParseState state(file, text, errors);
  size_t errors_before = errors->size();
  int rc = ini_parse_stream(ReadLine, &state, OnAssignment, &state);
  if (rc == -2) {
    errors->push_back({file, 0, "Out of memory while parsing"});
  } else if (rc > 0) {
    // inih refused a line the reader passed on; report it unless the reader already did.
    bool known = false;
    for (size_t i = errors_before; i < errors->size(); ++i) known |= (*errors)[i].line == rc;
    if (!known) errors->push_back({file, rc, "Syntax error"});
  }
  return std::move(state.doc);
}

}  // namespace selfheal
