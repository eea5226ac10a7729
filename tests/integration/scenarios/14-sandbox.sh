#!/bin/bash
# The sandbox: `systemd-analyze security self-heal.service` (a tracked figure, printed,
# never above the one recorded here), the key directives as systemd loaded them,
# and what they do to the running process: no capabilities, no new privileges, a
# seccomp filter, a read-only OS with only its state directory writable, no network
# of its own. The same figure for self-heal-escalations.service, the one unit with
# network.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/common.sh
source "$(dirname "$0")/../data/common.sh"

container_boot sandbox
container_install "${HARNESS_BUILD_DIR:?set by run.sh BUILD_DIR}"
it_stage

# The tracked figure (DESIGN.md): a change to the unit that makes it worse fails
# here; one that makes it better lowers this number. What keeps it from going
# lower is printed below (the directives systemd-analyze marks ✗).
check_exposure() {  # check_exposure UNIT RECORDED
  local unit=$1 max=$2 security exposure
  security=$(in_container systemd-analyze security "$unit" --no-pager 2>&1)
  exposure=$(sed -n "s/.*Overall exposure level for $unit: \([0-9.]*\).*/\1/p" <<<"$security")
  diag "systemd-analyze security $unit: exposure ${exposure:-?} (recorded: $max)"
  grep '^✗' <<<"$security" | awk '{ e = $NF; $1 = ""; $NF = ""; sub(/^ +/, ""); printf "#   %4s %s\n", e, $0 }'
  assert_that "$unit: exposure ${exposure:-?} <= $max" \
    awk -v e="$exposure" -v max="$max" 'BEGIN { exit !(e != "" && e + 0 <= max + 0) }'
}
check_exposure self-heal.service 0.6
check_exposure self-heal-escalations.service 1.3

# --- the directives, as systemd loaded them ------------------------------------------
props=(ProtectSystem=strict CapabilityBoundingSet= AmbientCapabilities= NoNewPrivileges=yes
       User= PrivateUsers=yes PrivateTmp=yes PrivateDevices=yes ProtectHome=yes
       ProtectKernelTunables=yes ProtectKernelModules=yes ProtectKernelLogs=yes
       ProtectControlGroups=yes ProtectClock=yes ProtectHostname=yes ProtectProc=invisible
       ProcSubset=pid RestrictSUIDSGID=yes LockPersonality=yes MemoryDenyWriteExecute=yes
       RestrictRealtime=yes RestrictNamespaces=yes PrivateIPC=yes SystemCallArchitectures=native
       RestrictAddressFamilies=AF_UNIX PrivateNetwork=yes "IPAddressAllow=127.0.0.0/8 ::1/128"
       "IPAddressDeny=0.0.0.0/0 ::/0" UMask=0077 StateDirectory=self-heal Type=notify)
# Lists (addresses, families) come in no fixed order: compare their words sorted.
sorted_values() {
  local line
  while IFS= read -r line; do
    printf '%s=%s\n' "${line%%=*}" "$(tr ' ' '\n' <<<"${line#*=}" | sort | paste -sd ' ')"
  done
}
names=$(IFS=,; echo "${props[*]%%=*}")
shown=$(in_container systemctl show -p "$names" self-heal.service | sorted_values)
for p in "${props[@]}"; do
  assert_that "self-heal.service: $p" grep -qxF -- "$(sorted_values <<<"$p")" <<<"$shown"
done
filter=$(it_prop self-heal.service SystemCallFilter | tr ' ' '\n')
assert_that "SystemCallFilter= allows read" grep -qx read <<<"$filter"
denied='setuid setresuid setgroups chown fchown mount setrlimit ptrace reboot kexec_load init_module bpf'
assert_eq "" "$(grep -xE "${denied// /|}" <<<"$filter")" "SystemCallFilter= allows none of: $denied"
assert_that "SystemCallErrorNumber=EPERM" grep -qxE '1|EPERM|eperm' <<<"$(it_prop self-heal.service SystemCallErrorNumber)"
socket=$(in_container systemctl show -p Accept,Listen,Backlog,IPAddressAllow,IPAddressDeny self-heal.socket | sorted_values)
for p in Accept=no "Listen=127.0.0.1:9095 (Stream)" Backlog=128 "IPAddressAllow=127.0.0.0/8 ::1/128" "IPAddressDeny=0.0.0.0/0 ::/0"; do
  assert_that "self-heal.socket: $p" grep -qxF -- "$(sorted_values <<<"$p")" <<<"$socket"
done

# --- the running process ----------------------------------------------------------------
assert_ok in_container systemctl enable --now self-heal.socket
reply=$(it_post "$CT_FIXTURES/21-latency-probe-firing.json")
assert_eq 200 "${reply%% *}" "a POST starts the service"
pid=$(it_prop self-heal.service MainPID)
status=$(in_container cat "/proc/$pid/status")
field() { awk -v f="$1:" '$1 == f { print $2 }' <<<"$status"; }
assert_eq "0000000000000000 0000000000000000 0000000000000000" "$(field CapEff) $(field CapPrm) $(field CapBnd)" \
  "no capabilities (effective, permitted, bounding)"
assert_eq 1 "$(field NoNewPrivs)" "NoNewPrivs: 1"
assert_eq 2 "$(field Seccomp)" "Seccomp: 2 (filter)"
assert_that "its own mount namespace" test "$(in_container readlink "/proc/$pid/ns/mnt")" != "$(in_container readlink /proc/1/ns/mnt)"
assert_that "its own user namespace (PrivateUsers=)" test "$(in_container readlink "/proc/$pid/ns/user")" != "$(in_container readlink /proc/1/ns/user)"
assert_that "its own network namespace (PrivateNetwork=)" test "$(in_container readlink "/proc/$pid/ns/net")" != "$(in_container readlink /proc/1/ns/net)"
assert_eq "lo" "$(in_container nsenter -t "$pid" -n -- ls /sys/class/net 2>/dev/null | paste -sd ' ')" \
  "no network interface but its own loopback"
# In its mount namespace, as root (but without entering its user namespace, so this
# is the file system's view, not its missing capabilities'):
in_ns() { in_container nsenter -t "$pid" -m -- "$@"; }
cannot_write() { ! in_ns touch "$1/.self-heal-it" 2>/dev/null; }
for d in /usr /etc /var/lib /var/log; do
  assert_that "$d is read-only for it (ProtectSystem=strict)" cannot_write "$d"
done
assert_that "/var/lib/self-heal is writable for it (StateDirectory=)" in_ns touch /var/lib/self-heal/.self-heal-it
assert_eq "" "$(in_ns ls -A /home 2>&1; in_ns ls -A /root 2>&1)" "/home and /root are empty for it (ProtectHome=)"
assert_eq "" "$(in_ns ls -A /tmp)" "/tmp is its own, empty (PrivateTmp=)"
