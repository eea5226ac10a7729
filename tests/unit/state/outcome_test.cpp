#include <gtest/gtest.h>

#include "state/records.h"

namespace selfheal {
namespace {

struct Case {
  const char* service_result;
  const char* exit_code;
  const char* exit_status;
  Outcome want;
};

TEST(OutcomeTest, SystemdReportsMapToTheHandlerContract) {
  const Case cases[] = {
      {"success", "exited", "0", Outcome::kDone},
      {"exit-code", "exited", "1", Outcome::kFailed},
      {"exit-code", "exited", "2", Outcome::kGaveUp},
      {"exit-code", "exited", "3", Outcome::kNotApplicable},
      {"exit-code", "exited", "4", Outcome::kFailed},
      {"exit-code", "exited", "127", Outcome::kFailed},
      {"timeout", "killed", "TERM", Outcome::kFailed},  // RuntimeMaxSec= reached
      {"timeout", "exited", "0", Outcome::kFailed},     // exited 0 on SIGTERM: still a timeout
      {"signal", "killed", "KILL", Outcome::kFailed},
      {"core-dump", "dumped", "SEGV", Outcome::kFailed},
      {"oom-kill", "killed", "KILL", Outcome::kFailed},
      {"success", "exited", "3", Outcome::kNotApplicable},  // SuccessExitStatus=3
      {"success", "", "", Outcome::kDone},
      {"exit-code", "", "", Outcome::kFailed},
      {"resources", "", "", Outcome::kFailed},  // the unit never started
      {"", "exited", "2", Outcome::kGaveUp},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(OutcomeName(OutcomeOf(c.service_result, c.exit_code, c.exit_status)),
              OutcomeName(c.want))
        << c.service_result << " " << c.exit_code << " " << c.exit_status;
  }
}

TEST(OutcomeTest, NamesAreTheInterfaceNames) {
  EXPECT_EQ(OutcomeName(Outcome::kDone), "done");
  EXPECT_EQ(OutcomeName(Outcome::kFailed), "failed");
  EXPECT_EQ(OutcomeName(Outcome::kGaveUp), "gave-up");
  EXPECT_EQ(OutcomeName(Outcome::kNotApplicable), "not-applicable");
}

}  // namespace
}  // namespace selfheal
