// webhook_service.h — one webhook request, start to answer: parse, decide each alert,
// record, launch, journal. Knows nothing of HTTP framing or sockets (http/ does that)
// and nothing of SQLite or systemd (the Store and Launcher seams do).
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "alert/webhook_parser.h"
#include "common/time.h"
#include "config/config.h"
#include "escalate/escalation_payload.h"
#include "http/server.h"
#include "journal/journal.h"
#include "launch/launcher.h"
#include "state/store.h"

namespace selfheal {

class WebhookService {
 public:
  // All references must outlive the service. `launcher` may be null: decisions are
  // then recorded and journaled but nothing is started (used by nothing but tests of
  // the decision trail).
  WebhookService(const Config& config, Store& store, Launcher* launcher, JournalSink& journal,
                 const WallClock& clock, const ParseLimits& limits = {});

  // 200 once every alert is decided, recorded and launched or skipped; 400 (nothing
  // done) for a malformed payload; 503 when the store or systemd is unavailable, so
  // Alertmanager retries. Never a 2xx for an alert that was not recorded. All of a
  // request's questions to systemd share one deadline, kSystemdPatience from the
  // start of the decisions: once it has passed (a call waited that long), systemd is
  // not asked again and the alerts left are answered 503, however many there are.
  HttpResponse Handle(const WebhookRequest& request);

  // The command each handler unit runs, privileged, when it stops, to record its
  // result; the unit name is appended. Empty (the default): no recorder.
  void SetResultRecorder(std::vector<std::string> argv);

  // Where a launch systemd will never take (Start says kInvalidInput: an unknown User=,
  // a property refused) gets its failed result at once, as no recorder will ever run
  // for it. Null (the default): its attempt stays unfinished until the next
  // notification finds no unit.
  void SetResultStore(ResultStore* store);

  // The file whose creation wakes the escalation deliverer (DeliveryRequestPath),
  // created once an escalation committed. Empty (the default): nobody is woken.
  void SetDeliveryWake(std::string wake_path);

  // Called on the request thread after every request that may have changed the state
  // (the caller refreshes the metrics off the request path).
  void SetOnStateChanged(std::function<void()> callback);

  // Decides the requests from now on with `config` (`systemctl reload`). Safe from any
  // thread: a request being decided finishes with the config it started with, so
  // `config` and every config it replaces must outlive the service.
  void UseConfig(const Config& config);

 private:
  // What may not be done before the store's group is flushed: the journal entries of
  // its decisions, and the escalations they announce.
  struct Unflushed {
    std::vector<AuditEvent> entries;
    std::vector<EscalationFacts> escalations;
  };
  // Flushes the store's group, then journals and announces what waited for it; on a
  // failure nothing of it is journaled (it was rolled back).
  Status MakeDurable(Unflushed& unflushed);
  // Decides and records each alert in turn; `reached` counts those it began, and the
  // first error answer ends the request.
  HttpResponse DecideAll(const WebhookRequest& request, const std::vector<Alert>& alerts,
                         size_t& reached);
  // Both fail only with Errc::kTimedOut: systemd did not answer by `deadline`, and the
  // request ends 503 before this alert is recorded.
  Status ForgetRunsThatNeverStarted(const Alert& alert, History& history, const std::string& remote,
                                    Deadline deadline);
  Status SkipIfUnitActive(const Alert& alert, Decision& decision, Deadline deadline);
  bool Launch(const Config& config, const Alert& alert, Decision& decision,
              const std::string& remote, TimePoint now, Deadline deadline);
  void RecordNeverRan(const Config& config, const Alert& alert, const Decision& decision,
                      const std::string& unit, TimePoint now);

  std::atomic<const Config*> config_;
  Store& store_;
  Launcher* launcher_;
  JournalSink& journal_;
  const WallClock& clock_;
  ParseLimits limits_;
  std::vector<std::string> result_argv_;
  ResultStore* result_store_ = nullptr;
  std::string wake_path_;
  std::function<void()> on_state_changed_;
};

}  // namespace selfheal
