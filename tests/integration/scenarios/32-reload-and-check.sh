#!/bin/bash
# A config change reaches a serve that never idles out: under steady traffic (a POST
# every 0.2 s, IdleTimeoutSec=2s), a handler added to handlers.d decides the next
# request after `systemctl reload self-heal`, in the same process. A broken config
# fails the reload (ExecReload= runs `self-heal check` first), the running config keeps
# deciding and the journal names the file and line; a listener setting is refused by
# serve itself. `self-heal check` fails for Auth=bearer with a credential the unit does
# not pass (asking systemd over D-Bus), and passes once the drop-in is installed.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"

it_boot reload
MSG_RELOAD=3f0973eb6345439f8f01a769a88c177f

it_conf <<'EOF2'
[Server]
IdleTimeoutSec=2s
EOF2
it_handler disk <<EOF2
[Match]
AlertName=DiskSpaceLow
Instance=web-1:9100
[Run]
Exec=$IT_BIN/test-handler 0
Mode=dry-run
EOF2
assert_ok in_container self-heal check

# Each POST a new notification (startsAt N): copies of one within 2 s are retries.
# (a file, not a variable: other() runs in command substitutions)
counter=$CT_ROOT/var/lib/self-heal-test/other-n
other() {
  local n; n=$(( $(cat "$counter" 2>/dev/null || echo 0) + 1 )); echo "$n" >"$counter"
  it_payload --alertname Other --instance web-2:9100 --starts "$n"
}
decide_other() { it_decisions "$(it_post "$(other)")"; }
it_prop() { in_container systemctl show -P "$2" "$1"; }
# reloads N: at least N reload entries (applied or refused) in the journal
reloads() { it_count "MESSAGE_ID=$MSG_RELOAD"; }
wait_reloads() { it_wait_count "$1" 10 "MESSAGE_ID=$MSG_RELOAD"; }

# --- steady traffic ------------------------------------------------------------------
it_payload --alertname Traffic --instance web-9:9100 >"$CT_ROOT/var/lib/self-heal-test/traffic.json"
assert_ok in_container systemd-run --unit=it-traffic --quiet /bin/bash -c \
  'for i in $(seq 1500); do curl -s -o /dev/null --max-time 5 -X POST -H "Content-Type: application/json" \
     --data-binary @/var/lib/self-heal-test/traffic.json http://127.0.0.1:9095/; sleep 0.2; done'
serve_active() { [[ $(it_prop self-heal.service ActiveState) == active ]]; }
assert_that "serve is up under the traffic" wait_until 10 serve_active
pid=$(it_prop self-heal.service MainPID)
assert_eq no-handler "$(decide_other)" "before the change: no handler for Other"
sleep 3   # longer than IdleTimeoutSec=2s: the traffic keeps serve up
assert_eq "$pid" "$(it_prop self-heal.service MainPID)" "the traffic kept serve from idling out"

# --- a handler added, then reload ----------------------------------------------------
it_handler other <<EOF2
[Match]
AlertName=Other
Instance=web-2:9100
[Run]
Exec=$IT_BIN/test-handler 0
Mode=dry-run
EOF2
assert_ok in_container systemctl reload self-heal
assert_that "serve journals the reload it applied" wait_reloads 1
applied=$(it_journal "MESSAGE_ID=$MSG_RELOAD" | tail -n 1)
assert_eq 5 "$(it_field "$applied" PRIORITY)" "the reload entry is a notice"
assert_contains "$(it_field "$applied" MESSAGE)" "added: other" "it names the handler added"
assert_eq dry-run "$(decide_other)" "the next request is decided with the new handler"
assert_eq "$pid" "$(it_prop self-heal.service MainPID)" "by the same serve process"
assert_eq active "$(it_prop self-heal.service ActiveState)" "and the service is active, not reloading"

# --- a broken config: the reload fails, the old one keeps working -------------------
it_handler broken <<'EOF2'
[Match]
AlertName=Broken
Instance=web-3:9100
Bogus=1
EOF2
before=$(reloads)
assert_fail in_container systemctl reload self-heal
assert_contains "$(in_container journalctl -b --no-pager -u self-heal.service -o cat)" \
  "/etc/self-heal/handlers.d/broken.conf:4:" "the journal says why, with file and line"
assert_eq "$before" "$(reloads)" "serve was not asked to reload"
assert_eq dry-run "$(decide_other)" "the running config still decides"
assert_eq "$pid" "$(it_prop self-heal.service MainPID)" "in the same serve process"
assert_ok in_container rm /etc/self-heal/handlers.d/broken.conf

# --- a listener setting: valid, but serve cannot change it live -----------------------
it_conf <<'EOF2'
[Server]
IdleTimeoutSec=2s
WebhookPath=/elsewhere
EOF2
before=$(reloads)
assert_ok in_container systemctl reload self-heal
assert_that "serve journals the refusal" wait_reloads $((before + 1))
refused=$(it_journal "MESSAGE_ID=$MSG_RELOAD" | tail -n 1)
assert_eq 3 "$(it_field "$refused" PRIORITY)" "a refused reload is an error entry"
assert_contains "$(it_field "$refused" MESSAGE)" "Server.WebhookPath changed" "naming the setting"
assert_contains "$(it_field "$refused" MESSAGE)" "systemctl restart self-heal.service" \
  "and the restart that applies it"
assert_eq dry-run "$(decide_other)" "the running config (webhook path /) still decides"
assert_eq "$pid" "$(it_prop self-heal.service MainPID)" "in the same serve process"

# --- check: a credential the unit does not pass ------------------------------------
in_container systemctl stop it-traffic.service 2>/dev/null
it_conf <<'EOF2'
[Server]
IdleTimeoutSec=2s
Auth=bearer
AuthSecretFile=auth-secret
EOF2
printf 'PLACEHOLDER-bearer-token-not-a-secret' >"$CT_ROOT/etc/self-heal/auth-secret"
chmod 0600 "$CT_ROOT/etc/self-heal/auth-secret"
out=$(in_container self-heal check 2>&1); rc=$?
assert_eq 1 "$rc" "check fails: AuthSecretFile= names a credential the unit does not pass"
assert_contains "$out" "AuthSecretFile=auth-secret names a credential, but self-heal.service has no LoadCredential=auth-secret" \
  "and says so"
assert_ok in_container install -D -m 0644 /usr/share/doc/self-heal/examples/self-heal.service.d-auth.conf.example \
  /etc/systemd/system/self-heal.service.d/auth.conf
out=$(in_container self-heal check 2>&1); rc=$?
assert_eq 1 "$rc" "with the drop-in but before daemon-reload: still an error (systemd has not loaded it)"
assert_ok in_container systemctl daemon-reload
assert_ok in_container self-heal check
# The config passes check, so a fresh start works with it.
assert_ok in_container systemctl restart self-heal.service
out=$(it_post "$(other)" 2>&1)
assert_contains "$out" "401" "the restarted serve requires the bearer token"
assert_contains "$(in_container curl -sS --max-time 10 -X POST -H 'Content-Type: application/json' \
  -H 'Authorization: Bearer PLACEHOLDER-bearer-token-not-a-secret' --data-binary "$(other)" http://127.0.0.1:9095/)" \
  '"decision":"dry-run"' "and decides with it"

assert_eq "" "$(it_journal -t self-heal -p err | jq -r --arg id "$MSG_RELOAD" 'select(.MESSAGE_ID != $id) | .MESSAGE')" \
  "no self-heal entry at err or worse but the refused reload"
