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
  Status Start(const LaunchRequest& request) override {
    if (unavailable) return Error{Errc::kUnavailable, "systemd is not reachable"};
    if (active.contains(request.unit_name)) {
      return Error{Errc::kConflict, "'" + request.unit_name + "' is active"};
    }
    active.insert(request.unit_name);
    started.push_back(request);
    return Ok();
  }
  Expected<bool> Exists(const std::string& unit_name) override {
    if (unavailable) return Error{Errc::kUnavailable, "systemd is not reachable"};
    return active.contains(unit_name);
  }
  std::vector<LaunchRequest> started;
  std::set<std::string> active;
  bool unavailable = false;
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
