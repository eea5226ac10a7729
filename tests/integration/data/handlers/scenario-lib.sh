# shellcheck shell=bash
# scenario-lib.sh — helpers for the scenarios that run handlers under real systemd
# (tests/integration/scenarios/2*.sh). Source it after lib/harness.sh:
#
#   source "$(dirname "$0")/../lib/harness.sh"
#   source "$(dirname "$0")/../data/handlers/scenario-lib.sh"
#
#   it_boot PREFIX [NSPAWN_ARG...]   container_boot + container_install + the test
#                                    scripts of this directory in /usr/local/lib/self-heal-test
#                                    + /var/lib/prometheus/node-exporter (metrics textfile)
#                                    + self-heal.socket enabled, and with it
#                                    self-heal-escalations.path (no connection yet)
#   it_conf < TEXT                   writes /etc/self-heal/self-heal.conf    } before the first
#   it_handler NAME < TEXT           writes /etc/self-heal/handlers.d/NAME.conf } POST: serve reads
#                                                                           config at its start
#   it_payload [alerts.py payload options]   a webhook body (see alerts.py)
#   it_post BODY                     POST it to 127.0.0.1:9095 inside; prints the answer,
#                                    fails unless 2xx
#   it_decisions ANSWER              the decisions of an answer, space separated
#   it_unit HANDLER INSTANCE         self-heal-HANDLER-<8 hex of sha256(INSTANCE)>.service
#   it_journal FIELD=VALUE...        journalctl -o json inside (after --sync)
#   it_count FIELD=VALUE...          how many journal entries match
#   it_wait_count N SECS FIELD=VALUE...   wait until at least N entries match
#   it_status_field HANDLER INSTANCE FIELD   one field of one key ("" if no such key)
#   it_field JSON_LINES FIELD        the values of FIELD, one a line (a repeated journal
#                                    field, an array in -o json, gives its first value)
#   it_sql SQL                       sqlite3 -readonly on /var/lib/self-heal/state.db inside
#   it_in_range VALUE MIN MAX        VALUE is a whole number, MIN <= VALUE < MAX
#   it_serve_host_pid                the host PID of self-heal.service's main process
#                                    (for strace, which runs on the host)
#   it_traced PID                    PID has a tracer attached
#   it_assert_no_orphans             every recorded result matched its attempt (a result
#                                    that found none is an "orphan" row: an attempt was lost)

IT_DATA=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_BIN=/usr/local/lib/self-heal-test
# MESSAGE_IDs (src/journal/journal.cpp, fixed for ever), for the scenarios.
# shellcheck disable=SC2034
MSG_DECISION=fc08a64e5a85443ca51cf082462da06a MSG_RESULT=b837d6c21c114b43bbb983eae84df921 \
  MSG_ESCALATION=1a18ddbcd8854a9eb9581ee1f510f844 MSG_OPERATOR=9782b2831f8c463d80c794b282174bb0 \
  MSG_RECEIVED=9eef697a9a5749b9aab70f8d1784edfe

it_boot() {
  container_boot "$@"
  container_install "${HARNESS_BUILD_DIR:?set by run.sh BUILD_DIR}"
  local f
  # node_exporter's textfile directory, as on a host that has it: without it every
  # state change logs a warning (MESSAGE_ID of a store error) into the story.
  mkdir -p "$CT_ROOT$IT_BIN" "$CT_ROOT/var/lib/self-heal-test" \
    "$CT_ROOT/var/lib/prometheus/node-exporter"
  for f in "$IT_DATA"/*; do
    [[ $f == *scenario-lib.sh ]] && continue
    install -m 0755 "$f" "$CT_ROOT$IT_BIN/" || die "cannot install $f"
  done
  in_container systemctl enable --now self-heal.socket >/dev/null 2>&1 \
    || die "cannot enable self-heal.socket"
}

it_conf() { cat >"$CT_ROOT/etc/self-heal/self-heal.conf"; }
it_handler() { cat >"$CT_ROOT/etc/self-heal/handlers.d/$1.conf"; }
# it_exit_handlers "NAME ALERTNAME INSTANCE EXIT_CODE"...: one handler each, running
# test-handler with that exit code, MaxAttempts=3 within 1h.
it_exit_handlers() {
  local spec name alert inst code
  for spec in "$@"; do
    read -r name alert inst code <<<"$spec"
    it_handler "$name" <<EOF
[Match]
AlertName=$alert
Instance=$inst
[Run]
Exec=$IT_BIN/test-handler $code
TimeoutSec=20s
[Limit]
MaxAttempts=3
Window=1h
EOF
  done
}

it_payload() { /usr/bin/python3 "$IT_DATA/alerts.py" payload "$@"; }

it_post() {
  in_container curl -sS --max-time 10 --fail-with-body -X POST \
    -H 'Content-Type: application/json' --data-binary @- http://127.0.0.1:9095/ <<<"$1"
}

it_decisions() { jq -r '[.decisions[]?.decision] | join(" ")' <<<"$1" 2>/dev/null; }

it_unit() {
  echo "self-heal-$1-$(printf '%s' "$2" | sha256sum | cut -c1-8).service"
}

it_journal() {
  in_container journalctl --sync >/dev/null 2>&1
  in_container journalctl --no-pager -o json "$@" 2>/dev/null
}

it_count() {
  local n
  n=$(in_container journalctl --no-pager -o json "$@" 2>/dev/null | grep -c '^{')
  echo "${n:-0}"
}

_it_count_at_least() { (( $(it_count "${@:2}") >= $1 )); }
it_wait_count() {  # it_wait_count N SECS FIELD=VALUE...
  local n=$1 secs=$2; shift 2
  wait_until "$secs" _it_count_at_least "$n" "$@"
}

it_status_field() {
  in_container self-heal status --json 2>/dev/null |
    jq -r --arg h "$1" --arg i "$2" --arg f "$3" \
      'select(.handler == $h and .instance == $i) | .[$f] | if . == null then "null" else tostring end'
}

it_field() {
  jq -r --arg f "$2" '.[$f] | if type == "array" then .[0] else . end | select(. != null) | tostring' <<<"$1"
}

it_sql() { in_container sqlite3 -readonly /var/lib/self-heal/state.db "$1" 2>&1; }

it_assert_no_orphans() {
  local orphans
  orphans=$(it_sql "SELECT handler || ' ' || instance || ' ' || outcome FROM attempts WHERE orphan = 1")
  assert_eq "" "$orphans" "every result found its attempt in the store (no orphan results)"
}

it_serve_host_pid() {
  local main p ns
  main=$(in_container systemctl show -p MainPID --value self-heal.service)
  ns=$(readlink "/proc/$CT_LEADER/ns/pid")
  for p in $(pgrep -x self-heal); do
    [[ $(readlink "/proc/$p/ns/pid") == "$ns" ]] || continue
    [[ $(awk '/^NSpid:/ { print $NF }' "/proc/$p/status") == "$main" ]] && { echo "$p"; return; }
  done
}
it_traced() { [[ $(awk '/^TracerPid:/ { print $2 }' "/proc/$1/status" 2>/dev/null) != 0 ]]; }
it_in_range() { [[ $1 =~ ^[0-9]+$ ]] && (( $1 >= $2 && $1 < $3 )); }
