#!/bin/bash
# The real chain with a handler that exits 0 and fixes nothing: the service stays
# stopped, Prometheus keeps ServiceDown firing, Alertmanager re-sends it. Each run is
# counted as not healed (no resolved notification within VerifySec=3s), the breaker
# opens after MaxAttempts=3, and SelfHealExhausted reaches the real Alertmanager.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"
# shellcheck source=SCRIPTDIR/../data/chain.sh
source "$(dirname "$0")/../data/chain.sh"

it_boot chain-exit0
inst=$CHAIN_INSTANCE
it_handler pretend <<HANDLER_END
[Match]
AlertName=ServiceDown
Instance=$inst
[Run]
Exec=$IT_BIN/test-handler 0
TimeoutSec=20s
Mode=run
[Limit]
VerifySec=3s
MaxAttempts=3
Window=1h
HANDLER_END
CHAIN_REPEAT_INTERVAL=4s
chain_setup
assert_ok in_container self-heal check

assert_ok in_container systemctl stop "$CHAIN_UNIT"
assert_that "three runs, one per re-send" it_wait_count 3 40 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE="$inst"
assert_eq "0 0 0" "$(it_journal "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE="$inst" | jq -r .SELF_HEAL_EXIT_STATUS | paste -sd ' ')" \
  "each run exited 0"
breaker_open() { [[ $(it_status_field pretend "$inst" breaker) == open ]]; }
assert_that "the breaker opens after the budget (no resolved within VerifySec=)" wait_until 10 breaker_open
last=$(it_status_field pretend "$inst" last_result)
assert_that "status: there is a last result, and it is not healed ($last)" test -n "$last" -a "$last" != healed
esc_in_am() { chain_am_alerts | jq -e '.[] | select(.labels.alertname == "SelfHealExhausted")' >/dev/null; }
assert_that "a human is told: SelfHealExhausted in Alertmanager" wait_until 15 esc_in_am
esc=$(chain_am_alerts | jq -c '[.[] | select(.labels.alertname == "SelfHealExhausted")] | first')
assert_eq "3 pretend" "$(jq -r '"\(.annotations.attempts) \(.labels.self_heal_handler)"' <<<"$esc")" \
  "its annotations: 3 attempts, the handler"
last=$(jq -r '.annotations.last_result // ""' <<<"$esc")
assert_that "its last result is given, and not healed ($last)" test -n "$last" -a "$last" != healed
assert_that "re-sends are decided breaker-open" \
  it_wait_count 1 15 "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE="$inst" SELF_HEAL_DECISION=breaker-open
assert_eq 3 "$(it_count "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE="$inst" SELF_HEAL_DECISION=launch)" "exactly three runs"
assert_eq inactive "$(in_container systemctl is-active "$CHAIN_UNIT")" "$CHAIN_UNIT is still stopped"
