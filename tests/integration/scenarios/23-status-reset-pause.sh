#!/bin/bash
# The operator's commands against a live service: `status --json` per key (attempts in
# the window, breaker, last result and time, the running unit), `reset HANDLER
# INSTANCE` and `reset --all` close breakers so the next notification launches,
# `pause --for` / `resume` stop and restart launches, each action journaled with
# the caller's uid; a Mode=dry-run handler is decided and journaled but never runs.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"

it_boot operator

it_conf <<'EOF'
[Escalation]
AlertmanagerURL=http://127.0.0.1:19093
EOF
handler() {  # handler NAME ALERTNAME "INSTANCES" "EXEC ARGS" [EXTRA_RUN_LINE]
  it_handler "$1" <<EOF
[Match]
AlertName=$2
Instance=$3
[Run]
Exec=$IT_BIN/test-handler $4
TimeoutSec=20s
${5:-}
EOF
}
handler slow Slow s-1 "0 3"
handler gu GiveUp "g-1 g-2" "2"
handler fine Fine f-1 "0"
handler dry Dry d-1 "0" "Mode=dry-run"
assert_ok in_container self-heal check

st() { it_status_field "$@"; }
runs() { it_count SELF_HEAL_INSTANCE="$1" _SYSTEMD_UNIT="$(it_unit "$2" "$1")" MESSAGE="self-heal-test end exit=$3"; }
actions() { it_count "MESSAGE_ID=$MSG_OPERATOR" "$@"; }
post() {  # post ALERTNAME INSTANCE STARTS -> decisions
  it_decisions "$(it_post "$(it_payload --alertname "$1" --instance "$2" --starts "$3")")"
}
iso_time() { [[ $1 =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$ ]]; }

# Fresh install, the service never started yet: nothing to show, but no error either.
before=$(in_container self-heal status --json 2>&1); rc=$?
assert_eq "0/" "$rc/$before" "status --json before the first alert: exit 0, no keys"

# --- status of a running, then finished, handler --------------------------------------
slow_unit=$(it_unit slow s-1)
assert_eq launch "$(post Slow s-1 1)" "Slow is launched"
assert_eq "Slow running $slow_unit 1 closed" \
  "$(st slow s-1 alertname) $(st slow s-1 last_result) $(st slow s-1 running_unit) $(st slow s-1 attempts_in_window) $(st slow s-1 breaker)" \
  "status while it runs: last_result running, running_unit, 1 attempt, breaker closed"
assert_that "status while it runs: last_time is an RFC 3339 time" iso_time "$(st slow s-1 last_time)"
assert_that "Slow finishes" it_wait_count 1 10 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=s-1
assert_eq "done null 1 closed null" \
  "$(st slow s-1 last_result) $(st slow s-1 running_unit) $(st slow s-1 attempts_in_window) $(st slow s-1 breaker) $(st slow s-1 breaker_opened_at)" \
  "status after the exit 0: done (still counting), nothing running, breaker closed"
assert_that "status after the exit 0: verify_until is an RFC 3339 time" iso_time "$(st slow s-1 verify_until)"
assert_eq resolved "$(it_decisions "$(it_post "$(it_payload --alertname Slow --instance s-1 --starts 1 --status resolved)")")" \
  "Slow resolves"
assert_eq "healed null 0 closed null" \
  "$(st slow s-1 last_result) $(st slow s-1 running_unit) $(st slow s-1 attempts_in_window) $(st slow s-1 breaker) $(st slow s-1 breaker_opened_at)" \
  "status after the resolve: healed (budget reset), nothing running, breaker closed"
assert_that "status after the resolve: resolved_at is an RFC 3339 time" iso_time "$(st slow s-1 resolved_at)"
assert_that "status after: last_time is an RFC 3339 time" iso_time "$(st slow s-1 last_time)"

# --- reset HANDLER INSTANCE -------------------------------------------------------
assert_eq launch "$(post GiveUp g-1 1)" "GiveUp g-1 is launched"
assert_that "it gives up" it_wait_count 1 10 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=g-1
assert_eq "open 1 gave-up" "$(st gu g-1 breaker) $(st gu g-1 attempts_in_window) $(st gu g-1 last_result)" \
  "status: g-1 breaker open after exit 2"
assert_that "status: breaker_opened_at is a time" iso_time "$(st gu g-1 breaker_opened_at)"
assert_eq breaker-open "$(post GiveUp g-1 2)" "the next g-1 notification is breaker-open"
assert_ok in_container self-heal reset gu g-1
assert_eq "closed 0 null" "$(st gu g-1 breaker) $(st gu g-1 attempts_in_window) $(st gu g-1 breaker_opened_at)" \
  "status after reset: closed, no attempts in the window"
reset=$(it_journal "MESSAGE_ID=$MSG_OPERATOR" SELF_HEAL_ACTION=reset)
assert_eq "0 gu g-1" "$(it_field "$reset" SELF_HEAL_CALLER_UID) $(it_field "$reset" SELF_HEAL_HANDLER) $(it_field "$reset" SELF_HEAL_INSTANCE)" \
  "reset is journaled with SELF_HEAL_CALLER_UID=0, handler and instance"
assert_eq launch "$(post GiveUp g-1 3)" "after reset the next g-1 notification launches"
assert_that "that run finishes" it_wait_count 2 10 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=g-1
assert_fail in_container self-heal reset gu no-such-instance
assert_fail in_container self-heal reset gu

# --- reset --all ------------------------------------------------------------------
assert_eq launch "$(post GiveUp g-2 1)" "GiveUp g-2 is launched"
assert_that "it gives up" it_wait_count 1 10 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=g-2
assert_eq "open open" "$(st gu g-1 breaker) $(st gu g-2 breaker)" "two breakers open"
assert_ok in_container self-heal reset --all
assert_eq "closed closed closed" "$(st gu g-1 breaker) $(st gu g-2 breaker) $(st slow s-1 breaker)" \
  "reset --all closes every breaker"
assert_eq 2 "$(actions SELF_HEAL_ACTION=reset SELF_HEAL_CALLER_UID=0)" "reset --all is journaled too"
assert_eq "launch launch" "$(post GiveUp g-1 4) $(post GiveUp g-2 2)" "both launch again"
assert_that "both runs finish" it_wait_count 4 10 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_HANDLER=gu

# --- pause / resume ---------------------------------------------------------------
assert_fail in_container self-heal pause --for soon
assert_ok in_container self-heal pause --for 1h
pause=$(it_journal "MESSAGE_ID=$MSG_OPERATOR" SELF_HEAL_ACTION=pause)
assert_eq 0 "$(it_field "$pause" SELF_HEAL_CALLER_UID)" "pause is journaled with SELF_HEAL_CALLER_UID=0"
assert_eq paused "$(post Fine f-1 1)" "while paused: decision paused"
journaled=$(it_journal "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE=f-1)
assert_eq paused "$(it_field "$journaled" SELF_HEAL_DECISION)" "the journal says paused"
assert_eq breaker-open "$(post GiveUp g-2 3)" "while paused, an open breaker still reads breaker-open"
sleep 1
assert_eq 0 "$(runs f-1 fine 0)" "nothing ran while paused"
assert_eq "" "$(st fine f-1 attempts_in_window)" "no attempt recorded while paused"
assert_ok in_container self-heal resume
assert_eq 1 "$(actions SELF_HEAL_ACTION=resume SELF_HEAL_CALLER_UID=0)" "resume is journaled with SELF_HEAL_CALLER_UID=0"
assert_eq launch "$(post Fine f-1 2)" "after resume: launch"
assert_that "and it runs" it_wait_count 1 10 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=f-1
assert_eq 1 "$(runs f-1 fine 0)" "exactly one run of Fine"
assert_ok in_container self-heal pause
assert_eq paused "$(post Fine f-1 3)" "pause without --for pauses too"
assert_ok in_container self-heal resume

# --- dry-run ----------------------------------------------------------------------
assert_eq dry-run "$(post Dry d-1 1)" "a Mode=dry-run handler is decided dry-run"
journaled=$(it_journal "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE=d-1)
assert_eq "dry-run dry" "$(it_field "$journaled" SELF_HEAL_DECISION) $(it_field "$journaled" SELF_HEAL_HANDLER)" \
  "the journal says dry-run, with the handler"
assert_eq dry-run "$(post Dry d-1 2)" "and stays dry-run (uses no attempts)"
sleep 1
assert_eq 0 "$(it_count _SYSTEMD_UNIT="$(it_unit dry d-1)")" "nothing ran for the dry-run handler"
assert_eq 0 "$(it_count "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=d-1)" "no result for it"
assert_eq "" "$(st dry d-1 attempts_in_window)" "no attempt recorded for it"

diag "final status:"
in_container self-heal status 2>&1 | sed 's/^/#   /'

it_assert_no_orphans
