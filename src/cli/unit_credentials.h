// unit_credentials.h — whether self-heal.service hands serve the credential that
// AuthSecretFile= names. A relative AuthSecretFile= is read from
// $CREDENTIALS_DIRECTORY, which only LoadCredential=/SetCredential= (or their
// Encrypted forms) of the unit fill: without one, every start of serve fails. `check`
// asks systemd so that this is an error before the start, not after.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.h"
#include "config/config.h"

namespace selfheal {

inline constexpr const char* kServiceUnit = "self-heal.service";

// What systemd has loaded for a unit.
struct UnitCredentials {
  bool installed = false;           // LoadState is not "not-found"
  bool need_daemon_reload = false;  // its files changed since systemd loaded them
  std::vector<std::string> names;   // the credential IDs it passes, in property order
  // Its MemoryMax= (UINT64_MAX for infinity); nullopt when systemd did not say.
  std::optional<uint64_t> memory_max;
};

// Asks systemd over D-Bus (LoadUnit, then the unit's LoadCredential=,
// LoadCredentialEncrypted=, SetCredential=, SetCredentialEncrypted= properties, and
// MemoryMax= for cli/unit_memory.h).
// Errc::kUnavailable, with why, when systemd cannot be reached or asked.
Expected<UnitCredentials> QueryUnitCredentials(const std::string& unit);

struct CredentialFinding {
  bool error = false;   // serve would fail at start: check fails
  std::string message;  // an error, or a note saying what could not be verified
};

// Pure. Nothing when there is nothing to verify (no Auth=, or an absolute
// AuthSecretFile=) or the unit passes the credential.
std::optional<CredentialFinding> JudgeCredential(const ServerConfig& server,
                                                 const std::string& config_file,
                                                 const Expected<UnitCredentials>& unit);

// Whether `server` names a credential (a relative AuthSecretFile= with Auth= set).
bool NamesCredential(const ServerConfig& server);

}  // namespace selfheal
