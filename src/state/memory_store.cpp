#include "state/memory_store.h"

#include "state/dedup.h"

namespace selfheal {

std::string KeyOf(const HealKey& key) { return key.handler + '\n' + key.instance; }

std::string NotificationKeyOf(const Alert& alert) {
  return alert.fingerprint + '\n' + alert.starts_at_text;
}

Expected<History> MemoryStore::LoadHistory(const Alert& alert,
                                           const std::vector<const HandlerConfig*>& handlers,
                                           TimePoint) {
  std::lock_guard lock(mu_);
  History h;
  h.paused_until = paused_until_;
  if (auto it = rounds_.find(NotificationKeyOf(alert)); it != rounds_.end()) {
    h.notification_round = it->second;
  }
  for (const HandlerConfig* handler : handlers) {
    if (auto it = keys_.find(KeyOf({handler->name, alert.instance()})); it != keys_.end()) {
      h.keys[handler->name] = it->second;
    }
  }
  return h;
}

Status MemoryStore::Record(const Alert& alert, const Decision& d, TimePoint now,
                           const Escalation*) {
  std::lock_guard lock(mu_);
  if (RoundChange change = RoundChangeFor(alert, d); change != RoundChange::kNone) {
    std::optional<NotificationRound> round;
    auto it = rounds_.find(NotificationKeyOf(alert));
    if (it != rounds_.end()) round = it->second;
    ApplyRoundChange(round, change, alert.external_url, now);
    if (round) rounds_[NotificationKeyOf(alert)] = *round;
  }
  if (!d.handler) return Ok();
  KeyState& key = keys_[KeyOf({d.handler->name, alert.instance()})];
  if (d.verdict == Verdict::kLaunch) key.attempts.push_back(now);
  if (d.opens_breaker) {
    key.breaker_opened_at = now;
    key.escalated = false;
  }
  if (d.escalate) key.escalated = true;
  return Ok();
}

Status MemoryStore::CancelLaunch(const Alert& alert, const Decision& d, TimePoint recorded_at) {
  std::lock_guard lock(mu_);
  if (auto it = rounds_.find(NotificationKeyOf(alert));
      it != rounds_.end() && it->second.started_at == recorded_at) {
    rounds_.erase(it);
  }
  if (!d.handler) return Ok();
  KeyState& key = keys_[KeyOf({d.handler->name, alert.instance()})];
  std::erase(key.attempts, recorded_at);
  return Ok();
}

Status MemoryStore::AwaitRetry(std::span<const Alert> alerts, TimePoint now) {
  std::lock_guard lock(mu_);
  for (const Alert& alert : alerts) {
    auto it = rounds_.find(NotificationKeyOf(alert));
    if (it == rounds_.end()) continue;
    if (auto sender = it->second.senders.find(alert.external_url);
        sender != it->second.senders.end()) {
      sender->second = now;
    }
  }
  return Ok();
}

Expected<ResolveCredit> MemoryStore::CreditResolved(const Alert&, const Decision&, TimePoint) {
  return ResolveCredit{};
}

void MemoryStore::SetPausedUntil(std::optional<TimePoint> until) {
  std::lock_guard lock(mu_);
  paused_until_ = until;
}

}  // namespace selfheal
