#include "config/key_table.h"

#include <utility>

#include "config/handler_argv.h"
#include "config/values.h"

namespace selfheal {
namespace {

std::string AllowedSections(const std::vector<KeyRule>& rules) {
  std::string out;
  std::string_view last;
  for (const KeyRule& rule : rules) {
    if (rule.section == last) continue;
    last = rule.section;
    out += (out.empty() ? "[" : ", [") + std::string(rule.section) + "]";
  }
  return out;
}

std::string AllowedKeys(const std::vector<KeyRule>& rules, std::string_view section) {
  std::string out;
  for (const KeyRule& rule : rules) {
    if (rule.section != section) continue;
    out += (out.empty() ? "" : ", ") + std::string(rule.key) + "=";
  }
  return out;
}

bool IsKnownSection(const std::vector<KeyRule>& rules, std::string_view section) {
  for (const KeyRule& rule : rules) {
    if (rule.section == section) return true;
  }
  return false;
}

}  // namespace

int KeyLines::Key(std::string_view key) const {
  auto it = keys.find(key);
  return it == keys.end() ? 0 : it->second;
}

int KeyLines::Section(std::string_view section) const {
  auto it = sections.find(section);
  return it == sections.end() ? 0 : it->second;
}

KeyLines ApplyKeyRules(const std::string& file, const IniDocument& doc,
                       const std::vector<KeyRule>& rules, std::vector<ConfigError>* errors) {
  KeyLines lines;
  // (section, key) → line of the first assignment, for keys that take one value.
  std::map<std::pair<std::string, std::string>, int> first_line;
  for (const IniSection& section : doc.sections) {
    if (IsKnownSection(rules, section.name)) {
      lines.sections.emplace(section.name, section.line);
    } else {
      errors->push_back(
          {file, section.line,
           "Unknown section [" + section.name + "]; allowed: " + AllowedSections(rules)});
    }
  }
  for (const IniAssignment& a : doc.assignments) {
    if (!IsKnownSection(rules, a.section)) continue;  // reported once, at its header
    const KeyRule* rule = nullptr;
    for (const KeyRule& candidate : rules) {
      if (candidate.section == a.section && candidate.key == a.key) rule = &candidate;
    }
    if (rule == nullptr) {
      errors->push_back({file, a.line,
                         "Unknown key '" + a.key + "' in [" + a.section +
                             "]; allowed: " + AllowedKeys(rules, a.section)});
      continue;
    }
    if (!rule->list) {
      auto [first, fresh] = first_line.try_emplace({a.section, a.key}, a.line);
      if (!fresh) {
        errors->push_back({file, a.line,
                           "Duplicate " + a.key + "= in [" + a.section + "]: already set at line " +
                               std::to_string(first->second) + "; " + a.key +
                               "= takes one value (lines " + std::to_string(first->second) +
                               " and " + std::to_string(a.line) + ")"});
        continue;
      }
    }
    lines.keys[a.key] = a.line;
    if (a.value.empty()) {
      rule->reset();
      continue;
    }
    std::string allowed = rule->set(a.value);
    if (!allowed.empty()) {
      lines.refused.insert(a.key);
      errors->push_back(
          {file, a.line, "Invalid value '" + a.value + "' for " + a.key + "=: " + allowed});
    }
  }
  return lines;
}

std::function<std::string(std::string_view)> SetTimespan(Duration* out, Duration min,
                                                         const std::string& allowed) {
  return [out, min, allowed](std::string_view value) -> std::string {
    auto span = ParseTimespan(value);
    if (!span || *span < min) return "expected " + allowed;
    *out = *span;
    return {};
  };
}

std::function<std::string(std::string_view)> SetInteger(int64_t min, int64_t max,
                                                        const std::function<void(int64_t)>& store) {
  return [min, max, store](std::string_view value) -> std::string {
    auto number = ParseUnsigned(value);
    if (!number || *number < min || *number > max) {
      return "expected an integer from " + std::to_string(min) + " to " + std::to_string(max);
    }
    store(*number);
    return {};
  };
}

std::function<std::string(std::string_view)> SetExec(std::vector<std::string>* out) {
  return [out](std::string_view value) -> std::string {
    auto argv = ParseExec(value);
    if (!argv.ok()) return argv.error().message;
    *out = std::move(argv).value();
    return {};
  };
}

}  // namespace selfheal
