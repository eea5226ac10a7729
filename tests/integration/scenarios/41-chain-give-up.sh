#!/bin/bash
# The real chain when healing cannot work: prometheus-node-exporter.service is stopped
# and broken (an ExecStartPre= that fails), so the shipped restart-service handler fails
# at every attempt. Alertmanager re-sends ServiceDown every repeat_interval; exactly
# MaxAttempts=3 runs happen, then the breaker opens and SelfHealExhausted is in the
# real Alertmanager (GET /api/v2/alerts) with the original labels, the handler, the
# attempts, the last result and the journalctl command. Alertmanager keeps re-sending
# ServiceDown: no further runs (breaker-open). The escalation alert, routed here back
# to self-heal's receiver, triggers nothing (decision no-handler).
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"
# shellcheck source=SCRIPTDIR/../data/chain.sh
source "$(dirname "$0")/../data/chain.sh"

it_boot chain-give-up
chain_heal_handler restart-exporter
# Re-sent every 4 s (the group is flushed every group_interval 2s); the escalation
# goes to self-heal's receiver instead of a person, to show it triggers nothing.
CHAIN_REPEAT_INTERVAL=4s
chain_setup --am-edit '^( +)receiver: oncall$@@\1receiver: self-heal@@1'
assert_ok in_container self-heal check
inst=$CHAIN_INSTANCE
unit=$(it_unit restart-exporter "$inst")

assert_ok chain_break_service
t0=$EPOCHREALTIME
assert_ok in_container systemctl stop "$CHAIN_UNIT"

launches() { it_count "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE="$inst" SELF_HEAL_DECISION=launch; }
assert_that "three runs (one per re-send from Alertmanager)" \
  it_wait_count 3 40 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE="$inst"
diag "three results $(_elapsed "$t0")s after the stop"
assert_eq "failed failed failed" \
  "$(it_journal "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE="$inst" | jq -r .SELF_HEAL_RESULT | paste -sd ' ')" \
  "each result is failed"
assert_contains "$(in_container journalctl --no-pager -o cat _SYSTEMD_UNIT="$unit")" \
  "systemctl restart $CHAIN_UNIT" "the handler tried the restart"
assert_eq "open 3 failed" \
  "$(it_status_field restart-exporter "$inst" breaker) $(it_status_field restart-exporter "$inst" attempts_in_window) $(it_status_field restart-exporter "$inst" last_result)" \
  "status: breaker open after 3 attempts, last result failed"

esc_in_am() { chain_am_alerts | jq -e '.[] | select(.labels.alertname == "SelfHealExhausted")' >/dev/null; }
assert_that "SelfHealExhausted is in Alertmanager (GET /api/v2/alerts)" wait_until 15 esc_in_am
esc=$(chain_am_alerts | jq -c '[.[] | select(.labels.alertname == "SelfHealExhausted")] | first')
diag "SelfHealExhausted labels: $(jq -c .labels <<<"$esc")"
assert_eq "$inst ServiceDown true critical $CHAIN_UNIT prometheus-node-exporter node restart-exporter" \
  "$(jq -r '.labels | "\(.instance) \(.original_alertname) \(.original_heal) \(.original_severity) \(.name) \(.service) \(.job) \(.self_heal_handler)"' <<<"$esc")" \
  "its labels: instance, the original alertname, heal, severity, name, service, job, and the handler"
assert_eq "3 failed $unit" "$(jq -r '.annotations | "\(.attempts) \(.last_result) \(.unit)"' <<<"$esc")" \
  "its annotations: attempts, last result, unit"
cmd=$(jq -r .annotations.journal <<<"$esc")
assert_contains "$cmd" "journalctl SELF_HEAL_FINGERPRINT=" "its annotations: the journalctl command"
# shellcheck disable=SC2086 # the command line of the annotation, as a person pastes it
assert_eq 3 "$(in_container ${cmd/journalctl/journalctl -o json} SELF_HEAL_DECISION=launch | grep -c '^{')" \
  "that command shows the three launches"
assert_eq active "$(jq -r .status.state <<<"$esc")" "it is active in Alertmanager"

# Routed back to self-heal (here): decided no-handler, nothing runs.
assert_that "the escalation, routed to self-heal's receiver, is decided no-handler" \
  it_wait_count 1 15 "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_ALERTNAME=SelfHealExhausted SELF_HEAL_DECISION=no-handler

# Alertmanager keeps re-sending ServiceDown: breaker-open, no fourth run.
assert_that "re-sends are decided breaker-open" \
  it_wait_count 2 20 "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE="$inst" SELF_HEAL_DECISION=breaker-open
assert_eq 3 "$(launches)" "still exactly three runs"
assert_eq 3 "$(it_count "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE="$inst")" "and three results"
assert_eq 0 "$(it_count "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_ALERTNAME=SelfHealExhausted SELF_HEAL_DECISION=launch)" \
  "the escalation launched nothing"
assert_eq 1 "$(it_count "MESSAGE_ID=$MSG_ESCALATION" SELF_HEAL_INSTANCE="$inst" SELF_HEAL_REASON=delivered)" \
  "one escalation delivered"
status=$(in_container self-heal status 2>&1)
diag "self-heal status: ${status//$'\n'/ | }"
assert_contains "$status" "restart-exporter" "self-heal status shows the handler"
it_assert_no_orphans
