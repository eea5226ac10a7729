#!/bin/bash
# Breaker state, attempt budgets and the escalation outbox survive a reboot: a
# container opens a breaker and uses an attempt, powers off; a second container boots
# with the same /var/lib/self-heal (bind mount of one host directory), and there
# `status` still shows the breaker open, the undelivered escalation is retried (the
# path unit wakes its deliverer at boot), a new notification is decided breaker-open,
# and the other key's next run is attempt 2.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"

# The "disk" of the machine: outlives both containers, removed at exit after teardown.
state_host=$HARNESS_WORKDIR/state-26-$$
mkdir -p "$state_host" || die "cannot create $state_host"
_exit_26() {
  local rc=$?
  container_teardown
  rm -rf -- "$state_host"
  (exit "$rc"); _harness_exit   # the harness's summary, with our exit status
}
trap _exit_26 EXIT

configure() {
  it_conf <<'EOF'
[Escalation]
AlertmanagerURL=http://127.0.0.1:19093
EOF
  it_exit_handlers "gu GiveUp r-1 2" "fail Broken r-2 1"
}
key() { in_container self-heal status --json 2>/dev/null | jq -c --arg i "$1" 'select(.instance == $i)'; }

# --- first boot ---------------------------------------------------------------------
it_boot reboot1 --bind="$state_host:/var/lib/self-heal"
configure
assert_eq launch "$(it_decisions "$(it_post "$(it_payload --alertname GiveUp --instance r-1)")")" "boot 1: GiveUp is launched"
assert_eq launch "$(it_decisions "$(it_post "$(it_payload --alertname Broken --instance r-2)")")" "boot 1: Broken is launched"
assert_that "boot 1: both runs finish" it_wait_count 2 10 "MESSAGE_ID=$MSG_RESULT"
before1=$(key r-1) before2=$(key r-2)
diag "boot 1: $before1"
diag "boot 1: $before2"
assert_eq "open 1 gave-up" "$(jq -r '"\(.breaker) \(.attempts_in_window) \(.last_result)"' <<<"$before1")" "boot 1: r-1 breaker open"
assert_eq "closed 1 failed" "$(jq -r '"\(.breaker) \(.attempts_in_window) \(.last_result)"' <<<"$before2")" "boot 1: r-2 has used 1 attempt"
assert_contains "$(in_container self-heal status 2>&1)" "not yet delivered" "boot 1: the escalation is pending (no Alertmanager)"
boot1_id=$(cat "$CT_ROOT/etc/machine-id")

container_teardown   # a clean power-off: systemd stops self-heal, the journal is flushed
assert_that "the state directory is on the host disk" test -s "$state_host/state.db"

# --- second boot, same disk -----------------------------------------------------------
it_boot reboot2 --bind="$state_host:/var/lib/self-heal"
configure
assert_that "boot 2 is another machine boot" test "$boot1_id" != "$(cat "$CT_ROOT/etc/machine-id")"
after1=$(key r-1) after2=$(key r-2)
diag "boot 2: $after1"
diag "boot 2: $after2"
assert_eq "$before1" "$after1" "boot 2: status of r-1 is unchanged (breaker open, same opening time)"
assert_eq "$before2" "$after2" "boot 2: status of r-2 is unchanged (1 attempt, failed)"
assert_contains "$(in_container self-heal status 2>&1)" "not yet delivered" "boot 2: the escalation is still pending"
assert_that "boot 2: the deliverer was woken at boot and retries it (err)" \
  it_wait_count 1 5 "MESSAGE_ID=$MSG_ESCALATION" PRIORITY=3 SELF_HEAL_INSTANCE=r-1 _SYSTEMD_UNIT=self-heal-escalations.service

answer=$(it_post "$(it_payload --alertname GiveUp --instance r-1 --starts 1)")
assert_eq breaker-open "$(it_decisions "$answer")" "boot 2: a new GiveUp notification is decided breaker-open"
answer=$(it_post "$(it_payload --alertname Broken --instance r-2 --starts 1)")
assert_eq launch "$(it_decisions "$answer")" "boot 2: a new Broken notification launches"
assert_that "boot 2: that run finishes" it_wait_count 1 10 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=r-2
assert_eq 1 "$(it_count SELF_HEAL_INSTANCE=r-2 MESSAGE="self-heal-test start instance=r-2 attempt=2")" \
  "boot 2: and it is attempt 2 (the budget survived)"
sleep 0.5
assert_eq 0 "$(it_count SELF_HEAL_INSTANCE=r-1 _SYSTEMD_UNIT="$(it_unit gu r-1)")" "boot 2: nothing ran for r-1"
assert_eq "closed 2 failed" "$(key r-2 | jq -r '"\(.breaker) \(.attempts_in_window) \(.last_result)"')" \
  "boot 2: r-2 has used 2 attempts"
it_assert_no_orphans
