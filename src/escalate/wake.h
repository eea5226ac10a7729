// wake.h — how a queued escalation reaches its deliverer. The file
// <state dir>/escalations-due exists while an escalation may be waiting;
// self-heal-escalations.path starts self-heal-escalations.service whenever it exists,
// and again each time that service exits while it still exists.
//
// The order that makes this race-free: a writer commits the escalation, then creates
// the file; the deliverer removes the file, then reads the outbox. Either the
// deliverer's read sees the new row, or the file was created after the removal and
// systemd starts the deliverer again when it exits.
#pragma once

#include <string>

#include "common/expected.h"

namespace selfheal {

// "<state_dir>/escalations-due".
std::string DeliveryRequestPath(const std::string& state_dir);

// Creates the file (mode 0600, empty) if it is missing.
Status RequestDelivery(const std::string& path);

// Removes the file; Ok if it was not there.
Status ClearDeliveryRequest(const std::string& path);

// "<state_dir>/escalations-active": exists while a delivered escalation is active
// (escalate/refresh.h). The re-send timer is transient and gone after a reboot, so
// self-heal-escalations.service also starts at boot when this file exists
// (ConditionPathExists=), and arms it again.
std::string ActiveEscalationsPath(const std::string& state_dir);

// Creates (mode 0600, empty) or removes the file at `path`, as RequestDelivery and
// ClearDeliveryRequest do.
Status SetFlagFile(const std::string& path, bool present);

// Whether the file exists now.
bool DeliveryRequested(const std::string& path);

}  // namespace selfheal
