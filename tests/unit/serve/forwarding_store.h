// forwarding_store.h — a Store that hands every call to a MemoryStore, for the service
// tests that change one answer of a real store (a failure, a planted history).
#pragma once

#include "state/memory_store.h"
#include "state/store.h"

namespace selfheal {

struct ForwardingStore : Store {
  Expected<History> LoadHistory(const Alert& alert,
                                const std::vector<const HandlerConfig*>& handlers,
                                TimePoint now) override {
    return inner.LoadHistory(alert, handlers, now);
  }
  Status Record(const Alert& a, const Decision& d, TimePoint now, const Escalation* e) override {
    return inner.Record(a, d, now, e);
  }
  Status CancelLaunch(const Alert& a, const Decision& d, TimePoint t) override {
    return inner.CancelLaunch(a, d, t);
  }
  Status AwaitRetry(std::span<const Alert> alerts, TimePoint now) override {
    return inner.AwaitRetry(alerts, now);
  }
  Expected<ResolveCredit> CreditResolved(const Alert& a, const Decision& d, TimePoint t) override {
    return inner.CreditResolved(a, d, t);
  }
  MemoryStore inner;
};

}  // namespace selfheal
