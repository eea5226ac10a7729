// launch_request.h — how an alert and its handler become a transient unit: the name,
// the argv, the environment. Pure; shared by `serve` (which launches) and `simulate`
// (which prints what it would launch).
#pragma once

#include <string>

#include "alert/alert.h"
#include "config/config.h"
#include "launch/launcher.h"

namespace selfheal {

// "self-heal-<handler>-<first 8 hex of sha256(instance)>.service". The instance never
// appears in the name itself: it is data from outside.
std::string UnitNameFor(const std::string& handler, const std::string& instance);

// Maps a label or annotation name to [A-Z0-9_]: ASCII letters upper-cased, anything
// else (including UTF-8 bytes) becomes '_'. "mountpoint" → "MOUNTPOINT".
std::string EnvironmentName(std::string_view name);

// The alert as one JSON object (status, labels, annotations, startsAt, endsAt,
// generatorURL, fingerprint), for handlers that want it whole.
std::string AlertJson(const Alert& alert);

// Environment (DESIGN.md step 5): SELF_HEAL_ALERTNAME, _INSTANCE, _FINGERPRINT,
// _ATTEMPT, _HANDLER, _STATUS, _STARTS_AT, _ALERT_JSON, _LABEL_<NAME>,
// _ANNOTATION_<NAME>. Values are passed verbatim; when two names map to the same
// variable the first (in sorted order) wins. LogExtraFields joins the handler's own
// output to the audit trail.
LaunchRequest BuildLaunchRequest(const Alert& alert, const HandlerConfig& handler, int attempt);

}  // namespace selfheal
