// `self-heal simulate` shows what serve would launch, environment included: label
// names that collide in the environment are shown with the rule that resolved them.
#include <gtest/gtest.h>

#include <string>

#include "cli/args.h"
#include "cli/commands.h"
#include "config/temp_dir.h"

namespace selfheal {
namespace {

// Alertmanager sends UTF-8 label names from Prometheus 3 as they are.
const char* const kPayload = R"json({"version":"4","status":"firing","receiver":"self-heal",
"groupKey":"{}:{}","externalURL":"http://am:9093","alerts":[{"status":"firing",
"labels":{"alertname":"ServiceDown","instance":"web-1:8080","job":"nginx","JOB":"$(reboot)",
"a.b":"dot","a_b":"underscore","A_B":"upper","jöb":"umlaut","j__b":"plain"},"annotations":{},
"startsAt":"2026-11-22T01:25:02.807Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"1"}]})json";

std::string Simulate(bool json) {
  TempDir dir;
  dir.Write("handlers.d/restart.conf",
            "[Match]\nAlertName=ServiceDown\nInstance=web-1:8080\nLabel=job=nginx\n"
            "[Run]\nExec=/usr/lib/self-heal/handlers/restart-service nginx.service\n");
  std::string payload = dir.Write("payload.json", kPayload);
  Args args;
  args.config_dir = dir.path();
  args.json = json;
  args.positional = {payload};
  testing::internal::CaptureStdout();
  int rc = RunSimulate(args);
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(rc, 0) << out;
  return out;
}

TEST(SimulateTest, JsonShowsCollidingLabelsAndTheNameEachVariableHolds) {
  std::string out = Simulate(true);
  EXPECT_NE(out.find(R"("SELF_HEAL_LABEL_JOB":"nginx")"), std::string::npos) << out;
  EXPECT_EQ(out.find(R"("SELF_HEAL_LABEL_A_B":)"), std::string::npos) << out;
  EXPECT_EQ(out.find(R"("SELF_HEAL_LABEL_J__B":)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"({"variable":"SELF_HEAL_LABEL_A_B","names":["A_B","a.b","a_b"],)"
                     R"("set_from":null})"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(R"({"variable":"SELF_HEAL_LABEL_JOB","names":["JOB","job"],)"
                     R"("set_from":"job"})"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(R"("variable":"SELF_HEAL_LABEL_J__B")"), std::string::npos) << out;
}

TEST(SimulateTest, TextWarnsOfEachCollision) {
  std::string out = Simulate(false);
  EXPECT_NE(out.find("    SELF_HEAL_LABEL_JOB=nginx\n"), std::string::npos) << out;
  EXPECT_NE(out.find("  warning: labels 'A_B', 'a.b', 'a_b' map to one variable "
                     "SELF_HEAL_LABEL_A_B; it is not set"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("SELF_HEAL_LABEL_JOB=$(reboot)"), std::string::npos) << out;
}

}  // namespace
}  // namespace selfheal
