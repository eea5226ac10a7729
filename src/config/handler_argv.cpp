// Implementation notes: a small state machine over the text, one word at a time, in
// the spirit of systemd's extract_first_word(EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE) but
// with a smaller escape set: what a handler's fixed arguments need, nothing that could
// surprise a reader of the config file.
#include "config/handler_argv.h"

#include "config/values.h"

namespace selfheal {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

Error Invalid(std::string message) { return Error{Errc::kInvalidInput, std::move(message)}; }

// Reads the escape starting at text[*pos] == '\\'; on success appends the character
// to `word` and moves *pos past the escape.
bool ReadEscape(std::string_view text, size_t* pos, std::string* word, std::string* error) {
  if (*pos + 1 >= text.size()) {
    *error = "a trailing '\\' escapes nothing";
    return false;
  }
  char c = text[*pos + 1];
  switch (c) {
    case '\\':
    case '"':
    case '\'':
    case ' ':
      word->push_back(c);
      break;
    case 't':
      word->push_back('\t');
      break;
    case 'n':
      word->push_back('\n');
      break;
    default:
      *error =
          std::string("unknown escape '\\") + c + "'; allowed: \\\\ \\\" \\' \\<space> \\t \\n";
      return false;
  }
  *pos += 2;
  return true;
}

}  // namespace

Expected<std::vector<std::string>> SplitCommandLine(std::string_view text) {
  std::vector<std::string> words;
  std::string error;
  size_t pos = 0;
  while (true) {
    while (pos < text.size() && IsBlank(text[pos])) ++pos;
    if (pos == text.size()) break;
    std::string word;
    char quote = text[pos];
    if (quote == '"' || quote == '\'') {
      ++pos;
      while (pos < text.size() && text[pos] != quote) {
        if (text[pos] == '\\') {
          if (!ReadEscape(text, &pos, &word, &error)) return Invalid(error);
        } else {
          word.push_back(text[pos++]);
        }
      }
      if (pos == text.size()) return Invalid(std::string("unterminated ") + quote + " quote");
      ++pos;  // the closing quote
      if (pos < text.size() && !IsBlank(text[pos])) {
        return Invalid(std::string("a closing ") + quote +
                       " quote must be followed by a space or the end of the line");
      }
    } else {
      while (pos < text.size() && !IsBlank(text[pos])) {
        char c = text[pos];
        if (c == '"' || c == '\'') {
          return Invalid(std::string("a ") + c +
                         " quote may only open a word; quote the whole word");
        }
        if (c == '\\') {
          if (!ReadEscape(text, &pos, &word, &error)) return Invalid(error);
        } else {
          word.push_back(c);
          ++pos;
        }
      }
    }
    words.push_back(std::move(word));
  }
  return words;
}

Expected<std::vector<std::string>> ParseExec(std::string_view text) {
  auto words = SplitCommandLine(text);
  if (!words.ok()) return words;
  if (words.value().empty()) return Invalid("the command is empty");
  const std::string& program = words.value().front();
  if (!IsNormalizedAbsolutePath(program)) {
    return Invalid("the program '" + program +
                   "' must be an absolute, normalized path such as /usr/lib/self-heal/handlers/x; "
                   "no PATH lookup, no shell");
  }
  return words;
}

std::string FormatCommandLine(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& word : argv) {
    if (!out.empty()) out.push_back(' ');
    bool plain = !word.empty() && word.find_first_of(" \t\n\"'\\") == std::string::npos;
    if (plain) {
      out += word;
      continue;
    }
    out.push_back('"');
    for (char c : word) {
      switch (c) {
        case '\\':
          out += "\\\\";
          break;
        case '"':
          out += "\\\"";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\n':
          out += "\\n";
          break;
        default:
          out.push_back(c);
      }
    }
    out.push_back('"');
  }
  return out;
}

}  // namespace selfheal
