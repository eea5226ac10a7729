// Alertmanager's repeats must reach the budget at any repeat_interval, and the copies
// an HA pair sends of one notification never may (state/dedup.h). Played with the
// captured requests of two Alertmanagers (different externalURL) through the whole
// request path, against both stores, on a fake clock.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fakes.h"
#include "fixtures.h"
#include "serve/webhook_service.h"
#include "state/memory_store.h"
#include "state/sqlite_store.h"
#include "state/store_test_util.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;

constexpr const char* kFromA = "10-ha-am-a-firing.json";  // externalURL http://127.0.0.1:19093
constexpr const char* kFromB = "11-ha-am-b-firing.json";  // externalURL http://127.0.0.1:19193

class RepeatVsHaCopyTest : public testing::TestWithParam<bool> {
 protected:
  RepeatVsHaCopyTest() {
    HandlerConfig disk;
    disk.name = "disk-space-low";
    disk.alertname = "DiskSpaceLow";
    disk.instances = {"web-1:9100"};
    disk.exec = {"/usr/lib/self-heal/handlers/clean-disk", "/var"};
    disk.max_attempts = 3;
    disk.window = 24h;  // so that repeats 4 h apart can exhaust it
    config_.handlers = {disk};
    if (GetParam()) {
      auto opened = SqliteStore::Open(dir_.path());
      EXPECT_TRUE(opened.ok()) << opened.error().message;
      if (opened.ok()) sqlite_ = std::move(opened).value();
      store_ = sqlite_.get();
    } else {
      store_ = &memory_;
    }
    service_ = std::make_unique<WebhookService>(config_, *store_, &launcher_, journal_, clock_);
  }

  // Posts `fixture` at the current fake time; the run it starts fails at once (as
  // its unit's ExecStopPost= would record), so the next repeat may run again.
  void Post(const char* fixture) {
    size_t started = launcher_.started.size();
    ASSERT_EQ(service_->Handle({fixtures::Read(fixture), "127.0.0.1:4000"}).status, 200);
    launcher_.active.clear();
    if (!sqlite_ || launcher_.started.size() == started) return;
    RunResult failed;
    failed.handler = "disk-space-low";
    failed.instance = "web-1:9100";
    failed.unit = launcher_.started.back().unit_name;
    failed.invocation_id = "run-" + std::to_string(started);
    failed.service_result = "exit-code";
    failed.exit_code = "exited";
    failed.exit_status = "1";
    failed.outcome = Outcome::kFailed;
    failed.finished_at = clock_.Now();
    const HandlerConfig& h = config_.handlers[0];
    auto effect = sqlite_->RecordResult(failed, h.max_attempts, h.window,
                                        [](const ResultEffect&) { return Escalation{}; });
    ASSERT_TRUE(effect.ok()) << effect.error().message;
  }
  std::vector<std::string> Decisions() const {
    std::vector<std::string> out;
    for (size_t i = 0; i < journal_.events.size(); ++i) {
      if (journal_.events[i].type == EventType::kDecision)
        out.push_back(journal_.Field(i, "DECISION"));
    }
    return out;
  }

  // `rounds` notifications `interval` apart, each sent by A and, `gap` later, by B.
  void TwoAlertmanagers(int rounds, Duration interval, Duration gap) {
    for (int i = 0; i < rounds; ++i) {
      Post(kFromA);
      clock_.Advance(gap);
      Post(kFromB);
      clock_.Advance(interval - gap);
    }
  }
  void OneAlertmanager(int rounds, Duration interval) {
    for (int i = 0; i < rounds; ++i) {
      Post(kFromA);
      clock_.Advance(interval);
    }
  }

  state_test::TempDir dir_;
  Config config_;
  MemoryStore memory_;
  std::unique_ptr<SqliteStore> sqlite_;
  Store* store_ = nullptr;
  FakeLauncher launcher_;
  RecordingJournal journal_;
  FakeClock clock_;
  std::unique_ptr<WebhookService> service_;
};

const std::vector<std::string> kFourRepeats = {"launch", "launch", "launch", "breaker-open"};
const std::vector<std::string> kFourRepeatsWithCopies = {
    "launch", "duplicate-notification", "launch",       "duplicate-notification",
    "launch", "duplicate-notification", "breaker-open", "duplicate-notification"};

TEST_P(RepeatVsHaCopyTest, OneAlertmanagerRepeatingEvery5sReachesTheBudget) {
  OneAlertmanager(4, 5s);
  EXPECT_EQ(launcher_.started.size(), 3u);
  EXPECT_EQ(Decisions(), kFourRepeats);
}

TEST_P(RepeatVsHaCopyTest, OneAlertmanagerRepeatingEvery4hReachesTheBudget) {
  OneAlertmanager(4, 4h);
  EXPECT_EQ(launcher_.started.size(), 3u);
  EXPECT_EQ(Decisions(), kFourRepeats);
}

TEST_P(RepeatVsHaCopyTest, HaPairInPhaseEvery5sCountsOncePerRepeat) {
  TwoAlertmanagers(4, 5s, 15ms);
  EXPECT_EQ(launcher_.started.size(), 3u);
  EXPECT_EQ(Decisions(), kFourRepeatsWithCopies);
}

TEST_P(RepeatVsHaCopyTest, HaPairInPhaseEvery4hCountsOncePerRepeat) {
  TwoAlertmanagers(4, 4h, 21ms);
  EXPECT_EQ(launcher_.started.size(), 3u);
  EXPECT_EQ(Decisions(), kFourRepeatsWithCopies);
}

TEST_P(RepeatVsHaCopyTest, WhicheverAlertmanagerComesFirstTheRoundCountsOnce) {
  Post(kFromA);
  clock_.Advance(11ms);
  Post(kFromB);
  clock_.Advance(5s);
  Post(kFromB);  // B first this time
  clock_.Advance(11ms);
  Post(kFromA);
  EXPECT_EQ(launcher_.started.size(), 2u);
  EXPECT_EQ(Decisions(), (std::vector<std::string>{"launch", "duplicate-notification", "launch",
                                                   "duplicate-notification"}));
}

TEST_P(RepeatVsHaCopyTest, ClusterPeerSendingAfterItsPeerWaitIsACopy) {
  // Gossip lagged: the second peer sends after peer_timeout (15 s) × its position.
  Post(kFromA);
  clock_.Advance(15s);
  Post(kFromB);
  EXPECT_EQ(Decisions(), (std::vector<std::string>{"launch", "duplicate-notification"}));
}

TEST_P(RepeatVsHaCopyTest, AlertmanagersOwnRetryIsNotARepeat) {
  // A request answered 503 for another alert is retried after a backoff of 0.25–1.1 s:
  // the alerts of it already decided must not count twice.
  Post(kFromA);
  clock_.Advance(500ms);
  Post(kFromA);
  clock_.Advance(750ms);
  Post(kFromA);
  EXPECT_EQ(launcher_.started.size(), 1u);
  EXPECT_EQ(Decisions(), (std::vector<std::string>{"launch", "duplicate-notification",
                                                   "duplicate-notification"}));
  EXPECT_NE(journal_.events.back().message.find("a retry"), std::string::npos)
      << journal_.events.back().message;
}

TEST_P(RepeatVsHaCopyTest, CopyAfterTheDedupWindowCounts) {
  Post(kFromA);
  clock_.Advance(config_.server.dedup_window);
  Post(kFromB);
  EXPECT_EQ(Decisions(), (std::vector<std::string>{"launch", "launch"}));
}

TEST_P(RepeatVsHaCopyTest, ZeroDedupWindowCountsEveryCopy) {
  config_.server.dedup_window = Duration::zero();
  TwoAlertmanagers(1, 5s, 15ms);
  EXPECT_EQ(Decisions(), (std::vector<std::string>{"launch", "launch"}));
}

INSTANTIATE_TEST_SUITE_P(BothStores, RepeatVsHaCopyTest, testing::Values(false, true),
                         [](const testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "Sqlite" : "Memory");
                         });

}  // namespace
}  // namespace selfheal
