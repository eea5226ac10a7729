#include "cli/unit_memory.h"

#include <limits>

#include "config/body_memory.h"

namespace selfheal {

std::optional<CredentialFinding> JudgeBodyMemory(const ServerConfig& server,
                                                 const std::string& config_file,
                                                 const Expected<UnitCredentials>& unit) {
  const std::string what = config_file + ": " + DescribeBodyMemory(server) +
                           " of request bodies held at once, plus " +
                           std::to_string(kServeOverheadBytes >> 20) + "M for the rest of serve";
  if (!unit.ok()) {
    return CredentialFinding{false, "note: " + what +
                                        "; cannot verify that it fits the MemoryMax= of " +
                                        kServiceUnit + " (" + unit.error().message + ")"};
  }
  if (!unit.value().installed || !unit.value().memory_max) {
    return CredentialFinding{
        false, "note: " + what + "; cannot verify that it fits the MemoryMax= of " + kServiceUnit +
                   (unit.value().installed ? " (systemd did not say)" : " (not installed)")};
  }
  const uint64_t limit = *unit.value().memory_max;
  if (limit == std::numeric_limits<uint64_t>::max()) return std::nullopt;
  if (BodyMemoryBytes(server) + kServeOverheadBytes <= limit) return std::nullopt;
  return CredentialFinding{
      true, what + ", is over the MemoryMax=" + std::to_string(limit) + " bytes of " +
                kServiceUnit +
                ": a burst of large bodies would have serve killed. Lower MaxBodyBytes= or "
                "MaxConnections=, or raise MemoryMax="};
}

}  // namespace selfheal
