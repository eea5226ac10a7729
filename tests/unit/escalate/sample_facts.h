// sample_facts.h — one breaker opening, as the escalation tests share it: nginx on
// web-1:9100 failed three times within 4h.
#pragma once

#include <chrono>

#include "escalate/escalation_payload.h"

namespace selfheal::test {

inline EscalationFacts NginxFacts() {
  using namespace std::chrono_literals;
  EscalationFacts f;
  f.alertname = "NginxDown";
  f.instance = "web-1:9100";
  f.fingerprint = "6d0a5ab2a4a7c2f1";
  f.handler = "nginx-restart";
  f.attempts = 3;
  f.max_attempts = 3;
  f.window = 4h;
  f.last_result = "failed";
  f.unit = "self-heal-nginx-restart-1a2b3c4d.service";
  f.opened_at = *ParseRfc3339("2026-11-22T12:00:00Z");
  f.labels = {{"alertname", "NginxDown"},
              {"heal", "true"},
              {"instance", "web-1:9100"},
              {"job", "nginx"},
              {"severity", "warning"}};
  f.generator_url = "http://prometheus:9090/graph?g0.expr=up";
  return f;
}

}  // namespace selfheal::test
