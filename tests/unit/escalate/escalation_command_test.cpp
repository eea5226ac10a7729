#include "escalate/escalation_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "escalate/escalation_payload.h"
#include "escalate/sample_facts.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;
using testing::Contains;
using testing::Pair;

Escalation Queued() {
  EscalationFacts f = test::NginxFacts();
  f.instance = "web-1:9100; rm -rf /";  // data, never a command
  Escalation e;
  e.id = 42;
  e.handler = f.handler;
  e.instance = f.instance;
  e.alertname = f.alertname;
  e.payload = BuildEscalationPayload(f);
  return e;
}

TEST(EscalationCommandTest, RunsTheConfiguredArgvAsHealerInAUnitNamedByTheEscalation) {
  LaunchRequest r =
      BuildEscalationCommand(Queued(), {"/usr/local/bin/page", "on call", "--team=sre"});
  EXPECT_EQ(r.unit_name, "self-heal-escalate-42.service");
  EXPECT_EQ(r.argv, (std::vector<std::string>{"/usr/local/bin/page", "on call", "--team=sre"}));
  EXPECT_EQ(r.user, "healer");
  EXPECT_EQ(r.timeout, 5min);
  EXPECT_TRUE(r.result_argv.empty()) << "an escalation command has no budget to record";
}

TEST(EscalationCommandTest, PassesTheEscalationAsDataInTheEnvironment) {
  Escalation e = Queued();
  LaunchRequest r = BuildEscalationCommand(e, {"/usr/local/bin/page"});
  EXPECT_THAT(r.environment, Contains(Pair("SELF_HEAL_INSTANCE", "web-1:9100; rm -rf /")));
  EXPECT_THAT(r.environment, Contains(Pair("SELF_HEAL_ALERTNAME", "NginxDown")));
  EXPECT_THAT(r.environment, Contains(Pair("SELF_HEAL_HANDLER", "nginx-restart")));
  EXPECT_THAT(r.environment, Contains(Pair("SELF_HEAL_ESCALATION_ID", "42")));
  EXPECT_THAT(r.environment, Contains(Pair("SELF_HEAL_ESCALATION_JSON", e.payload)));
  EXPECT_THAT(r.environment,
              Contains(Pair("SELF_HEAL_SUMMARY", *PayloadAnnotation(e.payload, "summary"))));
  EXPECT_THAT(r.environment, Contains(Pair("SELF_HEAL_DESCRIPTION",
                                           *PayloadAnnotation(e.payload, "description"))));
  EXPECT_THAT(r.log_extra_fields, Contains(Pair("SELF_HEAL_ESCALATION_ID", "42")));
  EXPECT_THAT(r.log_extra_fields, Contains(Pair("SELF_HEAL_INSTANCE", "web-1:9100; rm -rf /")));
  EXPECT_THAT(r.environment, Contains(Pair("SELF_HEAL_FINGERPRINT", "6d0a5ab2a4a7c2f1")));
  EXPECT_THAT(r.log_extra_fields, Contains(Pair("SELF_HEAL_FINGERPRINT", "6d0a5ab2a4a7c2f1")))
      << "its output joins the alert's story";
}

}  // namespace
}  // namespace selfheal
