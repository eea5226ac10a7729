#!/bin/bash
# A handler that outlives TimeoutSec= is killed with its whole process tree (children
# in their own session included), counted as a failure, and journaled with
# SERVICE_RESULT=timeout. A tree that ignores SIGTERM is gone soon after the timeout
# as well, not after systemd's default 90 s stop timeout.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"

it_boot timeout

it_handler hang <<EOF
[Match]
AlertName=Hang
Instance=h-1
[Run]
Exec=$IT_BIN/hang-handler
TimeoutSec=2s
EOF
it_handler hangterm <<EOF
[Match]
AlertName=HangTerm
Instance=h-2
[Run]
Exec=$IT_BIN/hang-handler ignore-term
TimeoutSec=2s
EOF
assert_ok in_container self-heal check

marker='sleep 2718281'
sleeps_in() {  # the marked sleeps running in unit $1, one "UNIT ARGS" a line
  in_container ps -eo unit:70,args --no-headers | awk -v u="$1" '$1 == u && $2 == "sleep" && $3 ~ /^2718281/ { print $1, $2, $3 }'
}
three_sleeps_in() { [[ $(sleeps_in "$1" | wc -l) == 3 ]]; }
no_marked_process() { ! in_container pgrep -f "$marker" >/dev/null; }

# --- TERM honoured: killed at TimeoutSec ------------------------------------------
unit=$(it_unit hang h-1)
t0=$EPOCHREALTIME
answer=$(it_post "$(it_payload --alertname Hang --instance h-1)")
assert_eq launch "$(it_decisions "$answer")" "Hang is launched"
assert_that "the handler and its two children (one in its own session) run in $unit" \
  wait_until 3 three_sleeps_in "$unit"
diag "$(sleeps_in "$unit" | paste -sd';')"
assert_eq "running/$unit" "$(it_status_field hang h-1 last_result)/$(it_status_field hang h-1 running_unit)" \
  "while it runs, status shows last_result running and the running unit"
assert_that "the result arrives after the timeout" \
  it_wait_count 1 8 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=h-1
diag "result after $(_elapsed "$t0") s"
assert_that "no marked sleep is left anywhere in the container" wait_until 1 no_marked_process
assert_eq not-found "$(in_container systemctl show -p LoadState --value "$unit")" \
  "the unit is gone (and its cgroup with it)"
assert_that "no cgroup of $unit is left" \
  in_container test ! -e "/sys/fs/cgroup/systemd/system.slice/$unit"

result=$(it_journal "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=h-1)
assert_eq "failed/timeout" "$(it_field "$result" SELF_HEAL_RESULT)/$(it_field "$result" SELF_HEAL_SERVICE_RESULT)" \
  "journal: SELF_HEAL_RESULT=failed, SELF_HEAL_SERVICE_RESULT=timeout"
duration=$(it_field "$result" SELF_HEAL_DURATION_MS)
assert_that "the run lasted about TimeoutSec=2s ($duration ms)" \
  it_in_range "$duration" 1900 5000
assert_eq "failed 1 closed null" \
  "$(it_status_field hang h-1 last_result) $(it_status_field hang h-1 attempts_in_window) $(it_status_field hang h-1 breaker) $(it_status_field hang h-1 running_unit)" \
  "status: last_result failed, attempts 1, breaker closed, nothing running"

# --- TERM ignored: SIGKILL must follow soon ---------------------------------------
unit2=$(it_unit hangterm h-2)
t0=$EPOCHREALTIME
answer=$(it_post "$(it_payload --alertname HangTerm --instance h-2)")
assert_eq launch "$(it_decisions "$answer")" "HangTerm is launched"
assert_that "its three sleeps run in $unit2" wait_until 3 three_sleeps_in "$unit2"
assert_that "a tree that ignores SIGTERM is gone within 10 s of the launch (TimeoutSec=2s)" \
  wait_until 10 no_marked_process
diag "after $(_elapsed "$t0") s: $(in_container systemctl show -p ActiveState,SubState,Result,TimeoutStopUSec "$unit2" | paste -sd' ')"
if ! no_marked_process; then
  in_container systemctl kill -s KILL "$unit2"   # so the test and its teardown end now
fi
assert_that "its result arrives" it_wait_count 1 5 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=h-2
result=$(it_journal "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=h-2)
diag "HangTerm result: $(it_field "$result" SELF_HEAL_RESULT) $(it_field "$result" SELF_HEAL_SERVICE_RESULT) after $(it_field "$result" SELF_HEAL_DURATION_MS) ms"
assert_eq "failed/timeout" "$(it_field "$result" SELF_HEAL_RESULT)/$(it_field "$result" SELF_HEAL_SERVICE_RESULT)" \
  "HangTerm: failed, SERVICE_RESULT=timeout"

it_assert_no_orphans
