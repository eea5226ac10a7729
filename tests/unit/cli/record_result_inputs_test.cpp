// What `record-result` makes of its argv and environment (cli/record_result_inputs.h).
#include "cli/record_result_inputs.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace selfheal {
namespace {

RecordResultInputs SampleInputs() {
  RecordResultInputs in;
  in.unit = "self-heal-restart-nginx-1234.service";
  in.handler = "restart-nginx";
  in.instance = "web-1:8080";
  in.invocation_id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
  in.service_result = "exit-code";
  in.exit_code = "exited";
  in.exit_status = "2";
  in.alertname = "ServiceDown";
  in.fingerprint = "82cf4c324f050464";
  return in;
}

TEST(RecordResultInputs, RunResultCarriesTheInputsAndTheirOutcome) {
  const TimePoint at = *ParseRfc3339("2026-11-22T12:00:00Z");
  const RunResult result = RunResultOf(SampleInputs(), at);
  EXPECT_EQ(result.unit, "self-heal-restart-nginx-1234.service");
  EXPECT_EQ(result.handler, "restart-nginx");
  EXPECT_EQ(result.instance, "web-1:8080");
  EXPECT_EQ(result.invocation_id, "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
  EXPECT_EQ(result.service_result, "exit-code");
  EXPECT_EQ(result.exit_code, "exited");
  EXPECT_EQ(result.exit_status, "2");
  EXPECT_EQ(result.outcome, Outcome::kGaveUp);
  EXPECT_EQ(result.finished_at, at);
}

TEST(RecordResultInputs, AlertTakesLabelsFromTheJsonAndKeysFromTheirVariables) {
  RecordResultInputs in = SampleInputs();
  in.alert_json = R"({"labels":{"alertname":"Forged","instance":"other","service":"nginx","n":1},)"
                  R"("generatorURL":"http://prometheus/graph"})";
  const Alert alert = AlertOfRun(in, RunResultOf(in, TimePoint{}));
  EXPECT_EQ(alert.labels.at("alertname"), "ServiceDown");
  EXPECT_EQ(alert.labels.at("instance"), "web-1:8080");
  EXPECT_EQ(alert.labels.at("service"), "nginx");
  EXPECT_FALSE(alert.labels.contains("n"));  // not a string
  EXPECT_EQ(alert.generator_url, "http://prometheus/graph");
  EXPECT_EQ(alert.fingerprint, "82cf4c324f050464");
}

TEST(RecordResultInputs, AlertJsonThatIsNoObjectIsIgnored) {
  for (const char* json : {"", "not json", "[1,2]", R"({"labels":[1]})", R"({"labels":{)"}) {
    RecordResultInputs in = SampleInputs();
    in.alert_json = json;
    const Alert alert = AlertOfRun(in, RunResultOf(in, TimePoint{}));
    EXPECT_EQ(alert.labels.size(), 2u) << json;
    EXPECT_EQ(alert.generator_url, "") << json;
  }
}

TEST(RecordResultInputs, FromEnvironmentReadsEachVariableAndUnsetIsEmpty) {
  setenv("SELF_HEAL_HANDLER", "restart-nginx", 1);
  setenv("SELF_HEAL_INSTANCE", "web-1:8080", 1);
  setenv("SERVICE_RESULT", "success", 1);
  setenv("EXIT_STATUS", "0", 1);
  setenv("SELF_HEAL_ALERT_JSON", R"({"labels":{}})", 1);
  unsetenv("EXIT_CODE");
  unsetenv("INVOCATION_ID");
  const RecordResultInputs in = RecordResultInputsFromEnvironment("u.service");
  EXPECT_EQ(in.unit, "u.service");
  EXPECT_EQ(in.handler, "restart-nginx");
  EXPECT_EQ(in.instance, "web-1:8080");
  EXPECT_EQ(in.service_result, "success");
  EXPECT_EQ(in.exit_status, "0");
  EXPECT_EQ(in.alert_json, R"({"labels":{}})");
  EXPECT_EQ(in.exit_code, "");
  EXPECT_EQ(in.invocation_id, "");
  for (const char* name : {"SELF_HEAL_HANDLER", "SELF_HEAL_INSTANCE", "SERVICE_RESULT",
                           "EXIT_STATUS", "SELF_HEAL_ALERT_JSON"}) {
    unsetenv(name);
  }
}

}  // namespace
}  // namespace selfheal
