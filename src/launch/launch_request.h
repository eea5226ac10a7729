// launch_request.h — how an alert and its handler become a transient unit: the name,
// the argv, the environment. Pure; shared by `serve` (which launches) and `simulate`
// (which prints what it would launch).
#pragma once

#include <string>
#include <vector>

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

// Several label (or annotation) names that EnvironmentName maps to one variable,
// e.g. "a.b", "a_b" and "A_B" → SELF_HEAL_LABEL_A_B. The variable is set only from
// the one name among them the handler matched on (AlertName=, Instance=, Label=); when
// none (or more than one) was matched, and always for annotations, it is not set at
// all: a name the handler did not ask for never shadows one it did, and no value wins
// by its spelling. SELF_HEAL_ALERT_JSON always holds every label and annotation.
struct EnvironmentCollision {
  std::string variable;            // "SELF_HEAL_LABEL_A_B"
  std::vector<std::string> names;  // the colliding names, in byte order
  std::string set_from;            // the name the variable holds the value of; "" when unset
};
std::vector<EnvironmentCollision> EnvironmentCollisions(const Alert& alert,
                                                        const HandlerConfig& handler);

// One sentence for the journal and `simulate`: "labels 'a.b', 'A_B' map to one
// variable SELF_HEAL_LABEL_A_B; it is not set (…)".
std::string DescribeCollision(const EnvironmentCollision& collision);

// The environment's bounds. exec() refuses one string over 128 KiB (MAX_ARG_STRLEN)
// and an environment with argv over ARG_MAX (a quarter of the stack limit: 2 MiB by
// default), and then neither the handler nor its ExecStopPost= recorder runs; systemd
// adds its own variables and a handler may exec others with more. So the SELF_HEAL_*
// variables take at most kEnvironmentBudget together (each as NAME=VALUE plus its NUL),
// and none of the optional ones has a value over kEnvironmentValueMax. The alert whole
// is always on stdin (LaunchRequest::stdin_data), whatever its size.
inline constexpr size_t kEnvironmentValueMax = 64 * 1024;
inline constexpr size_t kEnvironmentBudget = 256 * 1024;

// Environment (DESIGN.md step 5), within the bounds above. Always set: SELF_HEAL_ALERTNAME,
// _INSTANCE, _FINGERPRINT, _ATTEMPT, _HANDLER, _STATUS, _STARTS_AT (record-result needs
// them; the parser caps each value at 64 KiB, so exec takes them; they count toward the
// budget). Then, in this order, each while it fits: _LABEL_<NAME>
// (names in byte order), _ALERT_JSON, _ANNOTATION_<NAME>; one that does not fit is left
// out and a later, smaller one may still be set. SELF_HEAL_OMITTED=<n> says that n were
// left out (unset when none). Values are passed verbatim; names that collide follow
// EnvironmentCollisions. stdin_data is AlertJson. LogExtraFields joins the handler's own
// output to the audit trail.
LaunchRequest BuildLaunchRequest(const Alert& alert, const HandlerConfig& handler, int attempt);

}  // namespace selfheal
