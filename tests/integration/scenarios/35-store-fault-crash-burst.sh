#!/bin/bash
# Bad luck is never an outage that lasts until someone notices:
# - a corrupt state store does not kill serve: it answers 503 with the cause (journaled
#   at err), keeps its socket, and once the file is moved aside as the error says, the
#   same serve (no restart) answers 200 again;
# - the WAL index (state.db-shm) truncated under a running serve: the request is
#   answered 503, serve journals the cause at err and exits with status 1 (not SIGBUS),
#   and the next connection's serve answers with everything committed before intact;
# - a crash burst (7 SIGKILLs in a few seconds: past the service's start limit, which
#   fails self-heal.socket) is journaled at err by self-heal-recover.service, and the
#   socket listens again after the recover delay (3 s here, 30 s shipped) by itself.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"

it_boot faults
MSG_STORE=88e5f3419f8b465ba211c84012cc9f48 MSG_SOCKET=b7e372019ff64653b9a944c7928f6000
it_conf <<'EOF2'
[Server]
IdleTimeoutSec=60s
[Metrics]
TextfilePath=
EOF2
it_exit_handlers "disk DiskSpaceLow web-1 0"
assert_ok in_container self-heal check
post_status() {  # the HTTP status of a POST of $1 (000: no answer)
  in_container curl -sS -o /dev/null --max-time 10 -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' --data-binary @- http://127.0.0.1:9095/ <<<"$1" 2>/dev/null
}
prop() { in_container systemctl show -P "$2" "$1"; }
main_pid() { prop self-heal.service MainPID; }

# --- a corrupt store: 503 with the cause, no exit, recovery without restart ----
body=$(it_payload --alertname NoHandlerHere --instance warm-up)
assert_eq 200 "$(post_status "$body")" "warm-up POST answered 200"
assert_ok in_container systemctl stop self-heal.service
db=/var/lib/self-heal/state.db
rm -f "$CT_ROOT$db-wal" "$CT_ROOT$db-shm"
head -c 16384 /dev/urandom >"$CT_ROOT$db"
alert=$(it_payload --alertname DiskSpaceLow --instance web-1)
assert_eq 503 "$(post_status "$alert")" "a POST against a corrupt store is answered 503"
pid=$(main_pid)
assert_that "serve still runs (MainPID $pid)" test "$pid" -gt 0
assert_eq 503 "$(post_status "$alert")" "the next POST is 503 too: nothing heals by itself"
assert_eq "$pid" "$(main_pid)" "the same serve answered both"
err=$(it_field "$(it_journal "MESSAGE_ID=$MSG_STORE" PRIORITY=3 | head -1)" MESSAGE)
assert_contains "$err" "is corrupt" "journaled at err with the cause: $err"
assert_contains "$err" "$db" "the message names the file"
for suffix in "" -wal -shm; do
  [[ -e $CT_ROOT$db$suffix ]] && mv "$CT_ROOT$db$suffix" "$CT_ROOT$db$suffix.corrupt"
done
answer=$(it_post "$alert")
assert_eq launch "$(it_decisions "$answer")" "after the file is moved aside the alert is decided: launch"
assert_eq "$pid" "$(main_pid)" "by the same serve, not a restarted one"

# --- the WAL index cut short under a running serve: 503, not SIGBUS ------------
assert_eq "$pid" "$(main_pid)" "serve still runs, its index mapped"
truncate -s 0 "$CT_ROOT$db-shm"
# An alert a handler matches: one no handler acts on reads nothing from the store.
assert_eq 503 "$(post_status "$alert")" "the POST that meets the lost index is answered 503"
exited() { [[ $(prop self-heal.service ActiveState) != active ]]; }
assert_that "serve stops by itself after answering" wait_until 10 exited
# ExecMainCode 1 is CLD_EXITED: an exit with a status, not a death by a signal.
assert_eq "1 1" "$(prop self-heal.service ExecMainCode) $(prop self-heal.service ExecMainStatus)" \
  "serve exited with status 1, not killed by SIGBUS"
lost=$(it_field "$(it_journal "MESSAGE_ID=$MSG_STORE" PRIORITY=3 | grep -F 'state.db-shm' | head -1)" MESSAGE)
assert_contains "$lost" "rebuilds the index" "journaled at err with the cause: $lost"
answer=$(it_post "$(it_payload --alertname NoHandlerHere --instance after-the-index)")
assert_contains "$answer" '"status":"ok"' "the next POST starts a new serve, which answers it"
assert_contains "$(in_container self-heal status)" "web-1" "what was committed before is still there"

# --- a crash burst fails the socket; it is journaled and the socket comes back ---
mkdir -p "$CT_ROOT/etc/systemd/system/self-heal-recover.service.d"
cat >"$CT_ROOT/etc/systemd/system/self-heal-recover.service.d/90-it-delay.conf" <<'EOF2'
[Service]
ExecStart=
ExecStart=/usr/bin/self-heal recover-socket 3s
EOF2
assert_ok in_container systemctl daemon-reload
socket_failed() { [[ $(prop self-heal.socket ActiveState) == failed ]]; }
kills=0
for ((i = 0; i < 7; i++)); do
  post_status "$body" >/dev/null
  socket_failed && break
  in_container systemctl kill -s KILL self-heal.service 2>/dev/null && kills=$((kills + 1))
  sleep 0.2
done
t_failed=$EPOCHREALTIME
diag "$kills SIGKILLs; socket $(prop self-heal.socket ActiveState) ($(prop self-heal.socket Result))"
socket_err() { (( $(it_count "MESSAGE_ID=$MSG_SOCKET" PRIORITY=3) >= 1 )); }
assert_that "the failed socket is journaled at err" wait_until 10 socket_err
entry=$(it_journal "MESSAGE_ID=$MSG_SOCKET" PRIORITY=3 | head -1)
assert_eq service-start-limit-hit "$(it_field "$entry" SELF_HEAL_REASON)" "SELF_HEAL_REASON is the socket's result"
assert_contains "$(it_field "$entry" MESSAGE)" "journalctl -u self-heal.service" "the message says where the cause is"
listening_again() { (( $(it_count "MESSAGE_ID=$MSG_SOCKET" PRIORITY=5) >= 1 )); }
assert_that "the socket is started again by itself" wait_until 20 listening_again
diag "failed -> listening again in $(_elapsed "$t_failed")s (recover delay 3s)"
assert_eq active "$(prop self-heal.socket ActiveState)" "self-heal.socket is active again"
answer=$(it_post "$body")
assert_contains "$answer" '"status":"ok"' "a POST is answered again"
