// unit_memory.h — whether the request bodies serve may hold at once fit the MemoryMax=
// systemd actually has for self-heal.service. The config loader bounds them by the
// shipped MemoryMax=256M (config/body_memory.h); a drop-in may have lowered it, which
// only systemd knows, so `check` asks (cli/unit_credentials.h) and compares.
#pragma once

#include <optional>
#include <string>

#include "cli/unit_credentials.h"
#include "common/expected.h"
#include "config/config.h"

namespace selfheal {

// Pure. An error when MaxBodyBytes= x MaxConnections= plus serve's overhead is over the
// unit's MemoryMax= (the kernel would kill serve under a burst of large bodies); a note
// when that cannot be verified; nothing when it fits or MemoryMax= is infinity.
std::optional<CredentialFinding> JudgeBodyMemory(const ServerConfig& server,
                                                 const std::string& config_file,
                                                 const Expected<UnitCredentials>& unit);

}  // namespace selfheal
