#include "http/connection_deadlines.h"

#include <algorithm>

namespace selfheal {

ConnectionPolicy PolicyFor(const ServerOptions& options) {
  ConnectionPolicy policy;
  policy.body_slots = std::max(1u, options.max_connections);
  policy.table_size = policy.body_slots + kSpareConnections;
  policy.header_deadline = options.request_timeout;
  policy.body_deadline = options.request_timeout;
  policy.body_grace = std::min(kBodyGrace, options.request_timeout);
  return policy;
}

unsigned MhdConnectionLimit(const ConnectionPolicy& policy) {
  return policy.table_size + kDropHeadroom;
}

const char* ReasonOf(DropCause cause) {
  switch (cause) {
    case DropCause::kHeadersDeadline:
      return "headers-deadline";
    case DropCause::kBodyDeadline:
      return "body-deadline";
    case DropCause::kEvictedForConnection:
      return "evicted";
    case DropCause::kEvictedForBody:
      return "body-evicted";
  }
  return "evicted";
}

ConnectionTable::Instant ConnectionTable::DeadlineOf(const Entry& entry) const {
  return entry.since + (entry.in_body ? policy_.body_deadline : policy_.header_deadline);
}

std::optional<Drop> ConnectionTable::Opened(uint64_t id, Instant now) {
  entries_[id] = Entry{false, false, now};
  if (Live() <= policy_.table_size) return std::nullopt;
  // The newcomer itself is the oldest only when every other one is reading a body.
  auto victim = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    const Entry& e = it->second;
    if (e.dropped || e.in_body) continue;
    if (victim == entries_.end() || e.since < victim->second.since) victim = it;
  }
  if (victim == entries_.end()) return std::nullopt;
  victim->second.dropped = true;
  return Drop{victim->first, DropCause::kEvictedForConnection};
}

ConnectionTable::BodyAdmission ConnectionTable::AdmitBody(uint64_t id, Instant now) {
  auto self = entries_.find(id);
  if (self != entries_.end() && self->second.dropped) return {};
  BodyAdmission admission;
  if (Bodies() >= policy_.body_slots) {
    auto victim = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      const Entry& e = it->second;
      if (e.dropped || !e.in_body || now - e.since < policy_.body_grace) continue;
      if (victim == entries_.end() || e.since < victim->second.since) victim = it;
    }
    if (victim == entries_.end()) return {};
    victim->second.dropped = true;
    admission.drop = Drop{victim->first, DropCause::kEvictedForBody};
  }
  admission.admitted = true;
  if (self != entries_.end()) self->second = Entry{true, false, now};
  return admission;
}

void ConnectionTable::RequestEnded(uint64_t id, Instant now) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  it->second.in_body = false;
  it->second.since = now;
}

void ConnectionTable::Closed(uint64_t id) { entries_.erase(id); }

std::vector<Drop> ConnectionTable::Expired(Instant now) {
  std::vector<Drop> drops;
  for (auto& [id, e] : entries_) {
    if (e.dropped || now < DeadlineOf(e)) continue;
    e.dropped = true;
    drops.push_back({id, e.in_body ? DropCause::kBodyDeadline : DropCause::kHeadersDeadline});
  }
  return drops;
}

std::optional<ConnectionTable::Instant> ConnectionTable::NextDeadline() const {
  std::optional<Instant> next;
  for (const auto& [id, e] : entries_) {
    if (e.dropped) continue;
    const Instant deadline = DeadlineOf(e);
    if (!next || deadline < *next) next = deadline;
  }
  return next;
}

unsigned ConnectionTable::Live() const {
  return static_cast<unsigned>(std::count_if(entries_.begin(), entries_.end(),
                                             [](const auto& kv) { return !kv.second.dropped; }));
}

unsigned ConnectionTable::Bodies() const {
  return static_cast<unsigned>(std::count_if(entries_.begin(), entries_.end(), [](const auto& kv) {
    return !kv.second.dropped && kv.second.in_body;
  }));
}

}  // namespace selfheal
