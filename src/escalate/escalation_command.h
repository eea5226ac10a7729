// escalation_command.h — EscalateExec= as a transient unit. Pure: the outbox decides
// when, the launcher starts it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "launch/launcher.h"
#include "state/records.h"

namespace selfheal {

// "self-heal-escalate-<id>.service": one name per escalation, so a round that started
// the command but lost its mark finds the unit still there (Errc::kConflict) rather
// than paging twice while the first one runs.
std::string EscalationCommandUnit(int64_t escalation_id);

// The command runs as `healer` (like a handler, never as root), for at most 5 min,
// with SELF_HEAL_ALERTNAME, _INSTANCE, _HANDLER, _ESCALATION_ID, _SUMMARY,
// _DESCRIPTION, _FINGERPRINT (when known) and the whole Alertmanager body as
// SELF_HEAL_ESCALATION_JSON. Its output joins the audit trail through LogExtraFields
// (SELF_HEAL_ALERTNAME, _INSTANCE, _HANDLER, _ESCALATION_ID, _FINGERPRINT). No result
// is recorded: it has no budget.
LaunchRequest BuildEscalationCommand(const Escalation& escalation,
                                     const std::vector<std::string>& argv);

}  // namespace selfheal
