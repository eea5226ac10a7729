#!/bin/bash
# The shipped restart-service handler, run by self-heal as user healer, restarts a
# real unit through the exact sudoers line: the unit's InvocationID changes, the
# result is done, and healed once the alert resolves. Without the sudoers line it gives up at once (exit 2, breaker open).
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"

command -v sudo >/dev/null || die "sudo is not installed on the host (the container sees the host's packages)"

it_boot restart

# Two dummy services: one healer may restart (sudoers), one it may not.
for svc in dummy-app dummy-denied; do
  cat >"$CT_ROOT/etc/systemd/system/$svc.service" <<EOF
[Unit]
Description=self-heal integration test: a service to be restarted
[Service]
ExecStart=/bin/sleep infinity
EOF
done
# The shipped file's rule, adapted to the dummy unit (sudo reads files of mode 0440).
install -m 0440 /dev/stdin "$CT_ROOT/etc/sudoers.d/self-heal-test" <<'EOF'
healer ALL=(root) NOPASSWD: /usr/bin/systemctl restart dummy-app.service
EOF
assert_ok in_container visudo -cq
assert_ok in_container systemctl daemon-reload
assert_ok in_container systemctl start dummy-app.service dummy-denied.service

it_conf <<'EOF'
[Escalation]
AlertmanagerURL=http://127.0.0.1:19093
EOF
for spec in "app dummy-app" "denied dummy-denied"; do
  read -r name svc <<<"$spec"
  it_handler "restart-$name" <<EOF
[Match]
AlertName=ServiceDown
Instance=$svc:9100
[Run]
Exec=/usr/lib/self-heal/handlers/restart-service --verify-sec=5 --stable-sec=1 $svc.service
User=healer
TimeoutSec=30s
Mode=run
EOF
done
assert_ok in_container self-heal check

invocation() { in_container systemctl show -p InvocationID --value "$1"; }
before=$(invocation dummy-app.service)
pid_before=$(in_container systemctl show -p MainPID --value dummy-app.service)

# --- allowed: restarted, healed ------------------------------------------------------
answer=$(it_post "$(it_payload --alertname ServiceDown --instance dummy-app:9100)")
assert_eq launch "$(it_decisions "$answer")" "ServiceDown on dummy-app:9100 is launched"
assert_that "the handler finishes" \
  it_wait_count 1 20 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=dummy-app:9100
after=$(invocation dummy-app.service)
diag "dummy-app.service InvocationID $before -> $after, MainPID $pid_before -> $(in_container systemctl show -p MainPID --value dummy-app.service)"
assert_that "dummy-app.service was restarted (its InvocationID changed)" test -n "$after" -a "$after" != "$before"
assert_eq active "$(in_container systemctl is-active dummy-app.service)" "dummy-app.service is active again"
result=$(it_journal "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=dummy-app:9100)
assert_eq "done 0" "$(it_field "$result" SELF_HEAL_RESULT) $(it_field "$result" SELF_HEAL_EXIT_STATUS)" "result done (exit 0)"
unit=$(it_unit restart-app dummy-app:9100)
lines=$(in_container journalctl --no-pager -o cat _SYSTEMD_UNIT="$unit" SYSLOG_IDENTIFIER=restart-service)
diag "handler said: ${lines//$'\n'/ | }"
assert_contains "$lines" "running: sudo -n systemctl restart dummy-app.service" "it restarted through sudo"
uid=$(it_journal _SYSTEMD_UNIT="$unit" SYSLOG_IDENTIFIER=restart-service | head -1 | jq -r ._UID)
assert_eq healer "$(in_container id -nu "$uid")" "it ran as healer (uid $uid)"
sudo_log=$(in_container journalctl --no-pager -o cat _COMM=sudo)
assert_contains "$sudo_log" "COMMAND=/usr/bin/systemctl restart dummy-app.service" "sudo logged the exact command"
assert_eq "done closed" "$(it_status_field restart-app dummy-app:9100 last_result) $(it_status_field restart-app dummy-app:9100 breaker)" \
  "status: done, awaiting the resolve"
assert_eq resolved "$(it_decisions "$(it_post "$(it_payload --alertname ServiceDown --instance dummy-app:9100 --status resolved)")")" \
  "ServiceDown on dummy-app:9100 resolves"
assert_eq "healed closed" "$(it_status_field restart-app dummy-app:9100 last_result) $(it_status_field restart-app dummy-app:9100 breaker)" \
  "status: healed"

# --- not in sudoers: gives up at once -----------------------------------------------
before=$(invocation dummy-denied.service)
answer=$(it_post "$(it_payload --alertname ServiceDown --instance dummy-denied:9100)")
assert_eq launch "$(it_decisions "$answer")" "ServiceDown on dummy-denied:9100 is launched"
assert_that "the handler finishes" \
  it_wait_count 1 20 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=dummy-denied:9100
assert_eq "$before" "$(invocation dummy-denied.service)" "dummy-denied.service was not restarted"
result=$(it_journal "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=dummy-denied:9100)
assert_eq "gave-up 2" "$(it_field "$result" SELF_HEAL_RESULT) $(it_field "$result" SELF_HEAL_EXIT_STATUS)" "result gave-up (exit 2)"
lines=$(in_container journalctl --no-pager -o cat _SYSTEMD_UNIT="$(it_unit restart-denied dummy-denied:9100)")
assert_contains "$lines" "healer ALL=(root) NOPASSWD: /usr/bin/systemctl restart dummy-denied.service" \
  "it names the sudoers line to add"
assert_eq open "$(it_status_field restart-denied dummy-denied:9100 breaker)" "status: breaker open"
it_assert_no_orphans
