#!/bin/bash
# The installed units are valid, the socket listens on 127.0.0.1:9095 once
# enabled, sysusers created the handler user, and teardown leaves nothing.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"

container_boot boot
container_install "${HARNESS_BUILD_DIR:?set by run.sh BUILD_DIR}"

assert_eq running "$(in_container systemctl is-system-running)" "system is running"

units=(/usr/lib/systemd/system/self-heal.socket /usr/lib/systemd/system/self-heal.service
       /usr/lib/systemd/system/self-heal-escalations.path
       /usr/lib/systemd/system/self-heal-escalations.service)
verify=$(in_container systemd-analyze verify "${units[@]}" 2>&1)
assert_eq "" "$verify" "systemd-analyze verify is clean"

assert_ok in_container systemctl enable --now self-heal.socket
assert_eq active "$(in_container systemctl is-active self-heal.socket)" "self-heal.socket is active"
assert_eq enabled "$(in_container systemctl is-enabled self-heal.socket)" "self-heal.socket is enabled"
assert_contains "$(in_container ss -Hltn 'sport = :9095')" "127.0.0.1:9095" "listening on 127.0.0.1:9095"
assert_eq inactive "$(in_container systemctl is-active self-heal.service)" "nothing runs before the first connection"
assert_eq "active enabled" \
  "$(in_container systemctl is-active self-heal-escalations.path) $(in_container systemctl is-enabled self-heal-escalations.path)" \
  "enabling the socket enabled and started self-heal-escalations.path too"
assert_eq inactive "$(in_container systemctl is-active self-heal-escalations.service)" "no deliverer runs while nothing is queued"

assert_contains "$(in_container getent passwd healer)" ":/usr/sbin/nologin" "user healer exists, no login shell"
assert_eq "700 healer healer" "$(in_container stat -c '%a %U %G' /var/backups/self-heal)" "/var/backups/self-heal created"
assert_ok in_container test -d /etc/self-heal/handlers.d
assert_ok in_container test -x /usr/bin/self-heal

# The exposure figure is tracked by 14-sandbox.

nspawn=$CT_NSPAWN_PID dir=$CT_DIR name=$CT_NAME
container_teardown
assert_that "nspawn $nspawn is gone" test ! -e "/proc/$nspawn"
assert_eq "" "$(mounts_below "$dir")" "no mounts of $name left"
assert_eq "" "$(find /sys/fs/cgroup/systemd /sys/fs/cgroup/unified -maxdepth 1 -name "$name")" "no cgroups of $name left"
assert_that "$dir is gone" test ! -e "$dir"
