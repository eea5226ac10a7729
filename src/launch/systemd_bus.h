// systemd_bus.h — the one way self-heal connects to systemd over D-Bus: the launcher,
// `check` (a handler unit's credentials) and `recover-socket` all use it.
#pragma once

#include <chrono>
#include <cstdint>

#include "common/expected.h"
#include "launch/launcher.h"

struct sd_bus;

namespace selfheal {

// How long a command run by hand or by systemd (check, recover-socket) waits for
// systemd; the request path has its own, shorter kSystemdPatience.
inline constexpr std::chrono::seconds kCommandPatience{10};

// Connects `bus` to systemd if it is null: its private socket (root only; no
// dbus-daemon needed), else the system bus. Then waits, until `deadline`, for the
// handshake to finish: a stopped systemd accepts the socket and never answers it, and
// sd_bus_call would wait for the handshake up to sd-bus's auth timeout, whatever the
// call's own timeout. On failure `bus` is closed and null. Errc::kUnavailable when
// systemd cannot be reached, kTimedOut when it did not answer by `deadline`.
Status ConnectToSystemd(sd_bus*& bus, Deadline deadline);

// What is left until `deadline`, in sd-bus's microseconds; 0 once it has passed (never
// to be handed to sd-bus, for which 0 means its default of 25 s).
uint64_t MicrosUntil(Deadline deadline);

}  // namespace selfheal
