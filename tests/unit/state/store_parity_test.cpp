// MemoryStore and SqliteStore must tell Decide the same story. One scenario, played as
// data against both: at each step both histories are loaded and compared (as Decide
// reads them), the decision is made, and it is recorded into both.
//
// SqliteStore knows more than MemoryStore in one respect: it sets run_active while an
// attempt awaits its result (MemoryStore never sees results). The comparison leaves
// run_active out; SqliteStoreTest covers it.
#include <gtest/gtest.h>

#include "policy/decide.h"
#include "state/memory_store.h"
#include "state/sqlite_store.h"
#include "store_test_util.h"

namespace selfheal {
namespace {

using namespace std::chrono_literals;
using namespace state_test;

struct Step {
  Duration at;  // since kT0
  const char* alertname;
  const char* instance;
  const char* fingerprint;
  const char* starts_at;
  Verdict want;
  int want_attempt = 0;
  bool resolved = false;
  bool refused = false;                              // systemd refused the unit: CancelLaunch
  std::optional<Duration> pause_for = std::nullopt;  // pause both stores before deciding
  const char* sender = "http://am-a:9093";           // the webhook's externalURL
};

constexpr const char* kAmB = "http://am-b:9093";

constexpr const char* kS1 = "2026-11-22T11:59:00.000Z";
constexpr const char* kS2 = "2026-11-22T13:00:00.000Z";
constexpr const char* kS3 = "2026-11-22T13:10:00.000Z";

// disk: MaxAttempts=3 Window=1h; nginx needs severity=critical; probe is dry-run.
const std::vector<Step> kScenario = {
    {0s, "DiskSpaceLow", "web-1:9100", "fp1", kS1, Verdict::kLaunch, 1},
    {50ms, "DiskSpaceLow", "web-1:9100", "fp1", kS1, Verdict::kDuplicateNotification, 0, false,
     false, std::nullopt, kAmB},                                                      // HA twin
    {1s, "DiskSpaceLow", "web-1:9100", "fp1", kS1, Verdict::kDuplicateNotification},  // a retry
    {10min, "DiskSpaceLow", "web-1:9100", "fp1", kS1, Verdict::kLaunch, 2},  // repeat_interval
    {20min, "DiskSpaceLow", "web-1:9100", "fp1", kS1, Verdict::kLaunch, 3, false, true},
    {20min + 1s, "DiskSpaceLow", "web-1:9100", "fp1", kS1, Verdict::kLaunch, 3},  // the retry
    {30min, "DiskSpaceLow", "web-1:9100", "fp1", kS1, Verdict::kBreakerOpen},     // opens
    {40min, "DiskSpaceLow", "web-1:9100", "fp1", kS1, Verdict::kBreakerOpen},  // no 2nd escalation
    {40min, "DiskSpaceLow", "web-2:9100", "fp2", kS1, Verdict::kLaunch, 1},    // other key
    {90min - 1s, "DiskSpaceLow", "web-1:9100", "fp1", kS1, Verdict::kBreakerOpen},
    {90min, "DiskSpaceLow", "web-1:9100", "fp1", kS2, Verdict::kLaunch, 1},  // window passed
    {91min, "DiskSpaceLow", "web-2:9100", "fp3", kS2, Verdict::kPaused, 0, false, false, 10min},
    {91min + 30s, "DiskSpaceLow", "web-2:9100", "fp3", kS2, Verdict::kDuplicateNotification, 0,
     false, false, std::nullopt, kAmB},
    {91min + 40s, "DiskSpaceLow", "web-2:9100", "fp3", kS2, Verdict::kPaused},  // am-a repeats
    {95min, "DiskSpaceLow", "web-2:9100", "fp3", kS3, Verdict::kPaused},
    {102min, "DiskSpaceLow", "web-2:9100", "fp3", kS2, Verdict::kLaunch, 1},  // pause over
    {103min, "ServiceDown", "web-1:8080", "fp4", kS2, Verdict::kLabelsMismatch},
    {103min, "ServiceDown", "web-1:8080", "fp4", kS2, Verdict::kLabelsMismatch},  // never deduped
    {104min, "DiskSpaceLow", "web-3:9100", "fp5", kS2, Verdict::kInstanceNotAllowed},
    {105min, "Unrelated", "web-1:9100", "fp6", kS2, Verdict::kNoHandler},
    {106min, "DiskSpaceLow", "web-1:9100", "fp1", kS1, Verdict::kResolved, 0, true},
    {107min, "Probe", "web-1:9100", "fp7", kS2, Verdict::kDryRun, 1},
    {109min, "Probe", "web-1:9100", "fp7", kS3, Verdict::kDryRun, 1},  // dry runs don't count
    {110min, "SelfHealExhausted", "web-1:9100", "fp8", kS3, Verdict::kNoHandler},
};

Config ScenarioConfig() {
  Config c;
  HandlerConfig disk = MakeHandler("disk", "DiskSpaceLow", {"web-1:9100", "web-2:9100"});
  disk.window = 1h;
  c.handlers.push_back(disk);
  HandlerConfig nginx = MakeHandler("nginx", "ServiceDown", {"web-1:8080"});
  nginx.labels.push_back({"severity", "critical"});
  c.handlers.push_back(nginx);
  HandlerConfig probe = MakeHandler("probe", "Probe", {"web-1:9100"});
  probe.mode = HandlerMode::kDryRun;
  c.handlers.push_back(probe);
  return c;
}

// The history as Decide reads it: attempts within the window, a breaker only while
// open, a missing key the same as an empty one; run_active left out (see above).
struct Seen {
  std::optional<TimePoint> paused_until;
  std::optional<TimePoint> round_started_at;
  std::map<std::string, TimePoint> senders;
  std::map<std::string, std::pair<std::vector<TimePoint>, std::optional<TimePoint>>> keys;
  std::map<std::string, bool> escalated;
  bool operator==(const Seen&) const = default;
};

Seen AsDecideSeesIt(const History& h, const std::vector<const HandlerConfig*>& handlers,
                    TimePoint now) {
  Seen seen{
      h.paused_until,
      h.notification_round ? std::optional(h.notification_round->started_at) : std::nullopt,
      h.notification_round ? h.notification_round->senders : std::map<std::string, TimePoint>{},
      {},
      {}};
  for (const HandlerConfig* handler : handlers) {
    auto it = h.keys.find(handler->name);
    KeyState key = it == h.keys.end() ? KeyState{} : it->second;
    std::vector<TimePoint> attempts;
    for (TimePoint t : key.attempts) {
      if (t <= now && now - t < handler->window) attempts.push_back(t);
    }
    std::optional<TimePoint> breaker;
    if (key.breaker_opened_at && now - *key.breaker_opened_at < handler->window) {
      breaker = key.breaker_opened_at;
      seen.escalated[handler->name] = key.escalated;
    }
    seen.keys[handler->name] = {attempts, breaker};
  }
  return seen;
}

TEST(StoreParityTest, MemoryAndSqliteStoresTellDecideTheSameStory) {
  const Config config = ScenarioConfig();
  TempDir dir;
  auto opened = SqliteStore::Open(dir.path());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  SqliteStore& sqlite = *opened.value();
  MemoryStore memory;

  for (size_t i = 0; i < kScenario.size(); ++i) {
    const Step& step = kScenario[i];
    SCOPED_TRACE("step " + std::to_string(i) + ": " + step.alertname + " on " + step.instance);
    TimePoint now = kT0 + step.at;
    Alert alert = MakeAlert(step.alertname, step.instance, step.fingerprint, step.starts_at,
                            step.resolved ? AlertStatus::kResolved : AlertStatus::kFiring);
    alert.external_url = step.sender;
    if (step.pause_for) {
      memory.SetPausedUntil(now + *step.pause_for);
      ASSERT_TRUE(sqlite.SetPausedUntil(now + *step.pause_for).ok());
    }
    std::vector<const HandlerConfig*> handlers = CandidateHandlers(alert, config);
    auto from_memory = memory.LoadHistory(alert, handlers, now);
    auto from_sqlite = sqlite.LoadHistory(alert, handlers, now);
    ASSERT_TRUE(from_memory.ok());
    ASSERT_TRUE(from_sqlite.ok()) << from_sqlite.error().message;
    EXPECT_TRUE(AsDecideSeesIt(from_memory.value(), handlers, now) ==
                AsDecideSeesIt(from_sqlite.value(), handlers, now));

    Decision d = Decide(alert, config, from_memory.value(), now);
    History sqlite_history = from_sqlite.value();
    for (auto& [name, key] : sqlite_history.keys) key.run_active = false;
    Decision d2 = Decide(alert, config, sqlite_history, now);
    EXPECT_EQ(VerdictName(d.verdict), VerdictName(step.want));
    EXPECT_EQ(d.attempt, step.want_attempt);
    EXPECT_EQ(VerdictName(d2.verdict), VerdictName(d.verdict));
    EXPECT_EQ(d2.attempt, d.attempt);
    EXPECT_EQ(d2.escalate, d.escalate);
    EXPECT_EQ(d2.opens_breaker, d.opens_breaker);

    Escalation row = EscalationRow(d.handler ? d.handler->name : "", alert.instance(), now);
    const Escalation* escalation = d.escalate ? &row : nullptr;
    ASSERT_TRUE(memory.Record(alert, d, now, escalation).ok());
    Status recorded = sqlite.Record(alert, d, now, escalation);
    ASSERT_TRUE(recorded.ok()) << recorded.error().message;
    if (step.refused) {
      ASSERT_TRUE(memory.CancelLaunch(alert, d, now).ok());
      ASSERT_TRUE(sqlite.CancelLaunch(alert, d, now).ok());
    }
  }
}

TEST(StoreParityTest, BreakerOpeningEscalatesOnceInBothStores) {
  const Config config = ScenarioConfig();
  TempDir dir;
  auto opened = SqliteStore::Open(dir.path());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  MemoryStore memory;
  for (Store* store : std::vector<Store*>{&memory, opened.value().get()}) {
    std::vector<bool> escalations;
    for (int i = 0; i < 6; ++i) {
      TimePoint now = kT0 + i * 10min;
      Alert alert = MakeAlert("DiskSpaceLow", "web-1:9100", "fp", kS1);
      auto h = store->LoadHistory(alert, CandidateHandlers(alert, config), now);
      ASSERT_TRUE(h.ok());
      for (auto& [name, key] : h.value().keys) key.run_active = false;
      Decision d = Decide(alert, config, h.value(), now);
      escalations.push_back(d.escalate);
      Escalation row = EscalationRow("disk", alert.instance(), now);
      ASSERT_TRUE(store->Record(alert, d, now, d.escalate ? &row : nullptr).ok());
    }
    EXPECT_EQ(escalations, (std::vector<bool>{false, false, false, true, false, false}));
  }
}

}  // namespace
}  // namespace selfheal
