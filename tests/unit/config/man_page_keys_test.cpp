// The man pages against the code they describe. The lists come from the code the
// program runs, never from a copy: the key tables the config loader applies, the
// decision names, the journal's MESSAGE_IDs, the environment a handler is given.
//
// A documented item is a tagged paragraph of the page (man(7) ".TP", then the tag
// line), found under its ".SH" heading and, for configuration keys, its ".SS [Section]"
// heading. The tag's text up to and including the first '=' is the key ("Exec=").
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "alert/alert.h"
#include "config/key_table.h"
#include "journal/journal.h"
#include "launch/launch_request.h"
#include "policy/decision.h"

namespace selfheal {
namespace {

const std::string kManDir = std::string(SELFHEAL_SOURCE_DIR) + "/man/";

struct Tagged {
  std::string heading;     // the .SH it is under, e.g. "GLOBAL SETTINGS"
  std::string subheading;  // the .SS it is under ("" before the first), e.g. "[Server]"
  std::string tag;         // the tag as text, e.g. "IdleTimeoutSec= span"
  int line = 0;
};

// Roff text to plain text: font changes and \& dropped, \- and \e made plain, quotes
// removed. Enough for tags and headings, which use nothing else.
std::string PlainText(std::string_view roff) {
  std::string out;
  for (size_t i = 0; i < roff.size(); ++i) {
    char c = roff[i];
    if (c == '"') continue;
    if (c != '\\' || i + 1 >= roff.size()) {
      out += c;
      continue;
    }
    char next = roff[++i];
    if (next == 'f' && i + 1 < roff.size()) {
      ++i;  // \fB, \fI, \fR, \fP
    } else if (next == '-') {
      out += '-';
    } else if (next == 'e') {
      out += '\\';
    } else if (next == ' ') {
      out += ' ';
    }  // \& and anything else: nothing
  }
  return out;
}

// The words of a macro line after the macro name, split as roff does: by blanks, a
// "quoted" argument keeping its blanks.
std::vector<std::string> MacroWords(std::string_view args) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < args.size()) {
    while (i < args.size() && args[i] == ' ') ++i;
    if (i == args.size()) break;
    std::string word;
    if (args[i] == '"') {
      for (++i; i < args.size() && args[i] != '"'; ++i) word += args[i];
      ++i;
    } else {
      for (; i < args.size() && args[i] != ' '; ++i) word += args[i];
    }
    words.push_back(word);
  }
  return words;
}

// The text a macro line prints, as plain text: ".BI Key= value" -> "Key=value" (the
// alternating-font macros join their arguments), ".B a b" -> "a b". A text line is
// returned as plain text.
std::string MacroArguments(const std::string& line) {
  if (line.empty() || line[0] != '.') return PlainText(line);
  size_t space = line.find(' ');
  if (space == std::string::npos) return "";
  std::string name = line.substr(1, space - 1);
  bool alternating = name.size() == 2 && std::string("BIR").find(name[0]) != std::string::npos &&
                     std::string("BIR").find(name[1]) != std::string::npos;
  std::string out;
  for (const std::string& word : MacroWords(std::string_view(line).substr(space + 1))) {
    if (!out.empty() && !alternating) out += ' ';
    out += PlainText(word);
  }
  return out;
}

bool IsMacro(const std::string& line, std::string_view name) {
  if (line.size() < name.size() + 1 || line[0] != '.') return false;
  if (line.compare(1, name.size(), name) != 0) return false;
  return line.size() == name.size() + 1 || line[name.size() + 1] == ' ';
}

struct ManPage {
  std::string path;
  std::string text;  // whole source
  std::vector<Tagged> tagged;
};

ManPage ReadManPage(const std::string& name) {
  ManPage page;
  page.path = kManDir + name;
  std::ifstream in(page.path);
  EXPECT_TRUE(in) << "cannot read " << page.path;
  std::stringstream whole;
  whole << in.rdbuf();
  page.text = whole.str();

  std::istringstream lines(page.text);
  std::string line, heading, subheading;
  bool tag_next = false;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (line.rfind(".\\\"", 0) == 0 || line.rfind("'\\\"", 0) == 0) continue;  // comment
    if (IsMacro(line, "SH")) {
      heading = MacroArguments(line);
      subheading.clear();
      tag_next = false;
    } else if (IsMacro(line, "SS")) {
      subheading = MacroArguments(line);
      tag_next = false;
    } else if (IsMacro(line, "TP")) {
      tag_next = true;
    } else if (tag_next) {
      page.tagged.push_back({heading, subheading, MacroArguments(line), number});
      tag_next = false;
    }
  }
  EXPECT_FALSE(page.tagged.empty()) << page.path << " has no tagged paragraphs";
  return page;
}

// "IdleTimeoutSec= span" -> "IdleTimeoutSec"; "" unless the tag starts with Key=.
std::string KeyOfTag(const std::string& tag) {
  size_t eq = tag.find('=');
  if (eq == std::string::npos || eq == 0) return "";
  for (size_t i = 0; i < eq; ++i) {
    char c = tag[i];
    bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum) return "";
  }
  return tag.substr(0, eq);
}

// Where self-heal.conf(5) documents the keys of each kind of file.
constexpr const char* kGlobalHeading = "GLOBAL SETTINGS";    // self-heal.conf
constexpr const char* kHandlerHeading = "HANDLER SETTINGS";  // handlers.d/NAME.conf

// Every key of `rules` has a tagged paragraph "Key=..." under `heading`, in the
// subsection "[Section]" of its section.
void ExpectEveryKeyDocumented(const ManPage& page, const std::vector<KeyRule>& rules,
                              const std::string& heading) {
  ASSERT_FALSE(rules.empty());
  for (const KeyRule& rule : rules) {
    std::string want_sub = "[" + std::string(rule.section) + "]";
    bool found = false;
    std::string elsewhere;
    for (const Tagged& t : page.tagged) {
      if (KeyOfTag(t.tag) != rule.key) continue;
      if (t.heading == heading && t.subheading == want_sub)
        found = true;
      else
        elsewhere +=
            " line " + std::to_string(t.line) + " (" + t.heading + " / " + t.subheading + ")";
    }
    EXPECT_TRUE(found) << page.path << ": the loader accepts " << want_sub << " " << rule.key
                       << "= but the page has no \".TP\" entry for it under .SH \"" << heading
                       << "\", .SS " << want_sub
                       << (elsewhere.empty() ? "" : "; it is documented elsewhere:" + elsewhere);
  }
}

// Every "Key=" entry under `heading` is a key the loader accepts in that section.
void ExpectNoStaleKeys(const ManPage& page, const std::vector<KeyRule>& rules,
                       const std::string& heading) {
  for (const Tagged& t : page.tagged) {
    if (t.heading != heading) continue;
    std::string key = KeyOfTag(t.tag);
    if (key.empty()) continue;
    bool known = false;
    for (const KeyRule& rule : rules) {
      known |= rule.key == key && "[" + std::string(rule.section) + "]" == t.subheading;
    }
    EXPECT_TRUE(known) << page.path << ":" << t.line << ": documents " << t.subheading << " " << key
                       << "=, which the loader does not accept there";
  }
}

TEST(ManPageKeys, EveryGlobalKeyIsDocumentedInItsSection) {
  ManPage page = ReadManPage("self-heal.conf.5");
  ServerConfig server;
  ExpectEveryKeyDocumented(page, GlobalKeyRules(&server), kGlobalHeading);
}

TEST(ManPageKeys, EveryHandlerKeyIsDocumentedInItsSection) {
  ManPage page = ReadManPage("self-heal.conf.5");
  HandlerConfig handler;
  ExpectEveryKeyDocumented(page, HandlerKeyRules(&handler), kHandlerHeading);
}

TEST(ManPageKeys, EveryDocumentedKeyIsAccepted) {
  ManPage page = ReadManPage("self-heal.conf.5");
  ServerConfig server;
  HandlerConfig handler;
  ExpectNoStaleKeys(page, GlobalKeyRules(&server), kGlobalHeading);
  ExpectNoStaleKeys(page, HandlerKeyRules(&handler), kHandlerHeading);
}

// The parser above is what the three tests stand on: it must see a key that is
// there, in its place, and must not see one that is not.
TEST(ManPageKeys, ParserFindsKeysInTheirSections) {
  EXPECT_EQ(KeyOfTag(MacroArguments(".BI IdleTimeoutSec= span")), "IdleTimeoutSec");
  EXPECT_EQ(KeyOfTag(MacroArguments(".BI Label= name = value")), "Label");
  EXPECT_EQ(KeyOfTag(MacroArguments(".BI Instance= \"instance ...\"")), "Instance");
  EXPECT_EQ(KeyOfTag(MacroArguments(".I time span")), "");
  EXPECT_EQ(KeyOfTag(MacroArguments(".B \\-\\-for=DURATION")), "");
  EXPECT_EQ(PlainText("\\fBself\\-heal\\fR \\e"), "self-heal \\");
  EXPECT_EQ(MacroArguments(".BI SELF_HEAL_LABEL_ NAME"), "SELF_HEAL_LABEL_NAME");
  EXPECT_EQ(MacroArguments(".SH \"HANDLER SETTINGS\""), "HANDLER SETTINGS");
  EXPECT_EQ(MacroArguments(".B self\\-heal status"), "self-heal status");
  EXPECT_TRUE(IsMacro(".SS [Run]", "SS"));
  EXPECT_FALSE(IsMacro(".SSX", "SS"));
}

// --- self-heal(8) and self-heal-handlers(7) --------------------------------------

bool HasTag(const ManPage& page, const std::string& heading, const std::string& tag) {
  for (const Tagged& t : page.tagged) {
    if (t.heading == heading && t.tag == tag) return true;
  }
  return false;
}

TEST(ManPageContract, EveryDecisionIsDocumented) {
  ManPage page = ReadManPage("self-heal.8");
  int count = 0;
  for (int i = 0;; ++i) {
    std::string_view name = VerdictName(static_cast<Verdict>(i));
    if (name == "unknown") break;
    ++count;
    EXPECT_TRUE(HasTag(page, "DECISIONS", std::string(name)))
        << page.path << ": decision '" << name << "' has no \".TP\" entry under .SH DECISIONS";
  }
  EXPECT_EQ(count, 10) << "VerdictName() changed: check this test still walks every verdict";
}

TEST(ManPageContract, EveryMessageIdIsDocumented) {
  ManPage page = ReadManPage("self-heal.8");
  const std::string kNone = "00000000000000000000000000000000";
  int count = 0;
  for (int i = 0;; ++i) {
    std::string id(MessageId(static_cast<EventType>(i)));
    if (id == kNone) break;
    ++count;
    EXPECT_TRUE(HasTag(page, "JOURNAL", id))
        << page.path << ": MESSAGE_ID " << id << " has no \".TP\" entry under .SH JOURNAL";
  }
  EXPECT_GE(count, 11);
}

TEST(ManPageContract, EveryHandlerVariableIsDocumented) {
  ManPage page = ReadManPage("self-heal-handlers.7");
  Alert alert;
  alert.labels = {{"alertname", "ServiceDown"}, {"instance", "web-1:8080"}, {"job", "nginx"}};
  alert.annotations = {{"summary", "down"}};
  alert.fingerprint = "82cf4c324f050464";
  alert.starts_at_text = "2026-11-22T01:25:02.807Z";
  HandlerConfig handler;
  handler.name = "restart-nginx";
  handler.exec = {"/usr/lib/self-heal/handlers/restart-service", "nginx.service"};
  LaunchRequest request = BuildLaunchRequest(alert, handler, 1);
  ASSERT_FALSE(request.environment.empty());
  // And one too large for the environment, which gets SELF_HEAL_OMITTED.
  Alert big = alert;
  big.annotations["description"] = std::string(kEnvironmentValueMax + 1, 'x');
  auto environment = request.environment;
  for (auto& variable : BuildLaunchRequest(big, handler, 1).environment) {
    environment.push_back(std::move(variable));
  }
  std::set<std::string> documented_names;
  for (const auto& [name, value] : environment) {
    std::string want = name;
    for (const char* prefix : {"SELF_HEAL_LABEL_", "SELF_HEAL_ANNOTATION_"}) {
      if (name.rfind(prefix, 0) == 0) want = std::string(prefix) + "NAME";
    }
    if (!documented_names.insert(want).second) continue;
    EXPECT_TRUE(HasTag(page, "ENVIRONMENT", want))
        << page.path << ": a handler gets " << name << " but the page has no \".TP\" entry " << want
        << " under .SH ENVIRONMENT";
  }
  for (const auto& [name, value] : request.log_extra_fields) {
    EXPECT_NE(page.text.find(name), std::string::npos)
        << page.path << ": the handler unit's journal field " << name << " is not mentioned";
  }
}

}  // namespace
}  // namespace selfheal
