#!/bin/bash
# A stopped systemd (SIGSTOP of the container's PID 1) makes no request wait: a healing
# alert is answered 503 within the request's 3 s for systemd, on a connection serve
# already had and on a new one, far below Alertmanager's 10 s timeout. (a) Stopped
# before the request: GetUnit times out, no start is sent, the retry after PID 1 runs
# again launches once. (b) Stopped between GetUnit and StartTransientUnit (strace
# holds the start's sendmsg): the start is sent and not answered, its attempt stays,
# no retry sends it again, and the handler runs exactly once.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"

MSG_LAUNCH_UNKNOWN=552fe17f76fa4b079ca8ce0ccc73362e
MSG_REJECTED=e6caf8bd9ec34ddcbc99946acc4f5e9a

# PID 1 of a PID namespace ignores SIGSTOP sent from inside it (the kernel forces
# SIGSTOP only from an ancestor namespace), so it is stopped from the host. Whatever
# happens, it runs again before the harness powers the container off.
resume_pid1() {
  [[ -n $CT_LEADER ]] && kill -CONT "$CT_LEADER" 2>/dev/null
  return 0
}
trap 'rc=$?; resume_pid1; (exit $rc); _harness_exit' EXIT

it_boot stopped

it_handler slow <<EOF
[Match]
AlertName=Stopped
Instance=s-1 s-2
[Run]
Exec=$IT_BIN/test-handler 0 15
TimeoutSec=60s
EOF
it_handler warm <<EOF
[Match]
AlertName=Warm
Instance=w-1
[Run]
Exec=$IT_BIN/test-handler 0
TimeoutSec=20s
EOF
assert_ok in_container self-heal check
# serve up, and connected to systemd by a launch, before systemd stops: a stopped
# PID 1 activates no socket.
assert_eq launch "$(it_decisions "$(it_post "$(it_payload --alertname Warm --instance w-1)")")" \
  "warm-up: serve runs and has launched over D-Bus"

pid1_state() { awk '/^State:/ { print $2 }' "/proc/$CT_LEADER/status"; }
pid1_stopped() { [[ $(pid1_state) == T ]]; }
body=$(it_payload --alertname Stopped --instance s-1)

# One POST as Alertmanager makes it (curl -m 10: its webhook timeout); prints
# "HTTP_CODE SECONDS".
post_timed() {
  in_container curl -sS -m 10 -o /dev/null -w '%{http_code} %{time_total}' -X POST \
    -H 'Content-Type: application/json' --data-binary @- http://127.0.0.1:9095/ <<<"$body"
}

kill -STOP "$CT_LEADER"
assert_that "the container's PID 1 is stopped" wait_until 5 pid1_stopped

read -r code1 secs1 < <(post_timed)
diag "PID 1 stopped, serve's connection open: HTTP $code1 after ${secs1}s"
assert_eq 503 "$code1" "the healing alert is answered 503 while systemd is stopped"
assert_that "within 5 s (${secs1}s; the bound is 3 s for systemd)" \
  awk -v s="$secs1" 'BEGIN { exit !(s != "" && s < 5) }'

read -r code2 secs2 < <(post_timed)
diag "PID 1 stopped, a new connection: HTTP $code2 after ${secs2}s"
assert_eq 503 "$code2" "the retry is answered 503 too"
assert_that "within 5 s as well (${secs2}s)" awk -v s="$secs2" 'BEGIN { exit !(s != "" && s < 5) }'
assert_that "PID 1 was stopped all along" pid1_stopped

kill -CONT "$CT_LEADER"
systemd_answers() { in_container timeout 2 systemctl is-system-running >/dev/null 2>&1; }
assert_that "PID 1 runs and answers again" wait_until 20 systemd_answers

reply=$(it_post "$body")
decision=$(it_decisions "$reply")
diag "(a) retry after PID 1 resumed: $decision"
assert_that "(a) the retry is answered 2xx as a duplicate-run or the one launch ($decision)" \
  test "$decision" == duplicate-run -o "$decision" == launch

runs_of() {
  it_journal SELF_HEAL_ALERTNAME=Stopped SELF_HEAL_INSTANCE="$1" |
    jq -rs '[.[] | select(.MESSAGE_ID == null and (.MESSAGE | tostring | startswith("self-heal-test start")))] | length'
}
assert_that "(a) the handler's result arrives" \
  it_wait_count 1 40 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=s-1
sleep 1
assert_eq 1 "$(runs_of s-1)" "(a) journal: the handler ran exactly once"
assert_eq 1 "$(it_count "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=s-1)" "(a) journal: one result"
assert_eq 0 "$(it_count "MESSAGE_ID=$MSG_LAUNCH_UNKNOWN" SELF_HEAL_INSTANCE=s-1)" \
  "(a) journal: no start was sent while PID 1 was stopped (GetUnit timed out first)"
assert_that "(a) journal: the requests while stopped were rejected as systemd-timeout" \
  test "$(it_count "MESSAGE_ID=$MSG_REJECTED" SELF_HEAL_REASON=systemd-timeout)" -ge 2

# --- (b) stopped between GetUnit and the start ---------------------------------------
body=$(it_payload --alertname Stopped --instance s-2)
unit=$(it_unit slow s-2)
if ! command -v strace >/dev/null; then
  _result 1 "strace is installed (scripts/install-deps): (b) needs it"
  exit
fi
it_post "$(it_payload --alertname NoHandlerHere --instance warm-up)" >/dev/null  # serve up
pid=$(it_serve_host_pid)
log=$HARNESS_WORKDIR/$CT_NAME.strace
# Every sendmsg of serve (journal entries, D-Bus) waits 0.25 s before it runs; strace
# logs one at its entry. Once the start's is logged, GetUnit has been answered, and
# PID 1 is stopped while the start waits to be sent.
strace -f -qq -s 300 -p "$pid" -e trace=sendmsg -e inject=sendmsg:delay_enter=250000 -o "$log" &
strace_pid=$!
assert_that "(b) strace holds serve's sendmsg calls" wait_until 5 it_traced "$pid"
post_timed >"$log.answer" &
curl_pid=$!
sending_start() { grep -q 'StartTransientUnit' "$log" 2>/dev/null; }
assert_that "(b) serve asked GetUnit and is sending the start" wait_until 5 sending_start
kill -STOP "$CT_LEADER"
wait "$curl_pid"
kill "$strace_pid" 2>/dev/null
wait "$strace_pid" 2>/dev/null
read -r code3 secs3 <"$log.answer"
diag "(b) PID 1 stopped after GetUnit: HTTP $code3 after ${secs3}s; GetUnit/start sendmsg calls: $(grep -c GetUnit "$log")/$(grep -c StartTransientUnit "$log")"
assert_eq 503 "$code3" "(b) the start systemd did not answer is answered 503"
# The receipt's entry (before the deadline is set) and the answer's entry each wait
# 0.25 s more here, and strace slows serve down.
assert_that "(b) within 6 s (${secs3}s, with strace's 0.25 s per sendmsg)" \
  awk -v s="$secs3" 'BEGIN { exit !(s != "" && s < 6) }'
rm -f "$log" "$log.answer"
read -r code4 secs4 < <(post_timed)
diag "(b) retry, PID 1 still stopped: HTTP $code4 after ${secs4}s"
assert_eq 503 "$code4" "(b) the retry while stopped is answered 503 and sends no start"
kill -CONT "$CT_LEADER"
assert_that "(b) PID 1 runs and answers again" wait_until 20 systemd_answers
reply=$(it_post "$body")
diag "(b) retry after PID 1 resumed: $(it_decisions "$reply")"
assert_that "(b) the handler's result arrives" \
  it_wait_count 1 40 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=s-2
sleep 1
assert_eq 1 "$(runs_of s-2)" "(b) journal: the handler ran exactly once"
assert_eq 1 "$(it_count "MESSAGE_ID=$MSG_LAUNCH_UNKNOWN" SELF_HEAL_UNIT="$unit")" \
  "(b) journal: one start systemd did not answer in time"
in_container journalctl --no-pager -o short-precise SELF_HEAL_ALERTNAME=Stopped -p notice | sed 's/^/#     /'
