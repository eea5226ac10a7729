#!/bin/bash
# 50 concurrent POSTs of the same alert are all answered 2xx and launch exactly one
# unit: one launch decision, one handler run; the others are duplicates. Once with
# the service not running (the 50 connections queue on the socket while systemd
# starts it), once with it warm.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"

it_boot concurrent

it_handler same <<EOF
[Match]
AlertName=Same
Instance=c-1
[Run]
Exec=$IT_BIN/test-handler 0 2
TimeoutSec=20s
EOF
assert_ok in_container self-heal check
unit=$(it_unit same c-1)
fp=$(it_payload --alertname Same --instance c-1 | jq -r '.alerts[0].fingerprint')

storm() {  # storm ROUND STARTS: 50 POSTs of the same notification at once
  local round=$1 starts=$2 out
  out=$(in_container python3 "$IT_BIN/alerts.py" same --count 50 --alertname Same --instance c-1 --starts "$starts")
  diag "round $round: $(jq -c '[.results[] | (.decisions | join(",")) + "/" + (.status | tostring)] | group_by(.) | map({(.[0]): length}) | add' <<<"$out")"
  assert_eq 50 "$(jq '[.results[] | select(.status >= 200 and .status < 300)] | length' <<<"$out")" \
    "round $round: all 50 answered 2xx"
  assert_eq 1 "$(jq '[.results[] | select(.decisions == ["launch"])] | length' <<<"$out")" \
    "round $round: exactly one answer says launch"
  assert_eq 49 "$(jq '[.results[] | select(.decisions == ["duplicate-run"] or .decisions == ["duplicate-notification"])] | length' <<<"$out")" \
    "round $round: the 49 others say duplicate-run or duplicate-notification"
}
runs() { it_count _SYSTEMD_UNIT="$unit" MESSAGE="self-heal-test end exit=0"; }

assert_eq inactive "$(in_container systemctl is-active self-heal.service)" "serve is not running before round 1"
storm 1 1
assert_that "round 1: the run finishes" it_wait_count 1 10 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_FINGERPRINT="$fp"
assert_eq 1 "$(it_count "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_FINGERPRINT="$fp" SELF_HEAL_DECISION=launch)" \
  "round 1: the journal has exactly one launch decision"
assert_eq 50 "$(it_count "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_FINGERPRINT="$fp")" \
  "round 1: and 50 decisions in all"
assert_eq 1 "$(runs)" "round 1: the handler ran once"

assert_eq active "$(in_container systemctl is-active self-heal.service)" "serve is up for round 2"
storm 2 2
assert_that "round 2: the run finishes" it_wait_count 2 10 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_FINGERPRINT="$fp"
sleep 0.5
assert_eq 2 "$(it_count "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_FINGERPRINT="$fp" SELF_HEAL_DECISION=launch)" \
  "after round 2: exactly two launch decisions in all"
assert_eq 2 "$(it_count "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_FINGERPRINT="$fp")" "two results in all"
assert_eq 2 "$(runs)" "the handler ran twice in all (once per round)"
assert_eq "done 2 null" \
  "$(it_status_field same c-1 last_result) $(it_status_field same c-1 attempts_in_window) $(it_status_field same c-1 running_unit)" \
  "status: done (both exit-0 attempts count until the alert resolves), nothing running"
assert_eq resolved "$(it_decisions "$(it_post "$(it_payload --alertname Same --instance c-1 --starts 2 --status resolved)")")" \
  "the alert resolves"
assert_eq "healed 0 null" \
  "$(it_status_field same c-1 last_result) $(it_status_field same c-1 attempts_in_window) $(it_status_field same c-1 running_unit)" \
  "status: healed, budget reset, nothing running"

it_assert_no_orphans
