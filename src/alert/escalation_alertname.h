// escalation_alertname.h — the alertname of the alert self-heal raises itself when a
// breaker opens (escalate/). The config refuses a handler for it and policy never
// acts on it: a failing handler must never set off handlers.
#pragma once

#include <string_view>

namespace selfheal {

inline constexpr std::string_view kEscalationAlertName = "SelfHealExhausted";

}  // namespace selfheal
