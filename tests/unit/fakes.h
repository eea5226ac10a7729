// fakes.h — the fakes of the four seams (clock, launcher, journal, store: the store's
// fake is MemoryStore). Each records what it was asked so tests assert on exactly that.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/time.h"
#include "journal/journal.h"
#include "launch/launcher.h"

namespace selfheal {

struct FakeClock : WallClock {
  TimePoint Now() const override { return now; }
  void Advance(Duration d) { now += d; }
  TimePoint now = *ParseRfc3339("2026-11-22T12:00:00Z");
};

struct FakeLauncher : Launcher {
  Status Start(const LaunchRequest& request, Deadline deadline) override {
    deadlines.push_back(deadline);
    if (unavailable) return Error{Errc::kUnavailable, "systemd is not reachable"};
    if (not_answering) {
      unanswered.push_back(request);
      if (takes_unanswered) active.insert(request.unit_name);
      return Error{Errc::kTimedOut,
                   "systemd did not answer about " + request.unit_name + " within 3000 ms"};
    }
    if (active.contains(request.unit_name)) {
      return Error{Errc::kConflict, "'" + request.unit_name + "' is active"};
    }
    active.insert(request.unit_name);
    started.push_back(request);
    return Ok();
  }
  Expected<bool> Exists(const std::string& unit_name, Deadline deadline) override {
    deadlines.push_back(deadline);
    if (unavailable) return Error{Errc::kUnavailable, "systemd is not reachable"};
    if (not_answering) {
      return Error{Errc::kTimedOut,
                   "systemd did not answer about " + unit_name + " within 3000 ms"};
    }
    return active.contains(unit_name);
  }
  // Every start systemd took: answered, or sent while it did not answer and taken later.
  size_t Launches() const { return started.size() + (takes_unanswered ? unanswered.size() : 0); }

  std::vector<LaunchRequest> started;     // started and answered
  std::vector<LaunchRequest> unanswered;  // sent while not_answering
  std::vector<Deadline> deadlines;        // of every call, in order
  std::set<std::string> active;
  bool unavailable = false;
  // Every call times out (systemd stopped or hung); a start sent meanwhile is taken
  // once systemd runs again (the unit is then active) when takes_unanswered.
  bool not_answering = false;
  bool takes_unanswered = true;
};

struct RecordingJournal : JournalSink {
  void Write(const AuditEvent& event) override { events.push_back(event); }
  std::string Field(size_t i, const std::string& name) const {
    for (const auto& [n, v] : events.at(i).fields)
      if (n == name) return v;
    return "<absent>";
  }
  std::vector<AuditEvent> events;
};

}  // namespace selfheal
