#!/bin/bash
# An HA pair as Debian runs it, here not clustered: two real Alertmanagers (distinct
# --web.external-url and ports, --cluster.listen-address= empty), Prometheus sending
# to both. Each posts ServiceDown: one run per notification round, the other copy is
# a duplicate. The service cannot be healed (ExecStartPre=/bin/false): exactly
# MaxAttempts=3 runs although both keep re-sending, and the SelfHealExhausted
# escalation reaches both Alertmanagers.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"
# shellcheck source=SCRIPTDIR/../data/chain.sh
source "$(dirname "$0")/../data/chain.sh"

it_boot chain-ha
chain_heal_handler restart-exporter
CHAIN_REPEAT_INTERVAL=4s CHAIN_ESCALATE_ALL=1
chain_setup --am a:9093 --am b:9094
assert_ok in_container self-heal check
assert_contains "$(in_container cat /etc/self-heal/self-heal.conf)" \
  "AlertmanagerURL=http://127.0.0.1:9093 http://127.0.0.1:9094" "self-heal escalates to both"
inst=$CHAIN_INSTANCE

# First, healable: both post, one run.
assert_ok in_container systemctl stop "$CHAIN_UNIT"
assert_that "both Alertmanagers posted ServiceDown" it_wait_count 2 20 "MESSAGE_ID=$MSG_RECEIVED"
assert_that "the service is healed" it_wait_count 1 20 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE="$inst"
remotes=$(it_journal "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE="$inst" | jq -r .SELF_HEAL_DECISION | sort | paste -sd ' ')
diag "decisions of the first round: $remotes"
assert_eq 1 "$(it_count "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE="$inst" SELF_HEAL_DECISION=launch)" \
  "one run for the two copies"
assert_contains " duplicate-notification duplicate-run " " $(it_journal "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE="$inst" | jq -r .SELF_HEAL_DECISION | grep -v launch | head -1) " \
  "the other copy is a duplicate (of the notification, or of the run still going)"
resolved_both() { (( $(it_count "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE="$inst" SELF_HEAL_DECISION=resolved) >= 2 )); }
assert_that "both send resolved" wait_until 20 resolved_both

# Then, not healable: both keep re-sending; the budget counts rounds, not copies.
assert_ok chain_break_service
t_broken=$EPOCHREALTIME
assert_ok in_container systemctl stop "$CHAIN_UNIT"
failed_runs() { it_count "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE="$inst" SELF_HEAL_RESULT=failed; }
three_failed() { (( $(failed_runs) >= 3 )); }
assert_that "three failed runs" wait_until 45 three_failed
# Rounds come every 6 s (repeat_interval 4s, flushed every group_interval 2s): three
# failures within two rounds would mean the copies counted.
t_first=$(chain_jtime "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE="$inst" SELF_HEAL_RESULT=failed)
t_third=$(in_container journalctl --no-pager -o json "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE="$inst" SELF_HEAL_RESULT=failed |
  sed -n 3p | jq -r '.__REALTIME_TIMESTAMP | tonumber / 1000000')
span=$(chain_elapsed "$t_first" "$t_third")
diag "decisions since the break: $(in_container journalctl --no-pager -o json --since "@${t_broken%.*}" "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE="$inst" | jq -r .SELF_HEAL_DECISION | paste -sd ' ')"
assert_that "the three failures took three rounds, not copies (${span}s from the first to the third, >= 9 s)" \
  awk -v s="$span" 'BEGIN { exit !(s >= 9) }'
esc_in() { chain_am_alerts "$1" | jq -e '.[] | select(.labels.alertname == "SelfHealExhausted")' >/dev/null; }
assert_that "SelfHealExhausted reaches Alertmanager a (9093)" wait_until 15 esc_in 9093
assert_that "SelfHealExhausted reaches Alertmanager b (9094)" wait_until 15 esc_in 9094
assert_that "re-sends are decided breaker-open" \
  it_wait_count 2 20 "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE="$inst" SELF_HEAL_DECISION=breaker-open
assert_eq 3 "$(failed_runs)" "exactly MaxAttempts=3 failed runs although two Alertmanagers re-send"
assert_eq 4 "$(it_count "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE="$inst" SELF_HEAL_DECISION=launch)" \
  "four runs in all (one healed, three failed)"
