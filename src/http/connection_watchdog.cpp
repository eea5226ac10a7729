#include "http/connection_watchdog.h"

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "http/rejection.h"
#include "http/tcp_counters.h"

namespace selfheal {

namespace {

using SteadyClock = std::chrono::steady_clock;

uint64_t IdOf(const ConnectionState& state) { return reinterpret_cast<uintptr_t>(&state); }

std::string ErrorOf(DropCause cause, const ConnectionPolicy& policy) {
  switch (cause) {
    case DropCause::kHeadersDeadline:
      return "request headers not complete within RequestTimeoutSec=" +
             FormatTimespan(policy.header_deadline) +
             " of the connection's start or its previous request; connection dropped";
    case DropCause::kBodyDeadline:
      return "request body not complete within RequestTimeoutSec=" +
             FormatTimespan(policy.body_deadline) + " of its headers; connection dropped";
    case DropCause::kEvictedForConnection:
      return "all " + std::to_string(policy.table_size) +
             " connections taken: dropped the one waiting longest for its headers, to make "
             "room for a new one";
    case DropCause::kEvictedForBody:
      return "all " + std::to_string(policy.body_slots) +
             " body slots (MaxConnections=) taken: dropped the body arriving longest (over " +
             FormatTimespan(policy.body_grace) + "), to make room for a new request";
  }
  return "connection dropped";
}

}  // namespace

ConnectionWatchdog::ConnectionWatchdog(const ConnectionPolicy& policy, JournalSink& journal)
    : policy_(policy), journal_(journal), table_(policy) {}

ConnectionWatchdog::~ConnectionWatchdog() {
  std::vector<AuditEvent> events;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    SummariesLocked(throttle_.TakeAll(), events);
  }
  try {
    Write(events);
  } catch (...) {
  }
}

void ConnectionWatchdog::Start() { thread_ = std::thread(&ConnectionWatchdog::Run, this); }

void ConnectionWatchdog::Opened(ConnectionState& state) {
  std::vector<AuditEvent> events;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Instant now = SteadyClock::now();
    watched_[IdOf(state)] = Watched{&state, 0};
    if (std::optional<Drop> drop = table_.Opened(IdOf(state), now)) {
      DropLocked(*drop, now, events);
    }
    RescheduleLocked();
  }
  Write(events);
}

bool ConnectionWatchdog::AdmitBody(ConnectionState* state) {
  std::vector<AuditEvent> events;
  bool admitted = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Instant now = SteadyClock::now();
    ConnectionTable::BodyAdmission admission =
        table_.AdmitBody(state != nullptr ? IdOf(*state) : 0, now);
    if (admission.drop) DropLocked(*admission.drop, now, events);
    admitted = admission.admitted;
    RescheduleLocked();
  }
  Write(events);
  return admitted;
}

void ConnectionWatchdog::RequestEnded(ConnectionState& state,
                                      const std::optional<TcpCounters>& counters) {
  std::lock_guard<std::mutex> lock(mu_);
  table_.RequestEnded(IdOf(state), SteadyClock::now());
  if (auto it = watched_.find(IdOf(state)); it != watched_.end()) {
    it->second.segments_in = counters ? counters->data_segments_in : 0;
  }
  RescheduleLocked();
}

void ConnectionWatchdog::Closed(ConnectionState& state) {
  std::lock_guard<std::mutex> lock(mu_);
  table_.Closed(IdOf(state));
  watched_.erase(IdOf(state));
}

void ConnectionWatchdog::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    const Instant now = SteadyClock::now();
    std::vector<AuditEvent> events;
    for (const Drop& drop : table_.Expired(now)) DropLocked(drop, now, events);
    SummariesLocked(throttle_.TakeDue(now), events);
    if (!events.empty()) {
      lock.unlock();
      try {
        Write(events);
      } catch (...) {
      }
      lock.lock();
      continue;
    }
    std::optional<Instant> next = table_.NextDeadline();
    if (std::optional<Instant> due = throttle_.Due(); due && (!next || *due < *next)) next = due;
    sleeping_until_ = next;
    asleep_ = true;
    woken_ = false;
    auto wakeup = [this] { return stop_ || woken_; };
    if (next) {
      wake_.wait_until(lock, *next, wakeup);
    } else {
      wake_.wait(lock, wakeup);
    }
    asleep_ = false;
  }
}

void ConnectionWatchdog::RescheduleLocked() {
  if (!asleep_ || woken_) return;
  std::optional<Instant> next = table_.NextDeadline();
  if (std::optional<Instant> due = throttle_.Due(); due && (!next || *due < *next)) next = due;
  if (!next || (sleeping_until_ && *sleeping_until_ <= *next)) return;
  woken_ = true;
  wake_.notify_one();
}

void ConnectionWatchdog::DropLocked(const Drop& drop, Instant now, std::vector<AuditEvent>& out) {
  auto it = watched_.find(drop.id);
  if (it == watched_.end()) return;
  ConnectionState& state = *it->second.state;
  state.dropped = true;
  bool journal = true;
  if (drop.cause == DropCause::kHeadersDeadline) {
    const std::optional<TcpCounters> counters = ReadTcpCounters(state.fd);
    journal = !counters || counters->data_segments_in > it->second.segments_in;
  }
  if (state.fd >= 0) shutdown(state.fd, SHUT_RDWR);
  const std::string reason = ReasonOf(drop.cause);
  if (!journal || !throttle_.Admit(now, reason)) return;
  RequestRejection rejection;
  rejection.remote = state.remote;
  rejection.reason = reason;
  rejection.error = ErrorOf(drop.cause, policy_);
  out.push_back(RequestRejectedEvent(rejection));
}

void ConnectionWatchdog::SummariesLocked(const std::vector<SuppressedDrops>& due,
                                         std::vector<AuditEvent>& out) const {
  for (const SuppressedDrops& s : due) {
    out.push_back(DroppedConnectionsEvent(s.reason, s.count, throttle_.window()));
  }
}

void ConnectionWatchdog::ThrottledJournal::Write(const AuditEvent& event) {
  std::string reason;
  for (const auto& [name, value] : event.fields) {
    if (name == "REASON") reason = value;
  }
  std::vector<AuditEvent> events;
  {
    std::lock_guard<std::mutex> lock(watchdog.mu_);
    const Instant now = SteadyClock::now();
    watchdog.SummariesLocked(watchdog.throttle_.TakeDue(now), events);
    if (watchdog.throttle_.Admit(now, reason)) events.push_back(event);
    watchdog.RescheduleLocked();  // the thread writes the summary when the window ends
  }
  watchdog.Write(events);
}

void ConnectionWatchdog::Write(const std::vector<AuditEvent>& events) {
  for (const AuditEvent& event : events) journal_.Write(event);
}

}  // namespace selfheal
