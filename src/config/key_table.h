// key_table.h — what the keys of one kind of file mean, as a table, and the one loop
// that applies a parsed file to it. Internal to src/config.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "config/config.h"
#include "config/ini_file.h"

namespace selfheal {

struct KeyRule {
  std::string_view section;
  std::string_view key;
  // Takes a non-empty value; returns "" when accepted, else what would have been
  // (the tail of "Invalid value 'X' for Key=: <this>").
  std::function<std::string(std::string_view value)> set;
  // `Key=` with nothing after it: back to the default, or an empty list (systemd's rule).
  std::function<void()> reset;
  // A list (Instance=, Label=, AlertmanagerURL=): each line adds, and may be repeated.
  // Any other key takes one value: given twice in one section it is an error, never a
  // silent last-wins.
  bool list = false;
};

// Where things were in the file, for errors about a key that is missing or about a
// combination of keys.
struct KeyLines {
  std::map<std::string, int, std::less<>> keys;      // last assignment of each key
  std::map<std::string, int, std::less<>> sections;  // first header of each section
  std::set<std::string, std::less<>> refused;        // keys with a refused value
  int Key(std::string_view key) const;               // 0 when absent
  int Section(std::string_view section) const;       // 0 when absent
  // True when `key` was refused, so "missing" would only repeat that error.
  bool Refused(std::string_view key) const { return refused.contains(key); }
};

// Applies every assignment of `doc` through `rules`, in file order. Appends an error
// for each unknown section (once, at its header; its assignments are then ignored),
// unknown key, refused value, and each repeat of a key that is not a list (naming the
// line of its first assignment; the repeat is not applied).
KeyLines ApplyKeyRules(const std::string& file, const IniDocument& doc,
                       const std::vector<KeyRule>& rules, std::vector<ConfigError>* errors);

// The tables ApplyGlobalConfig (self-heal.conf) and BuildHandler (handlers.d/NAME.conf)
// apply; their setters write into *server and *handler. For tests that check the
// documentation against the keys the loader really accepts.
std::vector<KeyRule> GlobalKeyRules(ServerConfig* server);
std::vector<KeyRule> HandlerKeyRules(HandlerConfig* handler);

// Setters for the common value kinds. Each writes to *out only when the value is good.
std::function<std::string(std::string_view)> SetTimespan(Duration* out, Duration min,
                                                         const std::string& allowed);
std::function<std::string(std::string_view)> SetInteger(int64_t min, int64_t max,
                                                        const std::function<void(int64_t)>& store);
std::function<std::string(std::string_view)> SetExec(std::vector<std::string>* out);

template <typename T>
std::function<void()> ResetTo(T* field, T default_value) {
  return [field, default_value] { *field = default_value; };
}

}  // namespace selfheal
