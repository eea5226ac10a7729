// Bad configurations, one per row: each must give exactly one error, at the exact
// FILE:LINE, with a message that says what is wrong.
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "config/config_loader.h"
#include "temp_dir.h"

namespace selfheal {
namespace {

constexpr const char* kHandler = "handlers.d/h.conf";
constexpr const char* kGlobal = "self-heal.conf";

// A handler that loads cleanly; rows append to it or replace it.
const std::string kGoodHandler =
    "[Match]\n"                 // 1
    "AlertName=DiskSpaceLow\n"  // 2
    "Instance=web-1:9100\n"     // 3
    "[Run]\n"                   // 4
    "Exec=/bin/true\n";         // 5

struct BadCase {
  const char* name;  // the behaviour, as a test name
  std::vector<std::pair<std::string, std::string>> files;
  std::string file;  // relative to the config dir
  int line;
  std::string fragment;
};

const BadCase kCases[] = {
    {"EndOfLineHashCommentIsRefused",
     {{kHandler, kGoodHandler + "Label=job=nginx   # exact label matcher\n"}}, kHandler, 6,
     "'Label=' has '#' after a blank in its value: comments go on a line of their own"},
    {"EndOfLineSemicolonCommentIsRefused",
     {{kHandler, kGoodHandler + "TimeoutSec=60\t; seconds\n"}}, kHandler, 6,
     "a value may not contain ' ;'"},
    {"UnknownKeyIsRefused", {{kHandler, kGoodHandler + "Restart=always\n"}}, kHandler, 6,
     "Unknown key 'Restart' in [Run]; allowed: Exec=, User="},
    {"UnknownSectionIsRefusedAtItsHeader",
     {{kHandler, kGoodHandler + "[Install]\nWantedBy=multi-user.target\n"}}, kHandler, 6,
     "Unknown section [Install]; allowed: [Match], [Run], [Limit]"},
    {"EmptyUnknownSectionIsStillRefused", {{kHandler, kGoodHandler + "[Service]\n"}}, kHandler, 6,
     "Unknown section [Service]"},
    {"BadTimespanIsRefused", {{kHandler, kGoodHandler + "TimeoutSec=5 parsecs\n"}}, kHandler, 6,
     "Invalid value '5 parsecs' for TimeoutSec=: expected a time span greater than 0"},
    {"ZeroTimeoutIsRefused", {{kHandler, kGoodHandler + "TimeoutSec=0\n"}}, kHandler, 6,
     "Invalid value '0' for TimeoutSec="},
    {"MaxAttemptsZeroIsRefused", {{kHandler, kGoodHandler + "[Limit]\nMaxAttempts=0\n"}},
     kHandler, 7, "Invalid value '0' for MaxAttempts=: expected an integer from 1 to 100"},
    {"MaxAttemptsAboveHundredIsRefused", {{kHandler, kGoodHandler + "[Limit]\nMaxAttempts=101\n"}},
     kHandler, 7, "expected an integer from 1 to 100"},
    {"ZeroWindowIsRefused", {{kHandler, kGoodHandler + "[Limit]\nWindow=0\n"}}, kHandler, 7,
     "Invalid value '0' for Window=: expected a time span greater than 0"},
    {"RelativeExecIsRefused",
     {{kHandler, "[Match]\nAlertName=A\nInstance=i\n[Run]\nExec=restart.sh --now\n"}}, kHandler,
     5, "Invalid value 'restart.sh --now' for Exec=: the program 'restart.sh' must be an absolute"},
    {"ExecWithDotDotIsRefused",
     {{kHandler, "[Match]\nAlertName=A\nInstance=i\n[Run]\nExec=/usr/lib/../bin/sh\n"}},
     kHandler, 5, "must be an absolute, normalized path"},
    {"ExecWithUnterminatedQuoteIsRefused",
     {{kHandler, "[Match]\nAlertName=A\nInstance=i\n[Run]\nExec=/bin/echo \"hi\n"}}, kHandler, 5,
     "unterminated \" quote"},
    {"MissingExecIsReportedAtTheRunSection",
     {{kHandler, "[Match]\nAlertName=A\nInstance=i\n\n[Run]\nUser=healer\n"}}, kHandler, 5,
     "Missing Exec= in [Run]"},
    {"MissingRunSectionIsReportedForTheFile",
     {{kHandler, "[Match]\nAlertName=A\nInstance=i\n"}}, kHandler, 0, "Missing Exec= in [Run]"},
    {"MissingAlertNameIsReportedAtTheMatchSection",
     {{kHandler, "# c\n[Match]\nInstance=i\n[Run]\nExec=/bin/true\n"}}, kHandler, 2,
     "Missing AlertName= in [Match]"},
    {"MissingInstanceIsReportedAtTheMatchSection",
     {{kHandler, "[Match]\nAlertName=A\n[Run]\nExec=/bin/true\n"}}, kHandler, 1,
     "Missing Instance= in [Match]"},
    {"InstanceResetToNothingIsMissing",
     {{kHandler, "[Match]\nAlertName=A\nInstance=a b\nInstance=\n[Run]\nExec=/bin/true\n"}},
     kHandler, 1, "Missing Instance="},
    {"BadUserIsRefused", {{kHandler, kGoodHandler + "User=Root\n"}}, kHandler, 6,
     "Invalid value 'Root' for User=: expected a user name matching [a-z_][a-z0-9_-]*[$]?"},
    {"OverlongUserIsRefused", {{kHandler, kGoodHandler + "User=" + std::string(33, 'a') + "\n"}},
     kHandler, 6, "at most 32 characters"},
    {"BadModeIsRefused", {{kHandler, kGoodHandler + "Mode=sometimes\n"}}, kHandler, 6,
     "Invalid value 'sometimes' for Mode=: expected run or dry-run"},
    {"BadMemoryMaxIsRefused", {{kHandler, kGoodHandler + "MemoryMax=lots\n"}}, kHandler, 6,
     "Invalid value 'lots' for MemoryMax="},
    {"MemoryMaxAboveAllOfRamIsRefused", {{kHandler, kGoodHandler + "MemoryMax=150%\n"}},
     kHandler, 6, "Invalid value '150%' for MemoryMax="},
    {"ZeroMemoryMaxIsRefusedLikeSystemd", {{kHandler, kGoodHandler + "MemoryMax=0\n"}},
     kHandler, 6, "Invalid value '0' for MemoryMax=: expected a size such as 64M"},
    {"CpuQuotaPastSystemdsBoundIsRefused", {{kHandler, kGoodHandler + "CPUQuota=21474837%\n"}},
     kHandler, 6, "Invalid value '21474837%' for CPUQuota=: expected a percentage greater than 0"},
    {"ZeroCpuQuotaIsRefused", {{kHandler, kGoodHandler + "CPUQuota=0%\n"}}, kHandler, 6,
     "Invalid value '0%' for CPUQuota=: expected a percentage greater than 0"},
    {"LabelWithoutValueIsRefused", {{kHandler, "[Match]\nAlertName=A\nInstance=i\nLabel=severity\n[Run]\nExec=/bin/true\n"}},
     kHandler, 4, "Invalid value 'severity' for Label=: expected NAME=VALUE"},
    {"LabelWithEmptyNameIsRefused", {{kHandler, "[Match]\nLabel==x\nAlertName=A\nInstance=i\n"
                                                "[Run]\nExec=/bin/true\n"}},
     kHandler, 2, "expected NAME=VALUE"},
    {"BadHandlerFileNameIsRefusedForTheFile",
     {{"handlers.d/restart nginx.conf", kGoodHandler}}, "handlers.d/restart nginx.conf", 0,
     "Invalid handler name 'restart nginx'"},
    {"HandlerFileNameLongerThan64IsRefused",
     {{"handlers.d/" + std::string(65, 'x') + ".conf", kGoodHandler}},
     "handlers.d/" + std::string(65, 'x') + ".conf", 0, "Invalid handler name"},
    {"SelfHealExhaustedIsRefused",
     {{kHandler, "[Match]\nAlertName=SelfHealExhausted\nInstance=i\n[Run]\nExec=/bin/true\n"}},
     kHandler, 2,
     "Invalid value 'SelfHealExhausted' for AlertName=: self-heal never acts on its own "
     "escalation alerts"},
    {"OverlappingHandlersAreRefusedNamingBothFiles",
     {{"handlers.d/a.conf", kGoodHandler},
      {"handlers.d/b.conf",
       "[Match]\nAlertName=DiskSpaceLow\nInstance=web-2:9100 web-1:9100\n[Run]\nExec=/bin/true\n"}},
     "handlers.d/b.conf", 2,
     "Handler 'b' overlaps handler 'a' (DIR/handlers.d/a.conf): both match "
     "AlertName='DiskSpaceLow' on Instance 'web-1:9100'"},
    {"LineWithoutEqualsIsASyntaxError", {{kHandler, kGoodHandler + "User healer\n"}}, kHandler, 6,
     "Expected Key=value, a [Section] header or a comment, got 'User healer'"},
    {"ColonIsNotAnAssignment", {{kHandler, kGoodHandler + "User: healer\n"}}, kHandler, 6,
     "Expected Key=value"},
    {"AssignmentBeforeAnySectionIsRefused", {{kHandler, "User=healer\n" + kGoodHandler}},
     kHandler, 1, "'User=' appears before any [Section] header"},
    {"MalformedSectionHeaderIsRefused", {{kHandler, kGoodHandler + "[Limit\nMaxAttempts=0\n"}},
     kHandler, 6, "Invalid section header '[Limit'"},
    {"TrailingBackslashIsNotAContinuation",
     {{kHandler, kGoodHandler + "User=healer \\\n"}}, kHandler, 6,
     "A trailing '\\' does not continue a line"},
    {"ControlCharacterIsRefused", {{kHandler, kGoodHandler + "User=heal\x1b[0mer\n"}}, kHandler,
     6, "control character"},
    {"DirectoryNamedLikeAHandlerIsRefused", {{"handlers.d/d.conf/x", ""}}, "handlers.d/d.conf", 0,
     "Cannot read: not a regular file"},
    {"HandlersDirThatIsAFileIsRefused", {{"handlers.d", ""}}, "handlers.d", 0,
     "Cannot list handlers: Not a directory"},
    {"BadWebhookPathIsRefused", {{kGlobal, "[Server]\nWebhookPath=hook\n"}}, kGlobal, 2,
     "Invalid value 'hook' for WebhookPath=: expected a path starting with '/'"},
    {"WebhookPathWithSpaceIsRefused", {{kGlobal, "[Server]\nWebhookPath=/a b\n"}}, kGlobal, 2,
     "Invalid value '/a b' for WebhookPath="},
    {"HealthPathIsNotAWebhookPath", {{kGlobal, "[Server]\nWebhookPath=/-/healthy\n"}}, kGlobal, 2,
     "other than /-/healthy"},
    {"BasicAuthWithoutUserIsRefusedAtAuth",
     {{kGlobal, "[Server]\nAuthSecretFile=webhook\nAuth=basic\n"}}, kGlobal, 3,
     "Auth=basic requires AuthUser="},
    {"AuthWithoutSecretFileIsRefusedAtAuth", {{kGlobal, "[Server]\n\nAuth=bearer\n"}}, kGlobal, 3,
     "Auth=bearer requires AuthSecretFile="},
    {"UnknownAuthIsRefused", {{kGlobal, "[Server]\nAuth=digest\n"}}, kGlobal, 2,
     "expected none, bearer or basic"},
    {"AuthUserWithColonIsRefused", {{kGlobal, "[Server]\nAuthUser=a:b\n"}}, kGlobal, 2,
     "expected a user name without ':'"},
    {"SecretFileInASubdirectoryIsRefused", {{kGlobal, "[Server]\nAuthSecretFile=../secret\n"}},
     kGlobal, 2, "expected an absolute path or the name of a credential"},
    {"SecretFileWithATrailingCommentIsRefused",
     {{kGlobal, "[Server]\nAuthSecretFile=auth-secret      # a name\n"}}, kGlobal, 2,
     "comments go on a line of their own"},
    {"TinyMaxBodyBytesIsRefused", {{kGlobal, "[Server]\nMaxBodyBytes=100\n"}}, kGlobal, 2,
     "Invalid value '100' for MaxBodyBytes=: expected a size from 1024 bytes to 64M"},
    {"HugeMaxBodyBytesIsRefused", {{kGlobal, "[Server]\nMaxBodyBytes=65M\n"}}, kGlobal, 2,
     "expected a size from 1024 bytes to 64M"},
    {"MaxConnectionsZeroIsRefused", {{kGlobal, "[Server]\nMaxConnections=0\n"}}, kGlobal, 2,
     "expected an integer from 1 to 1024"},
    {"SubSecondRequestTimeoutIsRefused", {{kGlobal, "[Server]\nRequestTimeoutSec=500ms\n"}},
     kGlobal, 2, "expected a time span of at least 1s"},
    {"ZeroIdleTimeoutIsRefused", {{kGlobal, "[Server]\nIdleTimeoutSec=0\n"}}, kGlobal, 2,
     "Invalid value '0' for IdleTimeoutSec="},
    {"BadDedupWindowIsRefused", {{kGlobal, "[Policy]\nDedupWindowSec=soon\n"}}, kGlobal, 2,
     "Invalid value 'soon' for DedupWindowSec="},
    {"NonHttpAlertmanagerUrlIsRefused", {{kGlobal, "[Escalation]\nAlertmanagerURL=ftp://am\n"}},
     kGlobal, 2, "expected an http:// or https:// URL"},
    {"AlertmanagerUrlWithPasswordIsRefused",
     {{kGlobal, "[Escalation]\nAlertmanagerURL=http://u:p@am:9093\n"}}, kGlobal, 2,
     "no user:password@"},
    {"RelativeEscalateExecIsRefused", {{kGlobal, "[Escalation]\nEscalateExec=page-me\n"}}, kGlobal,
     2, "Invalid value 'page-me' for EscalateExec=: the program 'page-me' must be an absolute"},
    {"RelativeTextfilePathIsRefused", {{kGlobal, "[Metrics]\nTextfilePath=self-heal.prom\n"}},
     kGlobal, 2, "Invalid value 'self-heal.prom' for TextfilePath=: expected an absolute path"},
    {"TextfileNotEndingInPromIsRefused", {{kGlobal, "[Metrics]\nTextfilePath=/var/lib/x.txt\n"}},
     kGlobal, 2, "ending in .prom"},
    {"UnknownGlobalSectionIsRefused", {{kGlobal, "[Server]\n[Handlers]\n"}}, kGlobal, 2,
     "Unknown section [Handlers]; allowed: [Server], [Policy], [Escalation], [Metrics]"},
    {"KeyInTheWrongSectionIsUnknown", {{kGlobal, "[Policy]\nIdleTimeoutSec=1min\n"}}, kGlobal, 2,
     "Unknown key 'IdleTimeoutSec' in [Policy]; allowed: DedupWindowSec="},
    {"SectionNamesAreCaseSensitive", {{kGlobal, "[server]\n"}}, kGlobal, 1,
     "Unknown section [server]"},
    {"GlobalFileThatIsADirectoryIsRefused", {{"self-heal.conf/x", ""}}, kGlobal, 0,
     "Cannot read: not a regular file"},
};

class ConfigErrorTableTest : public testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrorTableTest, ReportsExactlyOneErrorAtFileAndLine) {
  const BadCase& c = GetParam();
  TempDir dir;
  for (const auto& [file, content] : c.files) dir.Write(file, content);
  LoadedConfig loaded = LoadConfig(dir.path());

  std::string where = dir.path() + "/" + c.file + (c.line ? ":" + std::to_string(c.line) : "");
  std::string fragment = c.fragment;
  if (size_t p = fragment.find("DIR/"); p != std::string::npos) {
    fragment.replace(p, 3, dir.path());
  }
  ASSERT_EQ(loaded.errors.size(), 1u) << [&] {
    std::string all;
    for (const ConfigError& e : loaded.errors) all += FormatConfigError(e) + "\n";
    return all;
  }();
  std::string formatted = FormatConfigError(loaded.errors[0]);
  EXPECT_EQ(formatted.substr(0, where.size() + 2), where + ": ") << formatted;
  EXPECT_NE(formatted.find(fragment), std::string::npos) << formatted;
  EXPECT_FALSE(loaded.ok());
}

INSTANTIATE_TEST_SUITE_P(ConfigBad, ConfigErrorTableTest, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<BadCase>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace selfheal
